"""`summarize batch --html DIR`: a page per article from the scripted model, an index of the
whole output (resumed runs included), and ids that cannot write outside DIR."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from summarizer.app.batch_pages import BatchPages, page_name
from summarizer.records.contract import ArticleSummary, iter_evidence
from tests.test_batch import invoke, read_lines, story
from tests.test_html_view import hostile_record, tags_of

HOSTILE_STORY = "Gunmen killed 4 people at a market in <script>window.pwned = 1</script> Arden on Tuesday."


def _write_source(path: Path, entries: list[tuple[str, str]], *extra: str) -> None:
    lines = [json.dumps({"id": i, "text": t}) for i, t in entries]
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")


def _links(index: Path) -> list[str]:
    return [str(attrs["href"]) for tag, attrs in tags_of(index.read_text("utf-8")) if tag == "a"]


def _marked(page: str) -> dict[str, str]:
    """Each span id's text on the page, its pieces joined (the segments carry every id over them)."""
    found: dict[str, str] = {}
    for ids, text in re.findall(
        r'<mark class="span[^"]*" data-spans="([^"]*)"[^>]*>(.*?)</mark>', page, re.S
    ):
        for span in ids.split():
            found[span] = found.get(span, "") + text
    return found


def test_a_page_per_article_as_it_finishes_and_an_index_of_all(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    texts = {f"wire-{n}": story(n) for n in range(3)}
    source, out, pages = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "pages"
    _write_source(source, list(texts.items()), '{"id": "torn", "text": ')
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 2, err  # the torn line
    assert f"pages in {pages}" in err
    assert sorted(p.name for p in pages.iterdir()) == sorted(
        ["index.html", "wire-0.html", "wire-1.html", "wire-2.html", page_name("line 4", failed=True)]
    )
    for entry in read_lines(out):
        if "error" in entry:
            continue
        record = ArticleSummary.model_validate(entry)
        page = (pages / f"{record.article.id}.html").read_text("utf-8")
        evidence = {path: ev.text for path, ev in iter_evidence(record)}
        assert evidence
        shown = {k: v for k, v in _marked(page).items() if ".evidence[" in k}
        assert shown == evidence
    torn = (pages / page_name("line 4", failed=True)).read_text("utf-8")
    assert "not valid JSON" in torn
    in_output_order = [
        page_name("line 4", failed=True) if "error" in e else f"{e['article']['id']}.html"
        for e in read_lines(out)
    ]
    assert sorted(in_output_order) == sorted(set(in_output_order))
    assert _links(pages / "index.html") == in_output_order


def test_ids_become_file_names_inside_the_folder_and_distinct(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    ids = ["../escaped", "a/b", "a_b", "/etc/passwd", "Wire", "wire", "index", "x.error", "..", "<script>"]
    source, out, pages = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "site" / "pages"
    _write_source(source, [(i, story(n)) for n, i in enumerate(ids)])
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 0, err
    written = sorted(p.name for p in pages.iterdir())
    assert sorted(p.name for p in tmp_path.rglob("*.html")) == written  # nothing anywhere else
    assert len(written) == len(ids) + 1  # every id its own page, and the index
    assert len({name.casefold() for name in written}) == len(written)
    assert "index.html" in written
    assert "escaped" not in {p.name for p in tmp_path.iterdir()}
    assert all(p.is_file() and p.parent == pages for p in pages.iterdir())
    links = _links(pages / "index.html")
    assert sorted(links) == sorted(set(written) - {"index.html"})
    assert page_name("../escaped", failed=False).startswith("escaped-")


def test_markup_in_an_article_and_its_id_is_shown_as_text(fake_env: dict[str, str], tmp_path: Path) -> None:
    source, out, pages = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "pages"
    _write_source(source, [("<b>raid</b>", HOSTILE_STORY)])
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 0, err
    page = (pages / page_name("<b>raid</b>", failed=False)).read_text("utf-8")
    assert [attrs for tag, attrs in tags_of(page) if tag == "script"] == [
        {"type": "application/json", "class": "view-data"},
        {},
    ]
    assert not [tag for tag, _ in tags_of(page) if tag == "b"]
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "&lt;b&gt;raid&lt;/b&gt;" in (pages / "index.html").read_text("utf-8")


def test_a_resumed_run_indexes_the_earlier_runs_articles_too(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    source, out, pages = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "pages"
    _write_source(source, [("early", story(1))])
    code, err = invoke([str(source), "--out", str(out)], fake_env)  # no pages the first time
    assert code == 0, err
    _write_source(source, [("early", story(1)), ("middle", story(2))])
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 0, err
    assert "1 skipped" in err
    _write_source(source, [("early", story(1)), ("middle", story(2)), ("late", story(3))])
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 0, err
    assert _links(pages / "index.html") == ["middle.html", "late.html"]  # pages of both --html runs
    index = (pages / "index.html").read_text("utf-8")
    assert index.count("<li") == 3
    assert "no page: done by a run without --html" in index
    assert not (pages / "early.html").exists()


def test_a_record_written_after_a_failure_replaces_its_error_page(tmp_path: Path) -> None:
    """What ``--retry-failed`` does to a folder: the article's latest outcome is the only page."""
    record = hostile_record()
    key = record.article.id
    pages = BatchPages(tmp_path / "pages")
    failure = {"id": key, "sha256": "0" * 64, "line": 1, "error": {"code": "model_error", "message": "gone"}}
    error_page = pages.write(json.dumps(failure))
    assert error_page.name == page_name(key, failed=True)
    bad_line = {
        "id": key,
        "line": 2,
        "input_sha256": "1" * 64,
        "error": {"code": "input_error", "message": "dup"},
    }
    assert pages.write(json.dumps(bad_line)).name == page_name("line 2", failed=True)
    page = pages.write(record.model_dump_json())
    assert page.name == page_name(key, failed=False)
    assert not error_page.exists()
    assert (tmp_path / "pages" / page_name("line 2", failed=True)).exists()  # another entry's page


def test_a_page_that_cannot_be_written_costs_neither_its_record_nor_the_run(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    source, out, pages = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "pages"
    _write_source(source, [(f"wire-{n}", story(n)) for n in range(3)])
    (pages / "wire-1.html").mkdir(parents=True)  # where its page would go
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 1
    assert f"{pages / 'wire-1.html'}: cannot write the page" in err
    assert "3 done, 0 failed" in err
    assert "1 pages not written" in err
    assert len(read_lines(out)) == 3
    assert (pages / "wire-0.html").is_file()
    assert (pages / "wire-2.html").is_file()
    assert not list(pages.glob(".*.partial"))


@given(st.lists(st.text(min_size=1, max_size=300), min_size=2, max_size=8, unique=True))
def test_any_ids_give_distinct_names_that_stay_in_the_folder(ids: list[str]) -> None:
    names = [page_name(i, failed=f) for i in ids for f in (False, True)]
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert "/" not in name
        assert "\x00" not in name
        assert not name.startswith(".")
        assert len(name.encode("utf-8")) <= 255
        assert name.casefold() != "index.html"
