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
from typing import TypeVar

from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from summarizer.core.normal_form import normalize
from summarizer.evaluation.gold import Gold, GoldCasualty
from summarizer.records.contract import ArticleSummary, Casualty, spans_mismatching

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
    if not predicted or not gold:
        return [], Counts(fp=len(predicted), fn=len(gold))
    scores = [[similarity(p, g) for g in gold] for p in predicted]
    rows, cols = linear_sum_assignment(scores, maximize=True)
    pairs = [(predicted[r], gold[c]) for r, c in zip(rows, cols, strict=True) if scores[r][c] > 0]
    return pairs, Counts(tp=len(pairs), fp=len(predicted) - len(pairs), fn=len(gold) - len(pairs))


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
    _, score.fields["events"] = match(
        record.events, gold.events, lambda p, g: 1.0 if p.sub_event_type == g.sub_event_type else 0.0
    )
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
    locations = _unique([loc.name for e in record.events for loc in e.locations])
    _, score.fields["locations"] = match(locations, gold.locations, lambda p, g: names_match(p, g.names))
    actors = _unique_by_name([a for e in record.events for a in e.actors])
    pairs, score.fields["actors"] = match(actors, gold.actors, lambda p, g: names_match(p.name, g.names))
    for predicted, expected in pairs:
        score.accuracy["actor_kind"].count(predicted.kind == expected.kind)


def _score_casualties(score: ArticleScore, record: ArticleSummary, gold: Gold) -> None:
    def similarity(p: Casualty, g: GoldCasualty) -> float:
        if (p.outcome, p.count_low, p.count_high) != (g.outcome, g.count_low, g.count_high):
            return 0.0
        return 1.0 + 0.1 * _claimant_right(p.claimant, g.claimant, g.claimant_aliases)

    predicted = [c for e in record.events for c in e.casualties]
    pairs, score.fields["casualties"] = match(predicted, gold.casualties, similarity)
    for p, g in pairs:
        score.accuracy["claimant"].count(_claimant_right(p.claimant, g.claimant, g.claimant_aliases))
        score.accuracy["qualifier"].count(p.qualifier == g.qualifier)


def _score_quotes(score: ArticleScore, record: ArticleSummary, gold: Gold) -> None:
    predicted = [q for e in record.events for q in e.quotes]
    pairs, score.fields["quotes"] = match(predicted, gold.quotes, lambda p, g: quotes_match(p.text, g.text))
    for p, g in pairs:
        score.accuracy["speaker"].count(_claimant_right(p.speaker, g.speaker, g.speaker_aliases))


def _claimant_right(predicted: str | None, gold: str | None, aliases: Sequence[str]) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    return names_match(predicted, [gold, *aliases]) > 0


def _bare(name: str) -> str:
    return _ARTICLE.sub("", normalize(name))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(_bare(name), name)
    return list(seen.values())


def _unique_by_name(items: list[P]) -> list[P]:
    seen: dict[str, P] = {}
    for item in items:
        seen.setdefault(_bare(getattr(item, "name", "")), item)
    return list(seen.values())
