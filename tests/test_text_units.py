"""Sentences, quotations and attribution: the candidates the model is asked about."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest

from summarizer.text.attribution import source_of
from summarizer.text.document import analyse
from summarizer.text.ingest import make_article
from summarizer.text.quotations import find_quotations
from summarizer.text.sentences import sentence_at, split_sentences
from tests.conftest import seed_text


def test_sentences_cover_the_text_exactly() -> None:
    text = seed_text(1)
    sentences = split_sentences(text)
    assert [s.number for s in sentences] == list(range(1, len(sentences) + 1))
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
    assert all(a.end <= b.start for a, b in pairwise(sentences))


def test_a_word_hyphenated_across_a_line_stays_in_one_sentence() -> None:
    text = "She said that adding “a rather long-\nlasting effect,” the dam matters. Next one."
    assert [s.text for s in split_sentences(text)] == [
        "She said that adding “a rather long-\nlasting effect,” the dam matters.",
        "Next one.",
    ]


def test_threads_splitting_at_once_each_get_their_own_sentences() -> None:
    texts = [f"Gunmen attacked Kadawa{i} on Monday. Police said {i} people died." for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(split_sentences, texts))
    for i, sentences in enumerate(results):
        assert [s.text for s in sentences] == [
            f"Gunmen attacked Kadawa{i} on Monday.",
            f"Police said {i} people died.",
        ]


def test_quotations_of_three_words_or_more() -> None:
    text = 'State TV said 30 “bandits” died. "We came in from the hills," one ranger said.'
    (quote,) = find_quotations(text)
    assert quote.text == "We came in from the hills"
    assert text[quote.start : quote.end] == quote.text


@pytest.mark.parametrize(
    ("text", "claim", "source"),
    [
        (
            '"We came in from the hills," one ranger told local radio.',
            "We came in from the hills",
            "one ranger",
        ),
        (
            '"We will not sign it," said Marta Kovane, a member of the farmers\' union.',
            "We will not sign it",
            "Marta Kovane",
        ),
        (
            "Pelan state radio said 45 people were killed, while medics said 31 died.",
            "45",
            "Pelan state radio",
        ),
        (
            "Pelan state radio said 45 people were killed, while medics said 31 died.",
            "31",
            "medics",
        ),
        ("At least 12 people died, according to the health ministry.", "12", "the health ministry"),
        (
            "Elias Hanna, a retired general who teaches in Beirut, said that the town matters.",
            "the town",
            "Elias Hanna",
        ),
        (
            "The relief agency reported landslides, and said that at least 19 porters were killed.",
            "19",
            "The relief agency",
        ),
        (
            'Rami Abdel Rahman told AFP the army advanced. "The province will fall," he said.',
            "The province will fall",
            "Rami Abdel Rahman",
        ),
        ("The town was quiet on Sunday.", "quiet", None),
    ],
)
def test_sources_are_read_from_the_reporting_frame(text: str, claim: str, source: str | None) -> None:
    doc = analyse(make_article(text))
    start = text.index(claim)
    sentence = next(s for s in doc.sentences if s.start <= start < s.end)
    found = source_of(text, doc.sentences, sentence, start, start + len(claim))
    assert (found.text if found else None) == source
    if found:
        assert text[found.start : found.end] == found.text


def test_seed_candidates() -> None:
    doc = analyse(make_article(seed_text(0)))
    assert [(f.quantity.low, f.source.text if f.source else None) for f in doc.figures] == [
        (100, "the soldier"),
        (4, "A source close to Hezbollah"),
        (52, "The Britain-based Observatory"),
        (21, "The Britain-based Observatory"),
        (3, "The Britain-based Observatory"),
    ]
    assert [d.mention.text for d in doc.dates][:2] == ["today", "Thursday"]
    assert all(q.source is not None for q in doc.quotes)


def test_the_dateline_is_the_publication_s_date_not_the_event_s() -> None:
    doc = analyse(
        make_article("HERAT, Feb 9 (AFP) — A bomber struck on Wednesday afternoon, officials said.")
    )
    assert [d.mention.text for d in doc.dates] == ["Wednesday afternoon"]


@pytest.mark.parametrize(
    ("lead", "first_hint"),
    [
        ("TARVEL, May 3 — A district court on Monday fined the shipping firm.", ("other", "court")),
        (
            "Armed men abducted nine traders on the road to Ostrava early on Sunday.",
            ("abduction_forced_disappearance", "abduct"),
        ),
        (
            "Militants seized a ferry on Lake Vorn on Friday and took 40 passengers hostage.",
            ("abduction_forced_disappearance", "hostage"),
        ),
        (
            "The two parties signed a ceasefire agreement at talks in Oslo on Friday.",
            ("agreement", "signed a ceasefire agreement"),
        ),
        ("MOGADISHU, March 12 — Troops fought militants near the town.", ("armed_clash", "fought")),
    ],
)
def test_words_in_the_lead_are_offered_as_type_hints(lead: str, first_hint: tuple[str, str]) -> None:
    assert analyse(make_article(lead)).type_hints[0] == first_hint


def test_the_sentence_at_an_offset_is_the_one_whose_span_holds_it_and_none_between() -> None:
    text = "  The river rose on Monday.   Two bridges closed!\n\nResidents left.  "
    sentences = split_sentences(text)
    assert len(sentences) == 3
    for offset in range(len(text) + 1):
        holding = [s for s in sentences if s.start <= offset < s.end]
        assert sentence_at(sentences, offset) == (holding[0] if holding else None), offset
