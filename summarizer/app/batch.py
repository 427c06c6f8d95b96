"""``summarize batch``: a corpus through one `Summarizer`, resumable, with its accounting.

The input is read one entry at a time (`batch_input`), each result is appended to the output
as it finishes (`batch_journal`), and the run can be killed at any moment and started again.
Articles run one at a time on the local model (it works on one at a time anyway); an endpoint
(``--provider openai``) gets up to ``concurrency`` at once, from an asyncio loop that hands
each article to a worker thread and writes results from the loop alone, all of them paced by
one shared `Pacer`. ``--engine ray`` hands the same articles to Ray Data (`batch_ray`).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Literal

from summarizer.app.batch_input import BadInput, Item, Pending, count_entries, read_items
from summarizer.app.batch_journal import Journal, bad_input_line, failure_line, item_key
from summarizer.app.batch_pages import BatchPages
from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, InputError, InternalError, SummarizerError
from summarizer.model.cache import shared_cache
from summarizer.model.pacing import PacedTransport, Pacer
from summarizer.model.transports import open_model
from summarizer.pipeline import Summarizer, output_identity
from summarizer.records.contract import ArticleSummary
from summarizer.records.writers import as_json

Engine = Literal["local", "ray"]
Notice = Callable[[str], None]


@dataclass(frozen=True)
class BatchOptions:
    source: str
    out: Path
    engine: Engine = "local"
    concurrency: int = 1
    requests_per_minute: float | None = None
    retry_failed: bool = False
    report: Path | None = None
    progress: bool | None = None
    """A progress bar; None: when stderr is a terminal (otherwise a log line every ``log_every``)."""
    log_every: float = 30.0
    ray_address: str | None = None
    html: Path | None = None
    """A folder for a page per article as it finishes, and an index of the whole output."""


@dataclass(frozen=True)
class Outcome:
    """One article's line for the output, and what the summary needs to know of it."""

    line: str
    ok: bool
    message: str | None = None
    input_error: bool = False
    tokens: int = 0


@dataclass
class Tally:
    """The run's accounting: what the summary line and ``--report`` say."""

    done: int = 0
    failed: int = 0
    input_errors: int = 0
    """Of ``failed``: entries that could not be read as articles, or were refused as input."""
    skipped: int = 0
    seconds: float = 0.0
    tokens: int = 0
    cache_hits: int | None = None
    cache_misses: int | None = None
    """Requests that went to the model (None with the cache off)."""
    pages_failed: int = 0
    """Pages (``--html``) that could not be written; their records are in the output all the same."""
    engine: str = "local"
    output: str = ""
    moved_aside: str | None = None

    def add(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.done += 1
        else:
            self.failed += 1
            self.input_errors += outcome.input_error
        self.tokens += outcome.tokens

    def summary(self) -> str:
        cache = "" if self.cache_hits is None else f", {self.cache_hits} cached answers"
        calls = "" if self.cache_misses is None else f", {self.cache_misses} model calls"
        pages = f", {self.pages_failed} pages not written" if self.pages_failed else ""
        return (
            f"{self.done} done, {self.failed} failed, {self.skipped} skipped (already done) in "
            f"{self.seconds:.1f} s, {self.tokens} tokens{calls}{cache}{pages}"
        )

    def as_report(self) -> dict[str, Any]:
        return asdict(self)


def summarize_item(summarizer: Summarizer, item: Pending) -> Outcome:
    """One article's outcome; whatever goes wrong costs this article only (a `ConfigError`, the
    same for every article, stops the run instead)."""
    try:
        record = summarizer.summarize(item.article)
    except ConfigError:
        raise
    except SummarizerError as exc:
        return _failed(item, exc.code, str(exc), input_error=exc.code == "input_error")
    except Exception as exc:  # a bug costs its article, never the run
        return _failed(item, InternalError.code, f"internal error ({type(exc).__name__}); not summarized")
    return Outcome(as_json(record, indent=None), ok=True, tokens=_tokens(record))


def _failed(item: Pending, code: str, message: str, *, input_error: bool = False) -> Outcome:
    """A message that names the entry (input, line or file, and id), whatever stage failed."""
    origin = item.article.origin
    message = message.removeprefix(f"{origin}: ")
    message = f"{origin} ({item.article.id}): {message}"
    return Outcome(failure_line(item, code, message), ok=False, message=message, input_error=input_error)


def _tokens(record: ArticleSummary) -> int:
    return record.usage.prompt_tokens + record.usage.completion_tokens


def run_batch(
    settings: Settings, options: BatchOptions, *, notice: Notice, stdin: BinaryIO | None = None
) -> Tally:
    """Runs the job to the end of the input; the output is complete and consistent whenever
    this returns or is interrupted."""
    started = time.monotonic()
    items = read_items(options.source, stdin=stdin)  # a source that cannot be read stops here
    pages = _open_pages(options.html)
    journal = Journal.open(options.out, output_identity(settings), retry_failed=options.retry_failed)
    tally = Tally(engine=options.engine, output=str(options.out))
    if journal.moved_aside is not None:
        tally.moved_aside = str(journal.moved_aside)
        notice(f"{options.out} was made with other settings or prompts; moved to {journal.moved_aside}")
    cache = shared_cache(settings.response_cache_file) if settings.response_cache else None
    hits, misses = (cache.hits, cache.misses) if cache else (0, 0)
    progress = Progress(options, tally, notice)
    try:
        write = partial(_record, journal=journal, tally=tally, progress=progress, pages=pages)
        todo = _pending(items, journal, tally, progress, write, pages=pages)
        if options.engine == "ray":
            from summarizer.app.batch_ray import run_on_ray

            for outcome in run_on_ray(settings, todo, options):
                write(outcome)
        else:
            asyncio.run(_run_here(settings, options, todo, write))
    finally:
        journal.close()
        progress.close()
        if pages is not None:
            _write_page(lambda: pages.write_index(options.out), tally, progress)
        tally.seconds = round(time.monotonic() - started, 2)
        if cache is not None and options.engine == "local":
            tally.cache_hits, tally.cache_misses = cache.hits - hits, cache.misses - misses
    if options.report is not None:
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(json.dumps(tally.as_report(), indent=2) + "\n", encoding="utf-8")
    return tally


def _pending(
    items: Iterator[Item],
    journal: Journal,
    tally: Tally,
    progress: Progress,
    write: Callable[[Outcome], None],
    *,
    pages: BatchPages | None = None,
) -> Iterator[Pending]:
    """The articles still to do; entries already done are counted, bad ones written at once."""
    for item in items:
        if item_key(item) in journal.done:
            tally.skipped += 1
            progress.skipped()
        elif isinstance(item, BadInput):
            write(Outcome(bad_input_line(item), ok=False, message=item.message, input_error=True))
        else:
            if pages is not None:
                pages.remember(item)
            yield item


def _open_pages(folder: Path | None) -> BatchPages | None:
    if folder is None:
        return None
    try:
        return BatchPages(folder)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the page folder ({exc.strerror or exc})") from None


def _record(
    outcome: Outcome, *, journal: Journal, tally: Tally, progress: Progress, pages: BatchPages | None
) -> None:
    journal.append(outcome.line)
    if pages is not None:  # after the line: the output file stays the record of what is done
        _write_page(lambda: pages.write(outcome.line), tally, progress)
    tally.add(outcome)
    if outcome.message is not None:
        progress.error(outcome.message)
    progress.update()


def _write_page(write: Callable[[], Path], tally: Tally, progress: Progress) -> None:
    """A page is a view of the output: one that cannot be written is said and counted, and
    costs neither its record nor the run."""
    try:
        write()
    except OSError as exc:
        tally.pages_failed += 1
        where = exc.filename2 or exc.filename or "a page"
        progress.error(f"{where}: cannot write the page ({exc.strerror or exc})")


async def _run_here(
    settings: Settings, options: BatchOptions, todo: Iterator[Pending], write: Callable[[Outcome], None]
) -> None:
    """At most ``workers`` articles in flight; results are written by this loop only, so lines
    never interleave. The input is read only as fast as workers free up."""
    workers = options.concurrency if settings.provider == "openai" else 1
    pacer = Pacer(options.requests_per_minute)
    summarizer = Summarizer(
        settings, model=open_model(settings, wrap=lambda inner: PacedTransport(inner, pacer))
    )
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(workers)
    running: set[asyncio.Task[None]] = set()
    fatal: list[BaseException] = []

    async def one(item: Pending) -> None:
        try:
            write(await loop.run_in_executor(executor, summarize_item, summarizer, item))
        except ConfigError as exc:
            fatal.append(exc)
        finally:
            slots.release()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch") as executor:
        try:
            for item in todo:
                await slots.acquire()
                if fatal:
                    break
                task = asyncio.create_task(one(item))
                running.add(task)
                task.add_done_callback(running.discard)
        finally:
            await asyncio.gather(*running, return_exceptions=True)
    if fatal:
        raise fatal[0]


class Progress:
    """A bar on a terminal (done, failed, rate, ETA when the total is known, tokens); elsewhere
    a plain line every ``log_every`` seconds, which a log file keeps readable."""

    def __init__(self, options: BatchOptions, tally: Tally, notice: Notice) -> None:
        self._tally = tally
        self._notice = notice
        self._every = options.log_every
        self._last = time.monotonic()
        self._started = self._last
        show = options.progress if options.progress is not None else sys.stderr.isatty()
        self._bar: Any = None
        if show:
            from tqdm import tqdm

            total = count_entries(options.source)
            self._bar = tqdm(total=total, file=sys.stderr, unit="article", dynamic_ncols=True)

    def update(self) -> None:
        t = self._tally
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(done=t.done, failed=t.failed, skipped=t.skipped, tokens=t.tokens)
            return
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            rate = (t.done + t.failed) / max(now - self._started, 1e-9)
            self._notice(
                f"progress: {t.done} done, {t.failed} failed, {t.skipped} skipped, "
                f"{rate:.2f} articles/s, {t.tokens} tokens"
            )

    def skipped(self) -> None:
        """An entry done before leaves the bar's total, so rate and ETA count only this run's work."""
        if self._bar is not None and self._bar.total:
            self._bar.total -= 1
            self._bar.refresh()

    def error(self, message: str) -> None:
        if self._bar is not None:
            self._bar.write(f"summarize batch: {message}", file=sys.stderr)
        else:
            self._notice(message)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
