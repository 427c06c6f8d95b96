"""Reading articles: files, standard input or strings, turned into checked `Article` values.

Every way an input can be unusable gets its own one-line message naming the input, so a batch
run can report it and carry on with the other files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from summarizer.core.errors import InputError

MAX_ARTICLE_BYTES = 5 * 1024 * 1024
"""Far above any news article; stops a mistaken multi-gigabyte file before it is read whole."""

_TEXT_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}


@dataclass(frozen=True)
class Article:
    """The exact text that every evidence offset refers to, with the caller's metadata."""

    id: str
    text: str
    sha256: str
    title: str | None = None
    source: str | None = None
    published: dt.date | None = None
    origin: str = "<text>"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_article(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | None = None,
    origin: str = "<text>",
) -> Article:
    """Check a text and wrap it; the id falls back to the first 16 hex digits of its hash."""
    _check_text(text, origin)
    for what, value in (("id", id), ("title", title), ("source", source)):
        if value is not None:
            _check_encodable(value, origin, what)
    digest = text_sha256(text)
    return Article(
        id=id or digest[:16],
        text=text,
        sha256=digest,
        title=title,
        source=source,
        published=published,
        origin=origin,
    )


def read_article(
    name: str,
    *,
    published: dt.date | None = None,
    stdin: BinaryIO | None = None,
) -> Article:
    """Read one input named on the command line: a path, or ``-`` for standard input."""
    if name == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(MAX_ARTICLE_BYTES + 1)
        origin, stem = "<stdin>", None
    else:
        data = _read_file(Path(name))
        origin, stem = name, Path(name).stem
    if len(data) > MAX_ARTICLE_BYTES:
        raise InputError(f"{origin}: larger than {MAX_ARTICLE_BYTES // (1024 * 1024)} MiB")
    text = decode_text(data, origin)
    return make_article(text, id=stem, published=published, origin=origin)


def decode_text(data: bytes, origin: str) -> str:
    """UTF-8 (a byte-order mark is dropped); binary data is refused before decoding."""
    if b"\x00" in data:
        raise InputError(f"{origin}: binary data (NUL bytes), not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{origin}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -t UTF-8"
        ) from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in _TEXT_CONTROLS)
    if controls > max(8, len(text) // 100):
        raise InputError(f"{origin}: {controls} control characters; this looks like binary data")
    return text


def _read_file(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not an article file")
        with path.open("rb") as handle:
            return handle.read(MAX_ARTICLE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an article file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _check_text(text: str, origin: str) -> None:
    if not text.strip():
        raise InputError(
            f"{origin}: the article is empty" if not text else f"{origin}: the article is only whitespace"
        )
    _check_encodable(text, origin, "article")


def _check_encodable(value: str, origin: str, what: str) -> None:
    """Text from JSON may hold a lone surrogate (``"\\ud800"``), which no file, hash or response
    can encode; refused here, it is the caller's input error instead of a crash further on."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{origin}: the {what} cannot be encoded as UTF-8 (lone surrogate "
            f"U+{ord(value[exc.start]):04X} at character offset {exc.start})"
        ) from None
