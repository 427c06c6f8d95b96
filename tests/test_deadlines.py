"""A caller's deadline, and its cancel, reach the wait for the in-process model's lock; a
distant deadline does not lift a call's own limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from summarizer.core.config import Settings
from summarizer.core.errors import Cancelled, DeadlineExceeded, ModelError
from summarizer.model.drafts import SelfTestDraft
from summarizer.model.interface import DEADLINE, Deadline, check_deadline, time_left
from summarizer.model.transports import LlamaTransport, _LoadedLlama, open_model
from tests.fakes import FakeOpenAIServer, Fault


@pytest.fixture
def busy_model() -> Iterator[LlamaTransport]:
    """A transport whose model is busy for the whole test: another call holds its lock. The
    model itself is never reached, so there is none."""
    loaded = _LoadedLlama(llama=None, lock=threading.Lock())
    loaded.lock.acquire()
    try:
        yield LlamaTransport(loaded, timeout=60)
    finally:
        loaded.lock.release()


def under_deadline(call: Callable[[], object], deadline: Deadline) -> tuple[BaseException | None, float]:
    """What ``call`` raised with ``deadline`` set, and after how long; run in a thread that is
    given 3 s, so that a wait that ignores the deadline fails the test instead of hanging it."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        DEADLINE.set(deadline)
        try:
            call()
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=3)
    assert not thread.is_alive(), "the call still waits for the model, past its deadline"
    return outcome[0], time.monotonic() - started


def test_a_call_queued_behind_a_busy_model_gives_up_at_its_deadline(busy_model: LlamaTransport) -> None:
    for call in (
        lambda: busy_model(messages=[{"role": "user", "content": "hi"}]),
        lambda: busy_model.count_tokens("hi"),
    ):
        error, seconds = under_deadline(call, Deadline.after(0.3))
        assert isinstance(error, DeadlineExceeded)
        assert "time limit ran out" in str(error)
        assert 0.25 < seconds < 1.5


def test_a_cancel_ends_the_wait_for_the_model_at_once(busy_model: LlamaTransport) -> None:
    deadline = Deadline.after(60)
    threading.Timer(0.2, deadline.cancel, args=("the client went away",)).start()
    error, seconds = under_deadline(
        lambda: busy_model(messages=[{"role": "user", "content": "hi"}]), deadline
    )
    assert isinstance(error, Cancelled)
    assert str(error) == "the client went away"
    assert seconds < 1.0


def test_a_cancelled_deadline_leaves_no_time_and_says_why() -> None:
    deadline = Deadline.after(60)
    token = DEADLINE.set(deadline)
    try:
        left = time_left()
        assert left is not None
        assert 59 < left <= 60
        check_deadline()  # time left: nothing raised
        deadline.cancel("the service is shutting down")
        deadline.cancel("a later reason is not the one reported")
        assert time_left() == 0.0
        with pytest.raises(Cancelled, match="the service is shutting down") as raised:
            check_deadline("local")
        assert raised.value.code == "cancelled"
        assert isinstance(raised.value, DeadlineExceeded)  # existing handlers still apply
    finally:
        DEADLINE.reset(token)
    assert time_left() is None


def test_a_distant_deadline_does_not_lift_a_calls_own_time_limit(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    fake_server.queue(Fault(delay=3))
    model = open_model(fake_settings.model_copy(update={"timeout": 0.5, "attempts": 1}))
    messages = [{"role": "user", "content": "Say ok."}]
    error, seconds = under_deadline(
        lambda: model.extract(SelfTestDraft, messages, max_tokens=16), Deadline.after(60)
    )
    assert isinstance(error, ModelError)
    assert "timed out" in str(error)
    assert seconds < 2
