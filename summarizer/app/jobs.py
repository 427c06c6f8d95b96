"""A bounded queue in front of the model, for the HTTP service.

At most ``workers`` articles are processed at once and at most ``queue_size`` more wait; a
request beyond that is turned away at once (`Busy`, with how long to wait) rather than piling
up. A batch is admitted whole or not at all, so a caller never gets half a batch refused.
Every job has a deadline counted from its arrival, queueing included; the deadline travels
with it into the worker thread (`DEADLINE`), so a job that times out also stops its model work.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from summarizer.core.errors import DeadlineExceeded
from summarizer.model.interface import DEADLINE
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import Article


class Busy(Exception):  # noqa: N818 (an answer to give, not a failure)
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the summarizer is busy; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class QueueState:
    running: int
    waiting: int
    capacity: int


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

    @property
    def state(self) -> QueueState:
        return QueueState(self._running, self._admitted - self._running, self._capacity)

    async def submit(self, article: Article) -> ArticleSummary:
        """The article's record; `Busy` when full, `DeadlineExceeded` when time runs out."""
        (job,) = self.admit([article])
        return await job

    def admit(self, articles: list[Article]) -> list[Coroutine[Any, Any, ArticleSummary]]:
        """Places for all the articles, or `Busy` for them all; then one job each to await."""
        if self._admitted + len(articles) > self._capacity:
            raise Busy(self._retry_after(len(articles)))
        self._admitted += len(articles)
        deadline = time.monotonic() + self._timeout
        return [self._job(article, deadline) for article in articles]

    async def _job(self, article: Article, deadline: float) -> ArticleSummary:
        try:
            return await asyncio.wait_for(self._run(article, deadline), deadline - time.monotonic())
        except TimeoutError:
            raise DeadlineExceeded(f"no answer within {self._timeout:g} s") from None
        finally:
            self._admitted -= 1

    async def _run(self, article: Article, deadline: float) -> ArticleSummary:
        if self._slots is None:  # made here, inside the running event loop
            self._slots = asyncio.Semaphore(self._workers)
        async with self._slots:
            self._running += 1
            started = time.monotonic()
            token = DEADLINE.set(deadline)
            try:
                record = await asyncio.to_thread(self._summarizer.summarize, article)
            finally:
                DEADLINE.reset(token)
                self._running -= 1
            self._typical_seconds = 0.8 * self._typical_seconds + 0.2 * (time.monotonic() - started)
            return record

    def _retry_after(self, wanted: int) -> int:
        """Roughly when enough places free up: the jobs ahead, at the recent pace, per worker."""
        ahead = max(1, self._admitted + wanted - self._capacity)
        return max(1, math.ceil(self._typical_seconds * ahead / self._workers))
