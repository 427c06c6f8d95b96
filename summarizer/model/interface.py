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

import email.utils
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
from summarizer.core.errors import DeadlineExceeded, ModelError, TransientModelError

T = TypeVar("T", bound=BaseModel)
Request = dict[str, Any]

_TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


DEADLINE: ContextVar[float | None] = ContextVar("summarizer_deadline", default=None)
"""A caller's deadline (time.monotonic()) for everything done on its behalf. A context variable
crosses into the worker thread of asyncio.to_thread, so a service request that times out stops
the model work it started instead of leaving it to run on."""


def time_left() -> float | None:
    """Seconds until the caller's deadline; None when there is none."""
    deadline = DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def check_deadline(provider: str = "") -> None:
    left = time_left()
    if left is not None and left <= 0:
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
    """The server's requested delay (``retry-after-ms`` or ``retry-after``), if it sent one."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return None if when is None else max(0.0, when.timestamp() - time.time())


class WaitRetryAfter:
    """Backoff with jitter, unless the server said how long to wait (capped at ``ceiling``)."""

    def __init__(self, initial: float, maximum: float, ceiling: float = 120.0) -> None:
        self._backoff = wait_random_exponential(multiplier=initial, max=maximum)
        self._ceiling = ceiling

    def __call__(self, state: RetryCallState) -> float:
        asked = retry_after_seconds(state.outcome.exception() if state.outcome else None)
        if asked is not None:
            return min(asked, self._ceiling)
        return float(self._backoff(state))


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
        self.count_tokens = count_tokens
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
        return f"HTTP {exc.status_code}: {_first_line(exc.message)}"
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot connect ({_first_line(str(exc.__cause__ or exc))})"
    return _first_line(str(exc)) or type(exc).__name__


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:300]
