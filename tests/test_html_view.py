"""The HTML view without a browser: how text is cut into spans, what is escaped, and the page
from the CLI, the service and the eval. What a person sees and clicks is in test_browser.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from summarizer.app.cli import main
from summarizer.app.service import prefers_html
from summarizer.core.config import Settings
from summarizer.records.contract import (
    Actor,
    ArticleMeta,
    ArticleSummary,
    Casualty,
    Event,
    Evidence,
    Quote,
    Rejection,
    Summary,
    Usage,
)
from summarizer.records.html import Span, render_record, segments
from summarizer.text.ingest import text_sha256
from tests.test_service import ARTICLE, running

HOSTILE = (
    'Masked men <script>window.pwned = 1</script> raided <b>Dunmore</b> & <img src=x onerror="pwned=2">; '
    "the mayor said 3 guards were hurt. </script><script>window.pwned = 3</script>"
)


def _evidence(text: str, snippet: str) -> Evidence:
    start = text.index(snippet)
    return Evidence(start=start, end=start + len(snippet), text=snippet)


def hostile_record(text: str = HOSTILE) -> ArticleSummary:
    """A record whose article and values are full of markup, as a hostile article or model might
    make them."""
    raid = _evidence(text, "Masked men <script>window.pwned = 1</script> raided <b>Dunmore</b>")
    hurt = _evidence(text, "the mayor said 3 guards were hurt")
    event = Event(
        event_type="violence_against_civilians",
        sub_event_type="attack",
        summary=Summary(
            text="Men </script><script>window.pwned = 4</script> raided a town.", evidence=[raid]
        ),
        actors=[Actor(name="<b>Masked men</b>", evidence=[_evidence(text, "Masked men")])],
        casualties=[
            Casualty(outcome="injured", count_low=3, claimant="the mayor", victims="guards", evidence=[hurt])
        ],
        quotes=[Quote(speaker="</script>", text="<script>", evidence=[_evidence(text, "<script>")])],
    )
    refused = Rejection(
        path="events[0].locations[0]",
        code="not_found",
        value={"name": "</script><script>window.pwned = 5</script>", "evidence": [raid.model_dump()]},
        reason="'</script>' is not in the text",
    )
    return ArticleSummary(
        article=ArticleMeta(id="<i>raid</i>", sha256=text_sha256(text), title="</title><script>x</script>"),
        events=[event],
        rejected=[refused],
        usage=Usage(provider="openai", model="<model>", prompt_version="v"),
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    return parser.tags


def test_overlapping_spans_cut_the_text_into_pieces_that_know_every_span_over_them() -> None:
    text = "abcdefghij"
    outer, inner, empty = (
        Span("o", 2, 8, "event", "f1"),
        Span("i", 4, 6, "place", "f2"),
        Span("z", 9, 9, "date", "f3"),
    )
    pieces = segments(text, [outer, inner, empty])
    assert "".join(p.text for p in pieces) == text
    assert [(p.text, [s.id for s in p.spans]) for p in pieces] == [
        ("ab", []),
        ("cd", ["o"]),
        ("ef", ["i", "o"]),  # the innermost first: its kind tints the piece
        ("gh", ["o"]),
        ("i", []),
        ("", ["z"]),
        ("j", []),
    ]
    assert "inset 0 -3px 0" in pieces[2].style
    assert "inset 0 -6px 0" in pieces[2].style


def test_markup_from_the_article_or_the_model_is_text_never_markup() -> None:
    page = render_record(hostile_record(), HOSTILE)
    tags = tags_of(page)
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{"type": "application/json", "class": "view-data"}, {}]  # the data block, our code
    assert not [tag for tag, _ in tags if tag in ("b", "img", "i")]
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    data_block = re.search(r'<script type="application/json" class="view-data">(.*?)</script>', page, re.S)
    assert data_block is not None
    data = json.loads(data_block.group(1))  # the block ends where it should, and reads back whole
    assert data["fields"]["events[0].quotes[0]"]["label"] == "Quote: <script>"
    assert "<" not in data_block.group(1)


def test_one_file_as_html_on_stdout(tmp_path: Path, fake_env: dict[str, str]) -> None:
    article = tmp_path / "raid.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(main, [str(article), "--format", "html"], env=fake_env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!doctype html>")
    marks = re.findall(r'<mark class="span k-(\w+)', result.stdout)
    assert "event" in marks


def test_several_files_as_html_need_a_folder(tmp_path: Path, fake_env: dict[str, str]) -> None:
    article = tmp_path / "raid.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(main, [str(article), str(article), "--format", "html"], env=fake_env)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "summarize: error: --format html writes one page per article: give --out DIR for several files"
    )


def test_a_folder_of_pages_with_an_index_linking_each(tmp_path: Path, fake_env: dict[str, str]) -> None:
    names = {"index": ARTICLE, "empty": "", "town": "Police arrested 40 protesters in Tunis today."}
    files = []
    for name, text in names.items():
        files.append(tmp_path / f"{name}.txt")
        files[-1].write_text(text, encoding="utf-8")
    out = tmp_path / "pages"
    result = CliRunner().invoke(main, [*map(str, files), "--format", "html", "--out", str(out)], env=fake_env)
    assert result.exit_code == 2  # the empty article
    assert sorted(p.name for p in out.iterdir()) == [
        "empty.error.html",
        "index-2.html",
        "index.html",
        "town.html",
    ]
    links = [attrs["href"] for tag, attrs in tags_of((out / "index.html").read_text()) if tag == "a"]
    assert links == ["index-2.html", "empty.error.html", "town.html"]
    assert "the article is empty" in (out / "empty.error.html").read_text()


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/html", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),  # a browser's
        ("application/json, text/html", False),  # a tie keeps the contract's JSON
        ("text/html;q=0.5, application/json", False),
        ("text/html;q=0", False),
        ("text/html;q=junk", False),
    ],
)
def test_which_requests_get_the_page(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


def test_the_service_answers_a_page_when_asked(fake_settings: Settings) -> None:
    with running(fake_settings) as url:
        page = httpx.post(
            f"{url}/v1/summaries", json={"text": ARTICLE, "id": "a1"}, headers={"Accept": "text/html"}
        )
        plain = httpx.post(f"{url}/v1/summaries", json={"text": ARTICLE, "id": "a1"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.startswith("<!doctype html>")
    assert "a1" in page.text
    assert "Kafr Nabl" in page.text
    record = ArticleSummary.model_validate_json(plain.text)
    assert record.article.id == "a1"
