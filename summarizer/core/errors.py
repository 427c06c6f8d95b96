"""The package's exceptions: one root, one subclass per kind of failure a caller must tell apart.

The CLI turns them into exit codes and the HTTP service into status codes, each in one place;
nothing below the shells prints a traceback for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class SummarizerError(Exception):
    """Root of every error this package raises on purpose."""

    code = "error"


class InputError(SummarizerError):
    """The article itself cannot be used: missing, unreadable, not text, empty or too long."""

    code = "input_error"


class ConfigError(SummarizerError):
    """The tool is set up wrongly: a bad option, a missing or corrupt model file."""

    code = "config_error"


class ModelError(SummarizerError):
    """The model failed, timed out or kept returning unusable output after every retry.

    Carries the provider name so that a batch report can say which backend failed.
    """

    code = "model_failed"

    def __init__(self, message: str, *, provider: str = "", attempts: int = 0) -> None:
        super().__init__(message)
        self.provider = provider
        self.attempts = attempts


class DeadlineExceeded(ModelError):  # noqa: N818 (a condition, like TimeoutError's kin)
    """The caller's deadline for the whole article passed; nothing more is tried."""

    code = "timeout"


class Cancelled(DeadlineExceeded):
    """The caller ended the work early (its client went away, the service is stopping); like a
    deadline that passed, it stops the work at its next check."""

    code = "cancelled"


class InternalError(SummarizerError):
    """A fault of this program on one article (a bug, not the input's or the model's fault).

    Raised in place of whatever escaped, so that one article's failure is that article's
    error record, and the other articles of a run or a batch go on."""

    code = "internal_error"


class TransientModelError(ModelError):
    """A failure worth retrying as is (a local generation that ran past its time limit)."""

    code = "model_timeout"


def one_line(errors: Sequence[Mapping[str, Any]], *, drop: str = "", most: int = 3) -> str:
    """Validation errors (pydantic's, FastAPI's) as a person reads them in a message: "where:
    what" for the first few, how many more, and no boilerplate. ``drop`` leaves out a location
    part (FastAPI's "body")."""
    problems = []
    for error in errors[:most]:
        where = ".".join(str(part) for part in error["loc"] if part != drop)
        what = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {what}" if where else what)
    more = len(errors) - most
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
