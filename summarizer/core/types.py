"""Value types that pass between stages: a refusal and where a re-asked value would go, a hint
for a re-ask, and who a claim is credited to.

They live in the leaf so that parsing, the model's re-ask and grounding can all name them
without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from summarizer.core.taxonomy import ActorKind, ActorRole, LocationRole, RejectionCode


@dataclass(frozen=True)
class Hint:
    """The closest text to a value that was not found: what a re-ask shows the model."""

    text: str
    sentence: int
    score: float


@dataclass(frozen=True)
class Credit:
    """Crediting a figure or a quote to who gives it: the field, what it is credited for, how
    many sentences back the one credited may be named when no reporting frame names them, and
    whether they must then stand beside a reporting verb (a figure's claimant must: the police
    who "detained 30 traders" are not the ones who count them; a quote's speaker is often
    introduced in the sentence before, without one)."""

    role: str
    what: str
    lookback: int
    framed: bool

    def mismatch(self, name: str, framed: str) -> Refusal:
        reason = f"{self.role} {name!r} but the text attributes the {self.what} to {framed!r}"
        return Refusal("misattributed", reason)

    def not_a_source(self, name: str) -> Refusal:
        reason = f"{self.role} {name!r} is named near the {self.what}, but not beside a reporting verb"
        return Refusal("not_a_source", reason)

    def not_near(self, name: str) -> Refusal:
        return Refusal("not_near", f"{self.role} {name!r} is not named near the {self.what}")


CLAIMANT = Credit("claimant", "figure", lookback=2, framed=True)
SPEAKER = Credit("speaker", "quote", lookback=1, framed=False)


@dataclass(frozen=True)
class Refusal:
    """Why a value is not supported: a code for machines and a reason for people (and for a
    re-ask prompt)."""

    code: RejectionCode
    reason: str


@dataclass(frozen=True)
class PlaceSlot:
    """Where a re-asked place would go: the event, the role, and the sentences to look in."""

    event: int
    role: LocationRole
    region: tuple[int, int] | None


@dataclass(frozen=True)
class ActorSlot:
    """Where a re-asked actor would go (the main event's actors), as the model ranked it."""

    kind: ActorKind
    role: ActorRole
    position: int


@dataclass(frozen=True)
class CreditSlot:
    """Who gives a figure or says a quote: the claim's span (``anchor``) in an event, and the
    sentences where the one credited may be named."""

    credit: Credit
    event: int
    anchor: tuple[int, int]
    region: tuple[int, int]


@dataclass(frozen=True)
class SummarySlot:
    event: int


Slot = PlaceSlot | ActorSlot | CreditSlot | SummarySlot


@dataclass
class Problem:
    """A value that failed a check, on its way to being a rejection. A problem with a ``slot``
    may be fixed by asking the model again: the answer is a candidate value for that slot,
    placed and checked like any other; one without (a count, for one, is never the model's to
    give) is final."""

    path: str
    label: str
    value: Any
    code: RejectionCode
    reason: str
    hints: list[Hint] = field(default_factory=list)
    slot: Slot | None = None

    @classmethod
    def of(cls, path: str, label: str, value: Any, refusal: Refusal, **more: Any) -> Problem:
        return cls(path, label, value, refusal.code, refusal.reason, **more)
