"""Names compared as a reader compares them, and the article's closest texts to a name.

Two mentions may name one source or place in different words ("the council" and "the city
council of Tarvel"), as a people for its country ("Kenyan"/"Kenya") or in another spelling
("Mogadishu"/"Muqdisho"). Parsing uses these to credit claims and keep events
apart, grounding to check a name against its evidence, and a re-ask to offer the closest texts.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from summarizer.core.lexicon import DEMONYMS, NAME_FILLER, NAME_JOINERS, alternation
from summarizer.core.normal_form import normalize
from summarizer.core.types import Hint
from summarizer.text.alignment import TextIndex
from summarizer.text.sentences import Sentence

NAME_SIMILARITY = 80.0  # one letter in six differs: "Falluja" and "Fallujah" score 93, "Tarvel"/"Tarvil" 83
_JOINERS = re.compile(rf"\s+(?:{alternation(NAME_JOINERS)})\s+", re.IGNORECASE)
_NAME_WORD = re.compile(r"[\w'’-]+")
"""A word of a name, apostrophes and inner hyphens included ("al-Amin", "Kenya's")."""


def names_agree(a: str, b: str) -> bool:
    """Two mentions of one source: same head noun, or one's words all within the other's."""
    if names_match(a, b) or names_match(b, a):
        return True
    words_a, words_b = _content_words(a), _content_words(b)
    if words_a and words_b and (words_a <= words_b or words_b <= words_a):
        return True
    return _head(a) == _head(b) != ""


def names_match(name: str, written: str) -> bool:
    """Whether ``name`` is what ``written`` says: within it, its demonym, or a close spelling."""
    n, w = normalize(name), normalize(written)
    if not n:
        return False
    if n == w or n in w or _demonym_form(n) == _demonym_form(w):
        return True
    return fuzz.ratio(n, w) >= NAME_SIMILARITY or (fuzz.partial_ratio(n, w) >= 95 and len(n) >= 4)


def hints_for(
    index: TextIndex, sentences: list[Sentence], value: str, region: tuple[int, int] | None, limit: int = 3
) -> list[Hint]:
    """The texts nearest to a value that was not found, best first, one per sentence: shown in a
    re-ask as the answers to choose from."""
    scopes = [s for s in sentences if region is None or (region[0] <= s.start < region[1])]
    found: dict[str, Hint] = {}
    for sentence in scopes:
        near = index.nearest(value, (sentence.start, sentence.end))
        if near is None:
            continue
        text = " ".join(index.text[near.start : near.end].split())
        if text and (text not in found or found[text].score < near.score):
            found[text] = Hint(text, sentence.number, near.score)
    return sorted(found.values(), key=lambda h: -h.score)[:limit]


def _demonym_form(word: str) -> str:
    return DEMONYMS.get(word, word)


def _content_words(name: str) -> set[str]:
    return {w for w in _NAME_WORD.findall(normalize(name)) if w not in NAME_FILLER}


def _head(name: str) -> str:
    """The head noun of a source's name: the last word before "for", "of", "close to"…"""
    core = _JOINERS.split(normalize(name))[0]
    words = [w for w in _NAME_WORD.findall(core) if w not in NAME_FILLER]
    return words[-1] if words else ""
