"""Scoring records against gold: per-field precision, recall and F1, and accuracies.

Lists (events, locations, actors, casualties, quotes) are matched one-to-one by an optimal
assignment, so a duplicate answer can never be counted twice. Names match by any gold alias,
by containment or by spelling (fuzzy); casualties by outcome and exact numbers; quotes by
their words. Claimant, speaker and qualifier are then judged on the matched pairs only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from summarizer.core.normal_form import normalize
from summarizer.evaluation.gold import Gold, GoldActor, GoldCasualty, GoldEvent, GoldLocation, GoldQuote
from summarizer.records.contract import (
    Actor,
    ArticleSummary,
    Casualty,
    Event,
    Location,
    Quote,
    spans_mismatching,
)

LIST_FIELDS = ("events", "locations", "actors", "casualties", "quotes")
ACCURACIES = ("event_type", "sub_event_type", "date", "claimant", "qualifier", "speaker", "actor_kind")
NAME_SIMILARITY = 85.0
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")

P = TypeVar("P")
G = TypeVar("G")


@dataclass
class Counts:
    """True positives, false positives, false negatives of one list field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def empty(self) -> bool:
        return self.tp + self.fp + self.fn == 0

    def as_dict(self) -> dict[str, float]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Ratio:
    correct: int = 0
    total: int = 0

    def count(self, ok: bool) -> None:
        self.correct += int(ok)
        self.total += 1

    def add(self, other: Ratio) -> None:
        self.correct, self.total = self.correct + other.correct, self.total + other.total

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class ArticleScore:
    name: str
    fields: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in LIST_FIELDS})
    accuracy: dict[str, Ratio] = field(default_factory=lambda: {a: Ratio() for a in ACCURACIES})
    checked: int = 0
    rejected: int = 0
    spans_valid: bool = True


def names_match(predicted: str, names: Sequence[str]) -> float:
    """How well a predicted name matches a gold name or alias: 1 equal, 0.9 contained, else
    the spelling similarity when it is at least `NAME_SIMILARITY`; 0 otherwise."""
    p = _bare(predicted)
    best = 0.0
    for name in names:
        g = _bare(name)
        if not p or not g:
            continue
        if p == g:
            return 1.0
        if (p in g or g in p) and min(len(p), len(g)) >= 4:
            best = max(best, 0.9)
        ratio = fuzz.ratio(p, g)
        if ratio >= NAME_SIMILARITY:
            best = max(best, ratio / 100 * 0.95)
    return best


def quotes_match(predicted: str, gold: str) -> float:
    p, g = _bare(predicted), _bare(gold)
    if p == g:
        return 1.0
    if (p in g or g in p) and min(len(p), len(g)) / max(len(p), len(g), 1) >= 0.6:
        return 0.9
    ratio = fuzz.ratio(p, g)
    return ratio / 100 * 0.9 if ratio >= 90 else 0.0


def match(
    predicted: Sequence[P], gold: Sequence[G], similarity: Callable[[P, G], float]
) -> tuple[list[tuple[P, G]], Counts]:
    """The best one-to-one pairing (maximum total similarity) and its counts."""
    indices = match_indices(predicted, gold, similarity)
    pairs = [(predicted[r], gold[c]) for r, c in indices]
    return pairs, Counts(tp=len(pairs), fp=len(predicted) - len(pairs), fn=len(gold) - len(pairs))


def match_indices(
    predicted: Sequence[P], gold: Sequence[G], similarity: Callable[[P, G], float]
) -> list[tuple[int, int]]:
    """`match`'s pairing as (predicted index, gold index), for reports that show each item."""
    if not predicted or not gold:
        return []
    scores = [[similarity(p, g) for g in gold] for p in predicted]
    rows, cols = linear_sum_assignment(scores, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if scores[r][c] > 0]


@dataclass
class FieldPairing:
    """One list field of one article, item by item: which predicted item (by its path in the
    record) matched which gold item (by index), and what was spurious or missed."""

    predicted: list[tuple[str, Any]]
    gold: list[Any]
    matched: list[tuple[int, int]]

    @property
    def spurious(self) -> list[int]:
        paired = {p for p, _ in self.matched}
        return [i for i in range(len(self.predicted)) if i not in paired]

    @property
    def missed(self) -> list[int]:
        paired = {g for _, g in self.matched}
        return [i for i in range(len(self.gold)) if i not in paired]


def pairings(record: ArticleSummary, gold: Gold) -> dict[str, FieldPairing]:
    """Every list field paired exactly as `score_article` pairs it."""
    found = {}
    for name in LIST_FIELDS:
        predicted, expected = _predicted(record, name), _gold_items(gold, name)
        items = [item for _, item in predicted]
        found[name] = FieldPairing(predicted, expected, match_indices(items, expected, SIMILARITY[name]))
    return found


def _predicted(record: ArticleSummary, name: str) -> list[tuple[str, Any]]:
    """The record's items of a list field with their paths, pooled over events (names once
    each, the first mention kept), as the scorer counts them."""
    if name == "events":
        return [(f"events[{e}]", event) for e, event in enumerate(record.events)]
    items = [
        (f"events[{e}].{name}[{i}]", item)
        for e, event in enumerate(record.events)
        for i, item in enumerate(getattr(event, name))
    ]
    return _unique_by_name(items) if name in ("locations", "actors") else items


def _gold_items(gold: Gold, name: str) -> list[Any]:
    return list(getattr(gold, name))


def _event_similarity(p: Event, g: GoldEvent) -> float:
    return 1.0 if p.sub_event_type == g.sub_event_type else 0.0


def _name_similarity(p: Location | Actor, g: GoldLocation | GoldActor) -> float:
    return names_match(p.name, g.names)


def _casualty_similarity(p: Casualty, g: GoldCasualty) -> float:
    if (p.outcome, p.count_low, p.count_high) != (g.outcome, g.count_low, g.count_high):
        return 0.0
    return 1.0 + 0.1 * _claimant_right(p.claimant, g.claimant, g.claimant_aliases)


def _quote_similarity(p: Quote, g: GoldQuote) -> float:
    return quotes_match(p.text, g.text)


SIMILARITY: dict[str, Callable[[Any, Any], float]] = {
    "events": _event_similarity,
    "locations": _name_similarity,
    "actors": _name_similarity,
    "casualties": _casualty_similarity,
    "quotes": _quote_similarity,
}


def score_article(name: str, record: ArticleSummary, gold: Gold, text: str) -> ArticleScore:
    score = ArticleScore(name)
    score.checked, score.rejected = record.grounding.checked, record.grounding.rejected
    score.spans_valid = not spans_mismatching(record, text)
    _score_events(score, record, gold)
    _score_names(score, record, gold)
    _score_casualties(score, record, gold)
    _score_quotes(score, record, gold)
    return score


def score_unanswered(name: str, gold: Gold) -> ArticleScore:
    """An article the tool gave no record for (an error, a refusal): every gold item missed and
    the main event's type and date wrong, so a run where articles fail never scores higher
    than one where they are answered badly."""
    score = ArticleScore(name)
    sizes = (len(gold.events), len(gold.locations), len(gold.actors), len(gold.casualties), len(gold.quotes))
    for field_name, size in zip(LIST_FIELDS, sizes, strict=True):
        score.fields[field_name] = Counts(fn=size)
    if gold.events:
        for accuracy in ("event_type", "sub_event_type", "date"):
            score.accuracy[accuracy].count(False)
    return score


def _score_events(score: ArticleScore, record: ArticleSummary, gold: Gold) -> None:
    _, score.fields["events"] = match(record.events, gold.events, _event_similarity)
    if not gold.events:
        return
    main, expected = (record.events[0] if record.events else None), gold.events[0]
    score.accuracy["event_type"].count(main is not None and main.event_type == expected.event_type)
    score.accuracy["sub_event_type"].count(
        main is not None and main.sub_event_type == expected.sub_event_type
    )
    if main is None:
        score.accuracy["date"].count(False)
    elif expected.date.iso is not None:
        score.accuracy["date"].count(main.date.iso == expected.date.iso)
    else:
        same_text = _bare(main.date.text or "") == _bare(expected.date.text or "")
        score.accuracy["date"].count(same_text)


def _score_names(score: ArticleScore, record: ArticleSummary, gold: Gold) -> None:
    locations = [item for _, item in _predicted(record, "locations")]
    _, score.fields["locations"] = match(locations, gold.locations, _name_similarity)
    actors = [item for _, item in _predicted(record, "actors")]
    pairs, score.fields["actors"] = match(actors, gold.actors, _name_similarity)
    for predicted, expected in pairs:
        score.accuracy["actor_kind"].count(predicted.kind == expected.kind)


def _score_casualties(score: ArticleScore, record: ArticleSummary, gold: Gold) -> None:
    predicted = [c for e in record.events for c in e.casualties]
    pairs, score.fields["casualties"] = match(predicted, gold.casualties, _casualty_similarity)
    for p, g in pairs:
        score.accuracy["claimant"].count(_claimant_right(p.claimant, g.claimant, g.claimant_aliases))
        score.accuracy["qualifier"].count(p.qualifier == g.qualifier)


def _score_quotes(score: ArticleScore, record: ArticleSummary, gold: Gold) -> None:
    predicted = [q for e in record.events for q in e.quotes]
    pairs, score.fields["quotes"] = match(predicted, gold.quotes, _quote_similarity)
    for p, g in pairs:
        score.accuracy["speaker"].count(_claimant_right(p.speaker, g.speaker, g.speaker_aliases))


def _claimant_right(predicted: str | None, gold: str | None, aliases: Sequence[str]) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    return names_match(predicted, [gold, *aliases]) > 0


def _bare(name: str) -> str:
    return _ARTICLE.sub("", normalize(name))


def _unique_by_name(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    seen: dict[str, tuple[str, Any]] = {}
    for path, item in items:
        seen.setdefault(_bare(item.name), (path, item))
    return list(seen.values())
