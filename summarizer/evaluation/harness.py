"""The eval's verdict over records already made: aggregate the scores, compare with the baseline.

Only outputs come in: `summarizer.app.evals` runs the pipeline over the fixtures and hands each
record (or its error) over as an `ArticleRun`. Nothing here can call a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from summarizer.core.errors import ConfigError, one_line
from summarizer.evaluation.consolidation import GroupScore, headline_of
from summarizer.evaluation.gold import Fixture
from summarizer.evaluation.scoring import (
    ACCURACIES,
    LIST_FIELDS,
    ArticleScore,
    Counts,
    Ratio,
    score_unanswered,
)
from summarizer.records.contract import ArticleSummary

DEFAULT_TOLERANCE = 0.02
HEADLINE = (
    "events_f1",
    "locations_f1",
    "actors_f1",
    "casualties_f1",
    "quotes_f1",
    "event_type_accuracy",
    "sub_event_type_accuracy",
    "date_accuracy",
    "claimant_accuracy",
    "speaker_accuracy",
    "grounding_rate",
)


SPLITS = ("written", "dev", "test")
"""written: made for the project; dev: real news the tool is tuned on; test: real news whose
errors are never studied while tuning, reported apart so the figure says how the tool does on
articles it was not tuned on."""


class SplitBaseline(BaseModel):
    metrics: dict[str, float]
    known_failures: list[str] = Field(
        default_factory=list, description="articles that failed when the baseline was blessed"
    )


class Baseline(BaseModel):
    """``evals/baseline.json``: the blessed headline metrics per split and what produced them."""

    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0)
    recorded_with: dict[str, Any] = Field(default_factory=dict)
    splits: dict[str, SplitBaseline] = Field(default_factory=dict)
    metrics: dict[str, float] | None = Field(default=None, description="before splits: the written set's")

    def of(self, split: str) -> SplitBaseline | None:
        if split == "written" and split not in self.splits and self.metrics is not None:
            return SplitBaseline(metrics=self.metrics)
        return self.splits.get(split)


@dataclass
class ArticleRun:
    fixture: Fixture
    score: ArticleScore | None = None
    error: str | None = None
    seconds: float = 0.0
    live_seconds: float | None = None
    cached: bool = False
    record: ArticleSummary | None = None
    """The record scored, kept for the group scores and the HTML report's item-by-item view."""

    @property
    def split(self) -> str:
        return self.fixture.gold.article.split or "written"

    @property
    def failed(self) -> bool:
        return self.error is not None or (self.score is not None and not self.score.spans_valid)


@dataclass
class SplitReport:
    """One split's figures: micro and macro over its articles, accuracies, the headline."""

    name: str
    runs: list[ArticleRun]
    micro: dict[str, Counts] = field(default_factory=dict)
    macro: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, Ratio] = field(default_factory=dict)
    headline: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    known_failures: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)
    groups: list[GroupScore] = field(default_factory=list)

    @property
    def failed_articles(self) -> list[ArticleRun]:
        return [r for r in self.runs if r.failed]

    @property
    def new_failures(self) -> list[ArticleRun]:
        return [r for r in self.failed_articles if r.fixture.name not in self.known_failures]


@dataclass
class EvalReport:
    identity: dict[str, Any]
    runs: list[ArticleRun]
    splits: dict[str, SplitReport] = field(default_factory=dict)
    tolerance: float = DEFAULT_TOLERANCE

    @property
    def regressions(self) -> list[str]:
        return [f"{s.name}: {r}" for s in self.splits.values() for r in s.regressions]

    @property
    def failed_articles(self) -> list[ArticleRun]:
        """Articles that failed and were not failing when the baseline was blessed."""
        return [r for s in self.splits.values() for r in s.new_failures]

    @property
    def passed(self) -> bool:
        return not self.regressions and not self.failed_articles


def _aggregate(report: SplitReport) -> None:
    scores = [r.score or score_unanswered(r.fixture.name, r.fixture.gold) for r in report.runs]
    for name in LIST_FIELDS:
        total = Counts()
        for s in scores:
            total.add(s.fields[name])
        report.micro[name] = total
        per_article = [s.fields[name].f1 for s in scores if not s.fields[name].empty]
        report.macro[name] = sum(per_article) / len(per_article) if per_article else 1.0
    for name in ACCURACIES:
        ratio = Ratio()
        for s in scores:
            ratio.add(s.accuracy[name])
        report.accuracy[name] = ratio
    checked = sum(s.checked for s in scores)
    kept = checked - sum(s.rejected for s in scores)
    headline = {f"{n}_f1": report.micro[n].f1 for n in LIST_FIELDS}
    headline.update({f"{n}_accuracy": report.accuracy[n].value for n in ACCURACIES})
    headline["grounding_rate"] = kept / checked if checked else 1.0
    report.headline = {k: round(headline[k], 4) for k in HEADLINE}


def build_report(
    identity: dict[str, Any],
    runs: list[ArticleRun],
    baseline: Path,
    tolerance: float | None,
    groups: list[GroupScore] | None = None,
) -> EvalReport:
    """Each split's figures from its article runs, judged against that split's blessed baseline."""
    stored = read_baseline(baseline)
    report = EvalReport(identity, runs)
    if stored is not None:
        report.tolerance = tolerance if tolerance is not None else stored.tolerance
    elif tolerance is not None:
        report.tolerance = tolerance
    for name in SPLITS:
        chosen = [r for r in runs if r.split == name]
        if chosen:
            split = SplitReport(name, chosen, groups=[g for g in groups or [] if g.split == name])
            _aggregate(split)
            if split.groups:
                split.headline.update(headline_of(split.groups))
            _compare(split, stored.of(name) if stored is not None else None, report.tolerance)
            report.splits[name] = split
    return report


def _compare(report: SplitReport, stored: SplitBaseline | None, tolerance: float) -> None:
    if stored is None:
        return
    report.baseline = stored.metrics
    report.known_failures = stored.known_failures
    for name, value in report.baseline.items():
        current = report.headline.get(name)
        if current is not None and current < value - tolerance:
            report.regressions.append(
                f"{name} fell to {current:.4f} from the baseline {value:.4f} (tolerance {tolerance})"
            )


def read_baseline(path: Path) -> Baseline | None:
    """The blessed baseline, or None before one is blessed; a broken file is a `ConfigError`."""
    if not path.is_file():
        return None
    try:
        return Baseline.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise ConfigError(f"{path}: not a baseline file: {one_line(exc.errors())}") from None


def write_baseline(report: EvalReport, path: Path) -> None:
    """Bless this run's figures, split by split (splits not run this time keep their old ones)."""
    stored = read_baseline(path)
    splits = {name: stored.of(name) for name in SPLITS} if stored is not None else {}
    kept = {name: s for name, s in splits.items() if s is not None}
    for name, split in report.splits.items():
        kept[name] = SplitBaseline(
            metrics=split.headline, known_failures=sorted(r.fixture.name for r in split.failed_articles)
        )
    body = Baseline(tolerance=report.tolerance, recorded_with=report.identity, splits=kept)
    path.write_text(body.model_dump_json(indent=2, exclude_none=True) + "\n", encoding="utf-8")
