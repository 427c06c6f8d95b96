"""The service's work when things go away: a client that disconnects, a model process that dies,
a SIGTERM. Real servers on loopback, real processes killed for real; the model is the scripted
fake (in process for the openai provider, `tests.scripted_child` as the local model's child).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from summarizer.app.service import create_app
from summarizer.core.config import ServiceSettings, Settings
from summarizer.model.child import ChildSpec
from summarizer.model.files import EMBEDDED
from summarizer.records.contract import ArticleSummary
from tests.conftest import ROOT, free_port, wait_until_answers
from tests.fakes import FakeOpenAIServer, Fault

ARTICLE = "Rebels attacked the town of Kafr Nabl on Sunday. Officials said 12 people were killed."
LOCAL = Settings(attempts=3, backoff_initial=0.01, backoff_max=0.05, timeout=5)

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="inspects processes as Linux does")


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """``app`` on a loopback port, ready (its model has answered), for one test."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/readyz", 30, "the service")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def scripted_child(*options: str) -> ChildSpec:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "tests.scripted_child", "--port", str(port), *options]

    return ChildSpec(command=command, probe_interval=0.2, probe_timeout=0.5, start_timeout=20)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    until = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < until, f"{what} did not happen within {seconds:g} s"
        time.sleep(0.02)


def in_background(url: str, body: dict[str, Any], timeout: float = 60) -> tuple[threading.Thread, list[Any]]:
    """A POST /v1/summaries in a thread; its response (or the error) lands in the list."""
    outcome: list[Any] = []

    def post() -> None:
        try:
            outcome.append(httpx.post(f"{url}/v1/summaries", json=body, timeout=timeout))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=post)
    thread.start()
    return thread, outcome


def readiness(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/readyz").json()
    return body


def test_a_client_that_disconnects_takes_its_queued_article_out_of_the_queue(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    fake_server.fail_when_text_contains["SLOW"] = Fault(delay=0.7)
    app = create_app(fake_settings, ServiceSettings(workers=1, queue_size=2, max_batch=1))
    with running(app) as url:
        busy, answered = in_background(url, {"text": ARTICLE + " SLOW"})
        wait_for(lambda: readiness(url)["running"] == 1, 2, "the slow article starting")
        with pytest.raises(httpx.ReadTimeout):  # the client gives up while its article waits
            httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE + " GONE"}, timeout=0.4)
        wait_for(lambda: readiness(url)["waiting"] == 0, 0.5, "the queued article leaving the queue")
        assert readiness(url)["running"] == 1  # the slow one is still at work
        busy.join()
        assert answered[0].status_code == 200
    assert not any("GONE" in json.dumps(r) for r in fake_server.requests)  # never started


def test_a_client_that_disconnects_stops_its_running_article_at_the_next_check(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    fake_server.fail_when_text_contains["SLOW"] = Fault(delay=0.7)
    app = create_app(fake_settings, ServiceSettings(workers=1, queue_size=2, max_batch=1))
    with running(app) as url:
        with pytest.raises(httpx.ReadTimeout):  # gone during the article's first model call
            httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE + " SLOW"}, timeout=0.3)
        wait_for(lambda: readiness(url)["running"] == 0, 2, "the worker coming free")
        assert httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE}).status_code == 200
    calls = [r for r in fake_server.requests if "SLOW" in json.dumps(r)]
    assert len(calls) == 1  # the call under way finished; no other was made for it


def test_readyz_reports_a_restart_of_the_model_process_and_then_it_answers() -> None:
    app = create_app(LOCAL, ServiceSettings(), child_spec=scripted_child("--start-delay", "1"))
    child = app.state.summarizer_state.child
    with running(app) as url:
        assert readiness(url)["model"] == f"local/{EMBEDDED.name}"
        os.kill(child.pid, signal.SIGKILL)
        wait_for(lambda: readiness(url)["status"] == "restarting", 2, "/readyz reporting the restart")
        outage = httpx.get(f"{url}/readyz")
        assert outage.status_code == 503
        assert outage.json()["detail"] == "was killed by SIGKILL"
        wait_for(lambda: readiness(url)["status"] == "ready", 10, "the restart")
        response = httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE, "id": "after"})
        assert response.status_code == 200, response.text
        record = ArticleSummary.model_validate_json(response.text)
        assert (record.usage.provider, record.usage.model) == ("local", EMBEDDED.name)


def test_articles_under_way_when_the_model_process_dies_are_answered_after_its_restart() -> None:
    app = create_app(
        LOCAL,
        ServiceSettings(workers=1, queue_size=4, max_batch=1, request_timeout=30),
        child_spec=scripted_child("--delay-on", "SLOW=0.6", "--start-delay", "0.5"),
    )
    child = app.state.summarizer_state.child
    with running(app) as url:
        running_one, first = in_background(url, {"text": ARTICLE + " SLOW", "id": "running"})
        wait_for(lambda: readiness(url)["running"] == 1, 2, "the first article starting")
        queued_one, second = in_background(url, {"text": ARTICLE, "id": "queued"})
        wait_for(lambda: readiness(url)["waiting"] == 1, 2, "the second article queueing")
        os.kill(child.pid, signal.SIGKILL)
        running_one.join()
        queued_one.join()
        assert child.restarts == 1
    for outcome, key in ((first, "running"), (second, "queued")):
        assert outcome[0].status_code == 200, outcome[0].text
        assert outcome[0].json()["article"]["id"] == key


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@contextmanager
def service_process(grace: float, child_options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``summarize serve`` as a user starts it, its model process the scripted child."""
    port = free_port()
    env = {
        **os.environ,
        "SUMMARIZER_CHILD_COMMAND": f"{{python}} -m tests.scripted_child --port {{port}} {child_options}",
        "SUMMARIZER_ATTEMPTS": "2",
        "SUMMARIZER_BACKOFF_INITIAL": "0.01",
    }
    command = [
        sys.executable,
        "-m",
        "summarizer",
        "serve",
        "--port",
        str(port),
        "--shutdown-grace",
        str(grace),
    ]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(f"{url}/readyz", 30, "summarize serve")
            yield process, url
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            log.seek(0)
            print(log.read())


@linux_only
def test_sigterm_lets_the_running_article_finish_refuses_new_work_and_exits() -> None:
    with service_process(grace=10, child_options="--delay-on SLOW=0.3") as (process, url):
        (child,) = children_of(process.pid)
        slow, answered = in_background(url, {"text": ARTICLE + " SLOW", "id": "in-flight"})
        wait_for(lambda: readiness(url)["running"] == 1, 3, "the article starting")
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        wait_for(lambda: readiness(url)["status"] == "shutting_down", 2, "/readyz saying so")
        refused = httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE})
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "shutting_down"
        slow.join()
        assert answered[0].status_code == 200, answered[0].text
        assert answered[0].json()["article"]["id"] == "in-flight"
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - signalled < 10  # it did not wait out the grace it did not need
        wait_for(
            lambda: child not in children_of(process.pid) and not Path(f"/proc/{child}").exists(),
            3,
            "the model process's end",
        )


@linux_only
def test_work_that_outlasts_the_grace_is_ended_with_503_and_the_service_exits_in_time() -> None:
    with service_process(grace=1, child_options="--delay-on SLOW=30") as (process, url):
        slow, answered = in_background(url, {"text": ARTICLE + " SLOW"})
        wait_for(lambda: readiness(url)["running"] == 1, 3, "the article starting")
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        slow.join()
        assert answered[0].status_code == 503
        assert answered[0].json()["error"]["code"] == "shutting_down"
        assert process.wait(timeout=15) == 0
        assert time.monotonic() - signalled < 1 + 5  # the grace, then a few seconds to close
