"""The eval harness: fixtures that lint, a scorer that counts right, a cache that replays, a gate.

Replay and regression mechanics run against the fake server (fast, scriptable); the recorded
responses of the real embedded model are replayed by `make test` (`summarize eval --replay-only`).
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.app.cli import main
from summarizer.app.evals import EvalOptions, run_eval
from summarizer.core.config import Settings
from summarizer.evaluation.gold import Gold, GoldActor, GoldCasualty, lint, load_fixtures
from summarizer.evaluation.harness import write_baseline
from summarizer.evaluation.reports import write_reports
from summarizer.evaluation.scoring import Counts, match, names_match, score_article
from summarizer.records.contract import Actor, ArticleMeta, ArticleSummary, Casualty, Event, Summary, Usage
from tests.conftest import ROOT
from tests.fakes import FakeOpenAIServer

FIXTURES = ROOT / "evals" / "fixtures"
REAL = ROOT / "evals" / "real"
SEED_NAMES = {p.stem for p in (ROOT / "seeds").glob("*.txt")}


@pytest.mark.parametrize("folder", [FIXTURES, REAL], ids=["written", "real"])
def test_every_fixture_lints_and_matches_the_schema(folder: Path) -> None:
    fixtures = load_fixtures(folder)
    assert {f.name: lint(f) for f in fixtures} == {f.name: [] for f in fixtures}
    for f in fixtures:
        Gold.model_validate_json(f.path.with_suffix(".gold.json").read_text(encoding="utf-8"))


def test_the_real_news_is_split_honestly() -> None:
    """At least 26 dev and 14 test stories, each with its corpus id (and url for VOA); the five
    reports of one train hijacking stay together in one split, and so do the stories of one event."""
    real = load_fixtures(REAL)
    splits = Counter(f.gold.article.split for f in real)
    assert splits["dev"] >= 26
    assert splits["test"] >= 14
    assert set(splits) == {"dev", "test"}
    assert all(f.gold.article.id for f in real)
    assert all(f.gold.article.url for f in real if f.name.startswith("voa_"))
    hijacking = {"voa_8006651", "voa_8007760", "voa_8009314", "voa_8009976", "voa_8011076"}
    assert len({f.gold.article.split for f in real if f.name in hijacking}) == 1
    marathon = {f.gold.article.split for f in real if "Boston Marathon" in f.text}
    assert len(marathon) == 1
    assert any(not f.gold.events for f in real if f.gold.article.split == "test")  # a no-event story


def test_the_fixture_set_covers_what_it_must() -> None:
    fixtures = load_fixtures(FIXTURES)
    written = [f for f in fixtures if f.name not in SEED_NAMES]
    assert {f.name for f in fixtures} >= SEED_NAMES
    assert len(written) >= 14
    assert all(250 <= len(f.text.split()) <= 900 for f in written), [len(f.text.split()) for f in written]
    types = {e.event_type for f in fixtures for e in f.gold.events}
    assert len(types) == 6
    assert any(
        not f.gold.casualties for f in fixtures if f.gold.events[0].event_type == "strategic_developments"
    )
    assert any(len(f.gold.events) > 1 for f in fixtures)
    assert any(c.qualifier == "vague" for f in fixtures for c in f.gold.casualties)
    assert any(c.count_high is not None for f in fixtures for c in f.gold.casualties)
    claimants_per_article = [len({c.claimant for c in f.gold.casualties}) for f in fixtures]
    assert max(claimants_per_article) >= 3  # conflicting figures from different sources


def test_a_quote_missing_from_its_article_fails_the_linter(tmp_path: Path) -> None:
    name = "101_afgooye_clashes"
    shutil.copy(FIXTURES / f"{name}.txt", tmp_path)
    gold = json.loads((FIXTURES / f"{name}.gold.json").read_text(encoding="utf-8"))
    gold["quotes"][0]["text"] = "Our forces killed 31 terrorists"
    (tmp_path / f"{name}.gold.json").write_text(json.dumps(gold), encoding="utf-8")
    (fixture,) = load_fixtures(tmp_path)
    assert lint(fixture) == ["quote not in the article: 'Our forces killed 31 terrorists'"]


@pytest.mark.parametrize(
    ("predicted", "names", "matched"),
    [
        ("Qusair", ["Qusayr", "Qusair"], True),
        (
            "the Britain-based Observatory",
            ["Syrian Observatory for Human Rights", "Britain-based Observatory"],
            True,
        ),
        ("Hezbollah", ["Lebanon's Hezbollah"], True),
        ("Qusayr", ["Homs"], False),
        ("al-Shabaab", ["Somali National Army", "army"], False),
    ],
)
def test_names_match_by_alias_containment_and_spelling(
    predicted: str, names: list[str], matched: bool
) -> None:
    assert (names_match(predicted, names) > 0) is matched


def test_matching_is_one_to_one() -> None:
    pairs, counts = match(["a", "a", "b"], ["a", "c"], lambda p, g: 1.0 if p == g else 0.0)
    assert pairs == [("a", "a")]
    assert (counts.tp, counts.fp, counts.fn) == (1, 2, 1)
    assert Counts(tp=1, fp=2, fn=1).f1 == pytest.approx(0.4)


def test_claimant_is_judged_on_matched_casualties_only() -> None:
    gold = Gold(
        events=[],
        actors=[GoldActor(name="al-Shabaab", aliases=["militants"])],
        casualties=[
            GoldCasualty(
                outcome="killed",
                count_low=30,
                claimant="Abdirahman Nur",
                claimant_aliases=["Nur"],
                evidence=["x"],
            ),
            GoldCasualty(outcome="killed", count_low=12, claimant="al-Shabaab", evidence=["x"]),
        ],
    )
    record = ArticleSummary(
        article=ArticleMeta(id="t", sha256="0"),
        events=[
            Event(
                event_type="battles",
                sub_event_type="armed_clash",
                summary=Summary(text="s"),
                actors=[Actor(name="militants"), Actor(name="the militants")],
                casualties=[
                    Casualty(outcome="killed", count_low=30, claimant="Nur"),
                    Casualty(outcome="killed", count_low=12, claimant="Nur"),  # swapped claimant
                    Casualty(outcome="killed", count_low=40, claimant="Nur"),  # a number not in the gold
                ],
            )
        ],
        usage=Usage(provider="p", model="m", prompt_version="v"),
    )
    score = score_article("t", record, gold, text="")
    casualties = score.fields["casualties"]
    assert (casualties.tp, casualties.fp, casualties.fn) == (2, 1, 0)
    assert (score.accuracy["claimant"].correct, score.accuracy["claimant"].total) == (1, 2)
    actors = score.fields["actors"]
    assert (actors.tp, actors.fp) == (1, 0)  # "the militants" is the same name as "militants"


ARTICLE = "Rebels attacked the town of Kafr Nabl on Sunday. Officials said 12 people were killed."


def small_fixtures(folder: Path, names: dict[str, str | None] | None = None) -> Path:
    """Fixtures of one short article, each named fixture in the given split (written: none)."""
    folder.mkdir()
    for name, split in (names or {"t1": None}).items():
        (folder / f"{name}.txt").write_text(ARTICLE, encoding="utf-8")
        (folder / f"{name}.gold.json").write_text(json.dumps(_gold(split)), encoding="utf-8")
    return folder


def _gold(split: str | None) -> dict[str, object]:
    return {
        "article": {"published": "2013-06-02", "split": split},
        "events": [
            {"event_type": "battles", "sub_event_type": "armed_clash", "evidence": ["Rebels attacked"]}
        ],
        "casualties": [
            {"outcome": "killed", "count_low": 12, "claimant": "Officials", "evidence": ["12 people"]}
        ],
    }


def options(tmp_path: Path, mode: str, **changes: object) -> EvalOptions:
    values: dict[str, object] = {
        "fixtures": (tmp_path / "fx",),
        "cache": tmp_path / "cache",
        "baseline": tmp_path / "baseline.json",
        "reports": tmp_path / "reports",
        "mode": mode,
    }
    return EvalOptions(**{**values, **changes})  # type: ignore[arg-type]


def test_a_second_run_replays_without_calling_the_model(
    tmp_path: Path, fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    small_fixtures(tmp_path / "fx")
    first = run_eval(fake_settings, options(tmp_path, "through"))
    calls = len(fake_server.requests)
    assert calls >= 1
    assert [p.name.split(".")[0] for p in (tmp_path / "cache").iterdir()] == ["t1"]
    replay = run_eval(fake_settings, options(tmp_path, "replay"))
    assert len(fake_server.requests) == calls  # not one more request
    assert replay.splits["written"].headline == first.splits["written"].headline
    assert [r.cached for r in replay.runs] == [True]
    record = ArticleSummary.model_validate_json((tmp_path / "reports" / "records" / "t1.json").read_text())
    assert record.usage.cached


def test_an_unrecorded_request_fails_a_replay_clearly(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx")
    report = run_eval(fake_settings, options(tmp_path, "replay"))
    (run,) = report.runs
    assert run.error is not None
    assert "no recorded response" in run.error
    assert not report.passed


def test_live_rerecords_even_what_is_cached(
    tmp_path: Path, fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    small_fixtures(tmp_path / "fx")
    run_eval(fake_settings, options(tmp_path, "through"))
    calls = len(fake_server.requests)
    run_eval(fake_settings, options(tmp_path, "live"))
    assert len(fake_server.requests) == 2 * calls


def test_a_fall_below_the_baseline_is_a_regression(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx")
    report = run_eval(fake_settings, options(tmp_path, "through"))
    write_baseline(report, tmp_path / "baseline.json")
    assert run_eval(fake_settings, options(tmp_path, "replay")).passed
    stored = json.loads((tmp_path / "baseline.json").read_text())
    stored["splits"]["written"]["metrics"]["date_accuracy"] = (
        report.splits["written"].headline["date_accuracy"] + 0.05
    )
    (tmp_path / "baseline.json").write_text(json.dumps(stored))
    regressed = run_eval(fake_settings, options(tmp_path, "replay"))
    assert [r.split(" ")[:2] for r in regressed.regressions] == [["written:", "date_accuracy"]]
    assert run_eval(fake_settings, options(tmp_path, "replay", tolerance=0.1)).passed


def test_reports_in_four_forms(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx")
    report = run_eval(fake_settings, options(tmp_path, "through"))
    written = report.splits["written"]
    written.regressions.append("casualties_f1 fell to 0.1000 from the baseline 0.9000 (tolerance 0.02)")
    json_path, md_path, junit_path, html_path = write_reports(report, tmp_path / "reports")
    page = html_path.read_text()
    assert "Regression: written: casualties_f1 fell to 0.1000" in page
    assert page.count('<details class="report-article"') == len(written.runs)
    assert json.loads(json_path.read_text())["splits"]["written"]["headline"] == written.headline
    assert "| casualties_f1 |" in md_path.read_text()
    suites = ET.parse(junit_path).getroot()
    failures = Counter(s.get("name") for s in suites for case in s if case.find("failure") is not None)
    assert failures == {"eval.written.metrics": 1}


SPLIT_NAMES: dict[str, str | None] = {"w1": None, "d1": "dev", "d2": "dev", "t1": "test"}


def test_each_split_is_scored_and_gated_apart(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx", SPLIT_NAMES)
    report = run_eval(fake_settings, options(tmp_path, "through"))
    assert {name: len(s.runs) for name, s in report.splits.items()} == {"written": 1, "dev": 2, "test": 1}
    write_baseline(report, tmp_path / "baseline.json")
    stored = json.loads((tmp_path / "baseline.json").read_text())
    assert set(stored["splits"]) == {"written", "dev", "test"}
    stored["splits"]["test"]["metrics"]["casualties_f1"] = 1.5
    (tmp_path / "baseline.json").write_text(json.dumps(stored))
    regressed = run_eval(fake_settings, options(tmp_path, "replay"))
    assert [r.split(":")[0] for r in regressed.regressions] == ["test"]
    only_dev = run_eval(fake_settings, options(tmp_path, "replay", splits=("dev",)))
    assert list(only_dev.splits) == ["dev"]
    assert only_dev.passed


def test_the_held_out_split_shows_no_per_article_scores(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx", SPLIT_NAMES)
    report = run_eval(fake_settings, options(tmp_path, "through"))
    paths = write_reports(report, tmp_path / "reports")
    markdown, page = paths[1].read_text(), paths[3].read_text()
    assert "| d1 |" in markdown
    assert "| t1 |" not in markdown
    assert "not shown: a held-out split" in markdown
    assert 'data-article="d1"' in page
    assert 'data-article="t1"' not in page
    assert "its articles' items are not shown. t1" in page


def test_only_a_new_failure_fails_the_gate(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx", SPLIT_NAMES)
    (tmp_path / "fx" / "d2.txt").write_text(ARTICLE + " " + "x" * 40_000, encoding="utf-8")
    report = run_eval(fake_settings, options(tmp_path, "through"))
    assert [r.fixture.name for r in report.failed_articles] == ["d2"]  # too long for the model
    assert not report.passed
    write_baseline(report, tmp_path / "baseline.json")
    stored = json.loads((tmp_path / "baseline.json").read_text())
    assert stored["splits"]["dev"]["known_failures"] == ["d2"]
    assert run_eval(fake_settings, options(tmp_path, "through")).passed


def test_a_baseline_from_before_splits_is_the_written_sets(tmp_path: Path, fake_settings: Settings) -> None:
    small_fixtures(tmp_path / "fx")
    report = run_eval(fake_settings, options(tmp_path, "through"))
    old = {"tolerance": 0.02, "metrics": {"casualties_f1": 1.5}}
    (tmp_path / "baseline.json").write_text(json.dumps(old))
    regressed = run_eval(fake_settings, options(tmp_path, "replay"))
    assert [r.split(" ")[:2] for r in regressed.regressions] == [["written:", "casualties_f1"]]
    assert report.splits["written"].headline["casualties_f1"] <= 1.0


def test_the_eval_command(tmp_path: Path, fake_env: dict[str, str]) -> None:
    small_fixtures(tmp_path / "fx")
    args = [
        "eval", "--fixtures", str(tmp_path / "fx"), "--cache", str(tmp_path / "cache"),
        "--baseline", str(tmp_path / "baseline.json"), "--reports", str(tmp_path / "reports"),
    ]  # fmt: skip
    runner = CliRunner()
    blessed = runner.invoke(main, [*args, "--update-baseline"], env=fake_env)
    assert blessed.exit_code == 0, blessed.stderr
    assert (tmp_path / "baseline.json").is_file()
    replayed = runner.invoke(main, [*args, "--replay-only"], env=fake_env)
    assert replayed.exit_code == 0, replayed.stderr
    assert "summarize eval: passed" in replayed.stderr
    (tmp_path / "fx" / "t1.txt").write_text(ARTICLE.replace("12", "13"), encoding="utf-8")
    broken = runner.invoke(main, [*args, "--replay-only"], env=fake_env)
    assert broken.exit_code == 2  # the gold's evidence is no longer in the article: the linter refuses
    assert "fixtures do not pass the linter" in broken.stderr


def _break_gold_json(fx: Path, baseline: Path) -> None:
    (fx / "t1.gold.json").write_text('{"events": [', encoding="utf-8")


def _break_gold_schema(fx: Path, baseline: Path) -> None:
    (fx / "t1.gold.json").write_text('{"events": [], "colour": "red"}', encoding="utf-8")


def _break_article_bytes(fx: Path, baseline: Path) -> None:
    (fx / "t1.txt").write_bytes(b"\xff\xfe not text")


def _remove_gold(fx: Path, baseline: Path) -> None:
    (fx / "t1.gold.json").unlink()


def _empty_folder(fx: Path, baseline: Path) -> None:
    for path in fx.iterdir():
        path.unlink()


def _break_baseline(fx: Path, baseline: Path) -> None:
    baseline.write_text("not json", encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_break_gold_json, "t1.gold.json: not a valid gold file: Invalid JSON"),
        (_break_gold_schema, "t1.gold.json: not a valid gold file: colour: Extra inputs"),
        (_break_article_bytes, "t1.txt: not UTF-8 text (byte 0)"),
        (_remove_gold, "t1.txt has no gold file t1.gold.json"),
        (_empty_folder, "fx: no fixtures in it"),
        (_break_baseline, "baseline.json: not a baseline file"),
    ],
)
def test_broken_eval_inputs_get_one_clear_line_and_exit_2(
    tmp_path: Path, fake_env: dict[str, str], damage: Any, message: str
) -> None:
    fx, baseline = small_fixtures(tmp_path / "fx"), tmp_path / "baseline.json"
    damage(fx, baseline)
    args = ["eval", "--fixtures", str(fx), "--baseline", str(baseline), "--replay-only"]
    result = CliRunner().invoke(main, [*args, "--cache", str(tmp_path / "cache")], env=fake_env)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_fixtures_folder_that_does_not_exist(tmp_path: Path, fake_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["eval", "--fixtures", str(tmp_path / "nowhere")], env=fake_env)
    assert result.exit_code == 2
    assert "nowhere: no such fixtures folder" in result.stderr


def test_an_article_that_fails_counts_as_all_missed_not_as_left_out(
    tmp_path: Path, fake_settings: Settings
) -> None:
    small_fixtures(tmp_path / "fx", {"d1": "dev"})
    answered = run_eval(fake_settings, options(tmp_path, "through")).splits["dev"]
    (tmp_path / "fx" / "d2.txt").write_text(ARTICLE + " " + "x" * 40_000, encoding="utf-8")
    (tmp_path / "fx" / "d2.gold.json").write_text(json.dumps(_gold("dev")), encoding="utf-8")
    both = run_eval(fake_settings, options(tmp_path, "through")).splits["dev"]
    assert [r.fixture.name for r in both.failed_articles] == ["d2"]
    casualties = both.micro["casualties"]
    assert casualties.fn == answered.micro["casualties"].fn + 1, "the failed article's figure is missed"
    assert both.accuracy["event_type"].total == answered.accuracy["event_type"].total + 1
    if answered.headline["casualties_f1"] > 0:
        assert both.headline["casualties_f1"] < answered.headline["casualties_f1"]


def test_the_html_report_shows_a_metric_that_only_some_splits_have() -> None:
    from summarizer.evaluation.harness import EvalReport, SplitReport
    from summarizer.evaluation.html_report import metric_rows, render_report

    grouped = SplitReport("written", [], headline={"events_f1": 0.5, "consolidation_pairs_f1": 0.75})
    plain = SplitReport("test", [], headline={"events_f1": 0.25}, baseline={"events_f1": 0.5})
    identity = {"provider": "local", "model": "m", "prompt_version": "p", "schema_version": 1}
    report = EvalReport(identity=identity, runs=[], splits={"written": grouped, "test": plain})
    rows = {row.name: row.cells for row in metric_rows(report)}
    assert [cell["value"] for cell in rows["consolidation_pairs_f1"]] == [0.75, None]
    assert rows["events_f1"][1]["trend"] == "down"
    assert "0.7500" in render_report(report)
