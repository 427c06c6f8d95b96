"""Alignment: spans always come from the article, whatever text is asked for.

Property tests run over arbitrary Unicode (accents, combining marks, CJK, emoji, CRLF,
non-breaking spaces, curly quotes, ligatures) and check the invariant every output relies on:
``text[start:end] == evidence.text``.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.core.normal_form import normalize
from summarizer.text.alignment import TextIndex

INTERESTING = [
    *"aeioubcdgklmnrstAEIOUQZ0123456789 ,.-'\"",
    "é", "ü", "ñ", "ç", "e\u0301", "ﬁ", "Ａ", "ß", "İ",  # accents, combining mark, ligature, full width
    "中", "文", "기", "😀", "👩‍🔬",  # CJK, Hangul, emoji (one with a joiner)
    "\r\n", "\n", "\t", "\u00a0", "\u2009",  # line ends, tab, no-break and thin spaces
    "“", "”", "‘", "’", "–", "—", "«", "»",  # typographic quotes and dashes
]  # fmt: skip
texts = st.lists(st.sampled_from(INTERESTING), min_size=1, max_size=120).map("".join)


def splits_a_character(text: str, start: int, end: int) -> bool:
    """A slice that separates a base letter from its combining accent."""
    return any(i < len(text) and unicodedata.combining(text[i]) for i in (start, end))


@given(texts, st.data())
def test_any_substring_aligns_exactly_to_itself(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    needle = text[start:end]
    if not needle.strip():
        return
    found = TextIndex(text).align(needle)
    assert found is not None
    assert found.match == "exact"
    assert text[found.start : found.end] == needle.strip()


@given(texts, st.data())
def test_a_respelled_substring_aligns_to_a_true_span(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    original = text[start:end]
    if not normalize(original) or splits_a_character(text, start, end):
        return
    # what a model does to copied text: case, spacing, quote marks, dashes, compatibility forms
    needle = unicodedata.normalize("NFKC", original).upper()
    needle = " ".join(needle.split()).replace("“", '"').replace("”", '"').replace("’", "'").replace("–", "-")
    found = TextIndex(text).align(needle)
    if normalize(needle) != normalize(original):
        return  # upper-casing changed the text beyond the normalized form ("ǰ" -> "J̌")
    assert found is not None
    assert 0 <= found.start < found.end <= len(text)
    if found.match != "fuzzy":
        assert normalize(text[found.start : found.end]) == normalize(needle)


@given(texts, st.text(min_size=1, max_size=30))
def test_whatever_is_asked_any_answer_is_a_true_span(text: str, needle: str) -> None:
    index = TextIndex(text)
    for found in (index.align(needle), index.nearest(needle)):
        if found is not None:  # a non-empty span of the text, with no space at either edge
            assert 0 <= found.start < found.end <= len(text)
            assert not text[found.start].isspace()
            assert not text[found.end - 1].isspace()


@pytest.mark.parametrize(
    ("text", "needle", "expected", "match"),
    [
        ("Troops entered Qusayr today.", "Qusayr", "Qusayr", "exact"),
        ("Troops entered Qusayr today.", "QUSAYR", "Qusayr", "normalized"),
        (
            "a rather long-\nlasting effect",
            "a rather long- lasting effect",
            "a rather long-\nlasting effect",
            "normalized",
        ),
        (
            "Pelan’s state radio service",
            "Pelan's state radio service",
            "Pelan’s state radio service",
            "normalized",
        ),
        ("the “civilian massacre” may", '"civilian massacre"', "“civilian massacre”", "normalized"),
        ("Café\u00a0de  Flore", "café de flore", "Café\u00a0de  Flore", "normalized"),
        ("Cafe\u0301 de Flore", "Café", "Cafe\u0301", "normalized"),
        ("ﬁghting in the ｔｏｗｎ", "fighting in the town", "ﬁghting in the ｔｏｗｎ", "normalized"),
        ("rebels fled Qusair on Sunday", "Qusayr", "Qusair", "fuzzy"),
        ("said Omar al-Fayed, a member", "Omar al Fayed", "Omar al-Fayed", "fuzzy"),
        ("Hezbollah guerrillas fought", "Hezbolah guerrillas", "Hezbollah guerrillas", "fuzzy"),
    ],
)
def test_tiers(text: str, needle: str, expected: str, match: str) -> None:
    found = TextIndex(text).align(needle)
    assert found is not None
    assert (text[found.start : found.end], found.match) == (expected, match)


def test_unrelated_text_is_not_found() -> None:
    index = TextIndex("Syrian troops entered Qusayr today.")
    assert index.align("Paris") is None
    assert index.align("Free Syrian Army headquarters") is None


def test_the_hinted_region_wins_within_a_tier() -> None:
    text = "Qusayr fell. Later, in the north, Qusayr was shelled."
    second = text.index("Qusayr", 5)
    found = TextIndex(text).align("Qusayr", (second - 5, len(text)))
    assert found is not None
    assert found.start == second


def test_nearest_offers_whole_words_with_a_score() -> None:
    text = "The Britain-based charity counted more flooded farms upriver."
    near = TextIndex(text).nearest("British-based charity")
    assert near is not None
    assert text[near.start : near.end] == "Britain-based charity"
    assert 0.8 < near.score < 1
