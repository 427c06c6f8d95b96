"""Articles built to break the program: each gets a correct record or a clear error for itself,
never an exception that escapes (the costs are measured in benchmarks/hostile_text.py)."""

from __future__ import annotations

import pytest

from summarizer.core.config import Settings
from summarizer.core.errors import InputError
from summarizer.pipeline import Summarizer
from summarizer.text.attribution import source_of
from summarizer.text.document import analyse
from summarizer.text.figures import find_quantities
from summarizer.text.ingest import make_article
from tests.conftest import assert_grounded

FIGURES = (
    "that 4 people were killed, 5 wounded, 6 missing, 7 dead, 8 hurt, 9 kidnapped, 10 displaced and 11 held."
)


def many_verbs(repeats: int) -> str:
    """A sentence of one source and a long run of reporting verbs before eight figures."""
    return "Officials " + "said and " * repeats + FIGURES


@pytest.mark.parametrize("repeats", [600, 1200, 5000])
def test_a_sentence_of_endless_reporting_verbs_is_read_without_recursion(repeats: int) -> None:
    doc = analyse(make_article(many_verbs(repeats)))
    assert [f.quantity.low for f in doc.figures] == [4, 5, 6, 7, 8, 9, 10, 11]
    sentence = doc.sentences[0]
    figure = doc.figures[0].quantity
    source_of(doc.text, doc.sentences, sentence, figure.start, figure.end)  # returns, whatever it finds


def test_a_number_of_hundreds_of_digits_is_no_headcount() -> None:
    text = f"Police said {'9' * 400} people were killed and 3 were wounded in the attack."
    assert [q.low for q in find_quantities(text)] == [3]


def test_hostile_articles_get_records_through_the_library(fake_settings: Settings) -> None:
    summarizer = Summarizer(fake_settings)
    for text in (
        many_verbs(150),
        f"Police said {'9' * 400} people were killed and 3 were wounded in the attack on Monday.",
    ):
        record = summarizer.summarize(make_article(text))
        assert_grounded(record, text)


def test_one_sentence_too_long_for_the_model_gets_a_clear_error_of_its_own(fake_settings: Settings) -> None:
    """A sentence whose figures overflow one question is asked about in smaller batches; a
    sentence that cannot fit even with one figure cannot be read, and says so."""
    summarizer = Summarizer(fake_settings)
    record = summarizer.summarize(make_article(many_verbs(1200)))
    assert any(e.casualties for e in record.events)
    with pytest.raises(InputError, match="too long for the model"):
        summarizer.summarize(make_article(many_verbs(5000)))
