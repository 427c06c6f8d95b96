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
from summarizer.model.transports import Wrap, offline_model, open_model
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
    fixtures = select_fixtures(options.fixtures, options.splits)
    problems = [f"{f.name}: {p}" for f in fixtures for p in lint(f)]
    if problems:
        raise ConfigError("fixtures do not pass the linter:\n  " + "\n  ".join(problems))
    identity = output_identity(settings)  # the cassettes' key and the report's header
    transport = CachingTransport(None, options.mode)
    summarizer = cassette_summarizer(settings, transport, options.mode)
    runs = []
    for fixture in fixtures:
        run = _run_one(summarizer, transport, fixture, identity, options)
        runs.append(run)
        if on_article is not None:
            on_article(run)
    records = {r.fixture.name: r.record for r in runs if r.record is not None}
    groups = _score_groups(options.groups, {r.fixture.name: r.split for r in runs}, records)
    return build_report(identity, runs, options.baseline, options.tolerance, groups)


def select_fixtures(folders: tuple[Path, ...], splits: tuple[str, ...] = ()) -> list[Fixture]:
    """The fixtures of these folders, only those of ``splits`` when any are named."""
    fixtures = [f for folder in folders for f in load_fixtures(folder)]
    if splits:
        fixtures = [f for f in fixtures if (f.gold.article.split or "written") in splits]
    return fixtures


def cassette_summarizer(
    settings: Settings, transport: CachingTransport, mode: Mode, outer: Wrap | None = None
) -> Summarizer:
    """The pipeline the eval runs: every answer and token count goes through ``transport`` and
    its cassettes (with no weights loaded when only replaying), behind ``outer`` when given (a
    benchmark that watches the requests)."""
    settings = settings.model_copy(update={"response_cache": False})  # the cassettes are its cache
    outermost: Wrap = outer or (lambda inner: inner)
    if mode == "replay":
        model = offline_model(settings, outermost(transport))
    else:
        model = open_model(settings, wrap=lambda inner: outermost(transport.around(inner)))
    model.count_tokens = transport.counting(model.count_tokens)
    return Summarizer(settings, model=model)


def open_fixture(
    transport: CachingTransport, fixture: Fixture, folder: Path, identity: dict[str, Any], mode: Mode
) -> tuple[Article, Cassette]:
    """The article exactly as the eval gives it to the pipeline, with its cassette loaded into
    ``transport`` (the recordings answer only requests made from this text, title and date)."""
    meta = fixture.gold.article
    article = make_article(
        fixture.text, id=fixture.name, title=meta.title, source=meta.source, published=meta.published
    )
    cassette = Cassette.open(folder, fixture.name, identity, article.sha256, mode)
    transport.cassette = cassette
    return article, cassette


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
    article, cassette = open_fixture(transport, fixture, options.cache, identity, options.mode)
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


def _write_record(folder: Path, name: str, record: ArticleSummary) -> None:
    records = folder / "records"
    records.mkdir(parents=True, exist_ok=True)
    (records / f"{name}.json").write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
