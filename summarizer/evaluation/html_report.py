"""The eval report as a self-contained HTML page, beside report.json, report.md and junit.xml.

It shows each split's headline metrics against the baseline with arrows and, per article,
gold against predicted item by item (matched, missed, spurious), each item linked to its
spans in the article: the record's evidence for what was predicted, and for gold the text the
gold file quotes (names where the article first writes them). The article view is the one
`summarizer.records.html` draws for a record. The test split's articles are listed without
their items, as in the Markdown report: its errors are not to be studied while tuning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.evaluation.gold import Gold
from summarizer.evaluation.harness import ArticleRun, EvalReport, SplitReport
from summarizer.evaluation.reports import HIDDEN_SPLITS
from summarizer.evaluation.scoring import LIST_FIELDS, FieldPairing, pairings
from summarizer.records import html

TEMPLATES = Path(__file__).parent / "templates"
KIND_OF = {
    "events": "event",
    "locations": "place",
    "actors": "actor",
    "casualties": "casualty",
    "quotes": "quote",
}


@dataclass(frozen=True)
class MetricRow:
    name: str
    cells: list[dict[str, Any]]


@dataclass
class ArticleSection:
    run: ArticleRun
    view: html.ArticleView | None
    rows: dict[str, list[html.FieldView]]

    @property
    def counts(self) -> dict[str, str]:
        if self.run.score is None:
            return {}
        return {name: f"{c.f1:.2f}" for name, c in self.run.score.fields.items()}


def render_report(report: EvalReport) -> str:
    env = html.page_environment(TEMPLATES)
    return env.get_template("report.html.j2").render(
        report=report,
        metrics=metric_rows(report),
        sections={s.name: [article_section(r) for r in s.runs] for s in report.splits.values()},
        hidden=HIDDEN_SPLITS,
        fields=LIST_FIELDS,
    )


def metric_rows(report: EvalReport) -> list[MetricRow]:
    splits = list(report.splits.values())
    names = dict.fromkeys(name for split in splits for name in split.headline)  # groups: some splits only
    return [MetricRow(name, [_cell(s, name, report.tolerance) for s in splits]) for name in names]


def _cell(split: SplitReport, name: str, tolerance: float) -> dict[str, Any]:
    value, base = split.headline.get(name), split.baseline.get(name)
    if value is None:
        return {"value": None, "base": None, "arrow": "", "trend": "none", "regressed": False}
    if base is None:
        return {"value": value, "base": None, "arrow": "", "trend": "same", "regressed": False}
    delta = round(value - base, 4)
    arrow, trend = ("▲", "up") if delta > 0 else ("▼", "down") if delta < 0 else ("=", "same")
    return {
        "value": value,
        "base": base,
        "delta": delta,
        "arrow": arrow,
        "trend": trend,
        "regressed": value < base - tolerance,
    }


def article_section(run: ArticleRun) -> ArticleSection:
    """One article's items, field by field, and the view of its text that they link into."""
    if run.split in HIDDEN_SPLITS:
        return ArticleSection(run, None, {})
    text, gold = run.fixture.text, run.fixture.gold
    predicted_spans = _predicted_spans(run.record, text)
    fields: list[html.FieldView] = []
    spans: list[html.Span] = []
    rows: dict[str, list[html.FieldView]] = {}
    for name, pairing in _pairings(run, gold).items():
        rows[name] = []
        for key, outcome, pred, expected in _rows(name, pairing):
            row = _row(key, name, outcome, pred, expected)
            own = [_moved(s, key) for s in predicted_spans.get(pred[0], [])] if pred else []
            own += _gold_spans(key, name, expected, text) if expected is not None else []
            row.span_ids = [s.id for s in own]
            rows[name].append(row)
            fields.append(row)
            spans += own
    return ArticleSection(run, html.build_view(text, fields, spans), rows)


def _pairings(run: ArticleRun, gold: Gold) -> dict[str, FieldPairing]:
    if run.record is None:  # a failed article: every gold item missed
        return {name: FieldPairing([], list(getattr(gold, name)), []) for name in LIST_FIELDS}
    return pairings(run.record, gold)


Row = tuple[str, str, tuple[str, Any] | None, Any]
"""A row of the item table: its key, matched/missed/spurious, the predicted (path, item), the gold item."""


def _rows(name: str, p: FieldPairing) -> list[Row]:
    found: list[tuple[str, tuple[str, Any] | None, Any]] = [
        *(("matched", p.predicted[i], p.gold[g]) for i, g in p.matched),
        *(("missed", None, p.gold[g]) for g in p.missed),
        *(("spurious", p.predicted[i], None) for i in p.spurious),
    ]
    return [(f"{name}#{n}", outcome, pred, gold) for n, (outcome, pred, gold) in enumerate(found)]


def _row(key: str, name: str, outcome: str, pred: tuple[str, Any] | None, expected: Any) -> html.FieldView:
    said = _describe(name, pred[1]) if pred else "—"
    wanted = _describe(name, expected) if expected is not None else "—"
    details = [f"predicted at {pred[0]}"] if pred else []
    return html.FieldView(key, KIND_OF[name], outcome, f"{said} ↔ gold {wanted}", details)


def _describe(name: str, item: Any) -> str:
    if name == "events":
        return str(item.sub_event_type).replace("_", " ")
    if name in ("locations", "actors"):
        return str(item.name)
    if name == "casualties":
        by = f", by {item.claimant}" if item.claimant else ""
        return f"{item.outcome} {html.casualty_count(item)}{by}"
    return " ".join(str(item.text).split())


def _predicted_spans(record: Any, text: str) -> dict[str, list[html.Span]]:
    """The record's evidence spans by the path of the item they belong to (an event's are its
    summary's)."""
    if record is None:
        return {}
    _, spans = html.spans_of(record, text)
    found: dict[str, list[html.Span]] = {}
    for span in spans:
        if span.kind not in ("claimant", "rejected", "date"):
            found.setdefault(span.field.removesuffix(".summary"), []).append(span)
    return found


def _moved(span: html.Span, key: str) -> html.Span:
    return html.Span(f"{key}/{span.id}", span.start, span.end, span.kind, key)


def _gold_spans(key: str, name: str, item: Any, text: str) -> list[html.Span]:
    """Where the article says what the gold item says: its quoted evidence, its quote, or the
    first place the article writes one of its names (ignoring case)."""
    if name in ("events", "casualties"):
        quoted = list(item.evidence)
    elif name == "quotes":
        quoted = [item.text]
    else:
        quoted = _first_name(item.names, text)
    spans = []
    for k, snippet in enumerate(quoted):
        at = text.find(snippet)
        if at >= 0 and snippet:
            spans.append(html.Span(f"{key}/gold[{k}]", at, at + len(snippet), KIND_OF[name], key, gold=True))
    return spans


def _first_name(names: list[str], text: str) -> list[str]:
    folded = text.casefold()
    places = [(folded.find(n.casefold()), n) for n in names if n and n.casefold() in folded]
    if not places or len(folded) != len(text):  # casefold changed lengths: offsets would drift
        return [n for n in names if n in text][:1]
    at, found = min(places)
    return [text[at : at + len(found)]]
