"""The composer: article → prompt → model → parse → ground → record.

The only module that imports every stage. The CLI, the HTTP service and the library functions
are thin shells over `Summarizer`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from functools import partial
from typing import Any

from summarizer.core.config import Settings
from summarizer.core.errors import InternalError, SummarizerError
from summarizer.grounding.validator import Corrector, ReaskBudget, ground
from summarizer.model.drafts import SelfTestDraft
from summarizer.model.extraction import ask_corrections, extract, windows
from summarizer.model.interface import CallUsage, StructuredModel, check_deadline
from summarizer.model.prompting import prompt_version, render
from summarizer.model.transports import model_name
from summarizer.parsing.events import build_events
from summarizer.parsing.windows import merge_windows
from summarizer.records.contract import SCHEMA_VERSION, ArticleMeta, ArticleSummary, Usage
from summarizer.text.document import analyse
from summarizer.text.ingest import Article, make_article

log = logging.getLogger("summarizer")


class Summarizer:
    """Summarizes articles with one model, opened on first use and kept for the process."""

    def __init__(self, settings: Settings | None = None, *, model: StructuredModel | None = None) -> None:
        self.settings = settings or Settings()
        self._model = model
        self._lock = threading.Lock()

    @property
    def model(self) -> StructuredModel:
        with self._lock:
            if self._model is None:
                from summarizer.model.transports import open_model

                self._model = open_model(self.settings)
            return self._model

    def summarize(self, article: Article) -> ArticleSummary:
        """One article's record; raises `InputError` or `ModelError` for that article only, and
        `InternalError` for anything else that goes wrong with it, so a run or a batch goes on."""
        try:
            return self._summarize(article)
        except SummarizerError:
            raise
        except Exception as exc:
            log.exception("internal error on article %s", article.id)
            raise InternalError(
                f"{article.origin}: internal error ({type(exc).__name__}); the article was not summarized"
            ) from exc

    def _summarize(self, article: Article) -> ArticleSummary:
        started = time.perf_counter()
        model = self.model
        doc = analyse(article)
        check_deadline()
        usage = CallUsage()
        parts = windows(doc, model)
        corrector: Corrector | None = None
        if len(parts) == 1:
            drafts = extract(doc, model, usage)
            check_deadline()
            events, problems = build_events(doc, drafts)
            corrector = partial(ask_corrections, doc, model, usage)
        else:
            log.info("article %s read in %d windows", article.id, len(parts))
            read = []
            for part in parts:
                read.append(build_events(part, extract(part, model, usage)))
                check_deadline()
            events, problems = merge_windows(read)
        events, rejected, grounding = ground(
            doc,
            events,
            problems,
            corrector=corrector,
            budget=ReaskBudget(self.settings.reask_rounds, self.settings.reask_tokens),
        )
        return ArticleSummary(
            article=ArticleMeta(
                id=article.id,
                sha256=article.sha256,
                title=article.title,
                source=article.source,
                published=article.published,
            ),
            events=events,
            rejected=rejected,
            grounding=grounding,
            usage=Usage(
                provider=model.provider,
                model=model.model,
                prompt_version=prompt_version(),
                calls=usage.calls,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                seconds=round(time.perf_counter() - started, 2),
            ),
        )

    def self_test(self) -> None:
        """One tiny real call: proves the model is loaded and answering (the service's /readyz)."""
        messages = [{"role": "user", "content": render("_selftest.j2")}]
        self.model.extract(SelfTestDraft, messages, max_tokens=16)


def output_identity(settings: Settings) -> dict[str, Any]:
    """Everything besides the article that shapes a record: the eval's cache key and report
    header, and the key under which a batch counts an article as done."""
    return {
        "provider": settings.provider,
        "model": model_name(settings),
        "prompt_version": prompt_version(),
        "schema_version": SCHEMA_VERSION,
        "params": {
            "temperature": settings.temperature,
            "seed": settings.seed,
            "context_window": settings.context_window,
            "reasks": settings.reasks,
            "reask_rounds": settings.reask_rounds,
            "reask_tokens": settings.reask_tokens,
        },
    }


_SHARED: dict[Settings, Summarizer] = {}
_SHARED_LOCK = threading.Lock()


def shared_summarizer(settings: Settings | None = None) -> Summarizer:
    """One `Summarizer` per distinct settings in this process, so the model loads once."""
    key = settings or Settings()
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Summarizer(key)
        return _SHARED[key]


def summarize(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | None = None,
    settings: Settings | None = None,
) -> ArticleSummary:
    """Summarize one article's text; the default settings run the embedded model locally."""
    article = make_article(text, id=id, title=title, source=source, published=published)
    return shared_summarizer(settings).summarize(article)


async def asummarize(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | None = None,
    settings: Settings | None = None,
) -> ArticleSummary:
    """`summarize` for asyncio code: runs in a worker thread so the event loop stays free."""
    return await asyncio.to_thread(
        summarize, text, id=id, title=title, source=source, published=published, settings=settings
    )
