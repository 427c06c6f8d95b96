"""`summarize consolidate --format html`: the page from records built here (see
test_consolidation.py) and from articles the scripted model summarises, escaping, and the
claims' order. What a browser shows and highlights is in test_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from summarizer.app.cli import main
from summarizer.consolidation.merge import consolidate
from summarizer.records.consolidated import Claim, SpanRef
from summarizer.records.consolidated_html import claim_rows, render_consolidated
from tests.test_batch import story
from tests.test_consolidation import FIRST, TEXTS, _first, _later, _second, _write_records
from tests.test_html_view import HOSTILE, hostile_record, tags_of

PANEL = re.compile(r'<details class="report-article" data-article="([^"]*)" open>(.*?)</details>', re.S)


def _panels(page: str) -> dict[str, str]:
    return dict(PANEL.findall(page))


def _marked_texts(panel: str) -> list[str]:
    """The text of each span the panel highlights (pieces of one span joined)."""
    found: dict[str, str] = {}
    for ids, text in re.findall(
        r'<mark class="span[^"]*" data-spans="([^"]*)"[^>]*>(.*?)</mark>', panel, re.S
    ):
        for span in ids.split():
            found[span] = found.get(span, "") + text
    return sorted(found.values())


def test_with_the_texts_each_article_shows_the_spans_of_its_values() -> None:
    records = consolidate([_first(), _second(), _later()])
    page = render_consolidated(records, TEXTS)
    panels = _panels(page)
    assert list(panels) == ["first", "second", "later"]
    second = panels["second"]
    assert _marked_texts(second) == sorted(
        [
            "Shells fell on Qusair in Syria on Monday",
            "Monday",
            "Qusair",
            "Syria",
            "Medics said dozens of people died in Qusair.",
        ]
    )
    assert "Fatalities coded: 33" in page
    assert "lowest_total_latest_report" in page
    assert "Al Quşayr" in page  # the gazetteer's name for the town both spellings name
    assert '<q>Qusair</q> <span class="detail">in second</span>' in page


def test_from_json_records_the_evidence_is_quoted_instead(tmp_path: Path) -> None:
    paths = _write_records(tmp_path, _first(), _second())
    result = CliRunner().invoke(main, ["consolidate", *paths, "--format", "html"])
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!doctype html>")
    panels = _panels(page)
    assert list(panels) == ["first", "second"]
    assert "<mark" not in page
    assert "the article text is not at hand" in panels["first"]
    quotes = re.findall(
        r'<blockquote class="quote" data-start="(\d+)" data-end="(\d+)">(.*?) <span', panels["first"]
    )
    assert quotes
    for start, end, text in quotes:
        assert FIRST[int(start) : int(end)] == text.replace("&#39;", "'")


def test_articles_summarised_first_are_shown_with_their_spans(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    texts = {"north": story(0), "south": story(8)}
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    args = ["consolidate", *(str(tmp_path / f"{n}.txt") for n in texts), "--format", "html"]
    result = CliRunner().invoke(main, args, env=fake_env)
    assert result.exit_code == 0, result.stderr
    panels = _panels(result.stdout)
    assert set(panels) == set(texts)
    for name, panel in panels.items():
        shown = re.search(r'<div class="article-text">(.*?)</div>', panel, re.S)
        assert shown is not None
        assert re.sub(r"<[^>]+>", "", shown.group(1)) == texts[name]
        assert "Gunmen killed" in "".join(_marked_texts(panel))


def test_a_text_that_is_not_the_records_shows_no_span_in_the_wrong_place() -> None:
    records = consolidate([_second()])
    page = render_consolidated(records, {"second": "Something else entirely was written here, at length."})
    panel = _panels(page)["second"]
    assert "<mark" not in panel
    assert re.search(r"5 spans do not match this text", panel)


def test_markup_in_the_articles_and_the_values_is_text() -> None:
    record = hostile_record()
    page = render_consolidated(consolidate([record]), {record.article.id: HOSTILE})
    tags = tags_of(page)
    assert [attrs for tag, attrs in tags if tag == "script"] == [
        {"type": "application/json", "class": "view-data"},
        {},
    ]
    assert not [tag for tag, _ in tags if tag in ("b", "img", "i")]
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "&lt;b&gt;Masked men&lt;/b&gt;" in page


def _claim(claim_id: str, part_of: str | None = None) -> Claim:
    span = SpanRef(article_id="a", start=0, end=1, text="x")
    return Claim(
        id=claim_id,
        article_id="a",
        outcome="killed",
        count_low=1,
        qualifier="exact",
        part_of=part_of,
        evidence=[span],
    )


def test_sub_counts_sit_under_their_totals() -> None:
    claims = [
        _claim("a#0"),
        _claim("a#1"),
        _claim("a#2", "a#0"),
        _claim("a#3", "a#2"),
        _claim("a#4", "gone#9"),
    ]
    rows = [(r.claim.id, r.depth) for r in claim_rows(claims)]
    assert rows == [("a#0", 0), ("a#2", 1), ("a#3", 2), ("a#1", 0), ("a#4", 0)]
    cycle = [_claim("b#0", "b#1"), _claim("b#1", "b#0")]
    assert sorted(r.claim.id for r in claim_rows(cycle)) == ["b#0", "b#1"]
