"""Support checks: is each value *supported* by its evidence, not merely located?

Pure functions over the article, one per kind of value. Each returns None when the value holds,
or the reason it does not, in words fit for a person and for a re-ask prompt. They do not care
where a record came from (this package's pipeline, another extractor, a hand-written file), so
the validator can be trusted on its own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from summarizer.core.lexicon import NOT_NAMES
from summarizer.core.types import CLAIMANT, SPEAKER, Credit
from summarizer.records.contract import Casualty, EventDate, Evidence, Quote
from summarizer.text.alignment import TextIndex
from summarizer.text.attribution import Source, source_of
from summarizer.text.dates import resolve
from summarizer.text.figures import Quantity, find_quantities
from summarizer.text.names import names_agree, names_match
from summarizer.text.sentences import Sentence, sentence_at

_NUMERAL = re.compile(r"\d(?:[\d,.]*\d)?")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:al-|bin\s+|de\s+|of\s+)?[A-Z][\w'’-]*)*")


@dataclass(frozen=True)
class Claim:
    """Where a casualty's figure stands in the text, found by re-reading its evidence."""

    quantity: Quantity
    sentence: Sentence


def find_claim(text: str, sentences: list[Sentence], casualty: Casualty) -> Claim | Quantity | None:
    """The figure in the evidence with this count: a `Claim` when the qualifier agrees too, the
    bare `Quantity` when only the qualifier differs, None when the count is not there at all."""
    same_count: Quantity | None = None
    for evidence in casualty.evidence:
        for q in find_quantities(text, evidence.start, evidence.end):
            if (q.low, q.high) != (casualty.count_low, casualty.count_high):
                continue
            sentence = sentence_at(sentences, q.start)
            if q.qualifier == casualty.qualifier and sentence is not None:
                return Claim(q, sentence)
            same_count = same_count or q
    return same_count


def count_reason(casualty: Casualty) -> str:
    count = (
        casualty.count_low if casualty.count_high is None else f"{casualty.count_low}-{casualty.count_high}"
    )
    return f"count {count} not found in the evidence"


def claimant_reason(text: str, sentences: list[Sentence], claim: Claim, claimant: str) -> str | None:
    span = (claim.quantity.start, claim.quantity.end)
    return credit_reason(text, sentences, claim.sentence, span, claimant, credit=CLAIMANT)


def claim_source(text: str, sentences: list[Sentence], claim: Claim) -> Source | None:
    return source_of(text, sentences, claim.sentence, claim.quantity.start, claim.quantity.end)


def victims_reason(text: str, casualty: Casualty) -> str | None:
    if not casualty.victims:
        return None
    if any(_within(text, e, casualty.victims) for e in casualty.evidence):
        return None
    return f"victims {casualty.victims!r} not found in the evidence"


def name_reason(text: str, name: str, evidence: list[Evidence], what: str) -> str | None:
    """A name must be its evidence's words, allowing aliases ("Lebanon's Hezbollah" for
    "Hezbollah", "Lebanese" for "Lebanon") and spelling variants ("Qusair", "Qusayr")."""
    if not evidence:
        return f"{what} {name!r} has no evidence"
    if any(names_match(name, text[e.start : e.end]) for e in evidence):
        return None
    shown = " ".join(text[evidence[0].start : evidence[0].end].split())
    return f"{what} {name!r} is not what its evidence says ({shown!r})"


def date_reason(text: str, date: EventDate) -> str | None:
    if date.text is None:
        return None
    if not any(_within(text, e, date.text) for e in date.evidence):
        return f"date {date.text!r} not found in its evidence"
    return None


def date_iso(date: EventDate, published: dt.date | None) -> str | None:
    """The ISO date the expression and the publication date give (what ``iso`` must be)."""
    return resolve(date.text, date.precision, published) if date.text else None


def quote_reason(text: str, quote: Quote) -> str | None:
    if not quote.evidence or not _within(text, quote.evidence[0], quote.text):
        return f"quote {_short(quote.text)!r} is not in the article"
    return None


def speaker_reason(text: str, sentences: list[Sentence], quote: Quote) -> str | None:
    if quote.speaker is None:
        return None
    span = (quote.evidence[0].start, quote.evidence[0].end)
    sentence = sentence_at(sentences, span[0])
    if sentence is None:
        return f"speaker {quote.speaker!r}: the quote is outside the article's sentences"
    return credit_reason(text, sentences, sentence, span, quote.speaker, credit=SPEAKER)


def credit_reason(
    text: str,
    sentences: list[Sentence],
    sentence: Sentence,
    span: tuple[int, int],
    name: str,
    *,
    credit: Credit,
) -> str | None:
    """Whoever a figure or a quote is credited to must be who its reporting frame names ("…,
    the Observatory said"), or, where there is no frame, be named in its sentence or the few
    before it ("He claimed that …" after the soldier was introduced)."""
    source = source_of(text, sentences, sentence, *span)
    if source is not None:
        return None if names_agree(name, source.text) else credit.mismatch(name, source.text)
    first = sentences[max(0, sentence.number - 1 - credit.lookback)].start
    if TextIndex(text[first : sentence.end]).align(name) is not None:
        return None
    return credit.not_near(name)


def summary_reason(index: TextIndex, summary: str, trusted: list[Sentence]) -> str | None:
    """Every number and every proper name in the summary must occur in the article."""
    stated = {q.low for s in trusted for q in find_quantities(index.text, s.start, s.end)}
    numerals = {_numeral(m) for s in trusted for m in _NUMERAL.findall(s.text)}
    for q in find_quantities(summary):
        if q.low is not None and q.low not in stated:
            return f"the summary says {q.text!r}, a number the article does not state"
    for written in _NUMERAL.findall(summary):  # dates, years and the rest: each numeral whole
        if _numeral(written) not in numerals:
            return f"the summary says {written!r}, a number the article does not state"
    for m in _CAPITALISED.finditer(summary):
        name = m[0]
        if name in NOT_NAMES or (m.start() == 0 and " " not in name):
            continue
        if not _name_in(index, name, trusted):
            return f"the summary names {name!r}, which the article does not"
    return None


def _numeral(written: str) -> str:
    """A numeral without its thousands commas: "1,500" and "1500" are one number."""
    return written.replace(",", "")


def _name_in(index: TextIndex, name: str, trusted: list[Sentence]) -> bool:
    found = index.align(name)
    if found is None:
        return False
    return any(s.start <= found.start < s.end for s in trusted)


def _within(text: str, evidence: Evidence, words: str) -> bool:
    return TextIndex(text[evidence.start : evidence.end]).align(words) is not None


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57].rstrip() + "…"
