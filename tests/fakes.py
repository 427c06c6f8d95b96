"""A scripted OpenAI-compatible server on loopback, for fault tests only.

It answers ``POST /v1/chat/completions`` with the smallest JSON document that satisfies the
requested schema (streamed as server-sent events when asked to), unless a fault was queued for
the next request: an HTTP status with headers, a body that is not JSON, an answer cut short, or
a delay. It also answers what llama-cpp-python's server does besides (``GET /v1/models``,
``GET /docs``, ``POST /extras/tokenize/count``), so that it can stand in for that server as the
service's model process (`tests.scripted_child`). It records every request body so tests can check what was
sent (for example, that a transport error never reached the prompt). It proves retry and error
paths; the real model proves the main path elsewhere.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answerer = Callable[[dict[str, Any], dict[str, Any]], Any]
"""Given the requested JSON schema and the whole request, the JSON value to answer with."""


@dataclass
class Fault:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    delay: float = 0.0
    truncate: bool = False
    """Answer with the first half of the right answer's JSON."""


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """The simplest value a JSON schema accepts (first enum value, empty strings, min items)."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return minimal_instance(root["$defs"][name], root)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "anyOf" in schema or "oneOf" in schema:
        return minimal_instance((schema.get("anyOf") or schema["oneOf"])[0], root)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: minimal_instance(props[k], root) for k in schema.get("required", [])}
    if kind == "array":
        return [minimal_instance(schema["items"], root) for _ in range(schema.get("minItems", 0))]
    return {"string": "", "integer": 0, "number": 0, "boolean": False}.get(str(kind))


def completion(content: str, model: str = "fake") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (a timeout test) is expected; say nothing."""


class FakeOpenAIServer:
    """Start with ``with FakeOpenAIServer() as server:``; ``server.url`` is the base URL."""

    def __init__(self, answer: Answerer | None = None, *, port: int = 0) -> None:
        self.answer: Answerer = answer or (lambda schema, request: minimal_instance(schema))
        self.faults: deque[Fault] = deque()
        self.requests: list[dict[str, Any]] = []
        self.fail_when_text_contains: dict[str, Fault] = {}
        self.random_fault: Callable[[], Fault | None] | None = None
        """Asked for a fault when nothing else applies (the soak's mix)."""
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def queue(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def _next_fault(self, request: dict[str, Any]) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            text = json.dumps(request.get("messages", []))
            for needle, fault in self.fail_when_text_contains.items():
                if needle in text:
                    return fault
            if self.faults:
                return self.faults.popleft()
            return self.random_fault() if self.random_fault is not None else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                return None

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._send(200, json.dumps({"object": "list", "data": [{"id": "fake"}]}), {})
                elif self.path == "/docs":
                    self._send(200, "<html>scripted</html>", {"content-type": "text/html"})
                else:
                    self._send(404, json.dumps({"detail": "Not Found"}), {})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                if self.path.endswith("/tokenize/count"):
                    self._send(200, json.dumps({"count": len(request["input"]) // 4 + 1}), {})
                    return
                fault = fake._next_fault(request)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and (fault.status != 200 or fault.body is not None):
                    body = (
                        fault.body
                        if fault.body is not None
                        else json.dumps({"error": {"message": "injected"}})
                    )
                    if fault.status == 200 and request.get("stream"):
                        self._stream(body, request.get("model", "fake"))
                        return
                    if fault.status == 200:
                        body = json.dumps(completion(body))
                    self._send(fault.status, body, fault.headers)
                    return
                schema = request["response_format"]
                schema = schema.get("json_schema", {}).get("schema") or schema.get("schema")
                content = json.dumps(fake.answer(schema, request))
                if fault is not None and fault.truncate:
                    content = content[: len(content) // 2]
                if request.get("stream"):
                    self._stream(content, request.get("model", "fake"))
                    return
                self._send(200, json.dumps(completion(content, request.get("model", "fake"))), {})

            def _stream(self, content: str, model: str) -> None:
                """The answer as llama-cpp-python's server streams it: a few content chunks, one
                that finishes, ``[DONE]``; no usage."""
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                step = max(1, len(content) // 3)
                deltas = [{"content": content[i : i + step]} for i in range(0, len(content), step)]
                for delta, finish in [*((d, None) for d in deltas), ({}, "stop")]:
                    chunk = {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _send(self, status: int, body: str, headers: dict[str, str]) -> None:
                data = body.encode()
                self.send_response(status)
                if "content-type" not in headers:
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
