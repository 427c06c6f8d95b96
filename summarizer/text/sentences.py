"""Sentence segmentation with exact offsets.

The model cites numbered sentences rather than copying text: a small model copies badly, but it
picks a number reliably, and a number turns into an exact span by construction. pysbd does the
rule-based segmentation; this module only pins each sentence to its offsets and mends the one
thing news text breaks it on (a word hyphenated across a line break).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

import pysbd


@dataclass(frozen=True)
class Sentence:
    """A sentence of the article; ``number`` is 1-based, as the model sees it."""

    number: int
    start: int
    end: int
    text: str


_local = threading.local()


def _segmenter() -> pysbd.Segmenter:
    """One segmenter per thread: pysbd keeps the text being split on the instance, so a shared
    one hands the service's concurrent requests each other's sentences."""
    segmenter: pysbd.Segmenter | None = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = _local.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with surrounding whitespace trimmed, in order, never overlapping."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for segment in _segmenter().segment(text):
        piece = segment
        start = text.find(piece, cursor) if not text.startswith(piece, cursor) else cursor
        if start < 0:  # pysbd altered the piece; locate its stripped core instead
            piece = segment.strip()
            start = text.find(piece, cursor)
            if start < 0:
                continue
        end = start + len(piece)
        cursor = end
        span = _trim(text, start, end)
        if span is None:
            continue
        if spans and _continues_previous(text, spans[-1], span):
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
    return [Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans, 1)]


def sentence_at(sentences: list[Sentence], offset: int) -> Sentence | None:
    """The sentence containing a character offset, if any (sentences are in text order)."""
    index = bisect.bisect_right(sentences, offset, key=lambda s: s.start) - 1
    if index >= 0 and sentences[index].start <= offset < sentences[index].end:
        return sentences[index]
    return None


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _continues_previous(text: str, previous: tuple[int, int], current: tuple[int, int]) -> bool:
    """A piece starting in lower case after a hyphen or a bare line break is a broken sentence."""
    first = text[current[0]]
    if not first.islower():
        return False
    gap = text[previous[1] : current[0]]
    return text[previous[1] - 1] == "-" or ("\n" in gap and "\n\n" not in gap)
