"""The service as a user starts it (`summarize serve`), with the embedded model, over HTTP; the
model runs in the child process the service supervises (llama-cpp-python's server)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from summarizer.records.contract import ArticleSummary
from tests.conftest import SEEDS, assert_grounded, free_port, serving

pytestmark = pytest.mark.live


class Service(NamedTuple):
    url: str
    pid: int


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    port = free_port()
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serving(command, f"{url}/readyz", 180, "summarize serve") as process:
        yield Service(url, process.pid)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_model_runs_in_a_child_process(service: Service) -> None:
    commands = [
        Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        for pid in (int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat"))
        if pid != service.pid and _parent(pid) == service.pid
    ]
    assert any(b"summarizer.model.llama_server" in command for command in commands), commands


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_a_seed_article_over_http(service: Service) -> None:
    text = SEEDS[0].read_text(encoding="utf-8")
    body = {"text": text, "id": "seed-000", "published": "2013-05-19"}
    response = httpx.post(
        f"{service.url}/v1/summaries", json=body, headers={"X-Request-ID": "live-1"}, timeout=600
    )
    assert response.status_code == 200, response.text
    record = ArticleSummary.model_validate_json(response.text)
    assert_grounded(record, text)
    assert record.article.id == "seed-000"
    assert record.usage.provider == "local"
    assert record.events[0].locations[0].name == "Qusayr"
    ready = httpx.get(f"{service.url}/readyz").json()
    assert ready["model"] == "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
