"""The comparison form of a text: case, spacing, quote marks, dashes and Unicode compatibility
forms (NFKC) made uniform, with a map from each character back to the original.

A leaf because two stages compare names in this form: alignment finds the model's strings in
the article with it, and the eval scorer matches predicted names against gold names with it.
"""

from __future__ import annotations

import re
import unicodedata

from summarizer.core.lexicon import DASHES, DOUBLE_QUOTES, SINGLE_QUOTES

_SPECIAL = re.compile(r"\s+|[^\x00-\x7f]")
_FOLD = str.maketrans(
    {
        **dict.fromkeys(SINGLE_QUOTES, SINGLE_QUOTES[0]),
        **dict.fromkeys(DOUBLE_QUOTES, DOUBLE_QUOTES[0]),
        **dict.fromkeys(DASHES, DASHES[0]),
    }
)


def normalize(text: str) -> str:
    """The comparison form of a string (see the module docstring); used for needles."""
    return NormalizedText(text).text.strip()


class NormalizedText:
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
            folded = fold(text[cluster:cursor])
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

    def splits(self, start: int, end: int) -> bool:
        """Whether a match begins or ends inside one character's folded form ("İ" -> "i̇")."""
        inside_start = 0 < start < len(self.starts) and self.starts[start] == self.starts[start - 1]
        inside_end = 0 < end < len(self.starts) and self.starts[end] == self.starts[end - 1]
        return inside_start or inside_end


def fold(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).casefold().translate(_FOLD)
    return " " if folded.isspace() else folded
