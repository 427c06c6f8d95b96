"""Files the program writes: names safe by bytes and never shared within a run, temporary files
that nobody can predict or redirect, and an eval cache that removes only its own files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from summarizer.model.recording import Cassette
from summarizer.records.writers import DirectorySink, Failure, write_atomically


def failure(article_id: str) -> Failure:
    return Failure(origin=f"{article_id}.txt", article_id=article_id, code="input_error", message="empty")


def test_names_are_cut_by_utf8_bytes_with_room_for_every_suffix(tmp_path: Path) -> None:
    sink = DirectorySink(tmp_path, "json")
    long_id = "ß" + "文" * 200  # 602 bytes
    paths = [sink.write(failure(long_id)) for _ in range(12)]
    assert len({p.name for p in paths}) == 12
    assert paths[11].name.endswith("-12.error.json")
    for path in paths:
        assert len(path.name.encode()) <= 255
        assert path.name.encode().decode() == path.name  # no character cut in half
        assert path.is_file()


def test_an_id_ending_in_error_never_takes_an_error_records_name(tmp_path: Path) -> None:
    sink = DirectorySink(tmp_path, "json")
    names = [sink.write(failure(i)).name for i in ("x", "x.error", "X.ERROR", "x")]
    assert names == ["x.error.json", "x_error.error.json", "X_ERROR-2.error.json", "x-2.error.json"]


def test_names_differing_only_in_case_are_distinct_files(tmp_path: Path) -> None:
    sink = DirectorySink(tmp_path, "json")
    assert [sink.write(failure(i)).name for i in ("Report", "report")] == [
        "Report.error.json",
        "report-2.error.json",
    ]


def test_written_files_are_whole_ordinary_files_and_no_temporary_is_left(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_atomically(path, "{}\n")
    assert path.read_text(encoding="utf-8") == "{}\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_write_that_fails_leaves_neither_the_file_nor_a_temporary(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        write_atomically(tmp_path / "a.json", "\ud800")
    assert list(tmp_path.iterdir()) == []


def test_the_eval_cache_removes_only_its_own_stale_files(tmp_path: Path) -> None:
    others = [
        "a.b.0123456789abcdef.json",  # fixture "a.b", not "a"
        "a.notes.json",  # someone else's JSON
        "a.0123456789ABCDEF.json",  # not a key this cache writes
        "a.0123456789abcdef0.json",  # seventeen digits
    ]
    for name in [*others, "a.fedcba9876543210.json"]:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    cassette = Cassette.open(tmp_path, "a", {"model": "m"}, "0" * 64, "through")
    cassette.save(1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, cassette.path.name])
