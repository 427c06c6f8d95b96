"""Which reports are one event: same place, dates within a tolerance, compatible types.

Each article's events are the units; two units are one event when a primary place of one is a
primary place of the other (by name, alias or spelling variant, or by gazetteer identity), their
dates are at most ``tolerance`` days apart (an event's own date, else its article's publication
date as the latest it can be), and their ACLED types are of one disorder type. A group holds
units that are all pairwise compatible (complete linkage), so a chain of reports a day apart
each cannot stretch one event over a week; and never two units of one article, which the
pipeline already told apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from summarizer.core.taxonomy import EventType
from summarizer.records.contract import ArticleSummary, Event
from summarizer.text.names import names_match

DEFAULT_TOLERANCE_DAYS = 2

DISORDER_TYPES: dict[EventType, str] = {
    "battles": "Political violence",
    "explosions_remote_violence": "Political violence",
    "violence_against_civilians": "Political violence",
    "protests": "Demonstrations",
    "riots": "Demonstrations",
    "strategic_developments": "Strategic developments",
}

RULES = [
    "same place: a primary location of each names the other (alias, spelling variant) or both "
    "resolve to one gazetteer entry",
    "dates at most the tolerance apart: the event's date, else its article's publication date",
    "compatible types: one ACLED disorder type",
    "never two events of one article",
]


@dataclass
class Unit:
    """One article's event, with what grouping compares."""

    record: ArticleSummary
    index: int
    date: dt.date | None
    date_from: Literal["text", "published", "unknown"]
    places: list[str]
    place_keys: set[str] = field(default_factory=set)

    @property
    def event(self) -> Event:
        return self.record.events[self.index]

    @property
    def article_id(self) -> str:
        return self.record.article.id


def units_of(
    records: list[ArticleSummary], place_key: Callable[[str, ArticleSummary], str | None]
) -> list[Unit]:
    """Every event of every record as a unit, with its date and its primary places."""
    units = []
    for record in records:
        for index, event in enumerate(record.events):
            date, source = event_date(event, record)
            places = [loc.name for loc in event.locations if loc.role == "primary"]
            keys = {k for name in places if (k := place_key(name, record)) is not None}
            units.append(Unit(record, index, date, source, places, keys))
    return units


def event_date(
    event: Event, record: ArticleSummary
) -> tuple[dt.date | None, Literal["text", "published", "unknown"]]:
    if event.date.iso and event.date.precision == "day":
        try:
            return dt.date.fromisoformat(event.date.iso), "text"
        except ValueError:
            pass
    if record.article.published is not None:
        return record.article.published, "published"
    return None, "unknown"


def group_units(units: list[Unit], tolerance_days: int) -> list[list[Unit]]:
    """Units in groups of one event each, in the order their first report comes."""
    groups: list[list[Unit]] = []
    for unit in units:
        home = next((g for g in groups if all(compatible(unit, other, tolerance_days) for other in g)), None)
        if home is None:
            groups.append([unit])
        else:
            home.append(unit)
    return groups


def compatible(a: Unit, b: Unit, tolerance_days: int) -> bool:
    if a.article_id == b.article_id:
        return False
    if DISORDER_TYPES[a.event.event_type] != DISORDER_TYPES[b.event.event_type]:
        return False
    if a.date is not None and b.date is not None and abs((a.date - b.date).days) > tolerance_days:
        return False
    return same_place(a, b)


def same_place(a: Unit, b: Unit) -> bool:
    if a.place_keys & b.place_keys:
        return True
    return any(names_match(x, y) and names_match(y, x) for x in a.places for y in b.places)
