"""A batch's output file, which is also its record of what is done.

Each finished article is one line, appended with a single ``write`` and flushed to disk before
the next: a ``kill -9`` can only lose the article under way, never half a line that a reader
would take for whole (a line cut short by a crash is cut off on the next start). Beside it,
``OUT.batch.json`` holds the run's key: provider, model, prompt version and every setting
that changes a record (`output_identity`). Re-running with the same key skips every article
already in the file (same id, same text); a different key (another model, edited prompts)
means the records in the file are not what this run would write, so the file is moved aside
and every article runs again.

Lines are the contract record, or an error: ``{"id", "sha256", "line" | "file", "error":
{"code", "message"}}`` for an article that failed, ``{"id", "input_sha256", "line" | "file",
"error"}`` for an entry that could not be read as an article.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.app.batch_input import BadInput, Item, Pending
from summarizer.core.errors import InputError
from summarizer.records.writers import write_atomically

Key = tuple[str, str, str]
"""("article", id, sha256 of the text) or ("input", line or file, sha256 of the entry)."""


def item_key(item: Item) -> Key:
    if isinstance(item, Pending):
        return ("article", item.article.id, item.article.sha256)
    return ("input", str(item.position), item.raw_sha256)


def line_key(entry: dict[str, Any]) -> Key | None:
    """The key of a line read back from the file; None for a line this module did not write."""
    if isinstance(entry.get("article"), dict) and "schema_version" in entry:
        return ("article", str(entry["article"].get("id")), str(entry["article"].get("sha256")))
    if "error" in entry and "sha256" in entry:
        return ("article", str(entry.get("id")), str(entry["sha256"]))
    if "error" in entry and "input_sha256" in entry:
        where = f"line {entry['line']}" if "line" in entry else str(entry.get("file"))
        return ("input", where, str(entry["input_sha256"]))
    return None


def run_key(identity: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def bad_input_line(item: BadInput) -> str:
    error = {"code": InputError.code, "message": item.message}
    body = {"id": item.article_id, **item.position.as_fields(), "input_sha256": item.raw_sha256}
    return json.dumps({**body, "error": error}, ensure_ascii=False)


def failure_line(item: Pending, code: str, message: str) -> str:
    article = item.article
    body = {"id": article.id, "sha256": article.sha256, **item.position.as_fields()}
    return json.dumps({**body, "error": {"code": code, "message": message}}, ensure_ascii=False)


@dataclass
class Journal:
    """The output file, open for appending, with the keys of the articles it already holds."""

    path: Path
    done: set[Key] = field(default_factory=set)
    failed: set[Key] = field(default_factory=set)
    moved_aside: Path | None = None
    """Where an earlier run's file went because it was made with another key."""
    _fd: int = -1

    @classmethod
    def open(cls, path: Path, identity: dict[str, Any], *, retry_failed: bool = False) -> Journal:
        """Resumes ``path`` if it was written with this ``identity``; starts it otherwise."""
        key = run_key(identity)
        meta = path.with_name(path.name + ".batch.json")
        journal = cls(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > 0:
                journal._resume(meta, key, retry_failed)
            write_atomically(meta, json.dumps({"run_key": key, "identity": identity}, indent=1) + "\n")
            journal._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise InputError(
                f"{exc.filename or path}: cannot write the output ({exc.strerror or exc})"
            ) from None
        return journal

    def _resume(self, meta: Path, key: str, retry_failed: bool) -> None:
        if not meta.is_file():
            raise InputError(
                f"{self.path}: exists and was not written by summarize batch (no {meta.name}); "
                "choose another --out or remove it"
            )
        earlier = json.loads(meta.read_text(encoding="utf-8")).get("run_key")
        if earlier != key:
            self.moved_aside = self.path.with_name(f"{self.path.stem}.{earlier}{self.path.suffix}")
            os.replace(self.path, self.moved_aside)
            os.replace(meta, self.moved_aside.with_name(self.moved_aside.name + ".batch.json"))
            return
        kept: list[str] = []
        for line, entry in _complete_lines(self.path):
            found = line_key(entry) if entry is not None else None
            if entry is None or found is None:
                continue  # not ours (or damaged): dropped below, its article runs again
            if "error" in entry:
                if retry_failed:
                    continue
                self.failed.add(found)
            self.done.add(found)
            kept.append(line)
        if retry_failed or len(kept) != _line_count(self.path):
            write_atomically(self.path, "".join(kept))

    def append(self, line: str) -> None:
        """One whole line, in one write, on disk before this returns."""
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _complete_lines(path: Path) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Each line that ends in a newline, parsed; a last line without one was cut short by a
    crash and is left out (the rewrite that follows drops it)."""
    with path.open("r", encoding="utf-8", errors="replace", newline="\n") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return
            entry = None
            with contextlib.suppress(ValueError):
                parsed = json.loads(line)
                entry = parsed if isinstance(parsed, dict) else None
            yield line, entry


def _line_count(path: Path) -> int:
    """Lines in the file, counting a last one cut short."""
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
