"""Quoted passages found by their quotation marks.

The quoted words themselves are never asked of the model: the program reads them between the
marks, so a quote's text is the article's text by construction. The model is only asked who
said each one. Scare quotes (one or two words, such as “terrorists”) are not treated as quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 3
_PAIRS = re.compile(r'“([^“”]+)”|"([^"\n]+)"|‘([^‘’]+?)’(?![a-z])')
_TRAILING = ",;: "


@dataclass(frozen=True)
class Quotation:
    """A quoted passage; ``start``/``end`` cover the words inside the marks."""

    start: int
    end: int
    text: str


def find_quotations(text: str) -> list[Quotation]:
    """Quoted passages of at least ``MIN_WORDS`` words, in order of appearance."""
    found: list[Quotation] = []
    for m in _PAIRS.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        start, end = m.start(group), m.end(group)
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        inner = text[start:end]
        if len(inner.split()) >= MIN_WORDS:
            found.append(Quotation(start, end, inner))
    return found
