"""The HTTP service: FastAPI over the same `Summarizer` the CLI uses.

Errors are JSON everywhere (``{"error": {"code", "message", "request_id"}}``) and map from the
package's exceptions in one place (`_STATUS`). Every request first passes the guards in
`summarizer.app.guards` (request id, bearer token, body limit); here are the endpoints, the
bounded queue in front of the model, the supervised model process and the draining shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import socket
import threading
from collections.abc import AsyncIterator, Awaitable
from types import FrameType
from typing import TypeVar

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from summarizer.app.guards import (
    REQUEST_ID,
    BearerAuth,
    BodyLimit,
    ErrorBody,
    ErrorResponse,
    RequestIdMiddleware,
    error_response,
    internal,
)
from summarizer.app.jobs import Busy, JobQueue, ShuttingDown, forget
from summarizer.core.config import ServiceSettings, Settings
from summarizer.core.errors import (
    ConfigError,
    DeadlineExceeded,
    InputError,
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
from summarizer.records.html import render_record
from summarizer.text.ingest import Article, make_article

log = logging.getLogger("summarizer.app.service")
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
    app.add_middleware(BodyLimit, limit=state.service.max_body_bytes)
    app.add_middleware(BearerAuth, token=state.service.api_token)
    app.add_middleware(RequestIdMiddleware)
    authorized = _BEARER  # declares the scheme in the OpenAPI description; BearerAuth enforces it

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
        "/v1/summaries",
        response_model=ArticleSummary,
        tags=["summaries"],
        dependencies=[Depends(authorized)],
        responses={200: {"content": {"text/html": {}}, "description": "the record (HTML page on request)"}},
    )
    async def summarize_one(
        article: ArticleIn, request: Request
    ) -> ArticleSummary | JSONResponse | HTMLResponse:
        """Summarize one article: the contract's record, every field tied to spans of ``text``
        (with ``Accept: text/html``, the page of the article with those spans highlighted)."""
        _require_ready(state)
        given = _article(article)
        try:
            record = await _unless_gone(request, state.queue.submit(given))
        except ClientGone:
            return _gone()
        if prefers_html(request.headers.get("accept", "")):
            return HTMLResponse(render_record(record, given.text))
        return record

    @app.post(
        "/v1/summaries/batch", response_model=BatchOut, tags=["summaries"], dependencies=[Depends(authorized)]
    )
    async def summarize_batch(batch: BatchIn, request: Request) -> BatchOut | JSONResponse:
        """Summarize up to the configured number of articles; each result or its error, in order.
        The batch is queued whole: when the queue cannot hold all of it, the answer is 503."""
        _require_ready(state)
        if len(batch.articles) > state.service.max_batch:
            message = f"{len(batch.articles)} articles in one batch; the limit is {state.service.max_batch}"
            return error_response(422, "batch_too_large", message)
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
    return error_response(499, "client_closed_request", "the client went away before the answer was ready")


def prefers_html(accept: str) -> bool:
    """Whether an ``Accept`` header ranks ``text/html`` above JSON (by q-value; JSON wins a tie
    and is the default, so ``*/*`` and a missing header keep the contract's JSON)."""
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        ranks[kind.lower()] = max(_quality(params), ranks.get(kind.lower(), 0.0))
    html = ranks.get("text/html", 0.0)
    return html > 0 and html > max(ranks.get(k, 0.0) for k in ("application/json", "application/*", "*/*"))


def _quality(params: list[str]) -> float:
    """The ``q`` of a media range: 1 when absent, 0 when unreadable."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _batch_article(article: ArticleIn) -> Article | BatchItem:
    try:
        return _article(article)
    except SummarizerError as exc:
        return _failed_item(exc)
    except Exception as exc:  # one bad item never sinks the batch
        return _failed_item(internal(exc))


async def _batch_item(job: Awaitable[ArticleSummary]) -> BatchItem:
    try:
        return BatchItem(ok=True, summary=await job)
    except SummarizerError as exc:
        return _failed_item(exc)
    except Exception as exc:  # one bad item never sinks the batch
        return _failed_item(internal(exc))


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
    if state.stopping:
        raise ShuttingDown("the service is shutting down")
    if not state.ready.is_set():
        raise NotReady(state.failure or "the model is still loading")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return error_response(503, "busy", str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return error_response(503, "not_ready", str(exc), {"Retry-After": "5"})

    @app.exception_handler(SummarizerError)
    async def summarizererror_response(request: Request, exc: SummarizerError) -> JSONResponse:
        status = next(code for kind, code in _STATUS.items() if isinstance(exc, kind))
        if status >= 500:
            log.warning("%s: %s", exc.code, exc)
        return error_response(status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", one_line(exc.errors(), drop="body"))

    @app.exception_handler(StarletteHTTPException)
    async def httperror_response(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "bad_request",
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return error_response(
            exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), headers
        )


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
