"""One pace for every worker that calls the same endpoint: a requests-per-minute limit, and a
429's ``Retry-After`` that holds back all of them, not only the worker that was told.

Each worker still retries its own failed call (tenacity, in `interface`); this only keeps the
others from walking into the same limit meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from summarizer.model.interface import Transport, retry_after_seconds


class Pacer:
    """Hands out send times: at most ``per_minute`` requests a minute (evenly spaced), and none
    before a pause that a 429 asked for has passed. Thread-safe; shared by all workers."""

    def __init__(
        self,
        per_minute: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 60.0 / per_minute if per_minute else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self.waited = 0.0
        """Seconds all workers together spent held back (for the run's report)."""

    def wait_turn(self) -> None:
        """Blocks until this caller may send; claims its slot before sleeping, so that callers
        queue up in order instead of all waking at once."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next_slot, self._paused_until)
            self._next_slot = at + self._interval
            delay = at - now
            self.waited += delay
        if delay > 0:
            self._sleep(delay)

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` from now (a later pause already set is kept)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._next_slot = max(self._next_slot, self._paused_until)


class PacedTransport:
    """Waits its turn before each request, and turns a 429's ``Retry-After`` into a pause for all."""

    def __init__(self, inner: Transport, pacer: Pacer) -> None:
        self._inner = inner
        self._pacer = pacer

    def __call__(self, **request: Any) -> ChatCompletion:
        self._pacer.wait_turn()
        try:
            return self._inner(**request)
        except openai.APIStatusError as exc:
            asked = retry_after_seconds(exc)
            if exc.status_code == 429 and asked is not None:
                self._pacer.pause(min(asked, 120.0))
            raise
