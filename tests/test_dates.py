"""Date expressions found by the program and resolved against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer.text.dates import find_dates, resolve

MONDAY = dt.date(2013, 5, 20)


def test_expressions_are_found_with_their_precision() -> None:
    text = "In this Saturday, May 18, 2013 image, troops attacked Sunday morning; talks are next month."
    found = [(d.text, d.precision) for d in find_dates(text)]
    assert found == [("Saturday, May 18, 2013", "day"), ("Sunday morning", "day"), ("next month", "month")]
    for d in find_dates(text):
        assert text[d.start : d.end] == d.text


@pytest.mark.parametrize(
    ("expression", "published", "iso"),
    [
        ("today", MONDAY, "2013-05-20"),
        ("yesterday", MONDAY, "2013-05-19"),
        ("Sunday", MONDAY, "2013-05-19"),
        ("Monday", MONDAY, "2013-05-20"),  # its own publication day, not a week before
        ("Saturday", MONDAY, "2013-05-18"),
        ("last week", MONDAY, "2013-W20"),
        ("last month", MONDAY, "2013-04"),
        ("last year", MONDAY, "2012"),
        ("May 18, 2013", None, "2013-05-18"),
        ("May 2013", None, "2013-05"),
        ("today", None, None),
        ("Sunday", None, None),
        ("overnight", MONDAY, None),
    ],
)
def test_resolution(expression: str, published: dt.date | None, iso: str | None) -> None:
    (mention,) = find_dates(expression)
    assert resolve(mention.text, mention.precision, published) == iso
