"""Hand-labelled gold files: the contract's terms, plus aliases for names.

A fixture is ``NAME.txt`` (the article) beside ``NAME.gold.json`` (what a careful analyst
codes from it). Gold evidence is written as quoted text, not offsets, so a person can label
and review it; the fixture linter proves every quoted text is in the article.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from summarizer.core.errors import ConfigError, one_line
from summarizer.core.taxonomy import (
    ActorKind,
    ActorRole,
    EventType,
    LocationRole,
    Outcome,
    Precision,
    Qualifier,
    SubEventType,
    event_type_of,
)


class _Gold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldArticle(_Gold):
    published: dt.date | None = None
    title: str | None = None
    source: str | None = None
    id: str | None = Field(default=None, description="the story's id in its corpus, for real news")
    url: str | None = Field(default=None, description="where a real story was published")
    split: Literal["written", "dev", "test"] | None = Field(
        default=None,
        description="written: made for the project; dev: real news tuned on; test: real news never studied",
    )


class GoldDate(_Gold):
    text: str | None = None
    iso: str | None = None
    precision: Precision = "unknown"


class GoldName(_Gold):
    name: str
    aliases: list[str] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


class GoldLocation(GoldName):
    role: LocationRole = "mentioned"


class GoldActor(GoldName):
    kind: ActorKind = "other"
    role: ActorRole = "other"


class GoldCasualty(_Gold):
    outcome: Outcome
    count_low: int | None
    count_high: int | None = None
    qualifier: Qualifier = "exact"
    victims: str | None = None
    claimant: str | None = None
    claimant_aliases: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(min_length=1, description="text of the article that states it")


class GoldQuote(_Gold):
    speaker: str | None
    speaker_aliases: list[str] = Field(default_factory=list)
    text: str


class GoldEvent(_Gold):
    event_type: EventType
    sub_event_type: SubEventType
    date: GoldDate = Field(default_factory=GoldDate)
    evidence: list[str] = Field(min_length=1, description="text of the article that reports it")


class Gold(_Gold):
    """One article's gold. Lists of names, casualties and quotes are the article's, pooled over
    its events (event boundaries are a judgement; who was killed where is not)."""

    article: GoldArticle = Field(default_factory=GoldArticle)
    events: list[GoldEvent] = Field(min_length=0)
    locations: list[GoldLocation] = Field(default_factory=list)
    actors: list[GoldActor] = Field(default_factory=list)
    casualties: list[GoldCasualty] = Field(default_factory=list)
    quotes: list[GoldQuote] = Field(default_factory=list)


@dataclass(frozen=True)
class Fixture:
    name: str
    text: str
    gold: Gold
    path: Path


def load_fixtures(folder: Path) -> list[Fixture]:
    """Every ``NAME.txt`` with its ``NAME.gold.json``, in name order. A fixture that cannot be
    read is a `ConfigError` naming the file: an eval over a silently shorter set would pass."""
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such fixtures folder")
    fixtures = [_load_fixture(article) for article in sorted(folder.glob("*.txt"))]
    if not fixtures:
        raise ConfigError(f"{folder}: no fixtures in it (NAME.txt beside NAME.gold.json)")
    return fixtures


def _load_fixture(article: Path) -> Fixture:
    gold_path = article.with_suffix(".gold.json")
    try:
        text = article.read_bytes().decode("utf-8")
        gold = Gold.model_validate_json(gold_path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"{article.name} has no gold file {gold_path.name}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{article.name}: not UTF-8 text (byte {exc.start})") from None
    except ValidationError as exc:
        raise ConfigError(f"{gold_path.name}: not a valid gold file: {one_line(exc.errors())}") from None
    return Fixture(article.stem, text, gold, article)


def lint(fixture: Fixture) -> list[str]:
    """What is wrong with a fixture: quoted text missing from the article, inconsistent types."""
    problems = []
    text, gold = fixture.text, fixture.gold
    quoted = [
        *(("event evidence", e) for event in gold.events for e in event.evidence),
        *(("casualty evidence", e) for c in gold.casualties for e in c.evidence),
        *(("quote", q.text) for q in gold.quotes),
        *(("date", event.date.text) for event in gold.events if event.date.text),
    ]
    problems += [f"{what} not in the article: {snippet!r}" for what, snippet in quoted if snippet not in text]
    for event in gold.events:
        if event_type_of(event.sub_event_type) != event.event_type:
            problems.append(f"{event.sub_event_type} is not a kind of {event.event_type}")
    for name in [*gold.locations, *gold.actors]:
        if not any(n.casefold() in text.casefold() for n in name.names):
            problems.append(f"no name of {name.name!r} is in the article")
    return problems
