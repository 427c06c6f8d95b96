"""A persistent response cache: the same request to the same model is answered from disk.

It keys answers the way the eval's cassettes do (`recording.request_hash`, a hash of the exact
request: messages, model name, schema, sampling parameters, token limit), prefixed by where the
request goes (provider and endpoint or model file), so any change to a prompt, a candidate or a
setting that reaches the request is a miss instead of a stale answer. Only answers the model
actually gave are stored; a failed call is never cached.

SQLite (the standard library's) holds it: one file, safe for several threads and processes at
once (a batch's workers, Ray actors on one node, the CLI and the service), written in WAL mode
so that readers never wait for a writer. The cache is an optimisation: once open, a read or
write that fails is logged and the call goes to the model as if the cache were not there.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summarizer.core.errors import ConfigError
from summarizer.model.interface import Transport
from summarizer.model.recording import request_hash

log = logging.getLogger("summarizer.cache")

_SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, response TEXT NOT NULL, created REAL NOT NULL
)"""


class ResponseCache:
    """One cache file, shared by every transport of this process that names it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"{path}: cannot be used as the response cache ({exc}); remove it, choose another "
                "file (SUMMARIZER_RESPONSE_CACHE_PATH) or run without the cache (--no-cache)"
            ) from None

    def get(self, key: str) -> ChatCompletion | None:
        try:
            with self._lock:
                row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            log.warning("response cache %s: read failed (%s); calling the model", self.path, exc)
            row = None
        with self._lock:
            if row is None:
                self.misses += 1
            else:
                self.hits += 1
        return None if row is None else ChatCompletion.model_validate_json(row[0])

    def put(self, key: str, completion: ChatCompletion) -> None:
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO responses (key, response, created) VALUES (?, ?, ?)",
                    (key, completion.model_dump_json(), time.time()),
                )
        except sqlite3.Error as exc:
            log.warning("response cache %s: write failed (%s); the answer is not kept", self.path, exc)


_OPEN: dict[Path, ResponseCache] = {}
_OPEN_LOCK = threading.Lock()


def shared_cache(path: Path) -> ResponseCache:
    """The process's one `ResponseCache` for ``path``, so its counts cover every caller."""
    key = path.expanduser().resolve()
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = ResponseCache(key)
        return _OPEN[key]


class CachedTransport:
    """Answers from the cache when it can, and keeps what the inner transport answers."""

    def __init__(self, inner: Transport, cache: ResponseCache, destination: str) -> None:
        self._inner = inner
        self._cache = cache
        self._destination = destination

    def __call__(self, **request: Any) -> ChatCompletion:
        key = hashlib.sha256(f"{self._destination}\n{request_hash(request)}".encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        completion = self._inner(**request)
        self._cache.put(key, completion)
        return completion
