"""Re-asking the model for the values that failed, and placing its answers as candidates.

An answer is untrusted input like any other: it is placed in a copy of the record through the
same functions parsing uses (`add_location`, `add_actor`, the document's reporting-text search)
and must pass the same support check before it is kept; the validator then checks the whole
record once more. Nothing here holds on to events between calls, and nothing is installed by a
closure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from summarizer.core.types import (
    SPEAKER,
    ActorSlot,
    CreditSlot,
    PlaceSlot,
    Problem,
    Refusal,
    Slot,
    SummarySlot,
)
from summarizer.grounding.support import (
    Claim,
    credit_refusal,
    find_claim,
    injected,
    name_refusal,
    summary_refusal,
)
from summarizer.parsing.events import add_actor, add_location, evidence_of, words_of
from summarizer.records.contract import Actor, Event, Location, Quote
from summarizer.text.alignment import Alignment
from summarizer.text.document import Document
from summarizer.text.sentences import sentence_at

Corrector = Callable[[list[Problem], int], tuple[list[str], int]]
"""Asks the model to correct some values: (problems, token allowance) -> (answers, tokens used)."""


@dataclass(frozen=True)
class ReaskBudget:
    rounds: int = 1
    tokens: int = 600


def reask(
    doc: Document,
    events: list[Event],
    problems: list[Problem],
    corrector: Corrector | None,
    budget: ReaskBudget,
) -> tuple[list[Event], list[Problem]]:
    """The events with every accepted answer placed, and the problems still unresolved.

    Round by round while the budget lasts, the problems with a slot go back to the model; an
    empty answer withdraws the value, one that fails its check keeps the problem open with
    the whole story in its reason."""
    tokens = budget.tokens
    unresolved = list(problems)
    for _ in range(budget.rounds):
        askable = [p for p in unresolved if p.slot is not None]
        if corrector is None or not askable or tokens <= 0:
            break
        answers, used = corrector(askable, tokens)
        tokens -= used
        for problem, answer in zip(askable, answers, strict=True):
            assert problem.slot is not None
            if not answer.strip():
                problem.reason += "; withdrawn by the model when re-asked"
                problem.slot = None
                continue
            placed, refusal = place(doc, events, problem.slot, answer)
            if refusal is None:
                events = placed
                unresolved.remove(problem)
            else:
                problem.reason = f"{problem.reason}; re-asked, it answered {answer!r}: {refusal.reason}"
    return events, unresolved


def place(doc: Document, events: list[Event], slot: Slot, answer: str) -> tuple[list[Event], Refusal | None]:
    """A copy of the events with the answer placed in its slot and checked, or the refusal."""
    copied = [event.model_copy(deep=True) for event in events]
    if isinstance(slot, PlaceSlot):
        refusal = _place_location(doc, copied, slot, answer)
    elif isinstance(slot, ActorSlot):
        refusal = _place_actor(doc, copied, slot, answer)
    elif isinstance(slot, CreditSlot):
        refusal = _place_credit(doc, copied, slot, answer)
    else:
        refusal = _place_summary(doc, copied, slot, answer)
    return (events, refusal) if refusal is not None else (copied, None)


def _place_location(doc: Document, events: list[Event], slot: PlaceSlot, answer: str) -> Refusal | None:
    if slot.event >= len(events):
        return Refusal("not_found", "the event it belonged to was refused")
    locations = events[slot.event].locations
    before = list(locations)
    refusal = add_location(doc, locations, answer, slot.role, slot.region)
    return refusal or _names_hold(doc, [x for x in locations if x not in before], "location")


def _place_actor(doc: Document, events: list[Event], slot: ActorSlot, answer: str) -> Refusal | None:
    actors = events[0].actors
    before = list(actors)
    refusal = add_actor(doc, actors, answer, slot)
    return refusal or _names_hold(doc, [x for x in actors if x not in before], "actor")


def _names_hold(doc: Document, added: list[Location] | list[Actor], what: str) -> Refusal | None:
    for item in added:
        refusal = name_refusal(doc.text, item.name, item.evidence, what) or injected(doc, item.evidence, what)
        if refusal is not None:
            return refusal
    return None


def _place_credit(doc: Document, events: list[Event], slot: CreditSlot, answer: str) -> Refusal | None:
    """Credits the figure or quote at ``slot.anchor`` to the answer, if it is named around it
    in reporting text and passes the crediting check."""
    span = doc.find(answer, slot.region)
    if span is None or not (slot.region[0] <= span.start and span.end <= slot.region[1]):
        return slot.credit.not_near(answer)
    refusal = injected(doc, [evidence_of(doc, span)], slot.credit.role)
    if refusal is not None or slot.event >= len(events):
        return refusal or Refusal("not_found", "the event it belonged to was refused")
    name = words_of(doc, span)
    event = events[slot.event]
    for casualty in event.casualties:
        claim = find_claim(doc, casualty)
        if isinstance(claim, Claim) and claim.span == slot.anchor:
            refusal = credit_refusal(doc, claim.sentence, claim.span, name, credit=slot.credit)
            if refusal is None:
                casualty.claimant = name
                if not claim.sentence.start <= span.start < claim.sentence.end:
                    casualty.evidence.append(evidence_of(doc, span))
            return refusal
    for quote in event.quotes:
        if (quote.evidence[0].start, quote.evidence[0].end) == slot.anchor:
            return _credit_quote(doc, quote, name, span)
    return Refusal("not_found", f"the {slot.credit.what} it was asked for is no longer in the record")


def _credit_quote(doc: Document, quote: Quote, name: str, span: Alignment) -> Refusal | None:
    sentence = sentence_at(doc.sentences, quote.evidence[0].start)
    if sentence is None:
        return Refusal("not_supported", "the quote is outside the article's sentences")
    anchor = (quote.evidence[0].start, quote.evidence[0].end)
    refusal = credit_refusal(doc, sentence, anchor, name, credit=SPEAKER)
    if refusal is None:
        quote.speaker = name
        quote.evidence = [quote.evidence[0], evidence_of(doc, span)]
    return refusal


def _place_summary(doc: Document, events: list[Event], slot: SummarySlot, answer: str) -> Refusal | None:
    if slot.event >= len(events):
        return Refusal("not_found", "the event it belonged to was refused")
    refusal = summary_refusal(doc, answer)
    if refusal is None:
        events[slot.event].summary.text = " ".join(answer.split())
    return refusal
