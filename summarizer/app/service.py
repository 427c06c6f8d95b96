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
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from summarizer.app.jobs import Busy, JobQueue
from summarizer.core.config import ServiceSettings, Settings
from summarizer.core.errors import (
    ConfigError,
    DeadlineExceeded,
    InputError,
    ModelError,
    SummarizerError,
    one_line,
)
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import Article, make_article

log = logging.getLogger("summarizer.app.service")
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
_BEARER = HTTPBearer(auto_error=False)

_STATUS: dict[type[Exception], int] = {
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
    """What the app holds for its lifetime: the model (loaded once) and the queue before it."""

    def __init__(self, settings: Settings, service: ServiceSettings, summarizer: Summarizer | None) -> None:
        self.settings = settings
        self.service = service
        self.summarizer = summarizer or Summarizer(settings)
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
            self.summarizer.self_test()
        except SummarizerError as exc:
            self.failure = str(exc)
            log.error("the model is not answering: %s", exc)
            return
        self.ready.set()
        log.info("ready: %s/%s", self.summarizer.model.provider, self.summarizer.model.model)


def create_app(
    settings: Settings | None = None,
    service: ServiceSettings | None = None,
    *,
    summarizer: Summarizer | None = None,
) -> FastAPI:
    state = _State(settings or Settings(), service or ServiceSettings(), summarizer)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warming = asyncio.get_running_loop().run_in_executor(None, state.warm_up)
        yield
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
    app.add_middleware(_BodyLimit, limit=state.service.max_body_bytes)
    app.add_middleware(_RequestId)
    authorized = _authorization(state.service.api_token)

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        """The process is up (it may still be loading the model)."""
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["health"], responses={503: {"model": Health}})
    async def readyz() -> JSONResponse | Health:
        """The model is loaded and has answered a test call."""
        queue = state.queue.state
        if not state.ready.is_set():
            status = "failed" if state.failure else "loading"
            body = Health(status=status, detail=state.failure, running=queue.running, waiting=queue.waiting)
            return JSONResponse(body.model_dump(), status_code=503)
        model = state.summarizer.model
        return Health(
            status="ready",
            model=f"{model.provider}/{model.model}",
            running=queue.running,
            waiting=queue.waiting,
        )

    @app.post(
        "/v1/summaries", response_model=ArticleSummary, tags=["summaries"], dependencies=[Depends(authorized)]
    )
    async def summarize_one(article: ArticleIn) -> ArticleSummary:
        """Summarize one article: the contract's record, every field tied to spans of ``text``."""
        _require_ready(state)
        return await state.queue.submit(_article(article))

    @app.post(
        "/v1/summaries/batch", response_model=BatchOut, tags=["summaries"], dependencies=[Depends(authorized)]
    )
    async def summarize_batch(batch: BatchIn) -> BatchOut | JSONResponse:
        """Summarize up to the configured number of articles; each result or its error, in order.
        The batch is queued whole: when the queue cannot hold all of it, the answer is 503."""
        _require_ready(state)
        if len(batch.articles) > state.service.max_batch:
            message = f"{len(batch.articles)} articles in one batch; the limit is {state.service.max_batch}"
            return _error(422, "batch_too_large", message)
        items: list[BatchItem | Article] = [_batch_article(a) for a in batch.articles]
        usable = [item for item in items if isinstance(item, Article)]
        jobs = state.queue.admit(usable)
        answered = iter(await asyncio.gather(*(_batch_item(job) for job in jobs)))
        return BatchOut(results=[next(answered) if isinstance(i, Article) else i for i in items])

    return app


def _batch_article(article: ArticleIn) -> Article | BatchItem:
    try:
        return _article(article)
    except SummarizerError as exc:
        return _failed_item(exc)


async def _batch_item(job: Awaitable[ArticleSummary]) -> BatchItem:
    try:
        return BatchItem(ok=True, summary=await job)
    except SummarizerError as exc:
        return _failed_item(exc)


def _failed_item(exc: SummarizerError) -> BatchItem:
    return BatchItem(ok=False, error=ErrorBody(code=exc.code, message=str(exc), request_id=REQUEST_ID.get()))


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
    if not state.ready.is_set():
        raise NotReady(state.failure or "the model is still loading")


def _authorization(token: str | None) -> Callable[..., Awaitable[None]]:
    async def check(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise StarletteHTTPException(401, "a valid bearer token is required")

    return check


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
        codes = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _error(500, "internal_error", "an unexpected error; see the service log for this request id")


class _RequestId:
    """Gives every request an id, in the logs (via `REQUEST_ID`) and the response headers, and
    writes one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given[:64] if given.isprintable() and given else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.0f ms", scope["method"], scope["path"], status, elapsed)
            REQUEST_ID.reset(token)


class _BodyLimit:
    """Refuses bodies over the limit with 413: by Content-Length before reading, or, when no
    length is declared (chunked), by reading up to the limit before the app sees anything."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _error(413, "too_large", self._message())(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        buffered, size = [], 0  # no declared length: read (at most the limit), then replay
        while True:
            message = await receive()
            buffered.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                await _error(413, "too_large", self._message())(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    def _message(self) -> str:
        return f"the body is larger than {self.limit} bytes"


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True
