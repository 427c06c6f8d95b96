"""Date expressions: found in the text by the program, resolved against the publication date.

The model only picks which expression dates the event; the words, their span and the ISO date
all come from here, so a date the article does not give cannot be produced. dateparser does the
calendar arithmetic; the ISO form carries the expression's own precision ("2013-05" for
"last month", "2013-W20" for "last week") rather than inventing a day.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass

from summarizer.core.lexicon import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS, alternation
from summarizer.core.taxonomy import Precision

_WEEKDAY = alternation(WEEKDAYS)
_MONTH_NAMES = alternation(MONTHS)
_MONTH = rf"(?:{_MONTH_NAMES}|{alternation(MONTH_ABBREVIATIONS)})\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d\d"

_PATTERNS: tuple[tuple[Precision, str], ...] = (
    ("day", rf"(?:(?:{_WEEKDAY}),?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
    ("day", rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
    ("day", r"\d{4}-\d{2}-\d{2}"),
    ("day", rf"(?:{_WEEKDAY})(?:\s+(?:morning|afternoon|evening|night))?"),
    (
        "day",
        r"(?:earlier\s+|later\s+)?today|tonight|yesterday(?:\s+(?:morning|afternoon|evening))?"
        r"|this\s+(?:morning|afternoon|evening)|last\s+night|overnight",
    ),
    ("week", r"(?:last|this|earlier\s+this|next)\s+week(?:end)?"),
    ("month", r"(?:last|this|earlier\s+this|next)\s+month"),
    ("month", rf"(?:{_MONTH_NAMES})\s+{_YEAR}"),
    ("year", r"(?:last|this|next)\s+year"),
)
_FINDERS = [(p, re.compile(rf"\b(?:{rx})\b", re.IGNORECASE)) for p, rx in _PATTERNS]
_SAME_DAY = re.compile(r"^(?:(?:earlier|later)\s+)?today$|^tonight$|^this\s+", re.IGNORECASE)
_UNANCHORED = re.compile(r"^overnight$", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    precision: Precision


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Non-overlapping date expressions in ``text[start:end]``, longest first where they meet."""
    stop = len(text) if end is None else end
    found: list[DateMention] = []
    for precision, finder in _FINDERS:
        for m in finder.finditer(text, start, stop):
            if not any(m.start() < d.end and d.start < m.end() for d in found):
                found.append(DateMention(m.start(), m.end(), m[0], precision))
    return sorted(found, key=lambda d: d.start)


def resolve(expression: str, precision: Precision, published: dt.date | None) -> str | None:
    """The ISO form of an expression at its precision, or None when the text does not fix it."""
    words = " ".join(expression.split())
    if _UNANCHORED.match(words):
        return None
    has_year = re.search(rf"\b{_YEAR}\b", words) is not None
    if published is None and not has_year:
        return None
    if published is not None and precision == "day" and _SAME_DAY.match(words):
        return published.isoformat()
    day = _same_weekday(words, published) or _dateparser_date(words, published)
    if day is None:
        return None
    return _iso_at(day, precision)


def _same_weekday(words: str, published: dt.date | None) -> dt.date | None:
    """A weekday named on its own publication day means that day (dateparser goes back a week)."""
    first = words.split(maxsplit=1)[0].lower().rstrip(",")
    if published is not None and first in WEEKDAYS and WEEKDAYS.index(first) == published.weekday():
        return published
    return None


def _dateparser_date(words: str, published: dt.date | None) -> dt.date | None:
    import dateparser  # imported late: it takes a second to load and most runs need it once

    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if published is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(published, dt.time(12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dateparser.parse(words, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


def _iso_at(day: dt.date, precision: Precision) -> str | None:
    if precision == "day":
        return day.isoformat()
    if precision == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if precision == "month":
        return f"{day.year}-{day.month:02d}"
    if precision == "year":
        return str(day.year)
    return None
