"""The response cache and the shared pace: what they answer, and what they hold back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion

from summarizer.core.errors import ConfigError, TransientModelError
from summarizer.model.cache import CachedTransport, ResponseCache
from summarizer.model.pacing import PacedTransport, Pacer
from tests.fakes import FakeOpenAIServer, completion
from tests.test_providers import rate_limited

REQUEST: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "Who won?"}], "seed": 0}


class Counting:
    """A transport that answers with a numbered completion, so a replay is told from a call."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **request: Any) -> ChatCompletion:
        self.calls += 1
        return ChatCompletion.model_validate(completion(f"answer {self.calls}"))


def _content(answer: ChatCompletion) -> str | None:
    return answer.choices[0].message.content


def test_the_same_request_is_answered_from_the_cache(tmp_path: Path) -> None:
    inner = Counting()
    cache = ResponseCache(tmp_path / "r.sqlite3")
    transport = CachedTransport(inner, cache, "openai http://a")
    assert _content(transport(**REQUEST)) == "answer 1"
    assert _content(transport(**REQUEST)) == "answer 1"
    assert (inner.calls, cache.hits, cache.misses) == (1, 1, 1)
    assert _content(transport(**{**REQUEST, "seed": 1})) == "answer 2"  # another request


def test_the_cache_survives_the_process_and_tells_endpoints_apart(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    CachedTransport(Counting(), ResponseCache(path), "openai http://a")(**REQUEST)
    later = Counting()
    assert _content(CachedTransport(later, ResponseCache(path), "openai http://a")(**REQUEST)) == "answer 1"
    assert later.calls == 0
    CachedTransport(later, ResponseCache(path), "openai http://b")(**REQUEST)
    assert later.calls == 1


def test_a_failed_call_is_not_kept(tmp_path: Path) -> None:
    def failing(**request: Any) -> ChatCompletion:
        raise TransientModelError("the endpoint went away")

    cache = ResponseCache(tmp_path / "r.sqlite3")
    with pytest.raises(TransientModelError):
        CachedTransport(failing, cache, "x")(**REQUEST)
    inner = Counting()
    CachedTransport(inner, cache, "x")(**REQUEST)
    assert inner.calls == 1


def test_a_file_that_is_not_a_cache_is_a_one_line_config_error(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(ConfigError, match=r"r\.sqlite3: cannot be used as the response cache"):
        ResponseCache(path)


def test_a_cache_that_cannot_be_written_still_answers(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "r.sqlite3")
    cache._db.execute("DROP TABLE responses")  # every read and write now fails
    inner = Counting()
    assert _content(CachedTransport(inner, cache, "x")(**REQUEST)) == "answer 1"
    assert inner.calls == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_requests_per_minute_space_the_requests_out() -> None:
    clock = FakeClock()
    pacer = Pacer(120, clock=lambda: clock.now, sleep=clock.sleep)
    for _ in range(3):
        pacer.wait_turn()
    assert clock.slept == [0.5, 0.5]


def test_a_429_holds_back_every_worker_for_its_retry_after(fake_server: FakeOpenAIServer) -> None:
    clock = FakeClock()
    pacer = Pacer(None, clock=lambda: clock.now, sleep=clock.sleep)
    limited = rate_limited(fake_server, {"retry-after": "7"})

    def refused(**_: Any) -> ChatCompletion:
        raise limited

    with pytest.raises(openai.RateLimitError):
        PacedTransport(refused, pacer)(**REQUEST)
    other_worker = PacedTransport(Counting(), pacer)
    other_worker(**REQUEST)
    assert clock.slept == [7.0]
    other_worker(**REQUEST)  # no limit per minute: the pause is over
    assert clock.slept == [7.0]
