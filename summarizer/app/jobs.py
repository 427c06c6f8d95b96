"""A bounded queue in front of the model, for the HTTP service.

At most ``workers`` articles are processed at once and at most ``queue_size`` more wait; a
request beyond that is turned away at once (`Busy`, with how long to wait) rather than piling
up. A batch is admitted whole or not at all, so a caller never gets half a batch refused.
Every job has a deadline counted from its arrival, queueing included; the deadline travels
with it into the worker thread (`DEADLINE`), so a job that times out also stops its model work.
A job can also be cancelled (its client went away): a queued one leaves the queue at once, a
running one stops at its next deadline check. Its place is free at once, so the answer (a 504,
a 503 at shutdown) is not held up by a model call that cannot notice before its next token.
For a shutdown the queue closes (`ShuttingDown` for anything new), lets what it admitted finish
(`drained`), and ends whatever is left (`stop_all`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from summarizer.core.errors import DeadlineExceeded, SummarizerError
from summarizer.model.interface import DEADLINE, Deadline
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import Article


class Busy(Exception):  # noqa: N818 (an answer to give, not a failure)
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the summarizer is busy; retry after {retry_after} s")
        self.retry_after = retry_after


class ShuttingDown(SummarizerError):  # noqa: N818 (an answer to give, like Busy)
    """The service is stopping: it takes no new work, and ends what outlasts its grace period."""

    code = "shutting_down"


@dataclass
class QueueState:
    running: int
    waiting: int
    capacity: int


@dataclass(eq=False)
class _Job:
    article: Article
    deadline: Deadline
    task: asyncio.Task[ArticleSummary] | None = None
    stopped: ShuttingDown | None = None
    """Set when the service ended the job, to say so instead of a bare cancellation."""


class JobQueue:
    def __init__(self, summarizer: Summarizer, *, workers: int, queue_size: int, timeout: float) -> None:
        self._summarizer = summarizer
        self._workers = workers
        self._capacity = workers + queue_size
        self._timeout = timeout
        self._slots: asyncio.Semaphore | None = None
        self._admitted = 0
        self._running = 0
        self._typical_seconds = 60.0
        self._jobs: set[_Job] = set()
        self._closed: str | None = None

    @property
    def state(self) -> QueueState:
        return QueueState(self._running, self._admitted - self._running, self._capacity)

    async def submit(self, article: Article) -> ArticleSummary:
        """The article's record; `Busy` when full, `DeadlineExceeded` when time runs out."""
        (job,) = self.admit([article])
        return await job

    def admit(self, articles: list[Article]) -> list[Coroutine[Any, Any, ArticleSummary]]:
        """Places for all the articles, or `Busy` for them all (`ShuttingDown` once closed);
        then one job each to await. Cancelling the await cancels the job."""
        if self._closed is not None:
            raise ShuttingDown(self._closed)
        if self._admitted + len(articles) > self._capacity:
            raise Busy(self._retry_after(len(articles)))
        self._admitted += len(articles)
        at = time.monotonic() + self._timeout
        return [self._job(_Job(article, Deadline(at))) for article in articles]

    def close(self, reason: str) -> None:
        """Admits nothing more; what was admitted goes on."""
        self._closed = reason

    async def drained(self, within: float) -> bool:
        """Waits until every admitted job is over, for at most ``within`` seconds; True if all are."""
        until = time.monotonic() + within
        while self._admitted and time.monotonic() < until:
            await asyncio.sleep(0.05)
        return not self._admitted

    def stop_all(self, reason: str) -> None:
        """Ends every admitted job with `ShuttingDown`: a queued one at once, a running one at
        its next deadline check."""
        for job in list(self._jobs):
            job.stopped = ShuttingDown(reason)
            job.deadline.cancel(reason)
            if job.task is not None:
                job.task.cancel()

    async def _job(self, job: _Job) -> ArticleSummary:
        job.task = asyncio.ensure_future(self._run(job))
        self._jobs.add(job)
        try:
            return await asyncio.wait_for(job.task, job.deadline.at - time.monotonic())
        except TimeoutError:
            raise DeadlineExceeded(f"no answer within {self._timeout:g} s") from None
        except asyncio.CancelledError:
            job.deadline.cancel()
            if job.stopped is None:
                raise  # our caller was cancelled: its client went away
            raise job.stopped from None
        finally:
            self._jobs.discard(job)
            self._admitted -= 1

    async def _run(self, job: _Job) -> ArticleSummary:
        if self._slots is None:  # made here, inside the running event loop
            self._slots = asyncio.Semaphore(self._workers)
        async with self._slots:  # a cancel while queued leaves the queue here, at once
            self._running += 1
            started = time.monotonic()
            work = asyncio.ensure_future(asyncio.to_thread(self._summarize, job))
            try:
                record = await asyncio.shield(work)
            except asyncio.CancelledError:
                job.deadline.cancel()  # the thread stops at its next deadline check
                work.add_done_callback(forget)
                raise
            finally:
                self._running -= 1
            self._typical_seconds = 0.8 * self._typical_seconds + 0.2 * (time.monotonic() - started)
            return record

    def _summarize(self, job: _Job) -> ArticleSummary:
        """In the worker thread, with the job's deadline for everything it calls."""
        token = DEADLINE.set(job.deadline)
        try:
            return self._summarizer.summarize(job.article)
        finally:
            DEADLINE.reset(token)

    def _retry_after(self, wanted: int) -> int:
        """Roughly when enough places free up: the jobs ahead, at the recent pace, per worker."""
        ahead = max(1, self._admitted + wanted - self._capacity)
        return max(1, math.ceil(self._typical_seconds * ahead / self._workers))


def forget(work: asyncio.Future[Any]) -> None:
    """A done-callback for work whose end no longer matters: its exception is retrieved, so that
    asyncio does not log it as forgotten."""
    if not work.cancelled():
        work.exception()
