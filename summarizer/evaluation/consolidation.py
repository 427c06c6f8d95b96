"""Consolidation scored against gold groups: which reports are one event, and what it codes.

A gold group (``evals/consolidation/NAME.group.json``) names articles of the fixtures and the
events they report, each as the articles that report it, with what an analyst codes for it:
the place's country and first-level region, the fatality figure, whether the reports dispute
the toll. A field left null is not scored. The group's split is its articles' split (they must
share one), so a group of test articles is scored with the test split and never studied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from summarizer.core.errors import ConfigError, one_line
from summarizer.records.consolidated import ConsolidatedEvent, ConsolidatedRecords


class _Gold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldGroupEvent(_Gold):
    articles: list[str] = Field(min_length=1, description="the articles whose main event it is")
    place: str | None = None
    country_code: str | None = None
    admin1: str | None = None
    fatalities: int | None = None
    disputed: bool | None = None


class GoldGroup(_Gold):
    description: str
    articles: list[str] = Field(min_length=2)
    events: list[GoldGroupEvent] = Field(min_length=1)


@dataclass(frozen=True)
class Group:
    name: str
    gold: GoldGroup


def load_groups(folder: Path) -> list[Group]:
    """Every ``NAME.group.json`` in the folder (none when the folder is absent)."""
    if not folder.is_dir():
        return []
    groups = []
    for path in sorted(folder.glob("*.group.json")):
        try:
            gold = GoldGroup.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise ConfigError(f"{path.name}: not a valid group file: {one_line(exc.errors())}") from None
        listed = sorted(a for e in gold.events for a in e.articles)
        if listed != sorted(gold.articles):
            raise ConfigError(f"{path.name}: its events must name each of its articles once")
        groups.append(Group(path.name.removesuffix(".group.json"), gold))
    return groups


@dataclass
class GroupScore:
    name: str
    split: str
    pairs_tp: int = 0
    pairs_fp: int = 0
    pairs_fn: int = 0
    checks: dict[str, list[bool]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def check(self, what: str, ok: bool, note: str) -> None:
        self.checks.setdefault(what, []).append(ok)
        if not ok:
            self.notes.append(note)


def score_group(group: Group, split: str, result: ConsolidatedRecords) -> GroupScore:
    """Pairs of articles put together (or apart) right, and each gold event's coding."""
    score = GroupScore(group.name, split)
    home = {r.article_id: e for e in result.events for r in e.reports if r.event_index == 0}
    gold_home = {a: n for n, e in enumerate(group.gold.events) for a in e.articles}
    for a, b in combinations(group.gold.articles, 2):
        same = home.get(a) is not None and home.get(a) is home.get(b)
        gold_same = gold_home[a] == gold_home[b]
        score.pairs_tp += same and gold_same
        score.pairs_fp += same and not gold_same
        score.pairs_fn += gold_same and not same
        if same != gold_same:
            score.notes.append(f"{a} and {b} {'merged' if same else 'kept apart'}")
    for gold in group.gold.events:
        _score_event(score, gold, home.get(gold.articles[0]))
    return score


def _score_event(score: GroupScore, gold: GoldGroupEvent, event: ConsolidatedEvent | None) -> None:
    label = gold.articles[0]
    if gold.fatalities is not None:
        coded = event.fatalities.fatalities if event else None
        score.check(
            "fatalities", coded == gold.fatalities, f"{label}: fatalities {coded}, gold {gold.fatalities}"
        )
    if gold.country_code is not None or gold.admin1 is not None:
        place = next((p for p in event.places if p.role == "primary"), None) if event else None
        match = place.gazetteer if place else None
        found = (match.country_code, match.admin1) if match else (None, None)
        score.check("place", found == (gold.country_code, gold.admin1), f"{label}: place {found}")
    if gold.disputed is not None:
        disputed = bool(event and event.disputes)
        score.check("disputes", disputed == gold.disputed, f"{label}: disputed {disputed}")


def headline_of(scores: list[GroupScore]) -> dict[str, float]:
    """The split's consolidation figures: pair F1 and the accuracy of each coded field."""
    tp = sum(s.pairs_tp for s in scores)
    fp = sum(s.pairs_fp for s in scores)
    fn = sum(s.pairs_fn for s in scores)
    figures = {"consolidation_pairs_f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0}
    for what in ("fatalities", "place", "disputes"):
        results = [ok for s in scores for ok in s.checks.get(what, [])]
        if results:
            figures[f"consolidation_{what}_accuracy"] = sum(results) / len(results)
    return {k: round(v, 4) for k, v in figures.items()}
