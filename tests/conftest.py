"""Shared fixtures: seed articles, the fake server for fault tests, settings that point at it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from summarizer.core.config import Settings
from summarizer.records.contract import ArticleSummary, spans_mismatching
from summarizer.text.figures import find_quantities
from summarizer.text.ingest import make_article
from tests.fakes import FakeOpenAIServer

hypothesis_settings.register_profile(
    "default", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile(
    "heavy", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

os.environ["SUMMARIZER_RESPONSE_CACHE"] = "false"
"""Set before any test module builds a `Settings` (some do at import): fault and restart tests
send the same request twice and expect the model to see it twice, and no test may read or
fill the user's own cache. The tests of the response cache turn it on for themselves."""

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def seed_text(index: int = 0) -> str:
    return SEEDS[index].read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answers(url: str, seconds: float, what: str) -> None:
    """Poll ``url`` until it answers 200; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} did not answer at {url} within {seconds:g} s")


@contextlib.contextmanager
def serving(command: list[str], probe: str, seconds: float, what: str) -> Iterator[subprocess.Popen[str]]:
    """A server process started for a test: up once ``probe`` answers 200, stopped afterwards.
    Its log goes to a file, not a pipe (a full pipe would stall it), and is printed at the end,
    where pytest shows it if the test failed."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, text=True)
        try:
            wait_until_answers(probe, seconds, what)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.seek(0)
            print(log.read())


def assert_grounded(record: ArticleSummary, text: str) -> None:
    """The invariants every record must keep, whatever the model said."""
    assert record.article.sha256 == make_article(text).sha256
    assert spans_mismatching(record, text) == []
    for event in record.events:
        for casualty in event.casualties:
            stated = {q.low for e in casualty.evidence for q in find_quantities(e.text)}
            assert casualty.count_low in stated, casualty


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def fake_settings(fake_server: FakeOpenAIServer, tmp_path: Path) -> Settings:
    """The openai provider aimed at the fake server, with quick retries."""
    return Settings(
        provider="openai",
        model="fake-model",
        openai_base_url=fake_server.url,
        openai_api_key="test-key",
        attempts=3,
        reasks=2,
        backoff_initial=0.01,
        backoff_max=0.05,
        timeout=5,
        cache_dir=tmp_path / "cache",
    )


@pytest.fixture
def fake_env(fake_server: FakeOpenAIServer, tmp_path: Path) -> dict[str, str]:
    """The same, as environment variables, for the CLI."""
    return {
        "SUMMARIZER_PROVIDER": "openai",
        "SUMMARIZER_MODEL": "fake-model",
        "OPENAI_BASE_URL": fake_server.url,
        "OPENAI_API_KEY": "test-key",
        "SUMMARIZER_ATTEMPTS": "2",
        "SUMMARIZER_BACKOFF_INITIAL": "0.01",
        "SUMMARIZER_BACKOFF_MAX": "0.02",
        "SUMMARIZER_CACHE_DIR": str(tmp_path / "cache"),
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """llama-cpp-python opens two /dev/null files at import and never closes them; close them
    here so the run does not end on ResourceWarning noise (warnings are errors in this suite)."""
    import sys

    utils = sys.modules.get("llama_cpp._utils")
    for handle in (getattr(utils, "outnull_file", None), getattr(utils, "errnull_file", None)):
        if handle is not None:
            handle.close()
