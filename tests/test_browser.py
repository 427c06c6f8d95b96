"""The HTML pages in a real browser: headless Chromium from the OS packages, driven by Selenium
through the OS's matching chromedriver (`make test` installs both).

The seed pages show records the eval replays from the embedded model's committed answers
(evals/cache), so no model runs here. Screenshots go to evals/reports/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from summarizer.app.evals import EvalOptions, run_eval
from summarizer.core.config import Settings
from summarizer.evaluation.harness import EvalReport
from summarizer.evaluation.reports import write_reports
from summarizer.records.contract import ArticleSummary, iter_evidence, iter_values
from summarizer.records.html import render_record
from tests.conftest import ROOT
from tests.test_html_view import HOSTILE, hostile_record

SHOTS = ROOT / "evals" / "reports" / "screenshots"
SEED_FIXTURES = ("000_9fec7f0c8395c4c2", "001_2bff4e6feabcc7b6")

SPAN_TEXTS = """
const found = {};
for (const mark of arguments[0].querySelectorAll("mark.span")) {
  for (const id of mark.dataset.spans.split(" ")) { found[id] = (found[id] || "") + mark.textContent; }
}
return found;
"""
"""Each span's text as the page shows it: its pieces joined, in document order."""

SELECTED = """
return Array.from(arguments[0].querySelectorAll("mark.span.selected"), m => m.dataset.spans.split(" "));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        message = "chromium and chromedriver are not installed (make browser installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(argument)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalReport, Path]:
    """The eval over the two seed fixtures, replayed from the recorded answers."""
    fixtures = tmp_path_factory.mktemp("fixtures")
    for name in SEED_FIXTURES:
        for suffix in (".txt", ".gold.json"):
            shutil.copy(ROOT / "evals" / "fixtures" / f"{name}{suffix}", fixtures)
    reports = tmp_path_factory.mktemp("reports")
    options = EvalOptions(
        fixtures=(fixtures,),
        cache=ROOT / "evals" / "cache",
        baseline=ROOT / "evals" / "baseline.json",
        reports=reports,
        mode="replay",
    )
    report = run_eval(Settings(), options)
    write_reports(report, reports)
    return report, reports


def seed(replayed: tuple[EvalReport, Path], index: int) -> tuple[ArticleSummary, str]:
    report, _ = replayed
    run = report.runs[index]
    assert run.record is not None, run.error
    return run.record, run.fixture.text


def open_page(browser: WebDriver, page: str, folder: Path, name: str) -> None:
    path = folder / name
    path.write_text(page, encoding="utf-8")
    browser.get(path.as_uri())


def evidence_shown(browser: WebDriver, scope: Any) -> dict[str, str]:
    shown: dict[str, str] = browser.execute_script(SPAN_TEXTS, scope)
    return shown


@pytest.mark.parametrize("index", [0, 1])
def test_a_seed_page_shows_every_evidence_span_of_its_record(
    browser: WebDriver, replayed: tuple[EvalReport, Path], tmp_path: Path, index: int
) -> None:
    record, text = seed(replayed, index)
    open_page(browser, render_record(record, text), tmp_path, "seed.html")
    shown = evidence_shown(browser, browser.find_element(By.CSS_SELECTOR, ".article-text"))
    evidence = {path: ev.text for path, ev in iter_evidence(record)}
    assert len(evidence) > 10  # a real record, with many fields
    assert {k: v for k, v in shown.items() if ".evidence[" in k and not k.startswith("rejected")} == evidence
    for casualty_path, claimant in _claimants(record):
        assert shown[f"{casualty_path}.claimant"].casefold() == claimant.casefold()
    page_text = browser.find_element(By.CSS_SELECTOR, ".article-text").get_attribute("textContent")
    assert page_text == text
    browser.save_screenshot(str(SHOTS / f"seed-{index}.png"))


def _claimants(record: ArticleSummary) -> list[tuple[str, str]]:
    return [
        (f"events[{e}].casualties[{i}]", c.claimant)
        for e, event in enumerate(record.events)
        for i, c in enumerate(event.casualties)
        if c.claimant and c.claimant.casefold() in " ".join(ev.text for ev in c.evidence).casefold()
    ]


def test_clicking_a_field_marks_its_spans_and_clicking_a_span_names_its_fields(
    browser: WebDriver, replayed: tuple[EvalReport, Path], tmp_path: Path
) -> None:
    record, text = seed(replayed, 1)
    open_page(browser, render_record(record, text), tmp_path, "seed.html")
    path, evidence = max(
        ((p, ev) for p, ev in iter_values(record.events) if ev and not p.endswith(".summary")),
        key=lambda pair: pair[1][0].start,
    )  # the field told last in the article, far below the first screen
    wanted = {f"{path}.evidence[{k}]" for k in range(len(evidence))}
    browser.find_element(By.CSS_SELECTOR, f'[data-field="{path}"]').click()
    selected = browser.execute_script(SELECTED, browser.find_element(By.CSS_SELECTOR, ".view"))
    assert selected
    assert all(wanted & set(ids) for ids in selected)
    assert set().union(*map(set, selected)) >= wanted
    first = browser.find_element(By.CSS_SELECTOR, "mark.span.selected")
    assert browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;", first
    ), "the first span of the field was not scrolled into view"
    browser.save_screenshot(str(SHOTS / "seed-1-field-selected.png"))

    mark = browser.find_element(By.CSS_SELECTOR, f'mark.span[data-spans~="{path}.evidence[0]"]')
    mark.click()
    supports = [
        li.get_attribute("data-supports") for li in browser.find_elements(By.CSS_SELECTOR, "[data-supports]")
    ]
    expected = {_field_of(span) for span in (mark.get_attribute("data-spans") or "").split()}
    assert path in supports
    assert set(supports) == expected
    assert browser.find_element(By.CSS_SELECTOR, ".span-info").is_displayed()
    browser.save_screenshot(str(SHOTS / "seed-1-span-clicked.png"))


def _field_of(span_id: str) -> str:
    return span_id.split(".evidence[", maxsplit=1)[0]


def test_a_hostile_article_renders_as_text_and_the_page_still_works(
    browser: WebDriver, tmp_path: Path
) -> None:
    record = hostile_record()
    open_page(browser, render_record(record, HOSTILE), tmp_path, "hostile.html")
    assert browser.execute_script("return window.pwned") is None
    assert browser.find_element(By.CSS_SELECTOR, ".article-text").get_attribute("textContent") == HOSTILE
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 2
    assert browser.title == "</title><script>x</script>"
    assert browser.find_element(By.CSS_SELECTOR, '[data-field="events[0].actors[0]"] .value').text == (
        "<b>Masked men</b>"
    )
    browser.find_element(By.CSS_SELECTOR, '[data-field="rejected[0]"]').click()  # its spans came along
    selected = browser.execute_script(SELECTED, browser.find_element(By.CSS_SELECTOR, ".view"))
    assert selected
    assert all("rejected[0].evidence[0]" in ids for ids in selected)
    browser.save_screenshot(str(SHOTS / "hostile.png"))


def test_the_eval_report_links_every_item_to_its_spans(
    browser: WebDriver, replayed: tuple[EvalReport, Path]
) -> None:
    report, folder = replayed
    browser.get((folder / "report.html").as_uri())
    split = report.splits["written"]
    arrows = browser.find_elements(By.CSS_SELECTOR, "td[data-metric] span.up, td[data-metric] span.down")
    same = browser.find_elements(By.CSS_SELECTOR, "td[data-metric] span.same")
    assert len(arrows) + len(same) == len(split.baseline)
    for cell in browser.find_elements(By.CSS_SELECTOR, "td[data-metric]"):
        name, trend = cell.get_attribute("data-metric") or "", cell.get_attribute("data-trend")
        delta = split.headline[name] - split.baseline[name]
        assert trend == ("up" if delta > 0 else "down" if delta < 0 else "same"), name
    browser.save_screenshot(str(SHOTS / "report.png"))

    run = report.runs[1]
    assert run.record is not None
    article = browser.find_element(By.CSS_SELECTOR, f'details[data-article="{run.fixture.name}"]')
    browser.execute_script("arguments[0].open = true; arguments[0].scrollIntoView();", article)
    shown = evidence_shown(browser, article)
    evidence = {path: ev.text for path, ev in iter_evidence(run.record)}
    predicted = {key.split("/", 1)[1]: value for key, value in shown.items() if "/gold[" not in key}
    assert predicted
    assert all(evidence[path] == value for path, value in predicted.items())
    missed = article.find_element(
        By.CSS_SELECTOR,
        '[data-field^="casualties#"][data-outcome="missed"], [data-field^="events#"][data-outcome="missed"]',
    )
    key = missed.get_attribute("data-field") or ""
    missed.click()
    selected = browser.execute_script(SELECTED, article)
    assert selected
    assert all(any(i.startswith(f"{key}/gold[") for i in ids) for ids in selected)
    gold_texts = {k: v for k, v in shown.items() if k.startswith(f"{key}/gold[")}
    quoted = _gold_item(run, key).evidence
    assert sorted(gold_texts.values()) == sorted(quoted)
    browser.save_screenshot(str(SHOTS / "report-missed-item.png"))


def _gold_item(run: Any, key: str) -> Any:
    from summarizer.evaluation.scoring import pairings

    name, number = key.split("#")
    pairing = pairings(run.record, run.fixture.gold)[name]
    rows = [*(g for _, g in pairing.matched), *pairing.missed]
    return pairing.gold[rows[int(number)]]


def test_a_batch_page_and_its_index(browser: WebDriver, fake_env: dict[str, str], tmp_path: Path) -> None:
    """`summarize batch --html` on the scripted model: the index links the page, and the page
    shows every evidence span of the record in the output file."""
    from tests.test_batch import invoke, read_lines, story

    source, out, pages = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "pages"
    source.write_text("".join(json.dumps({"id": f"wire-{n}", "text": story(n)}) + "\n" for n in range(2)))
    code, err = invoke([str(source), "--out", str(out), "--html", str(pages)], fake_env)
    assert code == 0, err
    browser.get((pages / "index.html").as_uri())
    links = browser.find_elements(By.CSS_SELECTOR, ".index a")
    assert [a.text for a in links] == ["wire-0", "wire-1"]
    browser.save_screenshot(str(SHOTS / "batch-index.png"))
    links[1].click()
    record = ArticleSummary.model_validate(read_lines(out)[1])
    assert browser.current_url.endswith(f"/{record.article.id}.html")
    shown = evidence_shown(browser, browser.find_element(By.CSS_SELECTOR, ".article-text"))
    evidence = {path: ev.text for path, ev in iter_evidence(record)}
    assert evidence
    assert {k: v for k, v in shown.items() if ".evidence[" in k} == evidence
    browser.save_screenshot(str(SHOTS / "batch-page.png"))


def test_a_consolidated_page_highlights_each_articles_spans(browser: WebDriver, tmp_path: Path) -> None:
    """Three invented reports of one shelling: every span of the event in each article's text,
    the claims side by side with the sub-count under its total, and a click on a claim."""
    from summarizer.consolidation.merge import consolidate
    from summarizer.records.consolidated_html import render_consolidated
    from tests.test_consolidation import TEXTS, _first, _later, _second

    records = consolidate([_first(), _second(), _later()])
    [event] = records.events
    open_page(browser, render_consolidated(records, TEXTS), tmp_path, "consolidated.html")
    for article_id in ("first", "second", "later"):
        panel = browser.find_element(By.CSS_SELECTOR, f'details[data-article="{article_id}"]')
        shown = evidence_shown(browser, panel)
        expected = sorted(ref.text for ref in _refs(event) if ref.article_id == article_id)
        assert sorted(shown.values()) == expected
        assert (
            panel.find_element(By.CSS_SELECTOR, ".article-text").get_attribute("textContent")
            == TEXTS[article_id]
        )
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.claim")
    assert [(r.get_attribute("data-claim"), r.get_attribute("data-depth")) for r in rows] == [
        ("first#0", "0"),
        ("first#1", "0"),
        ("first#2", "1"),
        ("second#0", "0"),
        ("later#0", "0"),
    ]
    assert browser.find_element(By.CSS_SELECTOR, "tr.claim.coded").get_attribute("data-claim") == "later#0"
    browser.save_screenshot(str(SHOTS / "consolidated.png"))
    panel = browser.find_element(By.CSS_SELECTOR, 'details[data-article="first"]')
    browser.execute_script("arguments[0].scrollIntoView();", panel)
    panel.find_element(By.CSS_SELECTOR, '[data-field="claims[first#2]"]').click()
    selected = browser.execute_script(SELECTED, panel)
    assert selected
    assert all("claims[first#2].evidence[0]" in ids for ids in selected)
    browser.save_screenshot(str(SHOTS / "consolidated-claim-selected.png"))


def _refs(event: Any) -> list[Any]:
    """Every span the consolidated event points to, as the page should show them."""
    refs = [ref for report in event.reports for ref in report.summary]
    refs += [ref for form in event.date.forms for ref in form.evidence]
    refs += [ref for item in [*event.places, *event.actors] for form in item.forms for ref in form.evidence]
    return refs + [ref for claim in event.claims for ref in claim.evidence]


def test_a_consolidated_page_of_the_two_seed_reports(
    browser: WebDriver, replayed: tuple[EvalReport, Path], tmp_path: Path
) -> None:
    """The seeds' records replayed from the recorded answers, consolidated as `summarize
    consolidate seeds/*.txt --format html` would: every span of every event, in its article."""
    from summarizer.consolidation.merge import consolidate
    from summarizer.records.consolidated_html import render_consolidated

    pairs = [seed(replayed, i) for i in (0, 1)]
    records = consolidate([record for record, _ in pairs])
    texts = {record.article.id: text for record, text in pairs}
    open_page(browser, render_consolidated(records, texts), tmp_path, "seeds-consolidated.html")
    assert browser.find_elements(By.CSS_SELECTOR, ".warning") == []  # no span left out
    panels = 0
    for event in records.events:
        for article_id in {r.article_id for r in event.reports}:
            selector = f'section[data-event="{event.id}"] details[data-article="{article_id}"]'
            panel = browser.find_element(By.CSS_SELECTOR, selector)
            shown = evidence_shown(browser, panel)
            expected = [r.text for r in _refs(event) if r.article_id == article_id]
            assert sorted(shown.values()) == sorted(expected)
            panels += 1
    assert panels >= 2
    browser.save_screenshot(str(SHOTS / "seeds-consolidated.png"))
    first = browser.find_element(By.CSS_SELECTOR, "details.report-article")
    browser.execute_script("arguments[0].scrollIntoView();", first)
    browser.save_screenshot(str(SHOTS / "seeds-consolidated-article.png"))
