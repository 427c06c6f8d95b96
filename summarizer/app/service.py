"""The HTTP service: FastAPI over the same `Summarizer` the CLI uses.

Errors are JSON everywhere (``{"error": {"code", "message", "request_id"}}``) and map from the
package's exceptions in one place (`_STATUS`). Every request gets an id (the caller's
``X-Request-ID`` or a new one) that appears in each log line and in the response headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextvars import ContextVar
from types import FrameType
from typing import TypeVar

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from summarizer.app.jobs import Busy, JobQueue, ShuttingDown, forget
from summarizer.core.config import ServiceSettings, Settings
from summarizer.core.errors import (
    ConfigError,
    DeadlineExceeded,
    InputError,
    InternalError,
    ModelError,
    SummarizerError,
    one_line,
)
from summarizer.model.child import (
    ChildSpec,
    ModelChild,
    command_template,
    llama_server_spec,
    open_child_model,
)
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import Article, make_article

log = logging.getLogger("summarizer.app.service")
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
_BEARER = HTTPBearer(auto_error=False)

_CLOSING_SECONDS = 2.0
"""After a shutdown's grace: for the last answers to go out and the connections to close."""

_STATUS: dict[type[Exception], int] = {
    ShuttingDown: 503,
    InputError: 422,
    DeadlineExceeded: 504,
    ModelError: 502,
    ConfigError: 500,
    SummarizerError: 500,
}


class ArticleIn(BaseModel):
    text: str = Field(description="the article, exactly; evidence offsets refer to it")
    id: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=1000)
    source: str | None = Field(default=None, max_length=1000)
    published: dt.date | None = Field(default=None, description="anchors 'today', 'Sunday'")


class BatchIn(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1)


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class BatchItem(BaseModel):
    ok: bool
    summary: ArticleSummary | None = None
    error: ErrorBody | None = None


class BatchOut(BaseModel):
    results: list[BatchItem]


class Health(BaseModel):
    status: str
    model: str | None = None
    detail: str | None = None
    running: int = 0
    waiting: int = 0


class _State:
    """What the app holds for its lifetime: the model (loaded once, in a supervised child process
    for ``local``) and the queue before it."""

    def __init__(
        self,
        settings: Settings,
        service: ServiceSettings,
        summarizer: Summarizer | None,
        child_spec: ChildSpec | None = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.child: ModelChild | None = None
        if summarizer is None and settings.provider == "local":
            self.child = ModelChild(child_spec or _child_spec(settings, service))
            summarizer = Summarizer(settings, model=open_child_model(settings, self.child))
        self.summarizer = summarizer or Summarizer(settings)
        self.stopping = False
        self.queue = JobQueue(
            self.summarizer,
            workers=service.workers,
            queue_size=service.queue_size,
            timeout=service.request_timeout,
        )
        self.ready = threading.Event()
        self.failure: str | None = None

    def warm_up(self) -> None:
        """Load the model and make one tiny real call, so that ready means answering."""
        try:
            if self.child is not None:
                self.child.start()
            self.summarizer.self_test()
        except SummarizerError as exc:
            self.failure = str(exc)
            log.error("the model is not answering: %s", exc)
            return
        self.ready.set()
        log.info("ready: %s/%s", self.summarizer.model.provider, self.summarizer.model.model)

    def health(self) -> Health:
        """What /readyz says: ready, or why not (loading, failed, the model process restarting
        or given up, shutting down)."""
        queue = self.queue.state
        status, detail = "ready", None
        if self.stopping:
            status = "shutting_down"
        elif not self.ready.is_set():
            status, detail = ("failed", self.failure) if self.failure else ("loading", None)
        elif self.child is not None and self.child.status != "ready":
            status, detail = self.child.status, self.child.detail
        model = self.summarizer.model if status == "ready" else None
        return Health(
            status=status,
            model=f"{model.provider}/{model.model}" if model else None,
            detail=detail,
            running=queue.running,
            waiting=queue.waiting,
        )

    async def shut_down(self, grace: float) -> None:
        """Takes no new work, gives what was admitted ``grace`` seconds to finish, then ends the
        rest (`ShuttingDown`, 503) and waits briefly for those answers to go out."""
        self.stopping = True
        self.queue.close("the service is shutting down")
        waiting = self.queue.state
        log.info(
            "shutting down: %d running and %d waiting may finish within %g s",
            waiting.running,
            waiting.waiting,
            grace,
        )
        if not await self.queue.drained(grace):
            log.warning("shutting down: the grace period is over; ending what is left")
            self.queue.stop_all("the service stopped before this article was done")
            await self.queue.drained(_CLOSING_SECONDS)

    def stop_model(self) -> None:
        if self.child is not None:
            self.child.stop()


def _child_spec(settings: Settings, service: ServiceSettings) -> ChildSpec:
    if service.child_command:
        return ChildSpec(command=command_template(service.child_command))
    return llama_server_spec(settings)


def create_app(
    settings: Settings | None = None,
    service: ServiceSettings | None = None,
    *,
    summarizer: Summarizer | None = None,
    child_spec: ChildSpec | None = None,
) -> FastAPI:
    """The app. With the ``local`` provider (and no ``summarizer`` given) the model runs in a
    child process that ``child_spec`` describes: llama-cpp-python's server unless a test or a
    benchmark gives another."""
    state = _State(settings or Settings(), service or ServiceSettings(), summarizer, child_spec)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warming = asyncio.get_running_loop().run_in_executor(None, state.warm_up)
        try:
            yield
        finally:
            await asyncio.to_thread(state.stop_model)  # before the warm-up: it may wait for the child
            await asyncio.wait([warming], timeout=1)

    app = FastAPI(
        title="summarizer",
        version="1",
        summary="Grounded event summaries of news articles: every field tied to spans of the source.",
        lifespan=lifespan,
        responses={
            401: {"model": ErrorResponse, "description": "missing or wrong bearer token"},
            413: {"model": ErrorResponse, "description": "body over the size limit"},
            422: {"model": ErrorResponse, "description": "invalid request or unusable article"},
            503: {"model": ErrorResponse, "description": "queue full (see Retry-After), or not ready"},
            504: {"model": ErrorResponse, "description": "no answer within the time limit"},
        },
    )
    app.state.summarizer_state = state
    _install_handlers(app)
    # the last added runs first: the id, then the token, and only then is the body read
    app.add_middleware(_BodyLimit, limit=state.service.max_body_bytes)
    app.add_middleware(_BearerAuth, token=state.service.api_token)
    app.add_middleware(_RequestId)
    authorized = _BEARER  # declares the scheme in the OpenAPI description; _BearerAuth enforces it

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        """The process is up (it may still be loading the model)."""
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["health"], responses={503: {"model": Health}})
    async def readyz() -> JSONResponse | Health:
        """The model is loaded and answering: 200 ``ready``; otherwise 503 with ``loading``,
        ``failed``, ``restarting`` (the model process is being restarted) or ``shutting_down``,
        and the reason in ``detail``."""
        health = state.health()
        if health.status != "ready":
            return JSONResponse(health.model_dump(), status_code=503)
        return health

    @app.post(
        "/v1/summaries", response_model=ArticleSummary, tags=["summaries"], dependencies=[Depends(authorized)]
    )
    async def summarize_one(article: ArticleIn, request: Request) -> ArticleSummary | JSONResponse:
        """Summarize one article: the contract's record, every field tied to spans of ``text``."""
        _require_ready(state)
        try:
            return await _unless_gone(request, state.queue.submit(_article(article)))
        except ClientGone:
            return _gone()

    @app.post(
        "/v1/summaries/batch", response_model=BatchOut, tags=["summaries"], dependencies=[Depends(authorized)]
    )
    async def summarize_batch(batch: BatchIn, request: Request) -> BatchOut | JSONResponse:
        """Summarize up to the configured number of articles; each result or its error, in order.
        The batch is queued whole: when the queue cannot hold all of it, the answer is 503."""
        _require_ready(state)
        if len(batch.articles) > state.service.max_batch:
            message = f"{len(batch.articles)} articles in one batch; the limit is {state.service.max_batch}"
            return _error(422, "batch_too_large", message)
        items: list[BatchItem | Article] = [_batch_article(a) for a in batch.articles]
        usable = [item for item in items if isinstance(item, Article)]
        jobs = state.queue.admit(usable)
        try:
            results = await _unless_gone(request, asyncio.gather(*(_batch_item(job) for job in jobs)))
        except ClientGone:
            return _gone()
        answered = iter(results)
        return BatchOut(results=[next(answered) if isinstance(i, Article) else i for i in items])

    return app


T = TypeVar("T")


class ClientGone(Exception):  # noqa: N818 (an event, not a failure)
    """The client disconnected before its answer was ready."""


async def _unless_gone(request: Request, work: Awaitable[T]) -> T:
    """``work``'s result, unless the client disconnects first: then the work is cancelled (a
    queued article leaves the queue at once, a running one stops at its next deadline check)
    and `ClientGone` raised."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        task.add_done_callback(forget)
        raise
    finally:
        gone.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.wait({task})
    forget(task)  # it may have ended some other way meanwhile; no matter
    raise ClientGone


async def _disconnect(request: Request) -> None:
    """Returns when the client has disconnected (the body was read already, so the next ASGI
    message is ``http.disconnect``, whenever it comes)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _gone() -> JSONResponse:
    """What is logged for a request whose client went away (nobody reads the answer)."""
    log.info("the client went away; its work was cancelled")
    return _error(499, "client_closed_request", "the client went away before the answer was ready")


def _batch_article(article: ArticleIn) -> Article | BatchItem:
    try:
        return _article(article)
    except SummarizerError as exc:
        return _failed_item(exc)
    except Exception as exc:  # one bad item never sinks the batch
        return _failed_item(_internal(exc))


async def _batch_item(job: Awaitable[ArticleSummary]) -> BatchItem:
    try:
        return BatchItem(ok=True, summary=await job)
    except SummarizerError as exc:
        return _failed_item(exc)
    except Exception as exc:  # one bad item never sinks the batch
        return _failed_item(_internal(exc))


def _failed_item(exc: SummarizerError) -> BatchItem:
    return BatchItem(ok=False, error=ErrorBody(code=exc.code, message=str(exc), request_id=REQUEST_ID.get()))


_UNEXPECTED = "an unexpected error; see the service log for this request id"


def _internal(exc: Exception) -> InternalError:
    """Logs an exception that escaped (with its traceback, for the operator) and gives the error
    the caller sees, which names nothing of the program's insides."""
    log.error("unexpected error", exc_info=exc)
    return InternalError(_UNEXPECTED)


def _article(article: ArticleIn) -> Article:
    return make_article(
        article.text,
        id=article.id,
        title=article.title,
        source=article.source,
        published=article.published,
        origin="request",
    )


class NotReady(Exception):  # noqa: N818
    pass


def _require_ready(state: _State) -> None:
    if state.stopping:
        raise ShuttingDown("the service is shutting down")
    if not state.ready.is_set():
        raise NotReady(state.failure or "the model is still loading")


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, request_id=REQUEST_ID.get()))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return _error(503, "busy", str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return _error(503, "not_ready", str(exc), {"Retry-After": "5"})

    @app.exception_handler(SummarizerError)
    async def summarizer_error(request: Request, exc: SummarizerError) -> JSONResponse:
        status = next(code for kind, code in _STATUS.items() if isinstance(exc, kind))
        if status >= 500:
            log.warning("%s: %s", exc.code, exc)
        return _error(status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", one_line(exc.errors(), drop="body"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "bad_request",
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), headers)


class _RequestId:
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
            error = _internal(exc)
            if not status:  # once a response has started, the server can only close the connection
                await _error(500, error.code, str(error))(scope, receive, send_with_id)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.0f ms", scope["method"], printable(scope["path"]), status or 500, elapsed)
            REQUEST_ID.reset(token)


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is printable ASCII (it goes back in a header and
    into every log line), cut to 64 characters; otherwise a new one."""
    given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:64]
    return given if given and given.isascii() and given.isprintable() else uuid.uuid4().hex


class _BearerAuth:
    """With a token configured, ``/v1/*`` needs ``Authorization: Bearer <token>``. Checked here,
    before anything reads the body, so a client without the token cannot make the service
    read or parse a byte of what it sends; the comparison takes the same time for any guess."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _protected(scope["path"]) and not self._authorized(scope):
            headers = {"WWW-Authenticate": "Bearer"}
            refusal = _error(401, "unauthorized", "a valid bearer token is required", headers)
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


class _BodyLimit:
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
            await _error(400, "bad_request", message)(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _error(413, "too_large", self._message())(scope, receive, send)
            return
        buffered = await self._read(receive)
        if buffered is None:
            await _error(413, "too_large", self._message())(scope, receive, send)
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


def serve_until_stopped(settings: Settings, service: ServiceSettings, *, host: str, port: int) -> None:
    """Runs the service on uvicorn until SIGTERM or Ctrl-C, then drains it (`_DrainingServer`)."""
    app = create_app(settings, service)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(_CLOSING_SECONDS),
    )
    _DrainingServer(config, app.state.summarizer_state).run()


class _DrainingServer(uvicorn.Server):
    """uvicorn, but the first SIGTERM (or Ctrl-C) drains before it stops: the service keeps
    listening and answers new work 503 ``shutting_down`` (and /readyz 503, so a balancer moves
    on) while the work already admitted finishes, for up to the grace period; then it stops,
    and the model process with it. A second signal stops at once."""

    def __init__(self, config: uvicorn.Config, state: _State) -> None:
        super().__init__(config)
        self._state = state
        self._draining: asyncio.Task[None] | None = None
        self._signalled = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._signalled or self._loop is None or self.should_exit:
            super().handle_exit(sig, frame)
            return
        self._signalled = True
        log.info("%s received: draining", signal.Signals(sig).name)
        self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        self._draining = asyncio.ensure_future(self._shut_down())

    async def _shut_down(self) -> None:
        await self._state.shut_down(self._state.service.shutdown_grace)
        self.should_exit = True
