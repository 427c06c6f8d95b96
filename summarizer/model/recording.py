"""Recorded model responses, so an eval re-run costs no model call and CI replays exactly.

One file per article, named after the fixture and a key over what shapes the model's answers
besides the prompt: provider, model, schema version, generation parameters and the article's
hash. Inside, each response is filed under the hash of the exact request that produced it, so a
replay returns what the real model said to that very prompt, and any change that alters a
prompt shows up as a miss instead of a silently stale answer. The model's token counts are
recorded too: they decide how an article is cut into questions (batches, windows), and a
replay that loads no model must cut it the same way. The prompt version stays out of
the file key on purpose: a change to one question's template then re-asks only that question,
and the answers to the untouched questions are kept.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openai.types.chat import ChatCompletion

from summarizer.core.errors import ModelError
from summarizer.model.interface import Transport

Mode = Literal["through", "replay", "live"]
"""through: replay what is recorded, record what is not; replay: never call the model;
live: call the model for everything and record it afresh."""


class CacheMissError(ModelError):
    code = "cache_miss"


def cache_key(identity: dict[str, Any], article_sha256: str) -> str:
    keyed = {k: v for k, v in identity.items() if k != "prompt_version"}
    blob = json.dumps({**keyed, "article_sha256": article_sha256}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Cassette:
    """One article's recorded exchanges."""

    path: Path
    identity: dict[str, Any]
    fixture: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)
    """Token counts by the hash of the text counted."""
    seconds: float | None = None
    replayed: int = 0
    recorded: int = 0
    counted: int = 0
    """Token counts taken afresh: a run whose answers all replayed still saves them."""
    counts_used: set[str] = field(default_factory=set)

    @classmethod
    def open(
        cls, folder: Path, fixture: str, identity: dict[str, Any], article_sha256: str, mode: Mode
    ) -> Cassette:
        path = folder / f"{fixture}.{cache_key(identity, article_sha256)}.json"
        cassette = cls(path, identity, fixture)
        if mode != "live" and path.is_file():
            stored = json.loads(path.read_text(encoding="utf-8"))
            cassette.calls, cassette.seconds = stored["calls"], stored.get("seconds")
            cassette.tokens = stored.get("tokens", {})
        return cassette

    def take(self, key: str) -> ChatCompletion | None:
        for call in self.calls:
            if call["request"] == key and not call.get("_used"):
                call["_used"] = True
                self.replayed += 1
                return ChatCompletion.model_validate(call["response"])
        return None

    def record(self, key: str, completion: ChatCompletion, seconds: float) -> None:
        self.calls.append(
            {
                "request": key,
                "seconds": round(seconds, 3),
                "response": completion.model_dump(mode="json"),
                "_used": True,
            }
        )
        self.recorded += 1

    def save(self, seconds: float) -> None:
        """Keep what this run used, and clear out recordings of the fixture under older keys:
        only names of exactly this cache's form, ``{fixture}.{16 hex digits}.json``, so that
        another fixture (``a`` and ``a.b``) or someone else's JSON file is never touched.

        The article's live seconds are the sum of its calls' seconds when every call kept was
        timed; a partial re-recording over calls recorded before per-call timing leaves it
        unknown rather than passing off the new calls' time as the article's."""
        used = [{k: v for k, v in c.items() if k != "_used"} for c in self.calls if c.get("_used")]
        if self.recorded:
            self.seconds = seconds if self.recorded == len(used) else _summed_seconds(used)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tokens = {k: v for k, v in self.tokens.items() if k in self.counts_used}
        body = {"identity": self.identity, "seconds": self.seconds, "calls": used, "tokens": tokens}
        self.path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        ours = re.compile(re.escape(self.fixture) + r"\.[0-9a-f]{16}\.json")
        for stale in self.path.parent.glob(f"{glob.escape(self.fixture)}.*.json"):
            if stale != self.path and ours.fullmatch(stale.name):
                stale.unlink()

    @property
    def fully_replayed(self) -> bool:
        return self.replayed > 0 and self.recorded == 0


def _summed_seconds(calls: list[dict[str, Any]]) -> float | None:
    if any("seconds" not in call for call in calls):
        return None
    return round(sum(float(call["seconds"]) for call in calls), 3)


class CachingTransport:
    """Answers from the current cassette; calls the real transport only where the mode allows."""

    def __init__(self, inner: Transport | None, mode: Mode) -> None:
        self.inner = inner
        self._mode = mode
        self.cassette: Cassette | None = None

    def around(self, inner: Transport) -> CachingTransport:
        """Put the real transport behind this one (a `Wrap` for `open_model`)."""
        self.inner = inner
        return self

    def counting(self, count: Callable[[str], int]) -> Callable[[str], int]:
        """A token counter that answers from the cassette when it can, else counts with
        ``count`` and records the answer (replay passes the loaded-nothing estimate)."""

        def counted(text: str) -> int:
            assert self.cassette is not None, "no cassette loaded"
            key = hashlib.sha256(text.encode()).hexdigest()[:24]
            self.cassette.counts_used.add(key)
            if self._mode != "live" and key in self.cassette.tokens:
                return self.cassette.tokens[key]
            counted = count(text)
            if self._mode != "replay":  # an estimate is never filed as the model's count
                self.cassette.tokens[key] = counted
                self.cassette.counted += 1
            return counted

        return counted

    def __call__(self, **request: Any) -> ChatCompletion:
        assert self.cassette is not None, "no cassette loaded"
        key = request_hash(request)
        if self._mode != "live":
            replayed = self.cassette.take(key)
            if replayed is not None:
                return replayed
        if self.inner is None or self._mode == "replay":
            raise CacheMissError(
                "no recorded response for this request (replay only): prompts or candidates changed "
                "since the recording; run `summarize eval --live` to record afresh"
            )
        started = time.perf_counter()
        completion = self.inner(**request)
        self.cassette.record(key, completion, time.perf_counter() - started)
        return completion
