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
from summarizer.evaluation.gold import Fixture
from summarizer.evaluation.scoring import ACCURACIES, LIST_FIELDS, ArticleScore, Counts, Ratio

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


class Baseline(BaseModel):
    """``evals/baseline.json``: the blessed headline metrics and what produced them."""

    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0)
    recorded_with: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, float]


@dataclass
class ArticleRun:
    fixture: Fixture
    score: ArticleScore | None = None
    error: str | None = None
    seconds: float = 0.0
    live_seconds: float | None = None
    cached: bool = False


@dataclass
class EvalReport:
    identity: dict[str, Any]
    runs: list[ArticleRun]
    micro: dict[str, Counts] = field(default_factory=dict)
    macro: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, Ratio] = field(default_factory=dict)
    headline: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    tolerance: float = DEFAULT_TOLERANCE
    regressions: list[str] = field(default_factory=list)

    @property
    def failed_articles(self) -> list[ArticleRun]:
        return [
            r for r in self.runs if r.error is not None or (r.score is not None and not r.score.spans_valid)
        ]

    @property
    def passed(self) -> bool:
        return not self.regressions and not self.failed_articles


def _aggregate(report: EvalReport) -> None:
    scores = [r.score for r in report.runs if r.score is not None]
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
    identity: dict[str, Any], runs: list[ArticleRun], baseline: Path, tolerance: float | None
) -> EvalReport:
    """The whole eval's figures from its article runs, judged against the blessed baseline."""
    report = EvalReport(identity, runs)
    _aggregate(report)
    _compare(report, baseline, tolerance)
    return report


def _compare(report: EvalReport, baseline: Path, tolerance: float | None) -> None:
    stored = read_baseline(baseline)
    if stored is None:
        return
    report.baseline = stored.metrics
    report.tolerance = tolerance if tolerance is not None else stored.tolerance
    for name, value in report.baseline.items():
        current = report.headline.get(name)
        if current is not None and current < value - report.tolerance:
            report.regressions.append(
                f"{name} fell to {current:.4f} from the baseline {value:.4f} (tolerance {report.tolerance})"
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
    body = Baseline(tolerance=report.tolerance, recorded_with=report.identity, metrics=report.headline)
    path.write_text(body.model_dump_json(indent=2) + "\n", encoding="utf-8")
