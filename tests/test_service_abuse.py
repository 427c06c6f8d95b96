"""The HTTP service under abuse: lying framing, oversized and unauthenticated bodies, forged log
lines, leaked upstream secrets, and exceptions that escape the pipeline.

The framing cases go over a raw socket to a real uvicorn server on loopback, so they show what a
client actually gets (uvicorn's own HTTP parser sits in front of the app); the reading order
(authentication before the body, reading stops at the limit) is checked on the ASGI app itself,
where every ``receive()`` can be counted.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from summarizer.app.guards import RequestIdFilter
from summarizer.app.service import create_app
from summarizer.core.config import ServiceSettings, Settings
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import Article
from tests.fakes import FakeOpenAIServer, Fault
from tests.test_service import ARTICLE, running

TOKEN = "s3cret-token"
BIG = 3 * 1024 * 1024


def chunked(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """``body`` in HTTP/1.1 chunked encoding."""
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def big_json() -> bytes:
    return b'{"text": "' + b"Rebels attacked the town. " * (BIG // 26) + b'"}'


def raw_post(url: str, headers: dict[str, str], body: Iterable[bytes]) -> tuple[int, dict[str, str], Any]:
    """POST /v1/summaries exactly as written: the head, then the body bytes from a thread (the
    server may answer and close before it has them all); what the client gets back."""
    host, port = url.removeprefix("http://").split(":")
    lines = ["POST /v1/summaries HTTP/1.1", "Host: test", *(f"{k}: {v}" for k, v in headers.items())]
    head = "".join(f"{line}\r\n" for line in lines)
    with socket.create_connection((host, int(port)), timeout=10) as sock:

        def send() -> None:
            try:
                sock.sendall(head.encode() + b"\r\n")
                for piece in body:
                    sock.sendall(piece)
            except OSError:
                pass  # the server answered and closed without reading the rest: as it should

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        response = http.client.HTTPResponse(sock)
        response.begin()
        answer = json.loads(response.read())
        sender.join(timeout=10)
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer


def test_a_chunked_body_contradicting_its_content_length_is_refused_unread(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    with running(fake_settings, api_token=TOKEN) as url:
        calls = len(fake_server.requests)
        started = time.monotonic()
        status, headers, answer = raw_post(
            url,
            {
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json",
                "Content-Length": "10",
                "Transfer-Encoding": "chunked",
            },
            chunked(big_json()),
        )
        assert status == 400
        assert answer["error"]["code"] == "bad_request"
        assert answer["error"]["request_id"] == headers["x-request-id"]
        assert time.monotonic() - started < 5  # not read, not parsed, not summarized
        assert len(fake_server.requests) == calls


def test_a_chunked_body_over_the_limit_gets_413_by_the_bytes_received(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    with running(fake_settings, api_token=TOKEN) as url:
        calls = len(fake_server.requests)
        status, headers, answer = raw_post(
            url,
            {
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json",
                "Transfer-Encoding": "chunked",
            },
            chunked(big_json()),
        )
        assert status == 413
        assert answer["error"]["code"] == "too_large"
        assert answer["error"]["request_id"] == headers["x-request-id"]
        assert len(fake_server.requests) == calls


def test_without_the_token_a_big_body_gets_401_not_413(fake_settings: Settings) -> None:
    with running(fake_settings, api_token=TOKEN) as url:
        status, headers, answer = raw_post(
            url, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, chunked(big_json())
        )
        assert status == 401
        assert headers["www-authenticate"] == "Bearer"
        assert answer["error"]["code"] == "unauthorized"


class Receiver:
    """An ASGI ``receive`` that serves a body of many chunks and counts the calls."""

    def __init__(self, chunk: bytes, chunks: int = 4096) -> None:
        self.calls = 0
        self._chunk = chunk
        self._chunks = chunks

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {"type": "http.request", "body": self._chunk, "more_body": self.calls < self._chunks}


def call_app(app: FastAPI, headers: dict[str, str], receive: Receiver) -> tuple[int, dict[str, Any]]:
    """One POST /v1/summaries straight into the ASGI app: the status and the JSON answer."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/summaries",
        "raw_path": b"/v1/summaries",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


def test_reading_stops_as_soon_as_the_bytes_pass_the_limit_whatever_content_length_says(
    fake_settings: Settings,
) -> None:
    app = create_app(fake_settings, ServiceSettings(max_body_bytes=4096))
    receive = Receiver(b"x" * 1024)
    headers = {"Content-Length": "10", "Content-Type": "application/json"}
    status, answer = call_app(app, headers, receive)
    assert (status, answer["error"]["code"]) == (413, "too_large")
    assert receive.calls == 5  # 4096 bytes are allowed; the fifth KiB passes the limit


def test_the_token_is_checked_before_a_byte_of_the_body_is_read(fake_settings: Settings) -> None:
    app = create_app(fake_settings, ServiceSettings(api_token=TOKEN))
    for given in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        receive = Receiver(b"{}")
        status, answer = call_app(app, {"Content-Type": "application/json", **given}, receive)
        assert (status, answer["error"]["code"]) == (401, "unauthorized")
        assert receive.calls == 0


def test_the_docs_still_declare_the_bearer_scheme(fake_settings: Settings) -> None:
    spec = create_app(fake_settings, ServiceSettings(api_token=TOKEN)).openapi()
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {"type": "http", "scheme": "bearer"}
    assert spec["paths"]["/v1/summaries"]["post"]["security"] == [{"HTTPBearer": []}]


@pytest.mark.parametrize("token", ["", "   ", "\t\n"])
def test_an_empty_token_is_refused_at_start(token: str) -> None:
    with pytest.raises(ValidationError, match="SUMMARIZER_API_TOKEN is set but empty"):
        ServiceSettings(api_token=token)


class Exploding(Summarizer):
    """Raises a plain RuntimeError, past the pipeline's own guard, for texts with "EXPLODE"."""

    def summarize(self, article: Article) -> ArticleSummary:
        if "EXPLODE" in article.text:
            raise RuntimeError("secret internals at /srv/app")
        return super().summarize(article)


def test_an_unexpected_exception_gets_a_json_500_with_the_request_id(fake_settings: Settings) -> None:
    with running(fake_settings, summarizer=Exploding(fake_settings)) as url:
        response = httpx.post(
            f"{url}/v1/summaries", json={"text": f"{ARTICLE} EXPLODE"}, headers={"X-Request-ID": "boom-1"}
        )
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "boom-1"
        error = response.json()["error"]
        assert (error["code"], error["request_id"]) == ("internal_error", "boom-1")
        assert "secret internals" not in error["message"]
        assert httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE}).status_code == 200


def test_one_item_that_raises_never_sinks_its_batch(fake_settings: Settings) -> None:
    with running(fake_settings, summarizer=Exploding(fake_settings), max_batch=3) as url:
        texts = [ARTICLE, f"{ARTICLE} EXPLODE", f"{ARTICLE} More."]
        batch = {"articles": [{"text": text} for text in texts]}
        response = httpx.post(f"{url}/v1/summaries/batch", json=batch, headers={"X-Request-ID": "b-2"})
        assert response.status_code == 200
        results = response.json()["results"]
        assert [r["ok"] for r in results] == [True, False, True]
        assert results[1]["error"]["code"] == "internal_error"
        assert results[1]["error"]["request_id"] == "b-2"
        assert "secret internals" not in results[1]["error"]["message"]


def test_a_lone_surrogate_is_an_input_error_not_a_crash(fake_settings: Settings) -> None:
    text = json.dumps(ARTICLE)[1:-1]
    with running(fake_settings, max_batch=2) as url:
        headers = {"Content-Type": "application/json"}
        one = httpx.post(f"{url}/v1/summaries", content=f'{{"text": "\\ud800 {text}"}}', headers=headers)
        assert one.status_code == 422
        assert one.json()["error"]["code"] == "input_error"
        assert "offset 0" in one.json()["error"]["message"]
        batch = f'{{"articles": [{{"text": "{text}"}}, {{"text": "{text} \\udfff"}}]}}'
        results = httpx.post(f"{url}/v1/summaries/batch", content=batch, headers=headers).json()["results"]
        assert [r["ok"] for r in results] == [True, False]
        assert results[1]["error"]["code"] == "input_error"


def test_upstream_secrets_never_reach_the_client(
    fake_settings: Settings, fake_server: FakeOpenAIServer
) -> None:
    body = json.dumps({"error": {"message": "Incorrect API key provided: sk-abc1***xyz"}})
    fake_server.fail_when_text_contains["LEAKY"] = Fault(401, body=body)
    with running(fake_settings) as url:
        response = httpx.post(f"{url}/v1/summaries", json={"text": f"{ARTICLE} LEAKY"})
        assert response.status_code == 502
        message = response.json()["error"]["message"]
        assert "refused the credentials" in message
        assert "sk-" not in message
        assert "Incorrect API key" not in message


def test_a_path_or_request_id_cannot_forge_a_log_line(
    fake_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="summarizer.app.service")
    with running(fake_settings) as url:
        forged = "/healthz%0A2099-01-01 INFO [admin] summarizer: all good"
        response = httpx.get(f"{url}{forged}", headers={"X-Request-ID": "a\tb"})
        assert response.status_code == 404
        assert response.json()["error"]["request_id"] == response.headers["x-request-id"] != "a\tb"
    (line,) = [r.getMessage() for r in caplog.records if "healthz" in r.getMessage()]
    assert line.startswith("GET /healthz\\n2099-01-01 INFO [admin] summarizer: all good 404 ")
    assert line.isprintable()


def test_the_service_log_escapes_control_characters_in_every_message() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    logger = logging.getLogger("tests.service_abuse")
    logger.addHandler(handler)
    try:
        logger.warning("model failed: %s", "bad\r\n[-] forged line\x1b[31m")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "[-] model failed: bad\\r\\n[-] forged line\\x1b[31m\n"
