"""Value types that pass between stages: a refusal in the making, a hint for a re-ask, and who
a claim is credited to.

They live in the leaf so that parsing, the model's re-ask and grounding can all name them
without importing one another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hint:
    """The closest text to a value that was not found: what a re-ask shows the model."""

    text: str
    sentence: int
    score: float


@dataclass(frozen=True)
class Credit:
    """Crediting a figure or a quote to who gives it: the field, what it is credited for, and
    how many sentences back the one credited may be named when no reporting frame names them."""

    role: str
    what: str
    lookback: int

    def mismatch(self, name: str, framed: str) -> str:
        return f"{self.role} {name!r} but the text attributes the {self.what} to {framed!r}"

    def not_near(self, name: str) -> str:
        return f"{self.role} {name!r} is not named near the {self.what}"


CLAIMANT = Credit("claimant", "figure", lookback=2)
SPEAKER = Credit("speaker", "quote", lookback=1)


@dataclass
class Problem:
    """A value that failed a check. ``retry`` tries a corrected value from a re-ask and
    returns None when it is accepted (and installed), else the new reason; a problem without
    ``retry`` cannot be fixed by asking (a count, for one, is never the model's to give)."""

    path: str
    label: str
    value: Any
    reason: str
    hints: list[Hint] = field(default_factory=list)
    retry: Callable[[str], str | None] | None = None
