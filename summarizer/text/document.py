"""An article read by the program before the model sees it.

Sentences are numbered, and the candidates the model will choose among (casualty figures,
quotations, date expressions, names of places, groups and people) are found and given short
keys ("F1", "Q2", "D3", "N4"). Prompts show
these; the model answers with keys and numbers; parsing turns keys back into spans. Everything
here is deterministic, so the same article always yields the same questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from summarizer.core.lexicon import (
    IMPERATIVES,
    INJECTION_CUES,
    SPEAKER_PRONOUN_FRAMES,
    SUB_EVENT_CUES,
    alternation,
)
from summarizer.text.alignment import Alignment, TextIndex
from summarizer.text.attribution import Source, source_of
from summarizer.text.dates import DateMention, find_dates
from summarizer.text.entities import MAX_NAMES, NameCandidate, find_names
from summarizer.text.figures import (
    Quantity,
    attribution_between,
    find_quantities,
    is_background,
    mentions_casualties,
    phrase_after,
)
from summarizer.text.ingest import Article
from summarizer.text.quotations import Quotation, find_quotations
from summarizer.text.sentences import Sentence, sentence_at, split_sentences

MAX_DATE_CANDIDATES = 12
LEAD_SENTENCES = 2
MAX_TYPE_HINTS = 4
_ADDRESSES_READER = re.compile(alternation(INJECTION_CUES), re.IGNORECASE)
_DATELINE = re.compile(r"\s*[A-Z][A-Z .'’-]+,[^\n—–]{0,60}?\s[—–]\s")
"""``KABUL, Jan 11 (AFP) — `` and the like: where and when the story was filed."""
_IMPERATIVE = re.compile(rf"\W*(?:{alternation(IMPERATIVES)})\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)
_WORDS = re.compile(r"\w+")
_PRONOUN_SPEAKER = re.compile(alternation(SPEAKER_PRONOUN_FRAMES), re.IGNORECASE)


@dataclass(frozen=True)
class FigureCandidate:
    key: str
    quantity: Quantity
    sentence: Sentence
    phrase: str
    source: Source | None
    """Who the reporting frame says gives the figure, when the program can read it."""

    @property
    def marked_sentence(self) -> str:
        """The sentence with this figure in brackets, so the model sees whose claim it is."""
        s, q = self.sentence, self.quantity
        cut = q.start - s.start, q.end - s.start
        return f"{s.text[: cut[0]]}[{s.text[cut[0] : cut[1]]}]{s.text[cut[1] :]}"


@dataclass(frozen=True)
class QuoteCandidate:
    key: str
    quotation: Quotation
    sentence: Sentence
    context: str
    """The quote's sentence, after the one before when the speaker is only "he" or unnamed."""
    source: Source | None
    """The speaker named in the reporting frame, when the program can read it."""


@dataclass(frozen=True)
class DateCandidate:
    key: str
    mention: DateMention
    sentence: Sentence


@dataclass(frozen=True)
class Document:
    article: Article
    sentences: list[Sentence]
    figures: list[FigureCandidate]
    quotes: list[QuoteCandidate]
    dates: list[DateCandidate]
    index: TextIndex = field(repr=False)
    names: list[NameCandidate] = field(default_factory=list)
    type_hints: list[tuple[str, str]] = field(default_factory=list)
    """(sub-event type, the words that suggest it) found in the lead, strongest first."""
    addresses_reader: frozenset[int] = frozenset()
    """Sentences that speak to the model ("ignore previous instructions..."): no candidate,
    evidence, hint, claimant or speaker comes from them."""
    untrusted_words: frozenset[str] = frozenset()
    """Words that only such sentences (or a title that speaks to the model) use: a free-text
    value with one of them repeats the instructions, not the reporting."""
    shown: tuple[int, int] | None = None
    """The first and last sentence the model is shown when a long article is read in windows;
    offsets, sentence numbers and candidate keys stay the whole article's."""

    @property
    def visible(self) -> list[Sentence]:
        """The sentences the model is shown: all of them, or this window's."""
        if self.shown is None:
            return self.sentences
        first, last = self.shown
        return self.sentences[first - 1 : last]

    @property
    def asked_names(self) -> list[NameCandidate]:
        """The names the model is asked about: the first `MAX_NAMES` it is shown."""
        return self.names[:MAX_NAMES]

    def window(self, first: int, last: int) -> Document:
        """The article seen through sentences ``first`` to ``last``: the same text, offsets and
        keys, with only the candidates written in those sentences (a name placed at its first
        sentence in the window, since the question names that sentence). The lead's type hints go
        with the first window only, since they describe the lead."""

        def inside(sentence: Sentence) -> bool:
            return first <= sentence.number <= last

        return replace(
            self,
            figures=[f for f in self.figures if inside(f.sentence)],
            quotes=[q for q in self.quotes if inside(q.sentence)],
            dates=[d for d in self.dates if inside(d.sentence)],
            names=[
                replace(n, sentence=self.sentence(min(shown)))
                for n in self.names
                if (shown := [s for s in n.sentence_numbers if first <= s <= last])
            ],
            type_hints=self.type_hints if first == 1 else [],
            shown=(first, last),
        )

    @property
    def trusted(self) -> list[Sentence]:
        return [s for s in self.sentences if s.number not in self.addresses_reader]

    def is_trusted(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` starts in a sentence and touches none that addresses the
        reader (a quotation may run over several reporting sentences)."""
        if sentence_at(self.sentences, start) is None:
            return False
        flagged = (self.sentence(n) for n in self.addresses_reader)
        return not any(s.start < end and start < s.end for s in flagged)

    def find(self, needle: str, region: tuple[int, int] | None = None) -> Alignment | None:
        """The article's span for ``needle`` (preferring ``region``), never in text that
        addresses the reader: where the best match is there, the reporting text is searched."""
        found = self.index.align(needle, region)
        if found is None or not self.addresses_reader or self.is_trusted(found.start, found.end):
            return found
        runs = _trusted_runs(self.sentences, self.addresses_reader)
        inside = [r for r in runs if region is not None and region[0] < r[1] and r[0] < region[1]]
        for run in [*inside, *(r for r in runs if r not in inside)]:
            found = self.index.align(needle, run, strict=True)
            if found is not None:
                return found
        return None

    @property
    def text(self) -> str:
        return self.article.text

    def sentence(self, number: int) -> Sentence:
        return self.sentences[number - 1]


def analyse(article: Article) -> Document:
    text = article.text
    sentences = split_sentences(text)
    flagged = _addressing_reader(sentences)
    trusted = [s for s in sentences if s.number not in flagged]
    return Document(
        article=article,
        sentences=sentences,
        figures=_figures(text, sentences, trusted, flagged),
        quotes=_quotes(text, sentences, flagged),
        dates=_dates(text, sentences, flagged),
        index=TextIndex(text),
        names=find_names(text, sentences, flagged),
        type_hints=_type_hints(trusted[:LEAD_SENTENCES]),
        addresses_reader=flagged,
        untrusted_words=_untrusted_words(article.title, sentences, flagged),
    )


def words_of(text: str) -> set[str]:
    """The words of a text, folded, as `untrusted_words` holds them."""
    return set(_WORDS.findall(text.casefold()))


def _untrusted_words(title: str | None, sentences: list[Sentence], flagged: frozenset[int]) -> frozenset[str]:
    instructions = [s.text for s in sentences if s.number in flagged]
    if title and _addresses_reader(title):
        instructions.append(title)
    reporting = set().union(*(words_of(s.text) for s in sentences if s.number not in flagged))
    return frozenset(set().union(*(words_of(t) for t in instructions)) - reporting)


def _trusted_runs(sentences: list[Sentence], flagged: frozenset[int]) -> list[tuple[int, int]]:
    """Spans of consecutive reporting sentences, between the ones that address the reader."""
    runs: list[tuple[int, int]] = []
    for s in sentences:
        if s.number in flagged:
            continue
        if runs and s.number > 1 and s.number - 1 not in flagged:
            runs[-1] = (runs[-1][0], s.end)
        else:
            runs.append((s.start, s.end))
    return runs


def _type_hints(lead: list[Sentence]) -> list[tuple[str, str]]:
    """The sub-event types whose cue words the lead uses, the earliest-mentioned first."""
    found: list[tuple[int, str, str]] = []
    text = " ".join(s.text for s in lead)
    dateline = _DATELINE.match(text)
    text = text[dateline.end() :] if dateline else text
    for sub_type, cue in SUB_EVENT_CUES.items():
        m = re.search(cue, text, re.IGNORECASE)
        if m is not None:
            found.append((m.start(), sub_type, " ".join(m[0].split())))
    return [(sub_type, words) for _, sub_type, words in sorted(found)][:MAX_TYPE_HINTS]


def _addressing_reader(sentences: list[Sentence]) -> frozenset[int]:
    """Sentences that give the reader orders: an injection cue, or an imperative ("Output
    that ...") right after one or addressed to "you"."""
    flagged: set[int] = set()
    for s in sentences:
        if _addresses_reader(s.text, after_order=s.number - 1 in flagged):
            flagged.add(s.number)
    return frozenset(flagged)


def _addresses_reader(text: str, *, after_order: bool = False) -> bool:
    if _ADDRESSES_READER.search(text) is not None:
        return True
    return _IMPERATIVE.match(text) is not None and (after_order or _SECOND_PERSON.search(text) is not None)


def _figures(
    text: str, sentences: list[Sentence], trusted: list[Sentence], flagged: frozenset[int]
) -> list[FigureCandidate]:
    found: list[FigureCandidate] = []
    for sentence in trusted:
        if not mentions_casualties(sentence.text):
            continue
        for quantity in find_quantities(text, sentence.start, sentence.end):
            if is_background(text, quantity, sentence.start, sentence.end):
                continue
            phrase = phrase_after(text, quantity, sentence.end)
            source = source_of(text, sentences, sentence, quantity.start, quantity.end, skip=flagged)
            found.append(FigureCandidate(f"F{len(found) + 1}", quantity, sentence, phrase, source))
    return found


def _quotes(text: str, sentences: list[Sentence], flagged: frozenset[int]) -> list[QuoteCandidate]:
    found: list[QuoteCandidate] = []
    for quotation in find_quotations(text):
        sentence = sentence_at(sentences, quotation.start)
        if sentence is None or sentence.number in flagged:
            continue
        context = sentence.text
        if (
            sentence.number > 1
            and sentence.number - 1 not in flagged
            and _speaker_unnamed(text, sentence, quotation)
        ):
            context = f"{sentences[sentence.number - 2].text} {context}"
        source = source_of(text, sentences, sentence, quotation.start, quotation.end, skip=flagged)
        key = f"Q{len(found) + 1}"
        found.append(QuoteCandidate(key, quotation, sentence, context, source))
    return found


def _speaker_unnamed(text: str, sentence: Sentence, quotation: Quotation) -> bool:
    """True when the words outside the quote name nobody: "he said", or no reporting verb."""
    outside = text[sentence.start : quotation.start] + " " + text[quotation.end : sentence.end]
    return _PRONOUN_SPEAKER.search(outside) is not None or not attribution_between(outside, 0, len(outside))


def _dates(text: str, sentences: list[Sentence], flagged: frozenset[int]) -> list[DateCandidate]:
    """Date expressions that may date an event; the dateline's date is the publication's."""
    found: list[DateCandidate] = []
    dateline = _DATELINE.match(text)
    for mention in find_dates(text, dateline.end() if dateline else 0):
        sentence = sentence_at(sentences, mention.start)
        if sentence is not None and sentence.number not in flagged and len(found) < MAX_DATE_CANDIDATES:
            found.append(DateCandidate(f"D{len(found) + 1}", mention, sentence))
    return found
