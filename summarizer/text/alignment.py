"""Finding a string the model wrote in the article, and returning the article's own span for it.

Three tiers, tried in order, each first inside a hinted region (the sentence the model cited)
and then anywhere:

1. exact: the string occurs as written;
2. normalized: it occurs once case, whitespace runs, quote marks, dashes and Unicode
   compatibility forms (NFKC) are made uniform; an offset map leads back to the original text;
3. fuzzy: its words occur close together, in spite of spelling variants ("Falluja" and
   "Fallujah"), judged by coverage (share of its words found) and density (share of the span's
   words that are its words).

Offsets always come from the article, never from the model, so ``text[start:end]`` is the
evidence text whatever the model wrote.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import methodcaller

from rapidfuzz import fuzz, process

from summarizer.core.lexicon import DASHES, DOUBLE_QUOTES, SINGLE_QUOTES
from summarizer.core.normal_form import NormalizedText, normalize
from summarizer.core.taxonomy import MatchKind

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Alignment:
    start: int
    end: int
    match: MatchKind
    score: float = 1.0


@dataclass(frozen=True)
class FuzzyThresholds:
    """How close a fuzzy match must be; kept as a value so callers and tests can tune it."""

    min_coverage: float = 0.75
    min_density: float = 0.6
    token_similarity: float = 80.0
    max_anchors: int = 40


class _Identity:
    """The article case-folded as the searchable view: when it is already in NFKC form and
    case-folding keeps every offset (almost every article), spacing, quote marks and dashes
    are handled by the needle's pattern, and offsets need no map."""

    def __init__(self, text: str) -> None:
        self.text = text.casefold()

    def original(self, start: int, end: int) -> tuple[int, int]:
        return start, end

    def splits(self, start: int, end: int) -> bool:
        return False


class TextIndex:
    """An article prepared for many alignments; its word index is built on first fuzzy use."""

    def __init__(self, text: str, thresholds: FuzzyThresholds | None = None) -> None:
        self.text = text
        self.thresholds = thresholds or FuzzyThresholds()
        simple = unicodedata.is_normalized("NFKC", text) and len(text.casefold()) == len(text)
        self._view: _Identity | NormalizedText = _Identity(text) if simple else NormalizedText(text)
        self._indexed = False
        self._starts = array("l")
        self._ends = array("l")
        self._words: list[str] = []
        self._positions: dict[str, list[int]] = defaultdict(list)
        self._vocabulary: list[str] = []

    def align(
        self, needle: str, region: tuple[int, int] | None = None, *, strict: bool = False
    ) -> Alignment | None:
        """The best span for ``needle``, preferring ``region`` within each tier; with ``strict``,
        only inside ``region``."""
        needle = needle.strip()
        if not needle:
            return None
        searched = [region] if strict and region is not None else _regions(region, len(self.text))
        for tier in (self._exact, self._normalized, self._fuzzy):
            for bounds in searched:
                found = tier(needle, bounds)
                if found is not None:
                    return found
        return None

    def nearest(self, needle: str, region: tuple[int, int] | None = None) -> Alignment | None:
        """The closest text to ``needle`` however weak, with its similarity (0-1): a hint for a
        re-ask when `align` found nothing."""
        target = normalize(needle)
        lo, hi = self._view_bounds(region or (0, len(self.text)))
        if not target or lo >= hi:
            return None
        found = fuzz.partial_ratio_alignment(target, self._view.text[lo:hi])
        if found is None or found.dest_end <= found.dest_start:
            return None
        start, end = self._view.original(lo + found.dest_start, lo + found.dest_end)
        while start > 0 and self.text[start - 1].isalnum():
            start -= 1
        while end < len(self.text) and self.text[end].isalnum():
            end += 1
        while end > start and not self.text[end - 1].isalnum():
            end -= 1
        while start < end and not self.text[start].isalnum():
            start += 1
        if end <= start:  # nothing but punctuation or symbols: no hint worth offering
            return None
        return Alignment(start, end, "fuzzy", round(found.score / 100, 2))

    def _exact(self, needle: str, bounds: tuple[int, int]) -> Alignment | None:
        at = self.text.find(needle, *bounds)
        return Alignment(at, at + len(needle), "exact") if at >= 0 else None

    def _normalized(self, needle: str, bounds: tuple[int, int]) -> Alignment | None:
        folding = isinstance(self._view, NormalizedText)
        lo, hi = self._view_bounds(bounds)
        simple = normalize(needle) if folding else " ".join(_folded(needle).split())
        view = self._view
        at = view.text.find(simple, lo, hi)  # most needles need no pattern at all
        while at >= 0 and view.splits(at, at + len(simple)):
            at = view.text.find(simple, at + 1, hi)
        if at >= 0 and simple:
            return Alignment(*view.original(at, at + len(simple)), "normalized")
        pattern = _pattern(needle, folding)
        for m in pattern.finditer(view.text, lo, hi) if pattern is not None else ():
            if not view.splits(m.start(), m.end()):
                return Alignment(*view.original(m.start(), m.end()), "normalized")
        return None

    def _index_words(self) -> None:
        if self._indexed:
            return
        # Plain arrays, not tuples: 100 KB of text is ~17,000 words, and that many small tracked
        # objects set off full garbage collections over everything the process has loaded.
        self._words = _WORD.findall(self._view.text)
        self._starts = array("l", map(_START, _WORD.finditer(self._view.text)))
        self._ends = array("l", (s + len(w) for s, w in zip(self._starts, self._words, strict=True)))
        for i, word in enumerate(self._words):
            self._positions[word].append(i)
        self._vocabulary = list(self._positions)
        self._indexed = True

    def _fuzzy(self, needle: str, bounds: tuple[int, int]) -> Alignment | None:
        words = _WORD.findall(normalize(needle))
        if not words:
            return None
        self._index_words()
        accepted = [self._similar(word) for word in words]
        lo, hi = self._view_bounds(bounds)
        best: tuple[float, int, int] | None = None
        for starts in self._anchors(accepted):
            for first in starts:
                scored = self._score_window(first, len(words), accepted, lo, hi)
                if scored is not None and (best is None or scored[0] > best[0]):
                    best = scored
            if best is not None:  # the rarest word that places the needle is enough
                break
        if best is None:
            return None
        score, first_word, last_word = best
        start, end = self._view.original(self._starts[first_word], self._ends[last_word])
        return Alignment(start, end, "fuzzy", round(score, 3))

    def _similar(self, word: str) -> frozenset[str]:
        """The article's words that may stand for ``word``: itself, or close spellings."""
        if word in self._positions:
            return frozenset({word})
        if len(word) < 4 or word.isdigit():
            return frozenset()
        close = process.extract(
            word,
            self._vocabulary,
            scorer=fuzz.ratio,
            score_cutoff=self.thresholds.token_similarity,
            limit=3,
        )
        return frozenset(choice for choice, _, _ in close)

    def _anchors(self, accepted: list[frozenset[str]]) -> Iterator[list[int]]:
        """Where a window could start, from one needle word's occurrences at a time, rarest
        word first (a rare word fixes the place quickly; a common one only adds candidates)."""
        ranked = sorted(
            (sum(len(self._positions[w]) for w in options), k)
            for k, options in enumerate(accepted)
            if options
        )
        tried: set[int] = set()
        budget = self.thresholds.max_anchors
        for _, k in ranked[:3]:
            starts = [
                s
                for option in accepted[k]
                for s in (max(0, p - k) for p in self._positions[option])
                if s not in tried
            ][:budget]
            tried.update(starts)
            budget -= len(starts)
            yield starts
            if budget <= 0:
                return

    def _score_window(
        self, first: int, length: int, accepted: list[frozenset[str]], lo: int, hi: int
    ) -> tuple[float, int, int] | None:
        slack = max(2, length // 4)
        window = range(max(0, first - slack), min(len(self._words), first + length + slack))
        hits: list[int] = []
        k = 0
        for i in window:
            if k < length and self._words[i] in accepted[k]:
                hits.append(i)
                k += 1
            elif k + 1 < length and self._words[i] in accepted[k + 1]:
                hits.append(i)
                k += 2
        if not hits or self._starts[hits[0]] < lo or self._ends[hits[-1]] > hi:
            return None
        coverage = len(hits) / length
        density = len(hits) / (hits[-1] - hits[0] + 1)
        if coverage < self.thresholds.min_coverage or density < self.thresholds.min_density:
            return None
        return coverage * density, hits[0], hits[-1]

    def _view_bounds(self, bounds: tuple[int, int]) -> tuple[int, int]:
        """Offsets in the searchable view covering the original ``bounds``."""
        if isinstance(self._view, _Identity):
            return bounds
        lo = bisect_left(self._view.starts, bounds[0])
        hi = bisect_left(self._view.starts, bounds[1])
        return lo, hi


_START = methodcaller("start")


def _folded(needle: str) -> str:
    return unicodedata.normalize("NFKC", needle).casefold()


_CLASSES = {
    **dict.fromkeys(SINGLE_QUOTES, "[" + re.escape(SINGLE_QUOTES) + "]"),
    **dict.fromkeys(DOUBLE_QUOTES, "[" + re.escape(DOUBLE_QUOTES) + "]"),
    **dict.fromkeys(DASHES, "[" + re.escape(DASHES) + r"]\s*"),
}


@lru_cache(maxsize=1024)
def _pattern(needle: str, folding: bool) -> re.Pattern[str] | None:
    """A needle as a pattern: any run of spaces, any quote mark or dash, in the view's case."""
    words = (normalize(needle) if folding else _folded(needle)).split()
    if not words:
        return None
    pieces = ("".join(_CLASSES.get(ch) or re.escape(ch) for ch in word) for word in words)
    return re.compile(r"\s+".join(pieces))


def _regions(region: tuple[int, int] | None, length: int) -> list[tuple[int, int]]:
    whole = (0, length)
    return [region, whole] if region is not None and region != whole else [whole]
