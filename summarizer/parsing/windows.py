"""One article's events from the windows it was read through (an article too long for one
prompt): the same event seen twice becomes one, and what two windows both read is kept once.

Windows overlap by a couple of sentences so that a figure keeps the source named just before
it; the price is that those sentences are read twice, and their figures and quotes come back
twice. Offsets are the whole article's in every window, so a span read twice is the same span.
"""

from __future__ import annotations

import re

from summarizer.core.types import Problem
from summarizer.records.contract import Casualty, Event
from summarizer.text.names import names_agree

_EVENT_INDEX = re.compile(r"^events\[(\d+)\]")


def merge_windows(windows: list[tuple[list[Event], list[Problem]]]) -> tuple[list[Event], list[Problem]]:
    """The first window's main event stays the main event. A later window's event of the same
    sub-event type at a primary place already reported adds its claims, quotes, places and
    actors to that event; any other becomes a related event. Problems keep the path of the
    event they now belong to."""
    merged: list[Event] = []
    problems: list[Problem] = []
    claims: set[tuple[int, int | None, int | None]] = set()
    quoted: set[int] = set()
    for events, found in windows:
        moved: dict[int, int] = {}
        for index, event in enumerate(events):
            event.casualties = [c for c in event.casualties if _claim_key(c) not in claims]
            event.quotes = [q for q in event.quotes if q.evidence[0].start not in quoted]
            claims.update(_claim_key(c) for c in event.casualties)
            quoted.update(q.evidence[0].start for q in event.quotes)
            same = next((i for i, e in enumerate(merged) if _same_event(e, event)), None)
            if same is None:
                merged.append(event)
                moved[index] = len(merged) - 1
            else:
                _absorb(merged[same], event)
                moved[index] = same
        problems += [_moved(p, moved) for p in found if not _already(p, problems)]
    return merged, problems


def _claim_key(casualty: Casualty) -> tuple[int, int | None, int | None]:
    return casualty.evidence[0].start, casualty.count_low, casualty.count_high


def _same_event(a: Event, b: Event) -> bool:
    places_a = [loc.name for loc in a.locations if loc.role == "primary"]
    places_b = [loc.name for loc in b.locations if loc.role == "primary"]
    return a.sub_event_type == b.sub_event_type and any(names_agree(x, y) for x in places_a for y in places_b)


def _absorb(into: Event, other: Event) -> None:
    into.casualties += other.casualties
    into.quotes += other.quotes
    for place in other.locations:
        if not any(names_agree(place.name, x.name) for x in into.locations):
            into.locations.append(place.model_copy(update={"role": "mentioned"}))
    folded = {" ".join(a.name.casefold().split()) for a in into.actors}
    into.actors += [a for a in other.actors if " ".join(a.name.casefold().split()) not in folded]


def _moved(problem: Problem, moved: dict[int, int]) -> Problem:
    """The problem with its event index as merged, and no slot: a re-ask shows the model the
    article, and this one does not fit in one prompt, so a refusal here is final."""
    match = _EVENT_INDEX.match(problem.path)
    path = problem.path
    if match is not None and int(match.group(1)) in moved:
        path = f"events[{moved[int(match.group(1))]}]{problem.path[match.end() :]}"
    return Problem(path, problem.label, problem.value, problem.code, problem.reason, problem.hints)


def _already(problem: Problem, kept: list[Problem]) -> bool:
    """The overlap read a sentence twice: the same refusal of the same value is kept once."""
    return any(p.code == problem.code and p.value == problem.value and p.label == problem.label for p in kept)
