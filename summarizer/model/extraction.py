"""The questions put to the model for one article, and the drafts that come back.

Four focused questions (events, figures, actors and places, quote speakers) instead of one big
schema: a small model answers each far better, the article prefix is evaluated once for all of
them, and a question with nothing to ask (no figures, every quote already attributed by the
program) is not asked at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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
from summarizer.model.prompting import Messages, article_messages
from summarizer.text.document import Document, FigureCandidate, QuoteCandidate

FIGURE_BATCH = 10
WINDOW_WORDS = 2000
"""Words per window of an article too long for one prompt: about 2,800 tokens of text, which
with the instructions and a question's candidates fits the default 8,192-token context with
room to spare (an article of up to about 4,000 words is read in one prompt)."""
WINDOW_OVERLAP = 2
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
    """The four questions about one prompt's worth of the article: all of it, or a window, as
    `windows` returned it (which has measured that every question fits)."""
    messages, max_tokens = _events_question(doc)
    events = _ask(
        model,
        usage,
        messages,
        events_model([s.number for s in doc.visible], [d.key for d in doc.dates]),
        max_tokens,
    )
    figures = _ask_figures(doc, model, usage)
    entities = _ask_entities(doc, model, usage)
    quotes = _ask_quotes(doc, model, usage)
    return Drafts(events=events, figures=figures, entities=entities, quotes=quotes)


def _events_question(doc: Document) -> tuple[Messages, int]:
    return article_messages(doc, "events.j2", dates=doc.dates, hints=doc.type_hints), EVENTS_MAX_TOKENS


def _entities_question(doc: Document) -> tuple[Messages, int]:
    names = doc.asked_names
    messages = article_messages(doc, "entities.j2", names=names)
    return messages, UNNAMED_ACTORS_TOKENS + _PER_NAME_TOKENS * len(names)


def _figure_questions(
    doc: Document, model: StructuredModel
) -> Iterator[tuple[Sequence[FigureCandidate], Messages, int]]:
    def question(batch: Sequence[FigureCandidate]) -> tuple[Messages, int]:
        return article_messages(doc, "figures.j2", figures=batch), 32 + _PER_FIGURE_TOKENS * len(batch)

    for batch in _batches(doc.figures, FIGURE_BATCH):
        yield from _fitting(batch, question, model)


def _quote_questions(
    doc: Document, model: StructuredModel
) -> Iterator[tuple[Sequence[QuoteCandidate], Messages, int]]:
    """Only quotes whose speaker the program could not read from the reporting frame."""

    def question(batch: Sequence[QuoteCandidate]) -> tuple[Messages, int]:
        return article_messages(doc, "quotes.j2", quotes=batch), 32 + _PER_QUOTE_TOKENS * len(batch)

    for batch in _batches([q for q in doc.quotes if q.source is None], QUOTE_BATCH):
        yield from _fitting(batch, question, model)


def _fitting(
    batch: Sequence[C], question: Callable[[Sequence[C]], tuple[Messages, int]], model: StructuredModel
) -> Iterator[tuple[Sequence[C], Messages, int]]:
    """The batch as one question, or halves of it while the question does not fit: a question
    repeats each candidate's sentence, and a long sentence full of figures (a list of towns
    and tolls) can overflow the context on its own. A single candidate is asked as it is
    (`check_fits` refuses it if it cannot fit)."""
    messages, answer = question(batch)
    if len(batch) == 1 or _prompt_tokens(messages, model) + answer <= model.context_window:
        yield batch, messages, answer
        return
    half = len(batch) // 2
    yield from _fitting(batch[:half], question, model)
    yield from _fitting(batch[half:], question, model)


def _ask_entities(doc: Document, model: StructuredModel, usage: CallUsage) -> EntitiesDraft:
    keys = [n.key for n in doc.asked_names]
    messages, max_tokens = _entities_question(doc)
    answer = _ask(model, usage, messages, entities_model(keys), max_tokens)
    others = cast(list[ActorDraft], answer.others)  # type: ignore[attr-defined]
    return EntitiesDraft(names=keyed_items(answer, keys, NameDraft), actors=others)


def _ask_figures(doc: Document, model: StructuredModel, usage: CallUsage) -> dict[str, FigureDraft]:
    figures: dict[str, FigureDraft] = {}
    for batch, messages, max_tokens in _figure_questions(doc, model):
        keys = [f.key for f in batch]
        answer = _ask(model, usage, messages, keyed_model("Figures", keys, FigureDraft), max_tokens)
        figures.update(keyed_items(answer, keys, FigureDraft))
    return figures


def _ask_quotes(doc: Document, model: StructuredModel, usage: CallUsage) -> dict[str, QuoteDraft]:
    quotes: dict[str, QuoteDraft] = {}
    for batch, messages, max_tokens in _quote_questions(doc, model):
        keys = [q.key for q in batch]
        answer = _ask(model, usage, messages, keyed_model("Quotes", keys, QuoteDraft), max_tokens)
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


def windows(doc: Document, model: StructuredModel) -> list[Document]:
    """The article as one prompt when every question about it fits the model's context;
    otherwise sentence-aligned windows of at most `WINDOW_WORDS` words, each starting
    `WINDOW_OVERLAP` sentences before the one before it ended (so that a figure whose source is
    named in the sentence before keeps it) and always reaching past it. Where the overlap and
    the next sentence cannot fit together, the window starts at the next sentence. Offsets,
    sentence numbers and keys stay the article's, so every answer places exactly."""
    if _fits(doc, model):
        return [doc]
    found: list[Document] = []
    last = 0
    while last < len(doc.sentences):
        overlapping = _widest_window(doc, model, max(1, last - WINDOW_OVERLAP + 1), last + 1)
        window = overlapping or _widest_window(doc, model, last + 1, last + 1)
        assert window is not None
        assert window.shown is not None
        found.append(window)
        last = window.shown[1]
    return found


def _widest_window(doc: Document, model: StructuredModel, first: int, reach: int) -> Document | None:
    """From sentence ``first`` through at least sentence ``reach``, up to `WINDOW_WORDS` words,
    narrowed while a question does not fit (a stretch dense with figures or names). None when
    it starts before ``reach`` (an overlap) and ``first`` to ``reach`` is already over the
    words or does not fit; a single sentence that cannot fit is refused (`check_fits`)."""

    def words(number: int) -> int:
        return len(doc.sentence(number).text.split())

    if first < reach and sum(words(n) for n in range(first, reach + 1)) > WINDOW_WORDS:
        return None  # the overlap would make a window of the next sentence too long
    last, total = first, 0
    while last <= len(doc.sentences) and (last <= reach or total + words(last) <= WINDOW_WORDS):
        total += words(last)
        last += 1
    last -= 1
    while last > reach and not _fits(doc.window(first, last), model):
        last = max(reach, first + (last - first) * 3 // 4)
    window = doc.window(first, last)
    if _fits(window, model):
        return window
    if first < reach:
        return None
    check_fits(window, model)
    return window


def _fits(doc: Document, model: StructuredModel) -> bool:
    return _needed_tokens(doc, model) <= model.context_window


def check_fits(doc: Document, model: StructuredModel) -> None:
    """Refuse a prompt the model's context cannot hold, naming the limit, before any call."""
    needed = _needed_tokens(doc, model)
    if needed > model.context_window:
        raise InputError(
            f"{doc.article.origin}: too long for the model: one sentence's question with its "
            f"answer needs about {needed} tokens, over the {model.context_window}-token context "
            "window (raise --context-window)"
        )


def _needed_tokens(doc: Document, model: StructuredModel) -> int:
    """The most any question about ``doc`` needs: its prompt, a margin for the chat template,
    and the longest answer it allows."""
    messages, answer = _events_question(doc)
    needed = _prompt_tokens(messages, model) + answer
    if needed > model.context_window:
        return needed  # the whole text does not fit: no need to weigh the other questions
    questions = [
        _entities_question(doc),
        *((m, t) for _, m, t in _figure_questions(doc, model)),
        *((m, t) for _, m, t in _quote_questions(doc, model)),
    ]
    return max([needed, *(_prompt_tokens(asked, model) + allowed for asked, allowed in questions)])


def _prompt_tokens(messages: Messages, model: StructuredModel) -> int:
    """The messages' tokens and a margin for the chat template's own."""
    return sum(model.count_tokens(m["content"]) for m in messages) + 32


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
