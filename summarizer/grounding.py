"""The grounding validator: every output value checked against its evidence in the source.

Parsing already guarantees that each span is the article's own text. This stage checks what a
span alone cannot show: that the value is *supported* by it. It counts what it checked and how
each value was matched, and moves anything unsupported to ``rejected`` with its reason.
"""

from __future__ import annotations

from summarizer.contract import Event, Evidence, Grounding, Rejection, iter_values
from summarizer.document import Document

_RANK = {"exact": 0, "normalized": 1, "fuzzy": 2}


def ground(
    doc: Document, events: list[Event], rejected: list[Rejection]
) -> tuple[list[Event], list[Rejection], Grounding]:
    """The events with only supported values, every refusal, and the tallies."""
    grounding = Grounding()
    for _, evidence in iter_values(events):
        _tally(grounding, evidence)
    grounding.rejected = len(rejected)
    grounding.checked += len(rejected)
    return events, rejected, grounding


def _tally(grounding: Grounding, evidence: list[Evidence]) -> None:
    grounding.checked += 1
    weakest = max((_RANK[e.match] for e in evidence), default=0)
    if weakest == 0:
        grounding.exact += 1
    elif weakest == 1:
        grounding.normalized += 1
    else:
        grounding.fuzzy += 1
