"""Rendering a record as a self-contained HTML page: the article with every span highlighted.

The page has no network dependency (CSS and JS are inlined from ``templates/``) so it opens
from ``file://``. Everything that comes from the article or the model reaches the page through
Jinja2's autoescaping, or through its ``tojson`` filter inside a ``<script>`` block (which
escapes ``<``, ``>``, ``&`` and ``'``, so a ``</script>`` in the data cannot end the block).

The building blocks (`spans_of`, `build_view`, `article_view`) are public so that other pages
(the eval report, batch and consolidation pages) can show an article the same way:
`page_environment` gives a Jinja2 environment that finds this module's templates too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from summarizer.records.contract import ArticleSummary, Event, Evidence, spans_mismatching

TEMPLATES = Path(__file__).parent / "templates"

KIND_COLOURS = {
    "event": "#5b8def",
    "date": "#e0b000",
    "place": "#2f9e59",
    "actor": "#e07b22",
    "casualty": "#d64545",
    "claimant": "#9b4dca",
    "quote": "#1a9fbf",
    "rejected": "#777777",
}
"""Field kinds and their colours, in the order the legend lists them."""


@dataclass(frozen=True)
class Span:
    """One highlighted range of the article, supporting one field (``field`` is its path)."""

    id: str
    start: int
    end: int
    kind: str
    field: str
    gold: bool = False


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same spans (shortest first), so that overlaps stay legible."""

    text: str
    spans: tuple[Span, ...] = ()

    @property
    def span_ids(self) -> str:
        return " ".join(s.id for s in self.spans)

    @property
    def kind(self) -> str:
        return self.spans[0].kind if self.spans else ""

    @property
    def style(self) -> str:
        """A tint of the innermost span's kind, and a stripe underneath for every kind present."""
        kinds = list(dict.fromkeys(s.kind for s in self.spans))
        stripes = ", ".join(f"inset 0 -{3 * (n + 1)}px 0 {KIND_COLOURS[k]}" for n, k in enumerate(kinds))
        return f"background-color: {KIND_COLOURS[self.kind]}33; box-shadow: {stripes}"

    @property
    def gold(self) -> bool:
        return any(s.gold for s in self.spans)


@dataclass
class FieldView:
    """A value of the record as the page lists it, with the spans that support it."""

    path: str
    kind: str
    label: str
    value: str
    details: list[str] = field(default_factory=list)
    span_ids: list[str] = field(default_factory=list)


@dataclass
class ArticleView:
    """An article's text cut into segments, and the fields whose spans it shows."""

    segments: list[Segment]
    fields: list[FieldView]
    spans: list[Span]

    @property
    def data(self) -> dict[str, Any]:
        """What the page's script needs: which field each span supports, and each field's spans."""
        return {
            "spans": {s.id: {"field": s.field, "kind": s.kind} for s in self.spans},
            "fields": {f.path: {"label": f"{f.label}: {f.value}", "spans": f.span_ids} for f in self.fields},
        }

    @property
    def kind_counts(self) -> dict[str, int]:
        return {k: sum(1 for s in self.spans if s.kind == k) for k in KIND_COLOURS}


def build_view(text: str, fields: list[FieldView], spans: list[Span]) -> ArticleView:
    """The view of ``text`` with ``spans`` (those outside the text are left out, never clipped)."""
    inside = [s for s in spans if 0 <= s.start <= s.end <= len(text)]
    return ArticleView(segments(text, inside), fields, inside)


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """``text`` cut at every span boundary; each piece lists the spans covering it, shortest
    first. A zero-width span becomes an empty piece, so that it can still be found."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    ordered = sorted(spans, key=lambda s: (s.end - s.start, s.start))
    pieces: list[Segment] = []
    for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True):
        empty = tuple(s for s in ordered if s.start == s.end == a)
        if empty:
            pieces.append(Segment("", empty))
        if b > a:
            pieces.append(Segment(text[a:b], tuple(s for s in ordered if s.start <= a and b <= s.end)))
    return pieces


def spans_of(record: ArticleSummary, text: str) -> tuple[list[FieldView], list[Span]]:
    """Every field of the record with its evidence spans, claimants located within their
    casualty's evidence, and refused values with the spans they came with."""
    fields: list[FieldView] = []
    for e, event in enumerate(record.events):
        fields += _event_fields(f"events[{e}]", event)
    fields += _rejected_fields(record)
    spans: list[Span] = []
    for view in fields:
        spans += _spans_for(view, _evidence_of(record, view.path), text)
    return fields, spans


def article_view(record: ArticleSummary, text: str) -> ArticleView:
    """The record's fields over its article, as the record page shows them."""
    fields, spans = spans_of(record, text)
    return build_view(text, fields, spans)


def _event_fields(base: str, event: Event) -> list[FieldView]:
    kind = f"{event.event_type} / {event.sub_event_type}".replace("_", " ")
    found = [FieldView(f"{base}.summary", "event", "Event", event.summary.text, [kind])]
    if event.date.text is not None:
        details = [event.date.iso or "no ISO date", event.date.precision]
        found.append(FieldView(f"{base}.date", "date", "Date", event.date.text, details))
    for i, loc in enumerate(event.locations):
        found.append(FieldView(f"{base}.locations[{i}]", "place", "Place", loc.name, [loc.role]))
    for i, actor in enumerate(event.actors):
        details = [actor.kind.replace("_", " "), actor.role.replace("_", " ")]
        found.append(FieldView(f"{base}.actors[{i}]", "actor", "Actor", actor.name, details))
    for i, c in enumerate(event.casualties):
        path = f"{base}.casualties[{i}]"
        found.append(FieldView(path, "casualty", c.outcome.capitalize(), casualty_count(c), _victims(c)))
        if c.claimant:
            found.append(FieldView(f"{path}.claimant", "claimant", "Claimant", c.claimant, [f"of {path}"]))
    for i, q in enumerate(event.quotes):
        who = [f"said by {q.speaker}" if q.speaker else "speaker not named"]
        found.append(FieldView(f"{base}.quotes[{i}]", "quote", "Quote", " ".join(q.text.split()), who))
    return found


def casualty_count(c: Any) -> str:
    words = {"at_least": "at least ", "about": "about ", "more_than": "more than ", "up_to": "up to "}
    if c.count_low is None:
        return "unstated number"
    value = f"{c.count_low}–{c.count_high}" if c.count_high is not None else str(c.count_low)
    return ("vaguely " if c.qualifier == "vague" else words.get(c.qualifier, "")) + value


def _victims(c: Any) -> list[str]:
    return [c.victims] if c.victims else []


def _rejected_fields(record: ArticleSummary) -> list[FieldView]:
    return [
        FieldView(f"rejected[{i}]", "rejected", r.code, _short(r.value), [r.path, r.reason])
        for i, r in enumerate(record.rejected)
    ]


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if k != "evidence"}
        return json.dumps(shown, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


def _evidence_of(record: ArticleSummary, path: str) -> list[Evidence]:
    """The evidence behind a field path of `_event_fields` or `_rejected_fields`."""
    if path.startswith("rejected["):
        return _rejected_evidence(record.rejected[int(path[9:-1])].value)
    item: Any = record
    for part in path.removesuffix(".claimant").replace("]", "").split("."):
        name, _, index = part.partition("[")
        item = getattr(item, name)
        item = item[int(index)] if index else item
    return list(item.evidence)


def _rejected_evidence(value: Any) -> list[Evidence]:
    """The spans a refused value came with, where it had some (a dict with an evidence list)."""
    raw = value.get("evidence") if isinstance(value, dict) else None
    found = []
    for item in raw if isinstance(raw, list) else []:
        try:
            found.append(Evidence.model_validate(item))
        except ValueError:
            continue
    return found


def _spans_for(view: FieldView, evidence: list[Evidence], text: str) -> list[Span]:
    if view.kind == "claimant":
        spans = _claimant_span(view, evidence, text)
    else:
        spans = [
            Span(f"{view.path}.evidence[{k}]", ev.start, ev.end, view.kind, view.path)
            for k, ev in enumerate(evidence)
        ]
    view.span_ids = [s.id for s in spans]
    return spans


def _claimant_span(view: FieldView, evidence: list[Evidence], text: str) -> list[Span]:
    """The claimant's name where it first appears in its figure's evidence (the contract keeps
    no span of its own for it); none when the name is not written there."""
    wanted = view.value.casefold()
    for ev in evidence:
        at = text[ev.start : ev.end].casefold().find(wanted)
        if at >= 0 and wanted:
            start = ev.start + at
            return [Span(view.path, start, start + len(view.value), "claimant", view.path)]
    return []


@functools.cache
def page_environment(*extra: Path) -> jinja2.Environment:
    """Autoescaping Jinja2 environment over ``extra`` template folders and this module's."""
    loader = jinja2.FileSystemLoader([*(str(p) for p in extra), str(TEMPLATES)])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals["kind_colours"] = KIND_COLOURS
    env.globals["asset"] = _asset
    return env


def _asset(name: str) -> str:
    """An inline asset (CSS or JS) as trusted markup: our own files, never data."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def render_record(record: ArticleSummary, text: str) -> str:
    """The page for one article's record over its text."""
    view = article_view(record, text)
    return (
        page_environment()
        .get_template("record.html.j2")
        .render(
            record=record,
            view=view,
            mismatched=spans_mismatching(record, text),
            record_json=record.model_dump_json(indent=2),
        )
    )


def render_failure(title: str, code: str, message: str) -> str:
    """The page for an article that produced no record."""
    return page_environment().get_template("failure.html.j2").render(title=title, code=code, message=message)


@dataclass(frozen=True)
class IndexEntry:
    """One line of an index page: a page written beside it (none: listed, with no link)."""

    href: str | None
    title: str
    summary: str
    failed: bool = False


def index_entry(href: str, record: ArticleSummary) -> IndexEntry:
    event = record.events[0] if record.events else None
    kind = f"{event.event_type} / {event.sub_event_type}".replace("_", " ") if event else "no event found"
    return IndexEntry(href, record.article.title or record.article.id, kind)


def render_index(entries: Iterable[IndexEntry], title: str = "Summaries") -> str:
    return page_environment().get_template("index.html.j2").render(entries=list(entries), title=title)
