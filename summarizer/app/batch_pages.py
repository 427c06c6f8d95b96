"""``summarize batch --html DIR``: a page per article as it finishes, and an index at the end.

The batch's output JSONL stays the record of what is done; the pages are a view of it. Each
article's page (``ID.html``, or ``ID.error.html`` for a failure or an unreadable entry) is
written when its line is appended, from that line and the article's text, which the driver
holds from the moment the article is read until its result comes back (for Ray too: its rows
are held there anyway). File names come from `stable_stem`, the same in every run, so a
resumed run finds the pages of the one before; an id such as ``../x`` becomes ``x-1a2b3c4d``.

The index is rebuilt from the whole output file when the run ends (or is interrupted), so it
lists every article the file holds, including those done by earlier runs; one done by a run
without ``--html`` has no page, and the index says so instead of linking nowhere.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from summarizer.app.batch_input import Pending
from summarizer.records import html
from summarizer.records.contract import ArticleSummary
from summarizer.records.writers import stable_stem, write_atomically


class BatchPages:
    """The page folder of one batch run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._texts: dict[str, str] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def remember(self, item: Pending) -> None:
        """Keeps the article's text until its result is written (ids are unique in a batch)."""
        self._texts[item.article.id] = item.article.text

    def write(self, line: str) -> Path:
        """The page of one output line: the record over its article, or the failure."""
        entry = json.loads(line)
        if "error" in entry:
            key = _failure_key(entry)
            self._texts.pop(key, None)
            error = entry["error"]
            page = html.render_failure(key, str(error.get("code")), str(error.get("message")))
            return self._put(key, page, failed=True, replaces="input_sha256" not in entry)
        record = ArticleSummary.model_validate(entry)
        text = self._texts.pop(record.article.id, "")
        return self._put(record.article.id, html.render_record(record, text), failed=False, replaces=True)

    def write_index(self, output: Path) -> Path:
        """``index.html`` over every line of ``output``, linking each page that exists."""
        entries = []
        for entry in _entries(output):
            with contextlib.suppress(ValueError):  # a line that is no record of ours: not listed
                entries.append(self._entry(entry))
        path = self.folder / "index.html"
        write_atomically(path, html.render_index(entries, title=f"Batch: {output.name}"))
        return path

    def _put(self, key: str, page: str, *, failed: bool, replaces: bool) -> Path:
        """Writes the page; an article's page ``replaces`` the other kind for it (a failure that
        a ``--retry-failed`` run has since summarized), so the folder shows the latest outcome."""
        path = self.folder / page_name(key, failed=failed)
        write_atomically(path, page)
        if replaces:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / page_name(key, failed=not failed)).unlink()
        return path

    def _entry(self, entry: dict[str, Any]) -> html.IndexEntry:
        if "error" in entry:
            key = _failure_key(entry)
            error = entry["error"]
            href = self._existing(page_name(key, failed=True))
            summary = f"failed ({error.get('code')}): {error.get('message')}"
            return html.IndexEntry(href, key, summary, failed=True)
        record = ArticleSummary.model_validate(entry)
        found = html.index_entry(self._existing(page_name(record.article.id, failed=False)) or "", record)
        if found.href:
            return found
        return html.IndexEntry(None, found.title, f"{found.summary} (no page: done by a run without --html)")

    def _existing(self, name: str) -> str | None:
        return name if (self.folder / name).is_file() else None


def page_name(key: str, *, failed: bool) -> str:
    """The page's file name: the same for an article in every run, always inside the folder."""
    return stable_stem(key) + (".error.html" if failed else ".html")


def _failure_key(entry: dict[str, Any]) -> str:
    """A failed article by its id; an entry that could not be read as one by its place in the
    input (its id, if any, may be another line's: a repeated id is such an entry)."""
    if "input_sha256" not in entry and isinstance(entry.get("id"), str):
        return str(entry["id"])
    return f"line {entry['line']}" if "line" in entry else f"file {entry.get('file')}"


def _entries(output: Path) -> Iterator[dict[str, Any]]:
    """Each whole line of the output file, parsed (the journal has dropped any other)."""
    if not output.is_file():
        return
    with output.open(encoding="utf-8") as handle:
        for line in handle:
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    yield entry
