"""Numbers as written in news text, parsed by the program (never by the model)."""

from __future__ import annotations

import pytest

from summarizer.text.figures import (
    find_quantities,
    is_background,
    mentions_casualties,
    number_value,
    outcome_near,
    phrase_after,
    victims_after,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52 people were killed", [(52, None, "exact")]),
        ("at least 52 people", [(52, None, "at_least")]),
        ("more than 100 died", [(100, None, "more_than")]),
        ("nearly 40 were wounded", [(40, None, "about")]),
        ("up to 30 are missing", [(30, None, "up_to")]),
        ("three women", [(3, None, "exact")]),
        ("twenty-one soldiers", [(21, None, "exact")]),
        ("a dozen villagers", [(12, None, "exact")]),
        ("half a dozen guards", [(6, None, "exact")]),
        ("two hundred people", [(200, None, "exact")]),
        ("1,200 families", [(1200, None, "exact")]),
        ("between 10 and 15 people", [(10, 15, "exact")]),
        ("10-15 people", [(10, 15, "exact")]),
        ("two or three bodies", [(2, 3, "exact")]),
        ("dozens of people", [(12, None, "vague")]),
        ("hundreds were displaced", [(100, None, "vague")]),
        ("several people were hurt", [(None, None, "vague")]),
    ],
)
def test_quantities_are_parsed(text: str, expected: list[tuple[int | None, int | None, str]]) -> None:
    assert [(q.low, q.high, q.qualifier) for q in find_quantities(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "in 2013 the war went on",
        "on May 18 the town fell",
        "six miles from the border",
        "a 25-year-old man was killed",
        "for more than two years",
        "at 10 a.m. the shelling began",
        "losses of $40 million",
        "nearly 50 percent of homes",
    ],
)
def test_years_dates_units_and_ages_are_not_headcounts(text: str) -> None:
    assert [q.text for q in find_quantities(text) if q.low not in (None,)] == []


def test_offsets_are_exact() -> None:
    text = "Officials said at least 52 people died."
    (q,) = find_quantities(text)
    assert text[q.start : q.end] == q.text == "at least 52"


@pytest.mark.parametrize(
    ("words", "value"),
    [("seventy", 70), ("a hundred", 100), ("two thousand five hundred", 2500), ("3.5 million", 3_500_000)],
)
def test_number_words(words: str, value: int) -> None:
    assert number_value(words) == value


def test_casualty_vocabulary_selects_sentences() -> None:
    assert mentions_casualties("Four members were killed overnight.")
    assert mentions_casualties("The attack left 30 wounded.")
    assert not mentions_casualties("The village lies four miles from the lake.")


@pytest.mark.parametrize(
    ("text", "victims"),
    [
        ("He said 60 masked men were killed.", "masked men"),
        ("six of the militia's recruits were killed", "the militia's recruits"),
        ("at least 38 villagers, including two nurses, died", "villagers"),
        ("70 “terrorists” were killed", "“terrorists”"),
        ("the blast killed 12.", None),
    ],
)
def test_victims_are_the_words_after_the_number(text: str, victims: str | None) -> None:
    quantity = find_quantities(text)[0]
    assert victims_after(text, quantity, len(text)) == victims


def test_phrase_shown_to_the_model_stops_at_punctuation() -> None:
    text = "medics said that at least 38 villagers, including two nurses, died"
    quantity = find_quantities(text)[0]
    assert phrase_after(text, quantity, len(text)) == "at least 38 villagers"


@pytest.mark.parametrize(
    ("text", "outcomes"),
    [
        ("two people were wounded when a bomb exploded", ["injured"]),
        ("killing four people and wounding 12 others", ["killed", "injured"]),
        ("at least 38 villagers, including two nurses, died", ["killed", "killed"]),
        ("Police arrested 40 protesters", ["captured"]),
        ("forcing 3,000 families to flee", ["displaced"]),
        ("at least eight rockets hit the town", [None]),
    ],
)
def test_the_outcome_is_read_next_to_the_figure(text: str, outcomes: list[str | None]) -> None:
    assert [outcome_near(text, q, 0, len(text)) for q in find_quantities(text)] == outcomes


@pytest.mark.parametrize(
    ("sentence", "figure", "background"),
    [
        ("More than 6,500 people were killed in Ruritania last year, a monitor estimates.", "6,500", True),
        ("Upland fighting this year has killed at least 4,200 herders.", "4,200", True),
        ("Since the election, the union says more than 90 strikers have been killed.", "90", True),
        ("Bandits have abducted hundreds of pupils since 2016, when raiders seized 143 boys.", "143", True),
        ("The ambush came three weeks after raiders killed at least 17 people in a market.", "17", True),
        ("Thousands of men have been killed here and hundreds of thousands have fled.", "Thousands", True),
        ("More than 70 students had been detained across Lagos since Sunday.", "70", False),
        ("Four people were killed on Tuesday, bringing the toll this year to 300.", "Four", False),
        ("Four people were killed on Tuesday, bringing the toll this year to 300.", "300", True),
        ("At least 38 people were killed during the night, the coast guard said.", "38", False),
    ],
)
def test_background_totals_are_told_apart(sentence: str, figure: str, background: bool) -> None:
    (q,) = [q for q in find_quantities(sentence) if q.text.endswith(figure) or q.text == figure]
    assert is_background(sentence, q, 0, len(sentence)) is background


def test_idioms_and_uncounted_amounts_are_not_figures() -> None:
    assert find_quantities("making it one of the worst droughts on record") == []
    assert find_quantities("The ministry would not say how many of its sailors drowned") == []
    assert find_quantities("many of the injured are still in hospital") == []


def test_people_freed_or_escaped_were_not_harmed() -> None:
    text = "The captors freed two sick women, while between 15 and 25 pupils escaped."
    assert [outcome_near(text, q, 0, len(text)) for q in find_quantities(text)] == ["unharmed", "unharmed"]


@pytest.mark.parametrize(
    ("text", "outcomes"),
    [
        ("She said five guards were killed and nine others were wounded.", ["killed", "injured"]),
        ("Rebel artillery pounded the port, killing two fishermen and wounding 14.", ["killed", "injured"]),
        ("The warden said 47 hikers and one guide were missing.", ["missing", "missing"]),
        ("at least 38 people were killed, among them at least 16 miners and two children", ["killed"] * 3),
        (
            "The rebels had killed 14 policemen and seized rifles and three patrol boats.",
            ["killed", None],
        ),
        (
            "killing at least five people, a charity said, as tens of thousands marched on the capital",
            ["killed", None],
        ),
        ("Our units killed 24 insurgents and the rest fled into the hills", ["killed"]),
        ("more than 60 of its organisers and members had been arrested", ["captured"]),
    ],
)
def test_the_outcome_belongs_to_the_figure_s_own_clause(text: str, outcomes: list[str | None]) -> None:
    assert [outcome_near(text, q, 0, len(text)) for q in find_quantities(text)] == outcomes
