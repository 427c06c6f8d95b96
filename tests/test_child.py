"""The model's child process, supervised: restarted when it dies or hangs, never orphaned.

The child is the scripted OpenAI-compatible server (`tests.scripted_child`), a real process
killed for real; the embedded model as the child is in test_live_service.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from summarizer.core.config import Settings
from summarizer.core.errors import ModelError
from summarizer.model.child import ChildSpec, ModelChild, open_child_model
from summarizer.model.drafts import SelfTestDraft
from summarizer.model.files import EMBEDDED
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="kills and inspects processes as Linux does")

QUICK = Settings(attempts=3, backoff_initial=0.01, backoff_max=0.05, timeout=2)


def scripted(*options: str, **spec: float) -> ChildSpec:
    """The scripted child with ``options``, probed quickly."""

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "tests.scripted_child", "--port", str(port), *options]

    timings = {"probe_interval": 0.2, "probe_timeout": 0.5, "start_timeout": 20, **spec}
    return ChildSpec(command=command, **timings)  # type: ignore[arg-type]


@pytest.fixture
def supervise() -> Iterator[Callable[[ChildSpec], ModelChild]]:
    children: list[ModelChild] = []

    def start(spec: ChildSpec) -> ModelChild:
        child = ModelChild(spec)
        children.append(child)
        child.start()
        child.wait_ready()
        return child

    yield start
    for child in children:
        child.stop()


def ask(child: ModelChild, settings: Settings = QUICK) -> tuple[SelfTestDraft, int]:
    """One structured call through the child, as the service makes it; the answer, and calls."""
    model = open_child_model(settings, child)
    answer, usage = model.extract(SelfTestDraft, [{"role": "user", "content": "Say ok."}], max_tokens=16)
    assert (model.provider, model.model) == ("local", EMBEDDED.name)
    return answer, usage.calls


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    until = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < until, f"{what} did not happen within {seconds:g} s"
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_child_killed_with_sigkill_is_restarted_and_answers(
    supervise: Callable[[ChildSpec], ModelChild],
) -> None:
    child = supervise(scripted("--start-delay", "0.5"))
    first = child.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: child.status == "restarting", 2, "noticing the crash")
    assert child.detail == "was killed by SIGKILL"
    answer, calls = ask(child)  # waits for the restart, then answers
    assert answer.ok is False  # the scripted child's answer
    assert calls == 1
    assert (child.status, child.restarts) == ("ready", 1)
    assert child.pid not in (None, first)


def test_a_child_that_stops_answering_its_probe_is_killed_and_restarted(
    supervise: Callable[[ChildSpec], ModelChild],
) -> None:
    child = supervise(scripted())
    hung = child.pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)  # alive, answering nothing
    wait_for(lambda: child.status == "restarting", 3, "noticing the hang")
    assert child.detail is not None
    assert "stopped answering its health probe" in child.detail
    wait_for(lambda: child.status == "ready", 10, "the restart")
    wait_for(lambda: not alive(hung), 2, "the hung child's end")
    assert ask(child)[1] == 1


def test_a_call_that_hangs_has_the_child_restarted_and_is_retried(
    supervise: Callable[[ChildSpec], ModelChild], tmp_path: Path
) -> None:
    child = supervise(scripted("--hang-once", str(tmp_path / "hung-once"), probe_interval=30))
    started = time.monotonic()
    answer, calls = ask(child, Settings(attempts=2, backoff_initial=0.01, backoff_max=0.05, timeout=1))
    assert answer.ok is False
    assert calls == 1  # one answer, after one call that timed out
    assert child.restarts == 1
    assert time.monotonic() - started < 8


def test_a_child_that_cannot_start_is_given_up_with_the_reason(
    supervise: Callable[[ChildSpec], ModelChild],
) -> None:
    child = ModelChild(
        ChildSpec(
            command=lambda port: [sys.executable, "-c", "import sys; sys.exit('no model here')"],
            start_attempts=2,
        )
    )
    child.start()
    try:
        with pytest.raises(
            ModelError, match="the local model process is failed: exited with code 1: no model here"
        ):
            child.wait_ready()
        assert child.status == "failed"
    finally:
        child.stop()


def test_the_child_dies_with_its_parent_even_by_sigkill() -> None:
    parent_code = (
        "import sys, time\n"
        "from summarizer.model.child import ModelChild\n"
        "from tests.test_child import scripted\n"
        "child = ModelChild(scripted()); child.start(); child.wait_ready()\n"
        "print(child.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert alive(child_pid)
        parent.kill()
        parent.wait()
        wait_for(lambda: not alive(child_pid), 3, "the orphan's end")
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def test_stopping_ends_the_child(supervise: Callable[[ChildSpec], ModelChild]) -> None:
    child = supervise(scripted())
    pid = child.pid
    assert pid is not None
    child.stop()
    assert child.status == "stopped"
    assert not alive(pid)
    with pytest.raises(ModelError, match="stopped"):
        child.wait_ready()
