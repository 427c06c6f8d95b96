"""One article's events from the windows it was read through (an article too long for one
prompt): the same event seen twice becomes one, and what two windows both read is kept once.

Windows overlap by a couple of sentences so that a figure keeps the source named just before
it; the price is that those sentences are read twice, and their figures and quotes come back
twice. Offsets are the whole article's in every window, so a span read twice is the same span.
The rule for events is the one a single prompt follows: one event per place.
"""

from __future__ import annotations

import re

from summarizer.core.types import Problem
from summarizer.parsing.events import same_name
from summarizer.records.contract import Casualty, Event
from summarizer.text.names import names_agree

Claim = tuple[int, int | None, int | None]
"""A casualty claim by where it is written and what it counts."""
_EVENT_PATH = re.compile(r"^events\[(\d+)\]")
_ITEM_INDEX = re.compile(r"^(\.\w+)\[\d+\]")


def merge_windows(windows: list[tuple[list[Event], list[Problem]]]) -> tuple[list[Event], list[Problem]]:
    """The first window's main event stays the main event. A later window's event at a
    primary place an earlier window already reported, or a window's main event with no place
    found, adds its claims, quotes, places and actors to that event (and its own type and
    summary are recorded as a rejection, not dropped silently); an event at a new place is a
    related event. Problems point at the event they now belong to."""
    merged: list[Event] = []
    problems: list[Problem] = []
    claims: set[Claim] = set()
    quoted: set[int] = set()
    for events, found in windows:
        earlier = len(merged)
        moved: dict[int, int] = {}
        changed: set[int] = set()
        for index, event in enumerate(events):
            kept = _without_repeats(event, claims, quoted)
            target = _home(merged[:earlier], event, is_main=index == 0) if earlier else None
            if target is None:
                merged.append(kept)
                moved[index] = len(merged) - 1
            else:
                _absorb(merged[target], kept)
                moved[index] = target
                problems.append(_absorbed(event, target, merged[target]))
            if target is not None or kept is not event:
                changed.add(index)
        problems += [_moved(p, moved, changed) for p in found if not _already(p, problems)]
    return merged, problems


def _without_repeats(event: Event, claims: set[Claim], quoted: set[int]) -> Event:
    """The event without the claims and quotes an earlier window already gave (the overlap)."""
    casualties = [c for c in event.casualties if _claim_key(c) not in claims]
    quotes = [q for q in event.quotes if q.evidence[0].start not in quoted]
    claims.update(_claim_key(c) for c in casualties)
    quoted.update(q.evidence[0].start for q in quotes)
    if len(casualties) == len(event.casualties) and len(quotes) == len(event.quotes):
        return event
    return event.model_copy(update={"casualties": casualties, "quotes": quotes})


def _claim_key(casualty: Casualty) -> Claim:
    return casualty.evidence[0].start, casualty.count_low, casualty.count_high


def _home(earlier: list[Event], event: Event, *, is_main: bool) -> int | None:
    """The earlier event this one belongs to: the one at its primary place, or, for a
    window's main event whose place was not found, the article's main event."""
    places = [loc.name for loc in event.locations if loc.role == "primary"]
    if not places:
        return 0 if is_main else None
    for index, other in enumerate(earlier):
        theirs = [loc.name for loc in other.locations if loc.role == "primary"]
        if any(names_agree(x, y) for x in places for y in theirs):
            return index
    return None


def _absorb(into: Event, other: Event) -> None:
    into.casualties += other.casualties
    into.quotes += other.quotes
    for place in other.locations:
        if not any(names_agree(place.name, x.name) for x in into.locations):
            into.locations.append(place.model_copy(update={"role": "mentioned"}))
    into.actors += [a for a in other.actors if not any(same_name(a.name, x.name) for x in into.actors)]


def _absorbed(event: Event, target: int, into: Event) -> Problem:
    where = next((loc.name for loc in into.locations if loc.role == "primary"), "the main event")
    value = {"sub_event_type": event.sub_event_type, "summary": event.summary.text}
    reason = f"a later part of the article reports the event at {where} again: its claims were added there"
    return Problem(f"events[{target}]", "an event read again", value, "repeated", reason)


def _moved(problem: Problem, moved: dict[int, int], changed: set[int]) -> Problem:
    """The problem with its event index as merged, and without an item index where the
    event's lists changed (merged into another, or repeats taken out), since that index no
    longer names the item. No slot: a re-ask shows the model the article, and this one does
    not fit in one prompt, so a refusal here is final."""
    path = problem.path
    match = _EVENT_PATH.match(path)
    if match is not None and int(match.group(1)) in moved:
        index = int(match.group(1))
        rest = path[match.end() :]
        if index in changed:
            rest = _ITEM_INDEX.sub(r"\1", rest)
        path = f"events[{moved[index]}]{rest}"
    return Problem(path, problem.label, problem.value, problem.code, problem.reason, problem.hints)


def _already(problem: Problem, kept: list[Problem]) -> bool:
    """The overlap read a sentence twice: the same refusal of the same value is kept once."""
    same = (problem.code, problem.label, problem.reason)
    return any((p.code, p.label, p.reason) == same and p.value == problem.value for p in kept)
