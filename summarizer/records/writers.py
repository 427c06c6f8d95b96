"""Rendering records: contract JSON, JSON Lines, Markdown with the evidence quoted, and an HTML
page of the article with its spans highlighted (`summarizer.records.html`).

A failed article is rendered too, as an error record in the same stream (``{"article": ...,
"error": {"code", "message"}}``), so a consumer can account for every input in order.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from summarizer.records import html
from summarizer.records.contract import SCHEMA_VERSION, ArticleSummary, Event, Evidence

Format = Literal["json", "jsonl", "markdown", "html"]


@dataclass(frozen=True)
class Failure:
    """An article that produced no record, and why."""

    origin: str
    article_id: str | None
    code: str
    message: str

    def as_record(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "article": {"id": self.article_id, "origin": self.origin},
            "error": {"code": self.code, "message": self.message},
        }


Result = ArticleSummary | Failure


def as_json(result: Result, *, indent: int | None = 2) -> str:
    data = result.as_record() if isinstance(result, Failure) else result.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=indent)


def as_html(result: Result, text: str | None) -> str:
    """The page of one article; ``text`` is the article the record was made from."""
    if isinstance(result, Failure):
        return html.render_failure(result.article_id or result.origin, result.code, result.message)
    return html.render_record(result, text or "")


def as_markdown(result: Result) -> str:
    if isinstance(result, Failure):
        return f"# {result.article_id or result.origin}\n\n**Failed** ({result.code}): {result.message}\n"
    record = result
    meta = record.article
    lines = [f"# {meta.title or meta.id}", ""]
    details = [f"id `{meta.id}`"]
    if meta.source:
        details.append(f"source {meta.source}")
    if meta.published:
        details.append(f"published {meta.published.isoformat()}")
    lines += ["; ".join(details), ""]
    for number, event in enumerate(record.events, 1):
        lines += _event_markdown(number, event)
    if not record.events:
        lines += ["No event found.", ""]
    if record.rejected:
        lines += ["## Rejected by the validator", ""]
        lines += [f"- `{r.path}`: {r.reason}" for r in record.rejected]
        lines.append("")
    g, u = record.grounding, record.usage
    lines.append(
        f"*Grounding: {g.checked} checked, {g.exact} exact, {g.normalized} normalized, "
        f"{g.fuzzy} fuzzy, {g.rejected} rejected. Model {u.provider}/{u.model}, prompts "
        f"{u.prompt_version}, {u.calls} calls, {u.prompt_tokens}+{u.completion_tokens} tokens, "
        f"{u.seconds:.1f} s{' (cached)' if u.cached else ''}.*"
    )
    return "\n".join(lines) + "\n"


def _event_markdown(number: int, event: Event) -> list[str]:
    kind = f"{event.event_type} / {event.sub_event_type}".replace("_", " ")
    lines = [f"## Event {number}: {kind}", "", f"**{event.summary.text}**", ""]
    lines += [f"> {_quoted(e)}" for e in event.summary.evidence]
    lines.append("")
    if event.date.text:
        iso = f" ({event.date.iso})" if event.date.iso else ""
        lines.append(
            f"- **When:** {event.date.text}{iso}, {event.date.precision} {_cites(event.date.evidence)}"
        )
    for loc in event.locations:
        lines.append(f"- **Where ({loc.role}):** {loc.name} {_cites(loc.evidence)}")
    for actor in event.actors:
        kind_role = f"{actor.kind}, {actor.role}".replace("_", " ")
        lines.append(f"- **Actor:** {actor.name} ({kind_role}) {_cites(actor.evidence)}")
    for c in event.casualties:
        count = _count(c.count_low, c.count_high, c.qualifier)
        who = f" {c.victims}" if c.victims else ""
        by = f", according to {c.claimant}" if c.claimant else ", source not named"
        lines.append(f"- **{c.outcome.capitalize()}:** {count}{who}{by}")
        lines += [f"  > {_quoted(e)}" for e in c.evidence]
    for q in event.quotes:
        said = q.speaker or "speaker not named"
        lines.append(f"- **Quote** ({said}): “{' '.join(q.text.split())}” {_cites(q.evidence[:1])}")
    lines.append("")
    return lines


def _count(low: int | None, high: int | None, qualifier: str) -> str:
    words = {"at_least": "at least ", "about": "about ", "more_than": "more than ", "up_to": "up to "}
    if low is None:
        return "an unstated number of"
    value = f"{low}–{high}" if high is not None else str(low)
    return ("vaguely " if qualifier == "vague" else words.get(qualifier, "")) + value


def _quoted(evidence: Evidence) -> str:
    mark = "" if evidence.match == "exact" else f" ({evidence.match} match)"
    return f"{' '.join(evidence.text.split())} [{evidence.start}:{evidence.end}]{mark}"


def _cites(evidence: list[Evidence]) -> str:
    return " ".join(
        f"[{e.start}:{e.end}]" + ("" if e.match == "exact" else f" ({e.match})") for e in evidence
    )


class StreamSink:
    """Writes results to a text stream as they arrive, so finished work survives a later crash.

    JSON output is one object for a single input and an array otherwise.
    """

    def __init__(self, stream: Any, fmt: Format, expected: int) -> None:
        self._stream = stream
        self._format = fmt
        self._array = fmt == "json" and expected != 1
        self._written = 0

    def write(self, result: Result, article_text: str | None = None) -> None:
        if self._format == "html":
            text = as_html(result, article_text)
        elif self._format == "markdown":
            text = ("\n---\n\n" if self._written else "") + as_markdown(result)
        elif self._format == "jsonl":
            text = as_json(result, indent=None) + "\n"
        elif self._array:
            text = ("[\n" if not self._written else ",\n") + as_json(result)
        else:
            text = as_json(result) + "\n"
        self._stream.write(text)
        self._stream.flush()
        self._written += 1

    def close(self) -> None:
        if self._array:
            self._stream.write("\n]\n" if self._written else "[]\n")
            self._stream.flush()


class DirectorySink:
    """One file per article in a folder: ``ID.json``, ``ID.md`` or ``ID.html``, ``ID.error.json``
    on failure; for HTML also ``index.html`` linking every page (a failure gets ``ID.error.html``).

    Two inputs with the same id in one run get ``ID-2`` and so on, and no two files of a run
    ever share a name: an id ending in ``.error`` is written as ``…_error``, so that a record's
    name can never be another article's error name, and every name written is remembered
    (ignoring case, for case-insensitive file systems).
    """

    def __init__(self, folder: Path, fmt: Format) -> None:
        self._folder = folder
        self._format = fmt
        self._stems: set[str] = set()
        self._written: set[str] = set()
        self._index: list[html.IndexEntry] = []
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "html":
            self._name("index", ".html")  # the index's name: an article called index gets index-2

    def write(self, result: Result, article_text: str | None = None) -> Path:
        """Writes one article's file; ``article_text`` is needed for HTML, where the page shows it."""
        base = result.article_id if isinstance(result, Failure) else result.article.id
        if self._format == "html":
            suffix = ".error.html" if isinstance(result, Failure) else ".html"
            text = as_html(result, article_text)
        elif isinstance(result, Failure):
            suffix, text = ".error.json", as_json(result)
        elif self._format == "markdown":
            suffix, text = ".md", as_markdown(result)
        else:
            suffix, text = ".json", as_json(result)
        path = self._folder / self._name(_safe_name(base or "article"), suffix)
        write_atomically(path, text + ("" if text.endswith("\n") else "\n"))
        if self._format == "html":
            self._index.append(_index_entry(path.name, result))
        return path

    def close(self) -> None:
        if self._format == "html":
            write_atomically(self._folder / "index.html", html.render_index(self._index))

    def _name(self, stem: str, suffix: str) -> str:
        candidate, n = stem, 1
        while candidate.casefold() in self._stems or (candidate + suffix).casefold() in self._written:
            n += 1
            candidate = f"{stem}-{n}"
        self._stems.add(candidate.casefold())
        self._written.add((candidate + suffix).casefold())
        return candidate + suffix


def _index_entry(href: str, result: Result) -> html.IndexEntry:
    if isinstance(result, Failure):
        title = result.article_id or result.origin
        return html.IndexEntry(href, title, f"failed ({result.code}): {result.message}", failed=True)
    return html.index_entry(href, result)


_STEM_BYTES = 200
"""File names are limited to 255 bytes (not characters: a Cyrillic letter takes two); a stem
of at most 200 leaves room for ``-NN`` and ``.error.json``."""


def stable_stem(key: str) -> str:
    """A file stem for ``key`` that is the same in every run and never leaves its folder: the
    id itself where it is already a safe, lower-case name other than ``index``; otherwise its
    cleaned form plus eight hex digits of the key's hash, so that ``a/b`` and ``a_b`` (or ``A``
    and ``a`` on a case-insensitive file system) never share a file. Pages written as a batch
    goes, across resumed runs, need this: `DirectorySink`'s ``-2`` depends on the run's order."""
    stem = _safe_name(key)
    if stem == key and key.casefold() == key and key != "index":
        return stem
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}"


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    cleaned = cleaned.encode("utf-8")[:_STEM_BYTES].decode("utf-8", "ignore").rstrip("._")
    if cleaned[-6:].casefold() == ".error":
        cleaned = f"{cleaned[:-6]}_{cleaned[-5:]}"
    return cleaned or "article"


def write_atomically(path: Path, text: str) -> None:
    """Whole or not at all: written to a temporary file in the same folder that only this call
    can have made (mkstemp: a random name, created exclusively, never through a symlink), then
    renamed over ``path``, which replaces a link there instead of writing through it."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), _file_mode())  # mkstemp's 0600 would hide the results
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@functools.cache
def _file_mode() -> int:
    """What a plain ``open(path, "w")`` would give: 0666 less the umask (read once)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
