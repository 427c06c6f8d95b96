"""Finding a string the model wrote in the article, and returning the article's own span for it.

Three tiers, tried in order, each first inside a hinted region (the sentence the model cited)
and then anywhere:

1. exact: the string occurs as written;
2. normalized: it occurs once case, whitespace runs, quote marks, dashes and Unicode
   compatibility forms (NFKC) are made uniform; an offset map leads back to the original text;
3. fuzzy: its words occur close together, in spite of spelling variants ("Qusair" and
   "Qusayr"), judged by coverage (share of its words found) and density (share of the span's
   words that are its words).

Offsets always come from the article, never from the model, so ``text[start:end]`` is the
evidence text whatever the model wrote.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from summarizer.taxonomy import MatchKind

_SPECIAL = re.compile(r"\s+|[^\x00-\x7f]")
_WORD = re.compile(r"\w+")
_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


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
    max_anchors: int = 64


def normalize(text: str) -> str:
    """The comparison form of a string (see the module docstring); used for needles."""
    return _Normalized(text).text.strip()


class _Normalized:
    """A normalized copy of a text with, for each of its characters, the original span."""

    def __init__(self, text: str) -> None:
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        cursor = 0
        last_space = False
        for m in _SPECIAL.finditer(text):
            if m.start() < cursor:  # a combining mark already folded into its base
                continue
            cluster = m.start()
            if cluster > cursor and unicodedata.combining(m[0][0]):
                cluster -= 1  # an ASCII base letter belongs with the marks that follow it
            if cluster > cursor:
                pieces.append(text[cursor:cluster].lower())
                starts.extend(range(cursor, cluster))
                ends.extend(range(cursor + 1, cluster + 1))
                last_space = False
            if m[0].isspace():
                cursor = m.end()
                if not last_space:
                    pieces.append(" ")
                    starts.append(m.start())
                    ends.append(m.end())
                    last_space = True
                continue
            cursor = m.end()
            while cursor < len(text) and unicodedata.combining(text[cursor]):
                cursor += 1
            folded = _fold(text[cluster:cursor])
            pieces.append(folded)
            starts.extend([cluster] * len(folded))
            ends.extend([cursor] * len(folded))
            last_space = folded.isspace() if folded else last_space
        if cursor < len(text):
            pieces.append(text[cursor:].lower())
            starts.extend(range(cursor, len(text)))
            ends.extend(range(cursor + 1, len(text) + 1))
        self.text = "".join(pieces)
        self.starts = starts
        self.ends = ends

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _fold(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).casefold().translate(_FOLD)
    return " " if folded.isspace() else folded


class TextIndex:
    """An article prepared for many alignments: normalized once, words indexed once."""

    def __init__(self, text: str, thresholds: FuzzyThresholds | None = None) -> None:
        self.text = text
        self.thresholds = thresholds or FuzzyThresholds()
        self._norm = _Normalized(text)
        self._spans: list[tuple[int, int]] = []
        self._words: list[str] = []
        self._positions: dict[str, list[int]] = defaultdict(list)
        for i, m in enumerate(_WORD.finditer(self._norm.text)):
            self._spans.append(m.span())
            self._words.append(m[0])
            self._positions[m[0]].append(i)
        self._vocabulary = list(self._positions)

    def align(self, needle: str, region: tuple[int, int] | None = None) -> Alignment | None:
        """The best span for ``needle``, preferring ``region`` within each tier."""
        needle = needle.strip()
        if not needle:
            return None
        for tier in (self._exact, self._normalized, self._fuzzy):
            for bounds in _regions(region, len(self.text)):
                found = tier(needle, bounds)
                if found is not None:
                    return found
        return None

    def _exact(self, needle: str, bounds: tuple[int, int]) -> Alignment | None:
        at = self.text.find(needle, *bounds)
        return Alignment(at, at + len(needle), "exact") if at >= 0 else None

    def _normalized(self, needle: str, bounds: tuple[int, int]) -> Alignment | None:
        target = normalize(needle)
        if not target:
            return None
        lo, hi = self._norm_bounds(bounds)
        at = self._norm.text.find(target, lo, hi)
        if at < 0:
            return None
        start, end = self._norm.original(at, at + len(target))
        return Alignment(start, end, "normalized")

    def _fuzzy(self, needle: str, bounds: tuple[int, int]) -> Alignment | None:
        words = _WORD.findall(normalize(needle))
        if not words:
            return None
        accepted = [self._similar(word) for word in words]
        lo, hi = self._norm_bounds(bounds)
        best: tuple[float, int, int] | None = None
        for first in self._anchors(words, accepted):
            scored = self._score_window(first, len(words), accepted, lo, hi)
            if scored is not None and (best is None or scored[0] > best[0]):
                best = scored
        if best is None:
            return None
        score, first_word, last_word = best
        start, end = self._norm.original(self._spans[first_word][0], self._spans[last_word][1])
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

    def _anchors(self, words: list[str], accepted: list[frozenset[str]]) -> list[int]:
        """Where a window could start: from the rarest needle words' occurrences."""
        ranked = sorted(
            (sum(len(self._positions[w]) for w in options), k)
            for k, options in enumerate(accepted)
            if options
        )
        starts: set[int] = set()
        for _, k in ranked[:3]:
            for option in accepted[k]:
                starts.update(max(0, p - k) for p in self._positions[option])
        return sorted(starts)[: self.thresholds.max_anchors]

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
        if not hits or self._spans[hits[0]][0] < lo or self._spans[hits[-1]][1] > hi:
            return None
        coverage = len(hits) / length
        density = len(hits) / (hits[-1] - hits[0] + 1)
        if coverage < self.thresholds.min_coverage or density < self.thresholds.min_density:
            return None
        return coverage * density, hits[0], hits[-1]

    def _norm_bounds(self, bounds: tuple[int, int]) -> tuple[int, int]:
        """Normalized offsets covering the original ``bounds``."""
        lo = bisect_left(self._norm.starts, bounds[0])
        hi = bisect_left(self._norm.starts, bounds[1])
        return lo, hi


def _regions(region: tuple[int, int] | None, length: int) -> list[tuple[int, int]]:
    whole = (0, length)
    return [region, whole] if region is not None and region != whole else [whole]
