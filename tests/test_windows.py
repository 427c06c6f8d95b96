"""Length is not a refusal: an article too long for one prompt is read in overlapping,
sentence-aligned windows, and its record keeps the whole article's exact offsets."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from summarizer.core.config import Settings
from summarizer.core.types import Problem
from summarizer.model.extraction import WINDOW_OVERLAP, WINDOW_WORDS, check_fits, windows
from summarizer.model.transports import local_model_file, open_model
from summarizer.parsing.windows import merge_windows
from summarizer.pipeline import Summarizer
from summarizer.records.contract import Casualty, Event, Evidence, Location, Quote, Summary
from summarizer.text.document import analyse
from summarizer.text.ingest import make_article
from tests.conftest import assert_grounded
from tests.fakes import FakeOpenAIServer

FILLER = (
    "Residents of the district said the market had reopened and traders were counting their "
    "losses after a week of heavy rain that flooded several streets near the river. The council "
    "promised to repair the bridge before the harvest, and schools were expected to reopen "
    "within days. Farmers in the valley said the water had ruined the wheat they planted in "
    "the spring, and many families had moved in with relatives on higher ground."
)


def long_article(words: int) -> str:
    """Paragraphs of filler, each with one casualty figure of its own number."""
    paragraphs: list[str] = []
    n = 0
    while sum(len(p.split()) for p in paragraphs) < words:
        n += 1
        paragraphs.append(f"Officials said {n + 100} people were killed in the floods on Monday. {FILLER}")
    return "\n\n".join(paragraphs)


@pytest.mark.live
def test_the_embedded_models_tokens_put_2000_words_in_one_prompt_and_20000_in_windows_that_fit() -> None:
    """Counted with the embedded model's own tokenizer (its vocabulary only: no weights run)."""
    from llama_cpp import Llama

    tokenizer = Llama(model_path=str(local_model_file(Settings())), vocab_only=True, verbose=False)
    model = SimpleNamespace(
        count_tokens=lambda text: len(tokenizer.tokenize(text.encode(), add_bos=False, special=True)),
        context_window=Settings().context_window,
    )
    doc = analyse(make_article(long_article(2000), id="two-thousand"))
    assert windows(doc, model) == [doc]  # type: ignore[arg-type]
    doc = analyse(make_article(long_article(20_000), id="twenty-thousand"))
    parts = windows(doc, model)  # type: ignore[arg-type]
    assert len(parts) >= 10
    for part in parts:
        check_fits(part, model)  # type: ignore[arg-type]


def test_windows_cover_every_sentence_and_overlap_by_two(fake_settings: Settings) -> None:
    doc = analyse(make_article(long_article(12_000), id="long"))
    parts = windows(doc, open_model(fake_settings))
    assert len(parts) >= 6
    spans = [p.shown for p in parts if p.shown is not None]
    assert len(spans) == len(parts)
    assert spans[0][0] == 1
    assert spans[-1][1] == len(doc.sentences)
    for (_, last), (first, _) in itertools.pairwise(spans):
        assert first == last - WINDOW_OVERLAP + 1, "each window starts with the last two of the one before"
    for part, (low, high) in zip(parts, spans, strict=True):
        assert sum(len(s.text.split()) for s in part.visible) <= WINDOW_WORDS
        assert all(low <= f.sentence.number <= high for f in part.figures)
        assert all(any(low <= n <= high for n in name.sentence_numbers) for name in part.names)


def test_a_short_article_is_one_prompt_that_shows_every_sentence(fake_settings: Settings) -> None:
    doc = analyse(make_article(long_article(300), id="short"))
    assert windows(doc, open_model(fake_settings)) == [doc]
    assert doc.visible == doc.sentences


def test_a_long_article_gets_one_record_with_every_figure_once_at_its_offset(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    text = long_article(8000)
    record = Summarizer(fake_settings).summarize(make_article(text, id="long"))
    assert_grounded(record, text)
    counts = sorted(c.count_low or 0 for e in record.events for c in e.casualties)
    assert counts == [n + 100 for n in range(1, text.count("Officials said") + 1)], "every figure once"
    assert record.usage.calls >= 8


def test_one_sentence_too_long_for_the_context_is_refused_by_name(fake_settings: Settings) -> None:
    settings = fake_settings.model_copy(update={"context_window": 4096})
    text = " ".join(["The flood reached the village and the river kept rising"] * 900) + "."
    with pytest.raises(Exception, match="too long for the model") as caught:
        Summarizer(settings).summarize(make_article(text, id="one-sentence"))
    assert type(caught.value).__name__ == "InputError"


def _evidence(text: str, start: int) -> Evidence:
    return Evidence(start=start, end=start + len(text), text=text, match="exact")


def _event(place: str, sub_type: str, claims: list[tuple[int, int]], quotes: tuple[int, ...] = ()) -> Event:
    return Event(
        event_type="violence_against_civilians" if sub_type == "attack" else "battles",
        sub_event_type=sub_type,
        summary=Summary(text="s", evidence=[_evidence("s", 0)]),
        locations=[Location(name=place, role="primary", evidence=[_evidence(place, 1)])],
        casualties=[
            Casualty(outcome="killed", count_low=n, count_high=n, evidence=[_evidence(str(n), at)])
            for at, n in claims
        ],
        quotes=[Quote(text="q", speaker=None, evidence=[_evidence("q", at)]) for at in quotes],
    )


def test_merging_keeps_what_the_overlap_read_twice_once_and_joins_the_same_event() -> None:
    first = _event("Tarvel", "attack", [(12, 100), (40, 200)], quotes=(60,))
    again = _event("the town of Tarvel", "attack", [(40, 200), (90, 300)], quotes=(60, 95))
    elsewhere = _event("Mossgate", "armed_clash", [(120, 400)])
    claimant = Problem("events[0].casualties[1].claimant", "claimant", "a ghost", "not_found", "not there")
    place = Problem("events[1].locations[0]", "location", "Nowhere", "not_found", "not in the article")
    events, problems = merge_windows([([first], []), ([again, elsewhere], [claimant, place])])
    assert [e.locations[0].name for e in events] == ["Tarvel", "Mossgate"]
    assert [c.count_low for c in events[0].casualties] == [100, 200, 300]
    assert [q.evidence[0].start for q in events[0].quotes] == [60, 95]
    assert [loc.role for loc in events[0].locations] == ["primary"], "one primary place"
    paths = [p.path for p in problems]
    assert paths == ["events[0]", "events[0].casualties.claimant", "events[1].locations[0]"]
    assert problems[0].code == "repeated", "the second reading is recorded, not dropped silently"
    assert all(p.slot is None for p in problems), "a window's refusal is final: no re-ask"


def test_a_later_windows_main_event_without_a_place_joins_the_main_event() -> None:
    first = _event("Tarvel", "attack", [(12, 100)])
    placeless = _event("Tarvel", "armed_clash", [(300, 7)]).model_copy(update={"locations": []})
    events, problems = merge_windows([([first], []), ([placeless], [])])
    assert len(events) == 1
    assert [c.count_low for c in events[0].casualties] == [100, 7]
    assert [p.code for p in problems] == ["repeated"]


def test_windows_always_advance_past_a_sentence_longer_than_the_rest(fake_settings: Settings) -> None:
    short = " ".join(f"The council met on day {n} and nothing was decided." for n in range(200))
    huge = "The report listed " + ", ".join(f"the village of Arden number {n}" for n in range(330)) + "."
    text = f"{short} {huge} {short}"
    doc = analyse(make_article(text, id="uneven"))
    parts = windows(doc, open_model(fake_settings))
    spans = [p.shown for p in parts if p.shown is not None]
    assert spans[0][0] == 1
    assert spans[-1][1] == len(doc.sentences)
    for (first_a, last_a), (first_b, last_b) in itertools.pairwise(spans):
        assert last_b > last_a, "every window reads at least one new sentence"
        assert first_a < first_b <= last_a + 1, "no gap, and never the same start"
        assert last_a - first_b + 1 <= WINDOW_OVERLAP, "a sentence is read again only as overlap"
    for part, (low, high) in zip(parts, spans, strict=True):
        assert all(low <= name.sentence.number <= high for name in part.names), "a name's sentence is shown"


def _figure_requests(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    return [r for r in server.requests if r["response_format"]["json_schema"]["name"] == "Figures"]


def test_a_sentence_full_of_figures_is_asked_in_smaller_batches_that_fit(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    """A list of towns and tolls in one long sentence: each figure's question repeats the
    sentence, so ten at once overflow a small context; halves are asked instead."""
    villages = (
        "Arden",
        "Belmor",
        "Corvin",
        "Dunmere",
        "Elsby",
        "Farrow",
        "Glenhal",
        "Harwick",
        "Ivel",
        "Jorvik",
    )
    towns = ", ".join(f"{n} people were killed in {v} on the river road" for n, v in enumerate(villages, 11))
    text = f"Officials said on Monday that {towns}. {FILLER}"
    article = make_article(text, id="list")
    Summarizer(fake_settings).summarize(article)
    assert len(_figure_requests(fake_server)) == 1

    fake_server.requests.clear()
    small = fake_settings.model_copy(update={"context_window": 3000})
    record = Summarizer(small).summarize(article)
    asked = _figure_requests(fake_server)
    assert len(asked) >= 2
    for request in asked:
        prompt = sum(len(m["content"]) // 3 + 1 for m in request["messages"]) + 32
        assert prompt + request["max_tokens"] <= small.context_window
    assert_grounded(record, text)
    assert sorted(c.count_low or 0 for e in record.events for c in e.casualties) == list(range(11, 21))
