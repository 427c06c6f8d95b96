"""A batch's input: a JSON Lines file (or standard input) or a folder of ``.txt`` files, read one
article at a time so that a corpus never has to fit in memory.

An unusable entry (a line that is not JSON, has no ``text``, repeats an ``id``; a file that is
not UTF-8 text) becomes a `BadInput` naming its line or file, and reading goes on: one bad line
costs that line, never the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from summarizer.core.errors import InputError, SummarizerError, one_line
from summarizer.text.ingest import Article, make_article, read_article


@dataclass(frozen=True)
class Position:
    """Where an entry is in the input: a line of the JSONL (from 1) or a file of the folder."""

    line: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}" if self.line is not None else str(self.file)

    def as_fields(self) -> dict[str, int | str]:
        return {"line": self.line} if self.line is not None else {"file": str(self.file)}


@dataclass(frozen=True)
class Pending:
    """An article ready to summarize."""

    article: Article
    position: Position


@dataclass(frozen=True)
class BadInput:
    """An entry that cannot be summarized, and why (a one-line message naming its position)."""

    position: Position
    article_id: str | None
    raw_sha256: str
    """Hash of the entry as read, so a re-run recognises the same bad entry as already reported."""
    message: str


Item = Pending | BadInput


class _Line(BaseModel):
    """One JSONL entry; fields it does not know are ignored (a scraper's extra columns)."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr | None = None
    text: StrictStr
    title: StrictStr | None = None
    source: StrictStr | None = None
    published: dt.date | None = None


def read_items(source: str, *, stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Every entry of ``source`` in order: ``-`` (JSONL on standard input), a folder of
    ``.txt`` files (ids are the file names' stems) or a JSONL file. A source that cannot be
    found is an `InputError` for the whole run, raised here, before anything is read."""
    if source == "-":
        return _jsonl(stdin if stdin is not None else sys.stdin.buffer, "<stdin>")
    path = Path(source)
    if path.is_dir():
        files = _text_files(path)
        if not files:
            raise InputError(f"{source}: no .txt files in this folder")
        return _folder(files)
    if not path.exists():
        raise InputError(f"{source}: no such file or folder")
    return _lines_of(path)


def _lines_of(path: Path) -> Iterator[Item]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        yield from _jsonl(handle, str(path))


def count_entries(source: str) -> int | None:
    """How many entries ``source`` holds (for a progress bar's ETA), by a quick pass that parses
    nothing; None for standard input or a source that cannot be read."""
    path = Path(source)
    try:
        if source == "-":
            return None
        if path.is_dir():
            return len(_text_files(path))
        with path.open("rb") as handle:
            return sum(1 for raw in handle if raw.strip())
    except OSError:
        return None


def _text_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".txt" and not p.name.startswith("."))


def _folder(files: list[Path]) -> Iterator[Item]:
    for path in files:
        position = Position(file=path.name)
        try:
            yield Pending(read_article(str(path)), position)
        except SummarizerError as exc:
            raw = hashlib.sha256(path.name.encode()).hexdigest()
            yield BadInput(position, path.stem, raw, str(exc))


def _jsonl(stream: BinaryIO, name: str) -> Iterator[Item]:
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        position = Position(line=number)
        digest = hashlib.sha256(raw.rstrip(b"\r\n")).hexdigest()
        try:
            entry = _parse(raw, f"{name}: line {number}", first=number == 1)
            article = make_article(
                entry.text,
                id=entry.id,
                title=entry.title,
                source=entry.source,
                published=entry.published,
                origin=f"{name}: line {number}",
            )
        except InputError as exc:
            yield BadInput(position, _id_if_any(raw), digest, str(exc))
            continue
        first = first_line_of.setdefault(article.id, number)
        if first != number:
            message = f"{name}: line {number}: duplicate id {article.id!r} (first on line {first}); skipped"
            yield BadInput(position, article.id, digest, message)
            continue
        yield Pending(article, position)


def _parse(raw: bytes, where: str, *, first: bool) -> _Line:
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not valid UTF-8 (byte offset {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise InputError(f"{where}: not a JSON object")
    if "text" not in value:
        raise InputError(f'{where}: no "text" field')
    try:
        return _Line.model_validate(value)
    except ValidationError as exc:
        raise InputError(f"{where}: {one_line(exc.errors())}") from None


def _id_if_any(raw: bytes) -> str | None:
    """The id of a line that failed, when it has a readable one (for the error record)."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None
