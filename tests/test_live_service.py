"""The service as a user starts it (`summarize serve`), with the embedded model, over HTTP."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import httpx
import pytest

from summarizer.records.contract import ArticleSummary
from tests.conftest import SEEDS, assert_grounded, free_port, serving

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serving(command, f"{url}/readyz", 180, "summarize serve"):
        yield url


def test_a_seed_article_over_http(service: str) -> None:
    text = SEEDS[0].read_text(encoding="utf-8")
    body = {"text": text, "id": "seed-000", "published": "2013-05-19"}
    response = httpx.post(
        f"{service}/v1/summaries", json=body, headers={"X-Request-ID": "live-1"}, timeout=600
    )
    assert response.status_code == 200, response.text
    record = ArticleSummary.model_validate_json(response.text)
    assert_grounded(record, text)
    assert record.article.id == "seed-000"
    assert record.usage.provider == "local"
    assert record.events[0].locations[0].name == "Qusayr"
    ready = httpx.get(f"{service}/readyz").json()
    assert ready["model"] == "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
