"""The model stage: a structured-output call behind one small interface, whatever the backend.

Two kinds of failure are handled in two places, on purpose:

* transport faults (connection errors, timeouts, 429 and 5xx) are retried by tenacity around
  the raw call, with exponential backoff and jitter, honouring ``Retry-After``; the error text
  never reaches the prompt;
* answers that fail validation are re-asked by instructor with the specific validation error.

A backend is only a `Transport`: a function from an OpenAI-style request to an OpenAI
``ChatCompletion``. `summarizer.model.transports` implements it for llama.cpp in process and
for OpenAI-compatible servers.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import math
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import instructor
import openai
from instructor.core import Hooks, IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from summarizer.core.config import Settings
from summarizer.core.errors import Cancelled, DeadlineExceeded, ModelError, TransientModelError

T = TypeVar("T", bound=BaseModel)
Request = dict[str, Any]

_TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class Deadline:
    """A caller's time limit (a ``time.monotonic()`` instant) that the caller may also end early
    with `cancel`: a client that went away, a service that stops. It is one shared object, so a
    cancel made on the event loop is seen by the worker thread doing the work, at its next check.
    """

    def __init__(self, at: float) -> None:
        self.at = at
        self._cancelled: str | None = None

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def cancel(self, reason: str = "the request was cancelled") -> None:
        """Ends the time at once; the first reason given is the one reported."""
        if self._cancelled is None:
            self._cancelled = reason

    @property
    def cancelled(self) -> str | None:
        """Why the work was cancelled, or None while it was not."""
        return self._cancelled

    def left(self) -> float:
        """Seconds still allowed: none once cancelled."""
        return 0.0 if self._cancelled is not None else self.at - time.monotonic()


DEADLINE: ContextVar[Deadline | None] = ContextVar("summarizer_deadline", default=None)
"""A caller's deadline for everything done on its behalf. A context variable crosses into the
worker thread of asyncio.to_thread, so a service request that times out, or whose client goes
away, stops the model work it started instead of leaving it to run on."""


def time_left() -> float | None:
    """Seconds until the caller's deadline (0 once it was cancelled); None when there is none."""
    deadline = DEADLINE.get()
    return None if deadline is None else deadline.left()


def check_deadline(provider: str = "") -> None:
    """Raises `Cancelled` or `DeadlineExceeded` once the caller's time is over."""
    deadline = DEADLINE.get()
    if deadline is None:
        return
    if deadline.cancelled is not None:
        raise Cancelled(deadline.cancelled, provider=provider)
    if deadline.left() <= 0:
        raise DeadlineExceeded("the request's time limit ran out", provider=provider)


class Transport(Protocol):
    """Sends one chat-completion request; raises openai's errors or ours on failure."""

    def __call__(self, **request: Any) -> ChatCompletion: ...


@dataclass
class CallUsage:
    """What one or more model calls cost; summed per article for the record's ``usage``."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def record(self, completion: ChatCompletion) -> None:
        self.calls += 1
        if completion.usage is not None:
            self.prompt_tokens += completion.usage.prompt_tokens
            self.completion_tokens += completion.usage.completion_tokens

    def add(self, other: CallUsage) -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


def is_transient(exc: BaseException) -> bool:
    """Worth retrying unchanged: the same request may well succeed a moment later."""
    if isinstance(exc, (openai.APIConnectionError, TransientModelError)):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code in _TRANSIENT_STATUS


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's requested delay (``retry-after-ms`` or ``retry-after``), if it sent one. A
    value that is neither a number nor an HTTP date counts as absent: a server's garbage header
    must not turn a retryable 429 into a crash."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    if (millis := _seconds(headers.get("retry-after-ms"))) is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    return seconds if seconds is not None else _seconds_until(value)


def _seconds(value: str | None) -> float | None:
    """A finite, non-negative number of seconds, or None."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return max(0.0, number) if math.isfinite(number) else None


def _seconds_until(http_date: str) -> float | None:
    """Seconds until an HTTP date (always GMT), or None when it is not one."""
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - time.time())


class WaitRetryAfter:
    """Backoff with jitter, unless the server said how long to wait (capped at ``ceiling``), and
    never beyond the caller's deadline: a wait that outlasts it could only end in a timeout."""

    def __init__(self, initial: float, maximum: float, ceiling: float = 120.0) -> None:
        self._backoff = wait_random_exponential(multiplier=initial, max=maximum)
        self._ceiling = ceiling

    def __call__(self, state: RetryCallState) -> float:
        asked = retry_after_seconds(state.outcome.exception() if state.outcome else None)
        wait = min(asked, self._ceiling) if asked is not None else float(self._backoff(state))
        left = time_left()
        return wait if left is None else max(0.0, min(wait, left))


class StructuredModel:
    """instructor in JSON-schema mode over a transport, with both kinds of retry."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        transport: Transport,
        settings: Settings,
        count_tokens: Callable[[str], int],
        context_window: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.model = model
        self.context_window = context_window
        self.count_tokens: Callable[[str], int] = functools.lru_cache(maxsize=256)(count_tokens)
        """Memoized: the same prompt is measured to choose windows and batches, then to check
        that it fits; a count may be a round trip to the model process."""
        self._transport = transport
        self._settings = settings
        self._sleep = sleep
        mode = instructor.Mode.JSON_SCHEMA
        self._client = instructor.Instructor(
            client=None, create=instructor.patch(create=self._send, mode=mode), mode=mode
        )

    def extract(
        self, response_model: type[T], messages: list[dict[str, str]], *, max_tokens: int
    ) -> tuple[T, CallUsage]:
        """The model's answer as ``response_model``, and what it cost, or a `ModelError`."""
        usage = CallUsage()
        hooks = Hooks()
        hooks.on("completion:response", usage.record)
        try:
            answer = self._client.chat.completions.create(
                response_model=response_model,
                messages=messages,  # type: ignore[arg-type]
                max_retries=self._settings.reasks,
                strict=False,
                hooks=hooks,
                model=self.model,
                temperature=self._settings.temperature,
                seed=self._settings.seed,
                max_tokens=max_tokens,
            )
        except IncompleteOutputException:
            raise ModelError(
                f"the answer was cut off at {max_tokens} tokens", provider=self.provider
            ) from None
        except InstructorRetryException as exc:
            if isinstance(exc.__cause__, DeadlineExceeded):
                raise exc.__cause__ from None
            raise self._model_error(exc) from exc
        return answer, usage

    def _send(self, **request: Any) -> ChatCompletion:
        retrying = Retrying(
            stop=stop_after_attempt(self._settings.attempts),
            wait=WaitRetryAfter(self._settings.backoff_initial, self._settings.backoff_max),
            retry=retry_if_exception(is_transient),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._send_once, **request)

    def _send_once(self, **request: Any) -> ChatCompletion:
        check_deadline(self.provider)
        return self._transport(**request)

    def _model_error(self, exc: InstructorRetryException) -> ModelError:
        cause = exc.__cause__
        if isinstance(cause, (openai.APIError, TransientModelError)):
            return ModelError(
                f"{self.provider} model call failed: {_describe(cause)}",
                provider=self.provider,
                attempts=self._settings.attempts if is_transient(cause) else 1,
            )
        return ModelError(
            f"{self.provider} model gave no valid answer in {exc.n_attempts} attempts: "
            f"{_first_line(str(exc))}",
            provider=self.provider,
            attempts=exc.n_attempts,
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in (401, 403):  # their bodies quote the key back ("sk-abc1***xyz")
            return f"HTTP {exc.status_code}: the endpoint refused the credentials (check OPENAI_API_KEY)"
        return f"HTTP {exc.status_code}: {_first_line(exc.message)}"
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot connect ({_first_line(str(exc.__cause__ or exc))})"
    return _first_line(str(exc)) or type(exc).__name__


_SECRETS = (
    (re.compile(r"\bsk-[\w*.\-]+", re.IGNORECASE), "sk-***"),
    (re.compile(r"\b(bearer)\s+[^\s\"',;]+", re.IGNORECASE), r"\1 ***"),
    (
        re.compile(
            r"\b(api[_-]?key|access[_-]?token|token|secret|password)([\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;]+",
            re.IGNORECASE,
        ),
        r"\1\2***",
    ),
    (re.compile(r"(\w+://)[^/\s:@]+:[^/\s@]+@"), r"\1***@"),
)
"""Key-like tokens in upstream text: ModelError messages reach HTTP clients and logs."""


def redact(text: str) -> str:
    """``text`` with API keys, bearer tokens, ``api_key=...`` values and URL passwords masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _first_line(text: str) -> str:
    """The first line of upstream text, redacted and cut short, for a one-line message."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return redact(line)[:300]
