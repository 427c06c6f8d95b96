"""What the model is asked to fill: small schemas of choices, keys and sentence numbers.

These differ from the output contract on purpose. A 1.5B model under a JSON-schema grammar is
accurate when it chooses (an enum, a sentence number, a candidate key) and poor when it copies
text or does arithmetic, so counts, quotes, dates and offsets are never asked of it. Each
schema is built per article so that the grammar only admits numbers and keys that exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, Union, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

from summarizer.core.taxonomy import EVENT_HIERARCHY, ActorKind, ActorRole, EventType, SubEventType

NOT_CASUALTY = "not_casualty"
MAX_RELATED = 3
NO_DATE = "none"

DraftT = TypeVar("DraftT", bound=BaseModel)


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Category(_Draft):
    """ACLED type, then sub-type. The schema makes it a union of one object per type, so the
    grammar lets the model choose a sub-type only among its type's: a small model picks well
    from six, then from a few, and drifts to the first values of one list of twenty-five."""

    event_type: EventType
    sub_event_type: SubEventType


def _category_choices() -> Any:
    members = [
        create_model(
            f"Category_{event_type}",
            __base__=Category,
            event_type=(_literal([event_type]), ...),
            sub_event_type=(_literal(list(subs)), ...),
        )
        for event_type, subs in EVENT_HIERARCHY.items()
    ]
    return Annotated[Union[tuple(members)], Field(discriminator="event_type")]  # noqa: UP007


class EventDraft(_Draft):
    """Summary first: writing what happened is the model's reasoning before it classifies."""

    summary: str = Field(max_length=240, description="one sentence, names and numbers as written")
    summary_sentences: list[int] = Field(min_length=1, max_length=3)
    location: str = Field(max_length=60, description="the place, written as in the article")
    date: str = Field(description="key of the date expression that dates it, or none")
    category: Category

    @property
    def sub_event_type(self) -> SubEventType:
        return self.category.sub_event_type


class EventsDraft(_Draft):
    main: EventDraft
    related: list[EventDraft] = Field(max_length=MAX_RELATED)


FigureOutcome = Literal["killed", "injured", "missing", "captured", "displaced", "not_casualty"]


class FigureDraft(_Draft):
    outcome: FigureOutcome
    victims: str = Field(max_length=60, description="who the number counts; a reasoning step")
    claimant: str = Field(max_length=80, description="who gives the figure, or empty")


class ActorDraft(_Draft):
    name: str = Field(max_length=60)
    kind: ActorKind
    role: ActorRole


PLACE = "place"
BACKGROUND = "background"
NOT_A_NAME = "not_a_name"
NameKind = Literal[ActorKind, "place", "background", "not_a_name"]
"""What a name the program found is: an actor of one of ACLED's kinds, a place, a name the
article mentions only in passing, or words the NER model took for a name by mistake."""
MAX_UNNAMED_ACTORS = 4


class NameDraft(_Draft):
    kind: NameKind
    role: ActorRole


class EntitiesDraft(_Draft):
    """The model's verdict on each name the program found (keyed "N1"...), and the actors the
    article describes without a name ("the police", "passengers"), which NER cannot find."""

    names: dict[str, NameDraft] = Field(default_factory=dict)
    actors: list[ActorDraft] = Field(default_factory=list, max_length=MAX_UNNAMED_ACTORS)


class CorrectionDraft(_Draft):
    value: str = Field(max_length=240, description="the corrected value, or empty to withdraw it")


class SelfTestDraft(_Draft):
    ok: bool


class QuoteDraft(_Draft):
    said_by_words: str = Field(max_length=80, description="the words naming the speaker; a reasoning step")
    speaker: str = Field(max_length=60, description="who said it, as named in the article")


def events_model(sentence_numbers: list[int], date_keys: list[str]) -> type[EventsDraft]:
    """EventsDraft whose sentence numbers and date keys are limited to those the model is shown."""
    numbers = _literal(sentence_numbers)
    dates = _literal([*date_keys, NO_DATE])
    event = create_model(
        "EventDraft",
        __base__=EventDraft,
        date=(dates, Field(description="key of the date expression that dates it, or none")),
        category=(_category_choices(), ...),
        summary_sentences=(list[numbers], Field(min_length=1, max_length=3)),  # type: ignore[valid-type]
    )
    return create_model(
        "EventsDraft",
        __base__=EventsDraft,
        main=(event, ...),
        related=(list[event], Field(max_length=MAX_RELATED)),
    )


def keyed_model(name: str, keys: list[str], item: type[DraftT]) -> type[BaseModel]:
    """An object with one required property per candidate key, in order: {"F1": {...}, ...}."""
    fields: dict[str, Any] = dict.fromkeys(keys, (item, ...))
    return create_model(name, __base__=_Draft, **fields)


def entities_model(keys: list[str]) -> type[BaseModel]:
    """One verdict per name key, in order, then the unnamed actors ("others")."""
    fields: dict[str, Any] = dict.fromkeys(keys, (NameDraft, ...))
    others = (list[ActorDraft], Field(max_length=MAX_UNNAMED_ACTORS))
    return create_model("Entities", __base__=_Draft, **fields, others=others)


def corrections_model(keys: list[str], choices: list[list[str]]) -> type[BaseModel]:
    """One correction per key; where the program has texts to offer, only those (or "")."""
    fields: dict[str, Any] = {}
    for key, options in zip(keys, choices, strict=True):
        item: type[CorrectionDraft] = CorrectionDraft
        if options:
            value = (_literal([*dict.fromkeys(options), ""]), ...)
            item = create_model(f"Correction{key}", __base__=CorrectionDraft, value=value)
        fields[key] = (item, ...)
    return create_model("Corrections", __base__=_Draft, **fields)


def keyed_items(draft: BaseModel, keys: list[str], item: type[DraftT]) -> dict[str, DraftT]:
    return {key: cast(item, getattr(draft, key)) for key in keys}  # type: ignore[valid-type]


def _literal(values: list[Any]) -> Any:
    return Literal.__getitem__(tuple(values))


@dataclass(frozen=True)
class Drafts:
    """Everything the model said about one article, keyed back to the document's candidates."""

    events: EventsDraft
    figures: dict[str, FigureDraft]
    entities: EntitiesDraft
    quotes: dict[str, QuoteDraft]
