"""The HTTP service, started for real on loopback and called over HTTP.

The model behind it is the scripted fake server: fast and fault-free for the load test, slow
or failing on demand for the 503 and 504 paths. The embedded model behind the service is in
test_live_service.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from summarizer.app.service import create_app
from summarizer.core.config import ServiceSettings, Settings
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary, spans_mismatching
from tests.conftest import free_port, wait_until_answers
from tests.fakes import FakeOpenAIServer, Fault

ARTICLE = "Rebels attacked the town of Kafr Nabl on Sunday. Officials said 12 people were killed."


@contextmanager
def running(settings: Settings, *, summarizer: Summarizer | None = None, **service: object) -> Iterator[str]:
    """The service on a loopback port, ready (its model has answered), for one test."""
    app = create_app(settings, ServiceSettings(**service), summarizer=summarizer)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/readyz", 20, "the service")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def slow_request_running(url: str) -> Iterator[None]:
    """One article whose model calls the fake server delays (text with "SLOW") keeps a worker
    busy while the body runs; it is waited for on the way out."""
    slow = threading.Thread(
        target=httpx.post,
        args=(f"{url}/v1/summaries",),
        kwargs={"json": {"text": ARTICLE + " SLOW"}, "timeout": 30},
    )
    slow.start()
    time.sleep(0.5)
    try:
        yield
    finally:
        slow.join()


def test_one_article(fake_settings: Settings) -> None:
    with running(fake_settings) as url:
        response = httpx.post(
            f"{url}/v1/summaries", json={"text": ARTICLE, "id": "a1"}, headers={"X-Request-ID": "r-77"}
        )
        assert response.status_code == 200, response.text
        assert response.headers["x-request-id"] == "r-77"
        record = ArticleSummary.model_validate_json(response.text)
        assert record.article.id == "a1"
        assert spans_mismatching(record, ARTICLE) == []
        assert httpx.get(f"{url}/healthz").json() == {
            "status": "ok",
            "model": None,
            "detail": None,
            "running": 0,
            "waiting": 0,
        }
        ready = httpx.get(f"{url}/readyz").json()
        assert (ready["status"], ready["model"]) == ("ready", "openai/fake-model")


def test_openapi_describes_the_contract(fake_settings: Settings) -> None:
    with running(fake_settings) as url:
        spec = httpx.get(f"{url}/openapi.json").json()
        assert {"/v1/summaries", "/v1/summaries/batch", "/healthz", "/readyz"} <= set(spec["paths"])
        ok = spec["paths"]["/v1/summaries"]["post"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        assert ok == {"$ref": "#/components/schemas/ArticleSummary"}
        assert {"401", "413", "422", "503", "504"} <= set(spec["paths"]["/v1/summaries"]["post"]["responses"])
        assert httpx.get(f"{url}/docs").status_code == 200


def test_a_token_is_required_when_one_is_set(fake_settings: Settings) -> None:
    with running(fake_settings, api_token="s3cret") as url:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE}, headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"]["code"] == "unauthorized"
        right = httpx.post(
            f"{url}/v1/summaries", json={"text": ARTICLE}, headers={"Authorization": "Bearer s3cret"}
        )
        assert right.status_code == 200
        assert httpx.get(f"{url}/healthz").status_code == 200


def test_bodies_over_the_limit_get_413(fake_settings: Settings) -> None:
    with running(fake_settings, max_body_bytes=2048) as url:
        big = {"text": "word " * 1000}
        declared = httpx.post(f"{url}/v1/summaries", json=big)
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted while reading
            yield b'{"text": "'
            for _ in range(100):
                yield b"word " * 10
            yield b'"}'

        streamed = httpx.post(
            f"{url}/v1/summaries", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"id": "x"}, "invalid_request", "text: Field required"),
        ({"text": "   "}, "input_error", "request: the article is only whitespace"),
        (
            {"text": ARTICLE, "published": "June 2"},
            "invalid_request",
            "published: Input should be a valid date",
        ),
    ],
)
def test_unusable_requests_get_422(
    fake_settings: Settings, body: dict[str, str], code: str, message: str
) -> None:
    with running(fake_settings) as url:
        response = httpx.post(f"{url}/v1/summaries", json=body)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == code
        assert error["message"].startswith(message)
        assert error["request_id"] == response.headers["x-request-id"]


def test_a_full_queue_answers_503_with_retry_after(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    fake_server.fail_when_text_contains["SLOW"] = Fault(delay=1.5)
    with running(fake_settings, workers=1, queue_size=0, max_batch=1) as url:
        with slow_request_running(url):
            response = httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE})
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["error"]["code"] == "busy"
        assert httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE}).status_code == 200


def test_a_request_past_its_time_limit_gets_504_and_frees_the_model(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    fake_server.fail_when_text_contains["SLOW"] = Fault(delay=3)
    with running(fake_settings, request_timeout=1) as url:
        started = time.monotonic()
        response = httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE + " SLOW"}, timeout=30)
        assert response.status_code == 504
        assert response.json()["error"]["code"] == "timeout"
        assert time.monotonic() - started < 2.5
        assert httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE}).status_code == 200


def test_batch_results_in_order_with_their_errors(fake_settings: Settings) -> None:
    with running(fake_settings, max_batch=3) as url:
        batch = {
            "articles": [
                {"text": ARTICLE, "id": "one"},
                {"text": " "},
                {"text": ARTICLE + " Again.", "id": "three"},
            ]
        }
        results = httpx.post(f"{url}/v1/summaries/batch", json=batch).json()["results"]
        assert [r["ok"] for r in results] == [True, False, True]
        assert [r["summary"]["article"]["id"] for r in (results[0], results[2])] == ["one", "three"]
        assert results[1]["error"]["code"] == "input_error"
        too_many = httpx.post(f"{url}/v1/summaries/batch", json={"articles": [{"text": ARTICLE}] * 4})
        assert too_many.status_code == 422
        assert too_many.json()["error"]["code"] == "batch_too_large"


def test_a_batch_the_queue_cannot_hold_whole_is_refused_whole(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    fake_server.fail_when_text_contains["SLOW"] = Fault(delay=1.5)
    batch = {"articles": [{"text": f"{ARTICLE} Item {i}."} for i in range(3)]}
    with running(fake_settings, workers=1, queue_size=2, max_batch=3) as url:
        with slow_request_running(url):
            refused = httpx.post(f"{url}/v1/summaries/batch", json=batch)
        assert not any("Item 0." in json.dumps(r) for r in fake_server.requests)  # none was started
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "busy"
        assert int(refused.headers["retry-after"]) >= 1
        results = httpx.post(f"{url}/v1/summaries/batch", json=batch, timeout=30).json()["results"]
        assert [r["ok"] for r in results] == [True, True, True]


def test_a_batch_limit_the_queue_could_never_hold_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="could never be admitted"):
        ServiceSettings(workers=1, queue_size=2, max_batch=4)


def test_200_concurrent_requests_each_get_exactly_their_own_answer(fake_settings: Settings) -> None:
    count = 200
    sentence = "Gunmen attacked the village of Kadawa{i} on Monday. Police said {n} people were killed."
    texts = {f"req-{i}": sentence.format(i=i, n=i + 2) for i in range(count)}

    async def fire(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *(client.post("/v1/summaries", json={"text": text, "id": key}) for key, text in texts.items())
            )

    with running(fake_settings, workers=8, queue_size=count) as url:
        started = time.monotonic()
        responses = asyncio.run(fire(url))
        elapsed = time.monotonic() - started
    assert [r.status_code for r in responses] == [200] * count
    records = [ArticleSummary.model_validate_json(r.text) for r in responses]
    assert [r.article.id for r in records] == list(texts)  # one answer each, in the order asked
    for record in records:
        text = texts[record.article.id]
        assert record.article.sha256 == hashlib.sha256(text.encode()).hexdigest()
        assert spans_mismatching(record, text) == []
    assert len({r.headers["x-request-id"] for r in responses}) == count
    assert elapsed < 60
