"""The two real transports, and `open_model`, which picks one from the settings.

* ``local``: llama-cpp-python in this process. The model is loaded once per process and shared;
  calls to it are serialised (a llama context is not thread-safe). Output is constrained by
  llama.cpp's JSON-schema grammar, which is what makes a small model's JSON parse, through the
  faster greedy sampler of ``sampling``.
* ``openai``: any OpenAI-compatible endpoint. ``json_object`` style sends llama-cpp-python's
  ``{"type": "json_object", "schema": ...}``; the default standard ``json_schema`` style falls
  back to it once if the server rejects ``json_schema`` (llama-cpp-python's server does).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, SummarizerError, TransientModelError
from summarizer.model.cache import CachedTransport, shared_cache
from summarizer.model.files import EMBEDDED, ensure_model_file
from summarizer.model.interface import StructuredModel, Transport, check_deadline, time_left
from summarizer.model.sampling import llama_class

_PASSED = ("messages", "temperature", "seed", "max_tokens")
_LOCK_POLL = 0.1
"""Seconds between deadline checks while waiting for the model's lock (a cancel is seen that soon)."""


@dataclass
class _LoadedLlama:
    llama: Any
    lock: threading.Lock


_LOADED: dict[tuple[str, int, int], _LoadedLlama] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(path: Path, context_window: int, threads: int) -> _LoadedLlama:
    """The process-wide instance for this file and size, loading it on first use."""
    key = (str(path.resolve()), context_window, threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            try:
                llama = llama_class()(
                    model_path=str(path),
                    n_ctx=context_window,
                    n_threads=threads,
                    n_threads_batch=threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise ConfigError(f"{path}: cannot be loaded as a GGUF model ({exc})") from None
            if not _LOADED:
                atexit.register(_close_all)
            _LOADED[key] = _LoadedLlama(llama, threading.Lock())
        return _LOADED[key]


def _close_all() -> None:
    """Free models before interpreter teardown, when llama-cpp-python's __del__ would fail."""
    with _LOAD_LOCK:
        for loaded in _LOADED.values():
            loaded.llama.close()
        _LOADED.clear()


class LlamaTransport:
    """Runs a request on the in-process model and answers in OpenAI's types."""

    def __init__(self, loaded: _LoadedLlama, timeout: float) -> None:
        self._loaded = loaded
        self._timeout = timeout

    def __call__(self, **request: Any) -> ChatCompletion:
        kwargs = {k: request[k] for k in _PASSED if k in request}
        schema = _schema_of(request.get("response_format"))
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with _holding(self._loaded.lock):
            return self._generate(kwargs, str(request.get("model", "")))

    def _generate(self, kwargs: dict[str, Any], model: str) -> ChatCompletion:
        """Streams token by token so that a call past its time limit can be stopped."""
        llama = self._loaded.llama
        deadline = time.monotonic() + self._timeout
        pieces: list[str] = []
        finish = "stop"
        chunks = llama.create_chat_completion(stream=True, **kwargs)
        try:
            for chunk in chunks:
                check_deadline("local")
                if time.monotonic() > deadline:
                    raise TransientModelError(
                        f"local generation ran past {self._timeout:g} s", provider="local"
                    )
                choice = chunk["choices"][0]
                if choice["delta"].get("content"):
                    pieces.append(choice["delta"]["content"])
                finish = choice.get("finish_reason") or finish
        finally:
            chunks.close()
        completion_tokens = len(pieces)  # llama-cpp-python streams one token per chunk
        return ChatCompletion.model_validate(
            {
                "id": "local",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(pieces)},
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": llama.n_tokens - completion_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": llama.n_tokens,
                },
            }
        )

    def count_tokens(self, text: str) -> int:
        with _holding(self._loaded.lock):
            return len(self._loaded.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))


@contextlib.contextmanager
def _holding(lock: threading.Lock) -> Iterator[None]:
    """Holds the model's lock, waiting for it only while the caller's deadline allows: a call
    queued behind a long generation gives up at its deadline, or when it is cancelled, instead
    of waiting for ever."""
    while not lock.acquire(timeout=_lock_wait()):
        check_deadline("local")
    try:
        yield
    finally:
        lock.release()


def _lock_wait() -> float:
    left = time_left()
    return _LOCK_POLL if left is None else max(0.0, min(_LOCK_POLL, left))


class OpenAITransport:
    """Sends requests to an OpenAI-compatible server with the openai client (its retries off).

    With ``stream``, the answer comes token by token and the caller's deadline is checked at
    each: a call whose caller went away stops, and closing the stream tells the server to stop
    generating too (llama-cpp-python's server does), which a plain request cannot do."""

    def __init__(
        self, client: openai.OpenAI, style: str, *, stream: bool = False, provider: str = "openai"
    ) -> None:
        self._client = client
        self._style = style
        self._stream = stream
        self._provider = provider

    def __call__(self, **request: Any) -> ChatCompletion:
        if self._style == "json_object":
            request = _as_json_object(request)
        try:
            return self._create(request)
        except openai.APIStatusError as exc:
            if not (self._style == "json_schema" and _rejects_json_schema(exc)):
                raise
            self._style = "json_object"  # the server wants llama-cpp-python's form
            return self._create(_as_json_object(request))

    def _create(self, request: dict[str, Any]) -> ChatCompletion:
        left = time_left()
        client = self._client
        if left is not None:  # the sooner of the call's own limit and the caller's deadline
            own = client.timeout if isinstance(client.timeout, (int, float)) else left
            client = client.with_options(timeout=max(0.1, min(left, own)))
        if self._stream:
            return self._streamed(client, request)
        completion: ChatCompletion = client.chat.completions.create(**request)
        return completion

    def _streamed(self, client: openai.OpenAI, request: dict[str, Any]) -> ChatCompletion:
        """Collects a streamed answer into one completion. A break in the stream is a connection
        error and a silence past the client's timeout a timeout, both in openai's types (what
        breaks mid-stream is the HTTP library's own exception, not one of openai's)."""
        limit = float(client.timeout) if isinstance(client.timeout, (int, float)) else None
        started = time.monotonic()
        stream = client.chat.completions.create(
            **request, stream=True, stream_options={"include_usage": True}
        )
        answer = _Streamed()
        http_request = stream.response.request
        try:
            for chunk in stream:
                check_deadline(self._provider)
                if limit is not None and time.monotonic() - started > limit:
                    raise openai.APITimeoutError(request=http_request)
                answer.add(chunk)
        except (openai.APIError, SummarizerError):
            raise
        except Exception as exc:
            if limit is not None and time.monotonic() - started >= limit:
                raise openai.APITimeoutError(request=http_request) from exc
            message = f"the answer broke off ({type(exc).__name__})"
            raise openai.APIConnectionError(message=message, request=http_request) from exc
        finally:
            stream.close()
        return answer.completion(str(request.get("model", "")))


@dataclass
class _Streamed:
    """What a streamed answer has said so far."""

    pieces: list[str] = field(default_factory=list)
    finish: str = "stop"
    usage: dict[str, int] | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        if chunk.usage is not None:
            counts = {"prompt_tokens", "completion_tokens", "total_tokens"}
            self.usage = chunk.usage.model_dump(include=counts)
        for choice in chunk.choices[:1]:
            if choice.delta.content:
                self.pieces.append(choice.delta.content)
            self.finish = choice.finish_reason or self.finish

    def completion(self, model: str) -> ChatCompletion:
        """The answer as a plain completion; without the server's usage, one token per chunk
        (llama-cpp-python streams one each) and the prompt's tokens unknown (0)."""
        chunks = len(self.pieces)
        usage = self.usage or {"prompt_tokens": 0, "completion_tokens": chunks, "total_tokens": chunks}
        return ChatCompletion.model_validate(
            {
                "id": "streamed",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(self.pieces)},
                        "finish_reason": self.finish,
                    }
                ],
                "usage": usage,
            }
        )


Wrap = Callable[[Transport], Transport]


def model_name(settings: Settings) -> str:
    """The name a record's ``usage.model`` gives, known without loading anything."""
    if settings.provider == "openai":
        if not settings.model:
            raise ConfigError("the openai provider needs a model name: --model NAME")
        return settings.model
    if settings.model_path is not None:
        return settings.model or settings.model_path.stem
    return settings.model or EMBEDDED.name


def open_model(settings: Settings, wrap: Wrap | None = None) -> StructuredModel:
    """The model the settings name, ready to call; ``wrap`` may interpose on its transport."""
    transport, count_tokens = (
        _open_openai(settings) if settings.provider == "openai" else _open_local(settings)
    )
    transport = wrap(transport) if wrap else transport
    return StructuredModel(
        provider=settings.provider,
        model=model_name(settings),
        transport=with_response_cache(settings, transport),
        settings=settings,
        count_tokens=count_tokens,
        context_window=settings.context_window,
    )


def with_response_cache(settings: Settings, transport: Transport) -> Transport:
    """``transport`` behind the response cache, unless the settings turn it off. The cache is
    outermost, so an answer it gives costs no model call and no place in a rate limit."""
    if not settings.response_cache:
        return transport
    return CachedTransport(transport, shared_cache(settings.response_cache_file), destination(settings))


def destination(settings: Settings) -> str:
    """Where a request goes, beyond what the request itself says (its model name): the same
    model name served by another endpoint, or another GGUF file, may answer differently."""
    if settings.provider == "openai":
        return f"openai {settings.openai_base_url or 'https://api.openai.com/v1'}"
    path = settings.model_path.resolve() if settings.model_path else "embedded"
    return f"local {path}"


def offline_model(settings: Settings, transport: Transport) -> StructuredModel:
    """A model that loads no weights and opens no connection: for replaying recordings."""
    return StructuredModel(
        provider=settings.provider,
        model=model_name(settings),
        transport=transport,
        settings=settings,
        count_tokens=_estimate_tokens,
        context_window=settings.context_window,
    )


def local_model_file(settings: Settings) -> Path:
    """The GGUF file ``local`` runs: the one given, or the embedded model (assembled if needed)."""
    if settings.model_path is not None:
        if not settings.model_path.is_file():
            raise ConfigError(f"{settings.model_path}: no such model file")
        return settings.model_path
    return ensure_model_file(settings.cache_dir)


def local_threads(settings: Settings) -> int:
    return settings.threads or max(1, os.cpu_count() or 1)


def _open_local(settings: Settings) -> tuple[Transport, Callable[[str], int]]:
    loaded = load_llama(local_model_file(settings), settings.context_window, local_threads(settings))
    transport = LlamaTransport(loaded, settings.timeout)
    return transport, transport.count_tokens


def _open_openai(settings: Settings) -> tuple[Transport, Callable[[str], int]]:
    model_name(settings)  # a missing model name is reported before anything else
    key = settings.openai_api_key
    if not key and not settings.openai_base_url:
        raise ConfigError("the openai provider needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    client = openai.OpenAI(
        api_key=key or "no-key-needed",
        base_url=settings.openai_base_url,
        timeout=settings.timeout,
        max_retries=0,
    )
    return OpenAITransport(client, settings.response_format), _estimate_tokens


def _estimate_tokens(text: str) -> int:
    """Without the model's tokenizer: a cautious three characters a token."""
    return len(text) // 3 + 1


def _rejects_json_schema(exc: openai.APIStatusError) -> bool:
    """The server refused the request because of its ``response_format`` type.

    llama-cpp-python's server answers 500 to it (its validation error escapes), others 400/422.
    """
    message = str(exc.body or exc.message)
    return exc.status_code != 429 and "response_format" in message and "json_schema" in message


def _schema_of(response_format: Any) -> Any:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return response_format["json_schema"]["schema"]
    return None


def _as_json_object(request: dict[str, Any]) -> dict[str, Any]:
    schema = _schema_of(request.get("response_format"))
    if schema is None:
        return request
    return {**request, "response_format": {"type": "json_object", "schema": schema}}
