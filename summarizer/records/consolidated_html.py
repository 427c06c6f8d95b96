"""`summarize consolidate --format html`: the consolidated events as one self-contained page.

Each event shows its places and actors (canonical name, every written form and the articles
that write it), the casualty claims side by side with each sub-count under its total, the
coded fatality figure with its rule and reason, the disputes and the gazetteer's match. Below
them, each reporting article: its text with the spans this event's values point to, where the
text is at hand (articles consolidate summarised itself), else the evidence as the spans
quote it (records read from JSON carry only that). The article view is the record page's
(`build_view`), so highlighting and clicking work the same way; a span whose quoted text is not
what the given article holds there is left out and counted, never shown in the wrong place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from summarizer.records.consolidated import Claim, ConsolidatedEvent, ConsolidatedRecords, SpanRef
from summarizer.records.html import ArticleView, FieldView, Span, build_view, casualty_count, page_environment


@dataclass(frozen=True)
class ClaimRow:
    """A claim in the side-by-side table; ``depth`` > 0 for a sub-count under its total."""

    claim: Claim
    depth: int
    count: str


@dataclass
class Quoted:
    """A value of the event as one article states it, with the evidence texts the spans quote."""

    view: FieldView
    quotes: list[SpanRef] = field(default_factory=list)


@dataclass
class ArticlePanel:
    """One reporting article with the spans of this event's values in it."""

    article_id: str
    heading: str
    view: ArticleView | None
    """The text with its spans, when the text is at hand."""
    quoted: list[Quoted]
    mismatched: int = 0


@dataclass
class EventSection:
    event: ConsolidatedEvent
    claims: list[ClaimRow]
    panels: list[ArticlePanel]


def render_consolidated(records: ConsolidatedRecords, texts: Mapping[str, str] | None = None) -> str:
    """The page; ``texts`` maps an article id to the text its record was made from."""
    titles = {a.id: a.title or a.id for a in records.articles}
    sections = [
        EventSection(event, claim_rows(event.claims), _panels(event, texts or {}, titles))
        for event in records.events
    ]
    template = page_environment().get_template("consolidated.html.j2")
    return template.render(records=records, sections=sections)


def claim_rows(claims: list[Claim]) -> list[ClaimRow]:
    """Totals in their order, each followed by its parts (and theirs), indented by depth; a part
    whose total is not among the claims stands as a total."""
    known = {c.id for c in claims}
    children: dict[str | None, list[Claim]] = {}
    for claim in claims:
        parent = claim.part_of if claim.part_of in known and claim.part_of != claim.id else None
        children.setdefault(parent, []).append(claim)
    rows: list[ClaimRow] = []
    seen: set[str] = set()

    def add(claim: Claim, depth: int) -> None:
        if claim.id in seen:  # a cycle of part_of: each claim is listed once
            return
        seen.add(claim.id)
        rows.append(ClaimRow(claim, depth, casualty_count(claim)))
        for part in children.get(claim.id, []):
            add(part, depth + 1)

    for claim in children.get(None, []):
        add(claim, 0)
    for claim in claims:  # only in a cycle: none of them is a total
        add(claim, 0)
    return rows


def _panels(
    event: ConsolidatedEvent, texts: Mapping[str, str], titles: Mapping[str, str]
) -> list[ArticlePanel]:
    values = _values(event)
    panels = []
    for article_id in dict.fromkeys(r.article_id for r in event.reports):
        quoted = [
            Quoted(view, [ref for ref in refs if ref.article_id == article_id]) for view, refs in values
        ]
        quoted = [q for q in quoted if q.quotes]
        panel = ArticlePanel(article_id, titles.get(article_id, article_id), None, quoted)
        if article_id in texts:
            _highlight(panel, texts[article_id])
        panels.append(panel)
    return panels


def _highlight(panel: ArticlePanel, text: str) -> None:
    """The article's view, with the spans whose quoted text the article holds where they say."""
    spans: list[Span] = []
    for q in panel.quoted:
        kept = [ref for ref in q.quotes if text[ref.start : ref.end] == ref.text]
        panel.mismatched += len(q.quotes) - len(kept)
        q.view.span_ids = [f"{q.view.path}.evidence[{k}]" for k in range(len(kept))]
        spans += [
            Span(span_id, ref.start, ref.end, q.view.kind, q.view.path)
            for span_id, ref in zip(q.view.span_ids, kept, strict=True)
        ]
    panel.view = build_view(text, [q.view for q in panel.quoted], spans)


def _values(event: ConsolidatedEvent) -> list[tuple[FieldView, list[SpanRef]]]:
    """Every value of the event with all its spans, as fields of the article panels (a fresh
    `FieldView` per call: each panel fills in its own span ids)."""
    found: list[tuple[FieldView, list[SpanRef]]] = []
    kind = f"{event.event_type} / {event.sub_event_type}".replace("_", " ")
    summaries = [ref for report in event.reports for ref in report.summary]
    found.append((FieldView("summary", "event", "Event", kind), summaries))
    for i, form in enumerate(event.date.forms):
        found.append(
            (FieldView(f"date.forms[{i}]", "date", "Date", form.text, [event.date.iso or ""]), form.evidence)
        )
    for i, place in enumerate(event.places):
        refs = [ref for form in place.forms for ref in form.evidence]
        found.append((FieldView(f"places[{i}]", "place", "Place", place.name, [place.role]), refs))
    for i, actor in enumerate(event.actors):
        refs = [ref for form in actor.forms for ref in form.evidence]
        details = [actor.kind.replace("_", " "), actor.role.replace("_", " ")]
        found.append((FieldView(f"actors[{i}]", "actor", "Actor", actor.name, details), refs))
    for claim in event.claims:
        details = [
            d for d in (claim.victims, f"according to {claim.claimant}" if claim.claimant else None) if d
        ]
        label = claim.outcome.capitalize()
        found.append(
            (
                FieldView(f"claims[{claim.id}]", "casualty", label, casualty_count(claim), details),
                claim.evidence,
            )
        )
    return found
