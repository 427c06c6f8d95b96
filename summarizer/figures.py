"""Numbers as the article writes them: digits, number words, ranges, qualifiers, vague amounts.

The program, not the model, reads every casualty figure. The model is shown the figures found
here and only says which are casualties, of whom, and on whose word; the count that reaches the
output is the one parsed from the text, so a number the article does not state cannot appear.
The grounding validator uses the same parser to check any count against its evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.taxonomy import Outcome, Qualifier

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "dozen": 12,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
# ACLED codes the most conservative reading of a vague amount: "tens" 10, "dozens" 12,
# "hundreds" 100. Words with no number in them at all get no count.
_VAGUE = {
    "tens": 10, "dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1_000,
    "several": None, "many": None, "numerous": None, "a few": None,
}  # fmt: skip
_QUALIFIERS: dict[str, Qualifier] = {
    "at least": "at_least", "no fewer than": "at_least", "a minimum of": "at_least",
    "more than": "more_than", "over": "more_than", "upwards of": "more_than",
    "in excess of": "more_than",
    "about": "about", "around": "about", "approximately": "about", "roughly": "about",
    "nearly": "about", "almost": "about", "some": "about", "an estimated": "about",
    "close to": "about", "estimated": "about",
    "up to": "up_to", "as many as": "up_to", "at most": "up_to", "fewer than": "up_to",
    "less than": "up_to", "under": "up_to",
}  # fmt: skip

_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_SCALE = "|".join(_SCALES)
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d+"
_NUMBER = (
    rf"(?:(?:{_DIGITS})(?:\.\d+)?(?:\s+(?:{_SCALE}))?"
    rf"|(?:an?\s+|half\s+a\s+)?(?:(?:{_WORD})(?:[-\s](?:{_WORD}))?)(?:\s+(?:{_SCALE}))*"
    rf"|an?\s+(?:{_SCALE})(?:\s+(?:{_SCALE}))*)"
)
_VAGUE_RX = "|".join(re.escape(w) for w in sorted(_VAGUE, key=len, reverse=True))
_QUAL_RX = "|".join(re.escape(q) for q in sorted(_QUALIFIERS, key=len, reverse=True))
_FIGURE = re.compile(
    rf"\b(?:(?P<qual>{_QUAL_RX})\s+)?"
    rf"(?:between\s+(?P<lo>{_NUMBER})\s+and\s+(?P<hi>{_NUMBER})"
    rf"|(?P<a>{_NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<b>{_NUMBER}))?"
    rf"|(?P<vague>{_VAGUE_RX}))\b",
    re.IGNORECASE,
)
_NOT_A_HEADCOUNT = re.compile(
    r"^(?:-?\s*(?:years?|year-old|months?|weeks?|days?|hours?|minutes?|seconds?|miles?|km|"
    r"kilomet(?:er|re)s?|met(?:er|re)s?|feet|foot|percent|per\s+cent|%|times|dollars?|euros?|"
    r"pounds?|tons?|tonnes?|a\.m\.|p\.m\.|am\b|pm\b|o'clock|:\d|st\b|nd\b|rd\b|th\b|"
    r"kg|kilograms?|litres?|liters?|acres?|hectares?))",
    re.IGNORECASE,
)
_MONTH_BEFORE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.IGNORECASE
)
_CASUALTY_WORDS = re.compile(
    r"\b(?:kill|dead|death|died|die|dying|wound|injur|hurt|casualt|missing|abduct|kidnap|"
    r"captur|prisoner|hostage|detain|arrest|displac|fled|flee|homeless|bod(?:y|ies)|massacr|"
    r"execut|slain|lost\s+their\s+lives|toll|fatalit|victim|shot|behead|disappear|perish)",
    re.IGNORECASE,
)
_PHRASE_END = re.compile(r"[,;:.!?()]|\s--?\s|\s—")
_VICTIMS_END = re.compile(
    r"[,;:.!?()]|\s--?\s|\s—|\b(?:were|was|are|is|have|has|had|been|being|died|dead|killed|"
    r"wounded|injured|and|including|among|in|on|at|during|after|before|when|who|while|by|"
    r"from|to|as|with|said|says|according|reportedly)\b",
    re.IGNORECASE,
)
_OUTCOME_AFTER, _OUTCOME_BEFORE = 70, 40
_OUTCOME_STEMS: dict[Outcome, str] = {
    "killed": r"kill|dead\b|died|die\b|dying|deaths?\b|slain|massacr|execut|perish|"
    r"lost\s+their\s+lives|fatalit|bodies",
    "injured": r"wound|injur|hurt",
    "missing": r"missing|disappear|unaccounted",
    "captured": r"captur|abduct|kidnap|arrest|detain|taken\s+prisoner|hostage",
    "displaced": r"displac|fled|flee|homeless|evacuat|refugee",
}
_OUTCOME_WORDS = [(o, re.compile(rf"\b(?:{stems})", re.IGNORECASE)) for o, stems in _OUTCOME_STEMS.items()]
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|reported|reports|claimed|claims|stated|announced|added|"
    r"according\s+to|quoted|cited|estimated|confirmed)\b",
    re.IGNORECASE,
)


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
    """The people a figure counts, in the article's words: "100 armed men were" -> "armed men"."""
    tail = text[quantity.end : limit]
    cut = _VICTIMS_END.search(tail)
    words = (tail[: cut.start()] if cut else tail).split()[:6]
    if words[:1] == ["of"]:
        words = words[1:]
    return " ".join(words) or None


def attribution_between(text: str, start: int, end: int) -> bool:
    """Whether a reporting verb ("said", "according to") stands in ``text[start:end]``."""
    return _ATTRIBUTION.search(text, start, end) is not None


def outcome_near(text: str, quantity: Quantity, start: int, end: int) -> Outcome | None:
    """What the words nearest a figure say happened to those it counts ("52 people were
    killed", "killing four", "wounding 12"), looked for in ``text[start:end]``."""
    best: tuple[int, Outcome] | None = None
    for outcome, pattern in _OUTCOME_WORDS:
        for m in pattern.finditer(text, start, end):
            after = m.start() >= quantity.end
            distance = m.start() - quantity.end if after else quantity.start - m.end()
            if distance < 0 or distance > (_OUTCOME_AFTER if after else _OUTCOME_BEFORE):
                continue
            if best is None or distance < best[0]:
                best = (distance, outcome)
    return best[1] if best else None


def _quantity(m: re.Match[str]) -> Quantity | None:
    qualifier: Qualifier = _QUALIFIERS[m["qual"].lower()] if m["qual"] else "exact"
    if m["vague"]:
        return Quantity(m.start(), m.end(), m[0], _VAGUE[m["vague"].lower()], None, "vague")
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
        if scale and scale not in _SCALES:
            return None
        return int(float(head) * _SCALES.get(scale, 1))
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
        if token in _SCALES or token == "dozen":
            current = max(current, 1) * _SCALES.get(token, 12)
            if current >= 1_000:
                total, current = total + current, 0
        elif token in _UNITS or token in _TENS:
            current += _UNITS.get(token, 0) + _TENS.get(token, 0)
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
    bare_year = re.fullmatch(r"(?:1[89]|20)\d\d", q.text.strip())
    return bool(bare_year) or after.startswith(("-year", "-month", "-day", "-week"))
