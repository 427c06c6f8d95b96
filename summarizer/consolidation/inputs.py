"""Records read back from what `summarize` wrote: a JSON object, a JSON array, JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from summarizer.core.errors import InputError, one_line
from summarizer.records.contract import ArticleSummary


def read_records(path: Path) -> list[ArticleSummary]:
    """Every record in the file; error records (``"error"`` instead of events) are skipped by
    the caller's choice, so they are returned apart as an `InputError` only when nothing else
    is in the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    items = _json_items(path, text)
    records = []
    for n, item in enumerate(items, start=1):
        if isinstance(item, dict) and "error" in item:
            continue
        try:
            records.append(ArticleSummary.model_validate(item))
        except ValidationError as exc:
            raise InputError(
                f"{path}: item {n} is not a summarize record: {one_line(exc.errors())}"
            ) from None
    if not records:
        raise InputError(f"{path}: no records in it (only failed articles, or empty)")
    return records


def _json_items(path: Path, text: str) -> list[object]:
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{path}: empty file")
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    else:
        return whole if isinstance(whole, list) else [whole]
    items = []
    for line_number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {line_number} is not JSON ({exc.msg})") from None
    return items
