"""Who says a claim: the source named in the reporting frame around a quote or a figure.

News prose attributes in a few fixed shapes, and reading them is more reliable than a small
model's guess: ``"…," a nurse told``, ``"…," said Amina Yusuf``, ``medics said that
12 …``, ``according to the council``, and ``he said`` pointing back to the person named in
the sentence before. The result is always a span of the article. The parser uses it to fill a
speaker or claimant and the grounding validator to check one given by anyone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.core.lexicon import (
    CLAUSE_BOUNDARIES,
    NOT_REPORTING_AFTER,
    PRONOUNS,
    REPORTING_VERBS,
    TOLL_WORDS,
    alternation,
)
from summarizer.text.sentences import Sentence

_VERB = rf"(?:{alternation(REPORTING_VERBS)})(?!{NOT_REPORTING_AFTER})"
_VERB_RX = re.compile(rf"\b(?:{_VERB})\b", re.IGNORECASE)
_TOLL_RX = re.compile(rf"\b(?:{alternation(TOLL_WORDS)})\b", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording\s+to\s+(?P<who>[^,.;:\"“”]{2,80}?)(?=\s*[,.;:\"“”]|$)", re.I)
_BOUNDARY = re.compile(
    rf"[,;:\"“”]|\s-{{1,2}}\s|—|\b(?:{alternation(CLAUSE_BOUNDARIES)})\b",
    re.IGNORECASE,
)
_AFTER_QUOTE = re.compile(
    rf"\s*[,.!?]?\s*[\"”’]?\s*[,]?\s*(?:(?P<verb_first>{_VERB})\s+(?P<late>[^,.;:\"“”]{{2,80}}?)"
    rf"(?=\s*[,.;:]|\s+(?:on|in|at|from|to|during|after|by|speaking|who)\b|$)"
    rf"|(?P<early>[^,.;:\"“”]{{2,80}}?)\s+(?:{_VERB})\b)",
    re.IGNORECASE,
)
_CLOSING_FRAME = re.compile(
    rf",\s*(?:(?:{_VERB})\s+(?P<late>[^,.;:\"“”]{{2,80}}?)|(?P<early>[^,.;:\"“”]{{2,80}}?)\s+(?:{_VERB}))"
    r"(?:\s+(?:on|in|at|late|early)\b[^,.;:\"“”]{0,40})?\s*[.!?]?\s*$",
    re.IGNORECASE,
)
"""``…, the provincial police chief said.`` ending the sentence that holds the claim."""
_MAX_WORDS = 9
_FRAME_WORDS = 4
"""Words either side of a name within which a reporting verb makes it a source."""
_MAX_VERBS = 4
"""Reporting verbs read per claim: a real frame has one or two; more is a pathological sentence."""


@dataclass(frozen=True)
class Source:
    """The words that name a source, as a span of the article."""

    start: int
    end: int
    text: str

    @property
    def is_pronoun(self) -> bool:
        """ "he", or a pronoun with an adverb and no name ("It later claimed", "she also said")."""
        first, *rest = self.text.split()
        return first.casefold() in PRONOUNS and all(w.islower() for w in rest)


def source_of(
    text: str,
    sentences: list[Sentence],
    sentence: Sentence,
    start: int,
    end: int,
    *,
    skip: frozenset[int] = frozenset(),
) -> Source | None:
    """The named source of the claim at ``text[start:end]``, pronouns resolved backwards past
    the sentences in ``skip`` (text that addresses the reader names no one)."""
    found = _source_in_sentence(text, sentence, start, end)
    number = sentence.number
    while found is not None and found.is_pronoun and number > 1:
        number -= 1
        if number not in skip:
            found = _last_named_source(text, sentences[number - 1]) or found
    return None if found is None or found.is_pronoun else found


def in_reporting_frame(text: str, start: int, end: int, sentence: Sentence) -> bool:
    """Whether the words at ``text[start:end]`` stand where a source stands: a reporting verb
    or "according to" within a few words of them in their sentence ("…, the mayor told
    reporters", "according to the mayor"), not as the doer or the object of what is reported
    ("the mayor visited the wounded")."""
    before = text[sentence.start : start].split()[-_FRAME_WORDS:]
    after = " ".join(text[end : sentence.end].split()[:_FRAME_WORDS])
    near = " ".join([*before, "|", after])
    if _VERB_RX.search(near) is not None or _TOLL_RX.search(after) is not None:
        return True
    return re.search(r"\baccording\s+to\s*\|", near, re.IGNORECASE) is not None


def _source_in_sentence(text: str, sentence: Sentence, start: int, end: int) -> Source | None:
    after = _AFTER_QUOTE.match(text, end, sentence.end)
    if after is not None:
        group = "late" if after["late"] else "early"
        return _clean(text, after.start(group), after.end(group))
    according = _ACCORDING.search(text, sentence.start, sentence.end)
    if according is not None:
        return _clean(text, according.start("who"), according.end("who"))
    closing = _CLOSING_FRAME.search(text, end, sentence.end)
    if closing is not None:
        group = "late" if closing["late"] else "early"
        return _clean(text, closing.start(group), closing.end(group))
    verbs = _verbs_before(text, sentence, start)
    for verb in reversed(verbs[-_MAX_VERBS:]):
        subject = _subject_before(text, sentence, verb.start())
        if subject is not None:
            return subject
    return None


def _last_named_source(text: str, sentence: Sentence) -> Source | None:
    """The last non-pronoun source a sentence names, used for a following "he said"."""
    verbs = list(_VERB_RX.finditer(text, sentence.start, sentence.end))
    for verb in reversed(verbs[-_MAX_VERBS:]):
        candidate = _subject_before(text, sentence, verb.start())
        if candidate is None or candidate.is_pronoun:
            candidate = _after_quote_at(text, sentence, verb.start())
        if candidate is not None and not candidate.is_pronoun:
            return candidate
    return None


def _after_quote_at(text: str, sentence: Sentence, verb_start: int) -> Source | None:
    """``"…," said X`` / ``"…," X said``: the source written after a closing quote."""
    close = max(text.rfind(mark, sentence.start, verb_start) for mark in ('"', "”"))
    if close < 0:
        return None
    after = _AFTER_QUOTE.match(text, close + 1, sentence.end)
    if after is None:
        return None
    group = "late" if after["late"] else "early"
    return _clean(text, after.start(group), after.end(group))


def _subject_before(text: str, sentence: Sentence, verb_start: int, depth: int = 0) -> Source | None:
    """The words between the last clause boundary and a reporting verb; at most `_MAX_VERBS`
    earlier verbs are followed back, so a sentence of many "said and"s costs linear time."""
    boundaries = [m.end() for m in _BOUNDARY.finditer(text, sentence.start, verb_start)]
    begin = boundaries[-1] if boundaries else sentence.start
    subject = _clean(text, begin, verb_start)
    if subject is None and text[sentence.start : verb_start].rstrip().endswith(","):
        # "Ana Ruiz, a lawyer who represents ..., said": the head before the apposition
        comma = text.find(",", sentence.start, verb_start)
        subject = _clean(text, sentence.start, comma) if comma > 0 else None
    if subject is None and boundaries:
        # "The agency reported floods, and said that ...": the earlier verb's subject
        earlier = _verbs_before(text, sentence, begin)
        if earlier and depth < _MAX_VERBS:
            return _subject_before(text, sentence, earlier[-1].start(), depth + 1)
    return subject


def _verbs_before(text: str, sentence: Sentence, end: int) -> list[re.Match[str]]:
    """Reporting verbs that end before ``end``, read with the rest of the sentence in view (a
    verb is told from "claimed 40 lives" by the words after it)."""
    return [m for m in _VERB_RX.finditer(text, sentence.start, sentence.end) if m.end() <= end]


def _clean(text: str, start: int, end: int) -> Source | None:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] == ")"):
        end -= 1
    words = text[start:end].split()
    if not words or len(words) > _MAX_WORDS:
        return None
    return Source(start, end, text[start:end])
