"""The questions put to the model for one article, and the drafts that come back.

Four focused questions (events, figures, actors and places, quote speakers) instead of one big
schema: a small model answers each far better, the article prefix is evaluated once for all of
them, and a question with nothing to ask (no figures, every quote already attributed by the
program) is not asked at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, cast

from pydantic import BaseModel

from summarizer.core.errors import InputError
from summarizer.core.types import Problem
from summarizer.model.drafts import (
    ActorDraft,
    CorrectionDraft,
    Drafts,
    EntitiesDraft,
    FigureDraft,
    NameDraft,
    QuoteDraft,
    corrections_model,
    entities_model,
    events_model,
    keyed_items,
    keyed_model,
)
from summarizer.model.interface import CallUsage, StructuredModel
from summarizer.model.prompting import article_messages
from summarizer.text.document import Document

FIGURE_BATCH = 10
QUOTE_BATCH = 12
EVENTS_MAX_TOKENS = 800
UNNAMED_ACTORS_TOKENS = 160
_PER_NAME_TOKENS = 24
_PER_FIGURE_TOKENS = 64
_PER_QUOTE_TOKENS = 32
_PER_CORRECTION_TOKENS = 64

T = TypeVar("T", bound=BaseModel)
C = TypeVar("C")


def extract(doc: Document, model: StructuredModel, usage: CallUsage) -> Drafts:
    check_fits(doc, model)
    events = _ask(
        model,
        usage,
        article_messages(doc, "events.j2", dates=doc.dates, hints=doc.type_hints),
        events_model(len(doc.sentences), [d.key for d in doc.dates]),
        EVENTS_MAX_TOKENS,
    )
    figures = _ask_figures(doc, model, usage)
    entities = _ask_entities(doc, model, usage)
    quotes = _ask_quotes(doc, model, usage)
    return Drafts(events=events, figures=figures, entities=entities, quotes=quotes)


def _ask_entities(doc: Document, model: StructuredModel, usage: CallUsage) -> EntitiesDraft:
    keys = [n.key for n in doc.names]
    answer = _ask(
        model,
        usage,
        article_messages(doc, "entities.j2", names=doc.names),
        entities_model(keys),
        UNNAMED_ACTORS_TOKENS + _PER_NAME_TOKENS * len(keys),
    )
    others = cast(list[ActorDraft], answer.others)  # type: ignore[attr-defined]
    return EntitiesDraft(names=keyed_items(answer, keys, NameDraft), actors=others)


def _ask_figures(doc: Document, model: StructuredModel, usage: CallUsage) -> dict[str, FigureDraft]:
    figures: dict[str, FigureDraft] = {}
    for batch in _batches(doc.figures, FIGURE_BATCH):
        keys = [f.key for f in batch]
        answer = _ask(
            model,
            usage,
            article_messages(doc, "figures.j2", figures=batch),
            keyed_model("Figures", keys, FigureDraft),
            32 + _PER_FIGURE_TOKENS * len(batch),
        )
        figures.update(keyed_items(answer, keys, FigureDraft))
    return figures


def _ask_quotes(doc: Document, model: StructuredModel, usage: CallUsage) -> dict[str, QuoteDraft]:
    """Only quotes whose speaker the program could not read from the reporting frame."""
    quotes: dict[str, QuoteDraft] = {}
    unattributed = [q for q in doc.quotes if q.source is None]
    for batch in _batches(unattributed, QUOTE_BATCH):
        keys = [q.key for q in batch]
        answer = _ask(
            model,
            usage,
            article_messages(doc, "quotes.j2", quotes=batch),
            keyed_model("Quotes", keys, QuoteDraft),
            32 + _PER_QUOTE_TOKENS * len(batch),
        )
        quotes.update(keyed_items(answer, keys, QuoteDraft))
    return quotes


def ask_corrections(
    doc: Document, model: StructuredModel, usage: CallUsage, problems: list[Problem], token_allowance: int
) -> tuple[list[str], int]:
    """One re-ask for the fields that failed grounding: the corrected values, and tokens used."""
    keys = [f"R{i}" for i in range(1, len(problems) + 1)]
    choices = [[h.text for h in p.hints] for p in problems]
    cost_before = usage.completion_tokens
    answer = _ask(
        model,
        usage,
        article_messages(doc, "reask.j2", problems=list(zip(keys, problems, strict=True))),
        corrections_model(keys, choices),
        min(token_allowance, 32 + _PER_CORRECTION_TOKENS * len(keys)),
    )
    corrected = keyed_items(answer, keys, CorrectionDraft)
    return [corrected[k].value for k in keys], usage.completion_tokens - cost_before


def check_fits(doc: Document, model: StructuredModel) -> None:
    """Refuse an article the model's context cannot hold, naming the limit, before any call."""
    messages = article_messages(doc, "figures.j2", figures=doc.figures[:FIGURE_BATCH])
    prompt = sum(model.count_tokens(m["content"]) for m in messages) + 32
    needed = prompt + max(EVENTS_MAX_TOKENS, 32 + _PER_FIGURE_TOKENS * FIGURE_BATCH)
    if needed > model.context_window:
        raise InputError(
            f"{doc.article.origin}: too long for the model: the prompt is about {prompt} tokens "
            f"and with its answer needs {needed}, over the {model.context_window}-token context "
            "window (raise --context-window, or split the article)"
        )


def _ask(
    model: StructuredModel,
    usage: CallUsage,
    messages: list[dict[str, str]],
    response_model: type[T],
    max_tokens: int,
) -> T:
    answer, cost = model.extract(response_model, messages, max_tokens=max_tokens)
    usage.add(cost)
    return answer


def _batches(items: Sequence[C], size: int) -> Iterator[Sequence[C]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
