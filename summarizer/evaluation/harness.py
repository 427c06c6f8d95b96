"""``summarize eval``: run a provider over the fixtures, score, report, gate on a baseline.

The harness only reads outputs: it gives each fixture's text to the same `Summarizer` the CLI
uses, through a response cache, and scores the records it gets back against the gold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from summarizer.backends import model_name, offline_model, open_model
from summarizer.config import Settings
from summarizer.contract import SCHEMA_VERSION, ArticleSummary
from summarizer.errors import ConfigError, SummarizerError, one_line
from summarizer.evaluation.cache import CachingTransport, Cassette, Mode
from summarizer.evaluation.gold import Fixture, lint, load_fixtures
from summarizer.evaluation.scoring import ACCURACIES, LIST_FIELDS, ArticleScore, Counts, Ratio, score_article
from summarizer.ingest import make_article
from summarizer.pipeline import Summarizer
from summarizer.prompting import prompt_version

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


@dataclass(frozen=True)
class EvalOptions:
    fixtures: Path
    cache: Path
    baseline: Path
    reports: Path
    mode: Mode = "through"
    update_baseline: bool = False
    tolerance: float | None = None


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


def identity_of(settings: Settings) -> dict[str, Any]:
    """Everything that shapes the model's answers: the cache key and the report's header."""
    return {
        "provider": settings.provider,
        "model": model_name(settings),
        "prompt_version": prompt_version(),
        "schema_version": SCHEMA_VERSION,
        "params": {
            "temperature": settings.temperature,
            "seed": settings.seed,
            "context_window": settings.context_window,
            "reasks": settings.reasks,
            "reask_rounds": settings.reask_rounds,
            "reask_tokens": settings.reask_tokens,
        },
    }


def run_eval(
    settings: Settings, options: EvalOptions, on_article: Callable[[ArticleRun], None] | None = None
) -> EvalReport:
    fixtures = load_fixtures(options.fixtures)
    problems = [f"{f.name}: {p}" for f in fixtures for p in lint(f)]
    if problems:
        raise ConfigError("fixtures do not pass the linter:\n  " + "\n  ".join(problems))
    identity = identity_of(settings)
    transport = CachingTransport(None, options.mode)
    if options.mode == "replay":
        model = offline_model(settings, transport)
    else:
        model = open_model(settings, wrap=transport.around)
    summarizer = Summarizer(settings, model=model)
    runs = []
    for fixture in fixtures:
        run = _run_one(summarizer, transport, fixture, identity, options)
        runs.append(run)
        if on_article is not None:
            on_article(run)
    report = EvalReport(identity, runs)
    _aggregate(report)
    _compare(report, options)
    return report


def _run_one(
    summarizer: Summarizer,
    transport: CachingTransport,
    fixture: Fixture,
    identity: dict[str, Any],
    options: EvalOptions,
) -> ArticleRun:
    meta = fixture.gold.article
    article = make_article(
        fixture.text, id=fixture.name, title=meta.title, source=meta.source, published=meta.published
    )
    cassette = Cassette.open(options.cache, fixture.name, identity, article.sha256, options.mode)
    transport.cassette = cassette
    run = ArticleRun(fixture)
    started = time.perf_counter()
    try:
        record = summarizer.summarize(article)
    except SummarizerError as exc:
        run.error = f"{exc.code}: {exc}"
        return run
    finally:
        run.seconds = time.perf_counter() - started
        if cassette.recorded:
            cassette.save(run.seconds)
    run.cached = cassette.fully_replayed
    run.live_seconds = cassette.seconds
    record.usage.cached = run.cached
    _write_record(options.reports, fixture.name, record)
    run.score = score_article(fixture.name, record, fixture.gold, fixture.text)
    return run


def _write_record(folder: Path, name: str, record: ArticleSummary) -> None:
    records = folder / "records"
    records.mkdir(parents=True, exist_ok=True)
    (records / f"{name}.json").write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")


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


def _compare(report: EvalReport, options: EvalOptions) -> None:
    stored = read_baseline(options.baseline)
    if stored is None:
        return
    report.baseline = stored.metrics
    report.tolerance = options.tolerance if options.tolerance is not None else stored.tolerance
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
