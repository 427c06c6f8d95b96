"""Support checks: is each value *supported* by its evidence, not merely located?

Pure functions over the analysed article, one per kind of value. Each returns None when the
value holds, or a `Refusal`: a code for machines and a reason in words fit for a person and for
a re-ask prompt. They do not care where a record came from (this package's pipeline, a re-ask,
another extractor, a hand-written file), so the validator can be trusted on its own. Text that
addresses the reader (`Document.addresses_reader`) supports nothing: not as evidence, not as
the place a claimant or a speaker is named.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from summarizer.core.lexicon import NOT_NAMES
from summarizer.core.types import CLAIMANT, SPEAKER, Credit, Refusal
from summarizer.records.contract import Casualty, EventDate, Evidence, Quote
from summarizer.text.alignment import TextIndex
from summarizer.text.attribution import Source, in_reporting_frame, source_of
from summarizer.text.dates import resolve
from summarizer.text.document import Document, words_of
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

    @property
    def span(self) -> tuple[int, int]:
        return self.quantity.start, self.quantity.end


def injected(doc: Document, evidence: list[Evidence], what: str) -> Refusal | None:
    """Evidence must be reporting: a value with any span in text that addresses the reader
    (or outside every sentence) is not supported."""
    if any(not doc.is_trusted(e.start, e.end) for e in evidence):
        return Refusal(
            "injected", f"the {what} comes from text that addresses the reader (instructions), not reporting"
        )
    return None


def find_claim(doc: Document, casualty: Casualty) -> Claim | Quantity | None:
    """The figure in the evidence with this count: a `Claim` when the qualifier agrees too, the
    bare `Quantity` when only the qualifier differs, None when the count is not there at all."""
    same_count: Quantity | None = None
    for evidence in casualty.evidence:
        for q in find_quantities(doc.text, evidence.start, evidence.end):
            if (q.low, q.high) != (casualty.count_low, casualty.count_high):
                continue
            sentence = sentence_at(doc.sentences, q.start)
            if q.qualifier == casualty.qualifier and sentence is not None:
                return Claim(q, sentence)
            same_count = same_count or q
    return same_count


def count_refusal(casualty: Casualty) -> Refusal:
    low, high = casualty.count_low, casualty.count_high
    count = low if high is None else f"{low}-{high}"
    return Refusal("not_supported", f"count {count} not found in the evidence")


def claim_source(doc: Document, claim: Claim) -> Source | None:
    """Who the reporting frame credits with the figure, read by the program."""
    return source_of(doc.text, doc.sentences, claim.sentence, *claim.span, skip=doc.addresses_reader)


def claimant_refusal(doc: Document, claim: Claim, claimant: str) -> Refusal | None:
    return credit_refusal(doc, claim.sentence, claim.span, claimant, credit=CLAIMANT)


def victims_refusal(text: str, casualty: Casualty) -> Refusal | None:
    if not casualty.victims:
        return None
    if any(_within(text, e, casualty.victims) for e in casualty.evidence):
        return None
    return Refusal("not_supported", f"victims {casualty.victims!r} not found in the evidence")


def name_refusal(text: str, name: str, evidence: list[Evidence], what: str) -> Refusal | None:
    """A name must be its evidence's words, allowing aliases ("Kenya's army" for "army",
    "Kenyan" for "Kenya") and spelling variants ("Falluja", "Fallujah")."""
    if not evidence:
        return Refusal("not_supported", f"{what} {name!r} has no evidence")
    if any(names_match(name, text[e.start : e.end]) for e in evidence):
        return None
    shown = " ".join(text[evidence[0].start : evidence[0].end].split())
    return Refusal("not_supported", f"{what} {name!r} is not what its evidence says ({shown!r})")


def date_refusal(text: str, date: EventDate) -> Refusal | None:
    if date.text is None:
        return None
    if not date.evidence or not any(_within(text, e, date.text) for e in date.evidence):
        return Refusal("not_supported", f"date {date.text!r} not found in its evidence")
    return None


def date_iso(date: EventDate, published: dt.date | None) -> str | None:
    """The ISO date the expression and the publication date give (what ``iso`` must be)."""
    return resolve(date.text, date.precision, published) if date.text else None


def quote_refusal(text: str, quote: Quote) -> Refusal | None:
    if not quote.evidence or not _within(text, quote.evidence[0], quote.text):
        return Refusal("not_supported", f"quote {_short(quote.text)!r} is not in the article")
    return None


def speaker_refusal(doc: Document, quote: Quote) -> Refusal | None:
    if quote.speaker is None:
        return None
    span = (quote.evidence[0].start, quote.evidence[0].end)
    sentence = sentence_at(doc.sentences, span[0])
    if sentence is None:
        reason = f"speaker {quote.speaker!r}: the quote is outside the article's sentences"
        return Refusal("not_supported", reason)
    return credit_refusal(doc, sentence, span, quote.speaker, credit=SPEAKER)


def credit_refusal(
    doc: Document, sentence: Sentence, span: tuple[int, int], name: str, *, credit: Credit
) -> Refusal | None:
    """Whoever a figure or a quote is credited to must be who its reporting frame names ("…,
    the council said"), or, where there is no frame, be named as a source (next to a reporting
    verb) in its sentence or the few reporting sentences before it ("The nurse told
    reporters…" then "Nine were hurt"). Someone who is only named nearby, as the doer of what
    is reported ("soldiers detained 30 traders"), does not give the figure."""
    source = source_of(doc.text, doc.sentences, sentence, *span, skip=doc.addresses_reader)
    if source is not None:
        return None if names_agree(name, source.text) else credit.mismatch(name, source.text)
    first = max(1, sentence.number - credit.lookback)
    named = False
    for number in range(first, sentence.number + 1):
        near = doc.sentence(number)
        found = TextIndex(near.text).align(name) if number not in doc.addresses_reader else None
        if found is not None:
            named = True
            start, end = near.start + found.start, near.start + found.end
            if not credit.framed or in_reporting_frame(doc.text, start, end, near):
                return None
    return credit.not_a_source(name) if named else credit.not_near(name)


def credit_region(doc: Document, sentence: Sentence, credit: Credit) -> tuple[int, int]:
    """The sentences where the one credited with a claim may be named when no frame names them."""
    first = max(1, sentence.number - credit.lookback)
    return doc.sentence(first).start, sentence.end


def summary_refusal(doc: Document, summary: str) -> Refusal | None:
    """Every number and every proper name in the summary must occur in the reporting text, and
    no word in it may come only from text that addresses the reader."""
    trusted = doc.trusted
    stated = {q.low for s in trusted for q in find_quantities(doc.text, s.start, s.end)}
    numerals = {_numeral(m) for s in trusted for m in _NUMERAL.findall(s.text)}
    for q in find_quantities(summary):
        if q.low is not None and q.low not in stated:
            return _unsupported(f"the summary says {q.text!r}, a number the article does not state")
    for written in _NUMERAL.findall(summary):  # dates, years and the rest: each numeral whole
        if _numeral(written) not in numerals:
            return _unsupported(f"the summary says {written!r}, a number the article does not state")
    for m in _CAPITALISED.finditer(summary):
        name = m[0]
        if name in NOT_NAMES or (m.start() == 0 and " " not in name):
            continue
        if doc.find(name) is None:
            return _unsupported(f"the summary names {name!r}, which the article does not")
    borrowed = sorted(words_of(summary) & doc.untrusted_words)
    if borrowed:
        reason = f"the summary uses {borrowed[0]!r}, a word only the text that addresses the reader uses"
        return Refusal("injected", reason)
    return None


def _unsupported(reason: str) -> Refusal:
    return Refusal("summary_unsupported", reason)


def _numeral(written: str) -> str:
    """A numeral without its thousands commas: "1,500" and "1500" are one number."""
    return written.replace(",", "")


def _within(text: str, evidence: Evidence, words: str) -> bool:
    return TextIndex(text[evidence.start : evidence.end]).align(words) is not None


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57].rstrip() + "…"
