"""The output contract, schema version 1, as pydantic models.

Other services and the eval harness read exactly these keys, so this module is the one place
that defines them; everything else in the package builds these objects. Keys may be added,
never renamed or dropped without bumping ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from summarizer.core.taxonomy import (
    ActorKind,
    ActorRole,
    EventType,
    LocationRole,
    MatchKind,
    Outcome,
    Precision,
    Qualifier,
    RejectionCode,
    SubEventType,
    event_type_of,
)

SCHEMA_VERSION: Literal["1"] = "1"


class _Strict(BaseModel):
    """Unknown keys are an error: a misspelt key in a gold file must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Evidence(_Strict):
    """A half-open span of the article text, in Python code points.

    ``text`` is always ``article_text[start:end]``; it is stored so that a reader can check a
    value without the article at hand, and :func:`spans_mismatching` proves the invariant.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    match: MatchKind = "exact"

    @model_validator(mode="after")
    def _ordered(self) -> Evidence:
        if self.end < self.start:
            raise ValueError(f"evidence end {self.end} is before start {self.start}")
        if len(self.text) != self.end - self.start:
            raise ValueError("evidence text length differs from end - start")
        return self


class Summary(_Strict):
    text: str
    evidence: list[Evidence] = Field(default_factory=list)


class EventDate(_Strict):
    text: str | None = None
    iso: str | None = None
    precision: Precision = "unknown"
    evidence: list[Evidence] = Field(default_factory=list)


class Location(_Strict):
    name: str
    role: LocationRole = "primary"
    evidence: list[Evidence] = Field(default_factory=list)


class Actor(_Strict):
    name: str
    kind: ActorKind = "other"
    role: ActorRole = "other"
    evidence: list[Evidence] = Field(default_factory=list)


class Casualty(_Strict):
    outcome: Outcome
    count_low: int | None = Field(default=None, ge=0)
    count_high: int | None = Field(default=None, ge=0)
    qualifier: Qualifier = "exact"
    victims: str | None = None
    claimant: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class Quote(_Strict):
    speaker: str | None = None
    text: str
    evidence: list[Evidence] = Field(default_factory=list)


class Event(_Strict):
    event_type: EventType
    sub_event_type: SubEventType
    summary: Summary
    date: EventDate = Field(default_factory=EventDate)
    locations: list[Location] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    casualties: list[Casualty] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent_types(self) -> Event:
        if event_type_of(self.sub_event_type) != self.event_type:
            raise ValueError(f"sub_event_type {self.sub_event_type!r} does not belong to {self.event_type!r}")
        return self


class Rejection(_Strict):
    """A value the validator refused, kept with its reason: nothing is dropped silently.

    ``code`` (added within schema version 1) says why for machines; see `RejectionCode`."""

    path: str
    code: RejectionCode = "unspecified"
    value: Any
    reason: str


class Grounding(_Strict):
    checked: int = 0
    exact: int = 0
    normalized: int = 0
    fuzzy: int = 0
    rejected: int = 0


class Usage(_Strict):
    provider: str
    model: str
    prompt_version: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    seconds: float = 0.0


class ArticleMeta(_Strict):
    id: str
    sha256: str
    title: str | None = None
    source: str | None = None
    published: dt.date | None = None


class ArticleSummary(_Strict):
    """One article's record: what ``summarize`` prints for it."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    article: ArticleMeta
    events: list[Event] = Field(default_factory=list)
    rejected: list[Rejection] = Field(default_factory=list)
    grounding: Grounding = Field(default_factory=Grounding)
    usage: Usage


def iter_values(events: Sequence[Event]) -> list[tuple[str, list[Evidence]]]:
    """Every value that carries evidence, with its JSON path: what grounding counts."""
    found: list[tuple[str, list[Evidence]]] = []
    for e, event in enumerate(events):
        base = f"events[{e}]"
        found.append((f"{base}.summary", event.summary.evidence))
        if event.date.text is not None:
            found.append((f"{base}.date", event.date.evidence))
        for name, group in (
            ("locations", event.locations),
            ("actors", event.actors),
            ("casualties", event.casualties),
            ("quotes", event.quotes),
        ):
            found.extend(_paths(f"{base}.{name}", group))
    return found


def _paths(
    base: str, items: Sequence[Location | Actor | Casualty | Quote]
) -> list[tuple[str, list[Evidence]]]:
    return [(f"{base}[{i}]", item.evidence) for i, item in enumerate(items)]


def iter_evidence(record: ArticleSummary) -> list[tuple[str, Evidence]]:
    """Every evidence span in a record with its JSON path, for checks and reports."""
    return [
        (f"{path}.evidence[{k}]", ev)
        for path, evidence in iter_values(record.events)
        for k, ev in enumerate(evidence)
    ]


def spans_mismatching(record: ArticleSummary, text: str) -> list[str]:
    """Paths of evidence whose text is not ``text[start:end]``; empty when the record is sound."""
    return [
        path for path, ev in iter_evidence(record) if ev.end > len(text) or text[ev.start : ev.end] != ev.text
    ]
