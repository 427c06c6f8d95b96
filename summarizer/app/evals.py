"""``summarize eval``: run a provider over the fixtures through recorded responses, then hand
the records to `summarizer.evaluation` to be scored and judged.

This is the one place where the eval meets the pipeline: it gives each fixture's text to the
same `Summarizer` the CLI uses, with a transport that replays (or records) the model's answers,
so that a re-run costs no model call and CI replays exactly what the real model said.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.consolidation.merge import consolidate
from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, SummarizerError
from summarizer.evaluation.consolidation import GroupScore, load_groups, score_group
from summarizer.evaluation.gold import Fixture, lint, load_fixtures
from summarizer.evaluation.harness import ArticleRun, EvalReport, build_report
from summarizer.evaluation.scoring import score_article
from summarizer.model.recording import CachingTransport, Cassette, Mode
from summarizer.model.transports import offline_model, open_model
from summarizer.pipeline import Summarizer, output_identity
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import Article, make_article


@dataclass(frozen=True)
class EvalOptions:
    fixtures: tuple[Path, ...]
    cache: Path
    baseline: Path
    reports: Path
    mode: Mode = "through"
    update_baseline: bool = False
    tolerance: float | None = None
    splits: tuple[str, ...] = ()
    """Only these splits (written, dev, test); all when empty."""
    groups: Path = Path("evals/consolidation")
    """Gold groups of articles for `summarize consolidate` (NAME.group.json)."""


def run_eval(
    settings: Settings, options: EvalOptions, on_article: Callable[[ArticleRun], None] | None = None
) -> EvalReport:
    fixtures = [f for folder in options.fixtures for f in load_fixtures(folder)]
    if options.splits:
        fixtures = [f for f in fixtures if (f.gold.article.split or "written") in options.splits]
    problems = [f"{f.name}: {p}" for f in fixtures for p in lint(f)]
    if problems:
        raise ConfigError("fixtures do not pass the linter:\n  " + "\n  ".join(problems))
    identity = output_identity(settings)  # the cassettes' key and the report's header
    settings = settings.model_copy(update={"response_cache": False})  # the cassettes are its cache
    transport = CachingTransport(None, options.mode)
    if options.mode == "replay":
        model = offline_model(settings, transport)
    else:
        model = open_model(settings, wrap=transport.around)
    model.count_tokens = transport.counting(model.count_tokens)
    summarizer = Summarizer(settings, model=model)
    runs = []
    for fixture in fixtures:
        run = _run_one(summarizer, transport, fixture, identity, options)
        runs.append(run)
        if on_article is not None:
            on_article(run)
    records = {r.fixture.name: r.record for r in runs if r.record is not None}
    groups = _score_groups(options.groups, {r.fixture.name: r.split for r in runs}, records)
    return build_report(identity, runs, options.baseline, options.tolerance, groups)


def _score_groups(
    folder: Path, splits: dict[str, str], records: dict[str, ArticleSummary]
) -> list[GroupScore]:
    """Each gold group whose articles were all run: consolidated from the records this run
    made (an article that failed has no record, so its pairs count as missed)."""
    scores = []
    for group in load_groups(folder):
        if not all(a in splits for a in group.gold.articles):
            continue
        split = {splits[a] for a in group.gold.articles}
        if len(split) > 1:
            raise ConfigError(f"group {group.name}: its articles are in several splits ({sorted(split)})")
        result = consolidate([records[a] for a in group.gold.articles if a in records])
        scores.append(score_group(group, split.pop(), result))
    return scores


def _run_one(
    summarizer: Summarizer,
    transport: CachingTransport,
    fixture: Fixture,
    identity: dict[str, Any],
    options: EvalOptions,
) -> ArticleRun:
    article = fixture_article(fixture)
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
        if cassette.recorded or cassette.counted:
            cassette.save(run.seconds)
    run.cached = cassette.fully_replayed
    run.live_seconds = cassette.seconds
    record.usage.cached = run.cached
    _write_record(options.reports, fixture.name, record)
    run.record = record
    run.score = score_article(fixture.name, record, fixture.gold, fixture.text)
    return run


def fixture_article(fixture: Fixture) -> Article:
    """The article exactly as the eval gives it to the pipeline (its recordings answer only
    requests made from this text, title and publication date)."""
    meta = fixture.gold.article
    return make_article(
        fixture.text, id=fixture.name, title=meta.title, source=meta.source, published=meta.published
    )


def _write_record(folder: Path, name: str, record: ArticleSummary) -> None:
    records = folder / "records"
    records.mkdir(parents=True, exist_ok=True)
    (records / f"{name}.json").write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
