"""The consolidated-events contract: an addition to schema version 1, versioned on its own.

Several records (one per article) may report one event. `summarize consolidate` writes one
consolidated event per group of such reports. The article records are unchanged (schema
version 1); this document carries ``consolidated_version`` beside ``schema_version`` so that
readers of v1 records are never surprised by it. Keys may be added, never renamed or dropped
without bumping ``CONSOLIDATED_VERSION``.

Nothing in it is new text: every name, figure and date is a value of an article record, and
every value carries the spans (``article_id``, ``start``, ``end``, ``text``) of the articles
that state it. The only words of the program's own are the rule names and the reasons that
say how a figure or a place was chosen.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from summarizer.core.taxonomy import (
    ActorKind,
    ActorRole,
    EventType,
    LocationRole,
    Outcome,
    Precision,
    Qualifier,
    SubEventType,
)
from summarizer.records.contract import SCHEMA_VERSION, ArticleMeta

CONSOLIDATED_VERSION: Literal["1"] = "1"

GazetteerLevel = Literal["country", "admin1", "place"]
FatalityRule = Literal["lowest_total_latest_report", "no_count_stated", "no_fatalities_reported"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpanRef(_Strict):
    """A half-open span of one article's text: ``text == article_text[start:end]``."""

    article_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class WrittenForm(_Strict):
    """One way the articles write a name, with the articles that write it so."""

    text: str
    articles: list[str]
    evidence: list[SpanRef] = Field(default_factory=list)


class GazetteerMatch(_Strict):
    """Where a place is, from the offline gazetteer, or why it was left unresolved."""

    status: Literal["resolved", "unresolved"]
    gazetteer: str = Field(description="the gazetteer and data set consulted")
    level: GazetteerLevel | None = None
    geonameid: int | None = None
    name: str | None = Field(default=None, description="the gazetteer's name for it")
    matched_form: str | None = Field(default=None, description="the written form that matched")
    matched_name: str | None = Field(default=None, description="the gazetteer name or alternate it matched")
    country_code: str | None = None
    country: str | None = None
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    confidence: float = Field(ge=0, le=1, default=0.0)
    candidates: int = Field(ge=0, default=0, description="gazetteer entries the name matched")
    reason: str


class ConsolidatedPlace(_Strict):
    name: str = Field(description="canonical name: the form most articles write (first seen on a tie)")
    role: LocationRole
    forms: list[WrittenForm]
    gazetteer: GazetteerMatch


class ConsolidatedActor(_Strict):
    name: str = Field(description="canonical name: the form most articles write (first seen on a tie)")
    kind: ActorKind
    role: ActorRole
    inter: int | None = Field(default=None, description="ACLED inter code of the kind (1-8), if it has one")
    forms: list[WrittenForm]


class Claim(_Strict):
    """One casualty figure as one article reports it, side by side with the others."""

    id: str = Field(description="ARTICLE_ID#N: the article and the casualty's place in its event")
    article_id: str
    published: dt.date | None = None
    outcome: Outcome
    count_low: int | None = None
    count_high: int | None = None
    qualifier: Qualifier
    victims: str | None = None
    claimant: str | None = None
    part_of: str | None = Field(default=None, description="id of the total this figure is a part of")
    evidence: list[SpanRef]


class FatalityCoding(_Strict):
    """The one figure ACLED's ``fatalities`` column would hold, and how it was chosen."""

    fatalities: int | None
    rule: FatalityRule
    claim: str | None = Field(default=None, description="id of the claim whose figure is coded")
    considered: list[str] = Field(default_factory=list, description="totals of the latest report")
    superseded: list[str] = Field(default_factory=list, description="totals of earlier reports, still shown")
    reason: str


class Dispute(_Strict):
    """Figures for one outcome that disagree, and who gives each."""

    outcome: Outcome
    claims: list[str]
    claimants: list[str | None]
    figures: list[int]
    reason: str


class DateSpan(_Strict):
    iso: str | None = Field(default=None, description="the date most reports give (the earliest on a tie)")
    precision: Precision = "unknown"
    earliest: str | None = None
    latest: str | None = None
    forms: list[WrittenForm] = Field(default_factory=list)


class Report(_Strict):
    """One article's event in the group, as that article's record has it."""

    article_id: str
    event_index: int = Field(ge=0)
    published: dt.date | None = None
    source: str | None = None
    title: str | None = None
    event_type: EventType
    sub_event_type: SubEventType
    date_iso: str | None = None
    date_from: Literal["text", "published", "unknown"]
    summary: list[SpanRef] = Field(default_factory=list)


class ConsolidatedEvent(_Strict):
    id: str
    event_type: EventType = Field(description="the type most reports give (the first report's on a tie)")
    sub_event_type: SubEventType
    date: DateSpan
    reports: list[Report]
    places: list[ConsolidatedPlace]
    actors: list[ConsolidatedActor]
    claims: list[Claim]
    fatalities: FatalityCoding
    disputes: list[Dispute] = Field(default_factory=list)


class GroupingRules(_Strict):
    date_tolerance_days: int = Field(ge=0)
    rules: list[str]


class ConsolidatedRecords(_Strict):
    """What ``summarize consolidate`` prints: the articles read and the events they report."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    consolidated_version: Literal["1"] = CONSOLIDATED_VERSION
    articles: list[ArticleMeta]
    grouping: GroupingRules
    events: list[ConsolidatedEvent]
