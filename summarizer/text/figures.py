"""Numbers as the article writes them: digits, number words, ranges, qualifiers, vague amounts.

The program, not the model, reads every casualty figure. The model is shown the figures found
here and only says which are casualties, of whom, and on whose word; the count that reaches the
output is the one parsed from the text, so a number the article does not state cannot appear.
The grounding validator uses the same parser to check any count against its evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.core.lexicon import (
    ATTRIBUTION_CUES,
    BACKGROUND_CUES,
    CASUALTY_STEMS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    NOT_HEADCOUNT_UNITS,
    NUMBER_SCALES,
    NUMBER_TENS,
    NUMBER_UNITS,
    OUTCOME_STEMS,
    QUALIFIERS,
    VAGUE_AMOUNTS,
    WEEKDAYS,
    Unharmed,
    alternation,
)
from summarizer.core.taxonomy import Outcome, Qualifier

_NUMBER_WORD = "|".join(sorted([*NUMBER_UNITS, *NUMBER_TENS], key=len, reverse=True))
_SCALE = "|".join(NUMBER_SCALES)
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d+"
_MAX_DIGITS = 10
_NUMBER = (
    rf"(?:(?:{_DIGITS})(?:\.\d+)?(?:\s+(?:{_SCALE}))?"
    rf"|(?:an?\s+|half\s+a\s+)?(?:(?:{_NUMBER_WORD})(?:[-\s](?:{_NUMBER_WORD}))?)(?:\s+(?:{_SCALE}))*"
    rf"|an?\s+(?:{_SCALE})(?:\s+(?:{_SCALE}))*)"
)
_VAGUE_RX = "|".join(re.escape(w) for w in sorted(VAGUE_AMOUNTS, key=len, reverse=True))
_QUAL_RX = "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True))
_FIGURE = re.compile(
    rf"\b(?:(?P<qual>{_QUAL_RX})\s+)?"
    rf"(?:between\s+(?P<lo>{_NUMBER})\s+and\s+(?P<hi>{_NUMBER})"
    rf"|(?P<a>{_NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<b>{_NUMBER}))?"
    rf"|(?P<vague>{_VAGUE_RX}))\b",
    re.IGNORECASE,
)
_NOT_A_HEADCOUNT = re.compile(rf"^(?:-?\s*(?:{alternation(NOT_HEADCOUNT_UNITS)}))", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"(?:{alternation(MONTH_ABBREVIATIONS)})[a-z]*\.?\s*$", re.IGNORECASE)
_CASUALTY_WORDS = re.compile(rf"\b(?:{alternation(CASUALTY_STEMS)})", re.IGNORECASE)
_PHRASE_END = re.compile(r"[,;:.!?()]|\s--?\s|\s—")
_VICTIMS_END = re.compile(
    r"[,;:.!?()]|\s--?\s|\s—|\b(?:were|was|are|is|have|has|had|been|being|died|dead|killed|"
    r"wounded|injured|and|including|among|in|on|at|during|after|before|when|who|while|by|"
    r"from|to|as|with|said|says|according|reportedly)\b",
    re.IGNORECASE,
)
_OUTCOME_BEFORE = 40
_ADJACENT = 14
_JOINS = re.compile(r",|\b(?:and|or)\b")
_INSERTION = re.compile(r",\s*(?:including|among|of\s+whom|mostly|mainly|most\s+of)\b", re.IGNORECASE)
_CLAUSE_STOP = re.compile(
    r"[;:]|—|\s--?\s|,(?!\s*(?:including|among|of\s+whom|mostly|mainly|most\s+of)\b)"
    r"|\s(?:but|while|whereas)\s|\sand\s+(?:the\s+rest|the\s+others|others)\b",
    re.IGNORECASE,
)
_LISTING = re.compile(r"\b(?:and|or|including|among\s+them|among\s+whom|of\s+whom)\b", re.IGNORECASE)
_OUTCOME_WORDS = [(o, re.compile(rf"\b(?:{stems})", re.IGNORECASE)) for o, stems in OUTCOME_STEMS.items()]
_BACKGROUND = re.compile(
    "|".join(
        cue.format(weekdays=alternation(WEEKDAYS), months=alternation(MONTHS)) for cue in BACKGROUND_CUES
    ),
    re.IGNORECASE,
)
_AGGREGATE = re.compile(
    r"\b(?:have|has)\s+(?:been\s+)?(?:killed|fled|displaced|died|abducted)\b", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?=(?:and|but|while|bringing|making|when|after|as)\b)|\s+-{1,2}\s|—")
_OPENING_ADVERBIAL = re.compile(r"[^,]{1,40},")
_ATTRIBUTION = re.compile(rf"\b(?:{alternation(ATTRIBUTION_CUES)})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A parsed amount: ``low`` is None only for vague words that carry no number."""

    start: int
    end: int
    text: str
    low: int | None
    high: int | None
    qualifier: Qualifier


def find_quantities(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Every amount of people-or-things in ``text[start:end]`` (dates, ages, units excluded)."""
    stop = len(text) if end is None else end
    found: list[Quantity] = []
    for m in _FIGURE.finditer(text, start, stop):
        quantity = _quantity(m)
        if quantity is not None and not _excluded(text, quantity):
            found.append(quantity)
    return found


def is_background(text: str, quantity: Quantity, start: int, end: int) -> bool:
    """A figure given as background rather than counted in the events reported: a total over
    time or for another event ("since 2014", "last year", "in June", "two weeks after"),
    judged on its own clause and on an opening adverbial that governs the whole sentence."""
    breaks = list(_CLAUSE_BREAK.finditer(text, start, quantity.start))
    clause_start = breaks[-1].end() if breaks else start
    if breaks and text.startswith("when", clause_start):  # "since 2014, when ... seized 276"
        clause_start = breaks[-2].end() if len(breaks) > 1 else start
    after = _CLAUSE_BREAK.search(text, quantity.end, end)
    clause = text[clause_start : after.start() if after else end]
    if _BACKGROUND.search(clause) or (quantity.qualifier == "vague" and _AGGREGATE.search(clause)):
        return True
    opening = _OPENING_ADVERBIAL.match(text, start, end)
    return opening is not None and _BACKGROUND.search(opening[0]) is not None


def mentions_casualties(sentence: str) -> bool:
    return _CASUALTY_WORDS.search(sentence) is not None


def phrase_after(text: str, quantity: Quantity, limit: int, max_words: int = 7) -> str:
    """The figure with the words that follow it, up to punctuation: what the model is shown."""
    tail = text[quantity.end : limit]
    cut = _PHRASE_END.search(tail)
    if cut:
        tail = tail[: cut.start()]
    words = tail.split()[:max_words]
    return " ".join([quantity.text, *words]).strip()


def victims_after(text: str, quantity: Quantity, limit: int) -> str | None:
    """The people a figure counts, in the article's words: "40 masked men were" -> "masked men"."""
    tail = text[quantity.end : limit]
    cut = _VICTIMS_END.search(tail)
    words = (tail[: cut.start()] if cut else tail).split()[:6]
    if words[:1] == ["of"]:
        words = words[1:]
    return " ".join(words) or None


def attribution_between(text: str, start: int, end: int) -> bool:
    """Whether a reporting verb ("said", "according to") stands in ``text[start:end]``."""
    return _ATTRIBUTION.search(text, start, end) is not None


def outcome_near(text: str, quantity: Quantity, start: int, end: int) -> Outcome | Unharmed | None:
    """What the words of a figure's own clause say happened to those it counts: "12 people
    were killed", "killing four", "freed three" (unharmed); a figure listed with the one before
    it ("among them nine police and two children") shares that one's outcome. None when the
    clause states no outcome at all. ``start``/``end`` bound the sentence."""
    previous: tuple[Quantity, Outcome | Unharmed | None] | None = None
    for q in find_quantities(text, start, end):
        found = _stated_outcome(text, q, start, end)
        if found is None and previous is not None and _listed_with(text, previous[0], q):
            found = previous[1]
        if q.start == quantity.start:
            return found
        previous = (q, found)
    return _stated_outcome(text, quantity, start, end)


def _stated_outcome(text: str, q: Quantity, start: int, end: int) -> Outcome | Unharmed | None:
    """In order: a verb right before the figure ("killing four"), the nearest outcome word
    after it before the clause stops ("12 people were killed"), one shortly before it."""
    adjacent = max(start, q.start - _ADJACENT)
    near_before = [
        (at, o) for at, o in _outcome_words(text, adjacent, q.start) if not _JOINS.search(text, at, q.start)
    ]
    if near_before:
        return near_before[-1][1]
    after = _outcome_words(text, q.end, _clause_end(text, q.end, end))
    if after:
        return after[0][1]
    before = _outcome_words(text, max(start, q.start - _OUTCOME_BEFORE), q.start)
    return before[-1][1] if before else None


def _clause_end(text: str, position: int, end: int) -> int:
    """Where a figure's clause stops, reading through an inserted ", including two children,"."""
    opened = position
    for stop in _CLAUSE_STOP.finditer(text, position, end):
        if stop[0] == "," and _INSERTION.search(text, opened, stop.start()):
            opened = stop.end()  # the comma that closes the insertion
            continue
        return stop.start()
    return end


def _outcome_words(text: str, start: int, end: int) -> list[tuple[int, Outcome | Unharmed]]:
    return sorted((m.start(), o) for o, p in _OUTCOME_WORDS for m in p.finditer(text, start, end))


def _listed_with(text: str, first: Quantity, second: Quantity) -> bool:
    """ "nine police and two children", "12 people, including two children": one list, one fate."""
    gap = text[first.end : second.start]
    return len(gap.split()) <= 4 and _LISTING.search(gap) is not None


def _quantity(m: re.Match[str]) -> Quantity | None:
    qualifier: Qualifier = QUALIFIERS[m["qual"].lower()] if m["qual"] else "exact"
    if m["vague"]:
        return Quantity(m.start(), m.end(), m[0], VAGUE_AMOUNTS[m["vague"].lower()], None, "vague")
    low_text, high_text = (m["lo"], m["hi"]) if m["lo"] else (m["a"], m["b"])
    low = number_value(low_text)
    high = number_value(high_text) if high_text else None
    if low is None or (high_text and (high is None or high <= low)):
        return None
    return Quantity(m.start(), m.end(), m[0], low, high, qualifier)


def number_value(words: str) -> int | None:
    """The integer a number written in digits or English words stands for."""
    cleaned = words.strip().lower().replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?(?:\s+\w+)?", cleaned):
        head, _, scale = cleaned.partition(" ")
        if len(head.partition(".")[0]) > _MAX_DIGITS:
            return None  # no headcount has this many digits: a serial number, or an attack
        if scale and scale not in NUMBER_SCALES:
            return None
        return int(float(head) * NUMBER_SCALES.get(scale, 1))
    tokens = [t for t in re.split(r"[-\s]+", cleaned) if t]
    halve = tokens[:2] == ["half", "a"]
    if halve:
        tokens = tokens[2:]
    elif tokens[:1] in (["a"], ["an"]):
        tokens = tokens[1:]
    if not tokens:
        return None
    total, current = 0, 0
    for token in tokens:
        if token in NUMBER_SCALES or token == "dozen":
            current = max(current, 1) * NUMBER_SCALES.get(token, 12)
            if current >= 1_000:
                total, current = total + current, 0
        elif token in NUMBER_UNITS or token in NUMBER_TENS:
            current += NUMBER_UNITS.get(token, 0) + NUMBER_TENS.get(token, 0)
        else:
            return None
    value = total + current
    return value // 2 if halve else value


def _excluded(text: str, q: Quantity) -> bool:
    after = text[q.end : q.end + 12]
    before = text[max(0, q.start - 12) : q.start]
    if _NOT_A_HEADCOUNT.match(after.lstrip()) or before.rstrip().endswith(("$", "€", "£", "#")):
        return True
    if q.qualifier != "vague" and _MONTH_BEFORE.search(before):
        return True  # "May 18"
    if q.text.lower() == "one" and re.match(r"\s+of\b", after):
        return True  # "one of the worst", "one of them": an idiom, not a headcount
    if (
        q.qualifier == "vague"
        and q.low is None
        and (
            re.match(r"\s+of\s+(?:the|its|his|her|their|them|those|these)\b", after)
            or before.endswith("how ")
        )
    ):
        return True  # "many of the wounded", "how many": no count at all
    bare_year = re.fullmatch(r"(?:1[89]|20)\d\d", q.text.strip())
    return bool(bare_year) or after.startswith(("-year", "-month", "-day", "-week"))
