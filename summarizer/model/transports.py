"""The two real transports, and `open_model`, which picks one from the settings.

* ``local``: llama-cpp-python in this process. The model is loaded once per process and shared;
  calls to it are serialised (a llama context is not thread-safe). Output is constrained by
  llama.cpp's JSON-schema grammar, which is what makes a small model's JSON parse.
* ``openai``: any OpenAI-compatible endpoint. ``json_object`` style sends llama-cpp-python's
  ``{"type": "json_object", "schema": ...}``; the default standard ``json_schema`` style falls
  back to it once if the server rejects ``json_schema`` (llama-cpp-python's server does).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, TransientModelError
from summarizer.model.files import EMBEDDED, ensure_model_file
from summarizer.model.interface import StructuredModel, Transport, check_deadline, time_left

_PASSED = ("messages", "temperature", "seed", "max_tokens")


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
            from llama_cpp import Llama

            try:
                llama = Llama(
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
        with self._loaded.lock:
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
        with self._loaded.lock:
            return len(self._loaded.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))


class OpenAITransport:
    """Sends requests to an OpenAI-compatible server with the openai client (its retries off)."""

    def __init__(self, client: openai.OpenAI, style: str) -> None:
        self._client = client
        self._style = style

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
        client = self._client if left is None else self._client.with_options(timeout=max(0.1, left))
        completion: ChatCompletion = client.chat.completions.create(**request)
        return completion


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
    return StructuredModel(
        provider=settings.provider,
        model=model_name(settings),
        transport=wrap(transport) if wrap else transport,
        settings=settings,
        count_tokens=count_tokens,
        context_window=settings.context_window,
    )


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


def _open_local(settings: Settings) -> tuple[Transport, Callable[[str], int]]:
    if settings.model_path is not None:
        path = settings.model_path
        if not path.is_file():
            raise ConfigError(f"{path}: no such model file")
    else:
        path = ensure_model_file(settings.cache_dir)
    threads = settings.threads or max(1, os.cpu_count() or 1)
    transport = LlamaTransport(load_llama(path, settings.context_window, threads), settings.timeout)
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
