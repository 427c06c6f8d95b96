"""The guards every request passes before the service's own code: a request id, the bearer
token, the body limit, and JSON errors with that id; and log lines that stay one line.

In: the raw ASGI request. Out: the request, passed on only when it may be (authorized, its body
within the limit and unambiguous), with an id in the logs and headers; otherwise a JSON error.
They read nothing of the summarizer, so the service's handlers can rely on them.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from contextvars import ContextVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from summarizer.core.errors import InternalError

log = logging.getLogger("summarizer.app.service")
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


_UNEXPECTED = "an unexpected error; see the service log for this request id"


def internal(exc: Exception) -> InternalError:
    """Logs an exception that escaped (with its traceback, for the operator) and gives the error
    the caller sees, which names nothing of the program's insides."""
    log.error("unexpected error", exc_info=exc)
    return InternalError(_UNEXPECTED)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, request_id=REQUEST_ID.get()))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


class RequestIdMiddleware:
    """Gives every request an id, in the logs (via `REQUEST_ID`) and the response headers, and
    writes one access line per request. It also answers any exception that escaped the app, with
    the JSON 500 and the id: Starlette's own last resort runs outside this middleware, where the
    id is already gone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            error = internal(exc)
            if not status:  # once a response has started, the server can only close the connection
                await error_response(500, error.code, str(error))(scope, receive, send_with_id)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.0f ms", scope["method"], printable(scope["path"]), status or 500, elapsed)
            REQUEST_ID.reset(token)


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is printable ASCII (it goes back in a header and
    into every log line), cut to 64 characters; otherwise a new one."""
    given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:64]
    return given if given and given.isascii() and given.isprintable() else uuid.uuid4().hex


class BearerAuth:
    """With a token configured, ``/v1/*`` needs ``Authorization: Bearer <token>``. Checked here,
    before anything reads the body, so a client without the token cannot make the service
    read or parse a byte of what it sends; the comparison takes the same time for any guess."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _protected(scope["path"]) and not self._authorized(scope):
            headers = {"WWW-Authenticate": "Bearer"}
            refusal = error_response(401, "unauthorized", "a valid bearer token is required", headers)
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        if self.token is None:
            return True
        scheme, _, given = dict(scope["headers"]).get(b"authorization", b"").partition(b" ")
        right_scheme = scheme.lower() == b"bearer"
        return secrets.compare_digest(given.strip(), self.token) and right_scheme


def _protected(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


class BodyLimit:
    """Reads the body before the app sees it, counting the bytes actually received: 413 as soon
    as they pass the limit, whatever Content-Length claimed, and not one more is read. A request
    with both Content-Length and Transfer-Encoding is refused (400): the two disagree on where
    the body ends, the ambiguity that request smuggling lives on."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and b"transfer-encoding" in headers:
            message = "Content-Length and Transfer-Encoding together: the body's length is ambiguous"
            await error_response(400, "bad_request", message)(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await error_response(413, "too_large", self._message())(scope, receive, send)
            return
        buffered = await self._read(receive)
        if buffered is None:
            await error_response(413, "too_large", self._message())(scope, receive, send)
            return

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None as soon as their bytes pass the limit."""
        buffered, size = [], 0
        while True:
            message = await receive()
            buffered.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                return None
            if message["type"] != "http.request" or not message.get("more_body"):
                return buffered

    def _message(self) -> str:
        return f"the body is larger than {self.limit} bytes"


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (a newline as ``\\n``), so
    that nothing taken from a request or an upstream reply can start a forged log line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record (``%(request_id)s``) and escapes control
    characters in the message, so that each record stays one line whatever text it quotes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: left for the handler to report as usual
            return True
        if not message.isprintable():
            record.msg, record.args = printable(message), None
        return True
