"""`summarize consolidate` on records built here: grouping, claims side by side, the coded
figure, disputes, the gazetteer and the ACLED row. No model: consolidation reads records only.

The articles are invented for these tests; each record's evidence is found in its own text,
so every span the consolidated event carries can be checked against that text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.app.cli import main
from summarizer.consolidation.acled import COLUMNS, to_csv
from summarizer.consolidation.gazetteer import Gazetteer, shared_gazetteer
from summarizer.consolidation.merge import consolidate
from summarizer.records.consolidated import ConsolidatedEvent, ConsolidatedRecords
from summarizer.records.contract import (
    Actor,
    ArticleMeta,
    ArticleSummary,
    Casualty,
    Event,
    EventDate,
    Evidence,
    Location,
    Summary,
    Usage,
)

SUBCOUNT_SENTENCE = "A monitoring group said at least 25 people were killed, including nine children."
# Two agencies on one shelling, spelling the town two ways, with tolls that disagree.
FIRST = (
    "Government artillery shelled Qusayr on Monday, the army said. "
    "State radio said 40 fighters were killed in Qusayr. "
    "A monitoring group said at least 25 people were killed, including nine children. "
    "Officials in Lebanon said refugees crossed the border."
)
SECOND = "Shells fell on Qusair in Syria on Monday. Medics said dozens of people died in Qusair."
# A third report, two days later, with a revised toll.
LATER = "The toll of Monday's shelling of Qusayr in Syria rose to 33 people, medics said on Wednesday."
# The same town, three weeks on: another event.
WEEKS_LATER = "Gunmen raided a checkpoint in Qusayr in Syria on Friday, killing two guards, police said."
ELSEWHERE = "Protesters marched through Kidal in Mali on Monday to demand water, organisers said."


def _ev(text: str, phrase: str) -> Evidence:
    start = text.index(phrase)
    return Evidence(start=start, end=start + len(phrase), text=phrase)


def _casualty(text: str, spec: dict[str, Any]) -> Casualty:
    fields = {k: v for k, v in spec.items() if k != "sentence"}
    return Casualty(**fields, evidence=[_ev(text, spec["sentence"])])


def _record(
    article_id: str,
    text: str,
    published: dt.date | None,
    *,
    event_type: str = "explosions_remote_violence",
    sub_event_type: str = "shelling_artillery_missile_attack",
    date: tuple[str, str] | None = ("Monday", "2024-05-06"),
    place: str = "Qusayr",
    mentioned: tuple[str, ...] = (),
    actors: tuple[tuple[str, str, str], ...] = (),
    casualties: tuple[dict[str, Any], ...] = (),
) -> ArticleSummary:
    first_sentence = text.split(". ", maxsplit=1)[0]
    event = Event(
        event_type=event_type,
        sub_event_type=sub_event_type,
        summary=Summary(text=first_sentence, evidence=[_ev(text, first_sentence)]),
        date=EventDate(text=date[0], iso=date[1], precision="day", evidence=[_ev(text, date[0])])
        if date
        else EventDate(),
        locations=[
            Location(name=place, role="primary", evidence=[_ev(text, place)]),
            *(Location(name=m, role="mentioned", evidence=[_ev(text, m)]) for m in mentioned),
        ],
        actors=[Actor(name=n, kind=k, role=r, evidence=[_ev(text, n)]) for n, k, r in actors],
        casualties=[_casualty(text, c) for c in casualties],
    )
    return ArticleSummary(
        article=ArticleMeta(
            id=article_id, sha256="0" * 64, published=published, source=f"agency {article_id}"
        ),
        events=[event],
        usage=Usage(provider="local", model="test", prompt_version="test"),
    )


def _first() -> ArticleSummary:
    return _record(
        "first",
        FIRST,
        dt.date(2024, 5, 6),
        mentioned=("Lebanon",),
        actors=(
            ("Government artillery", "state_forces", "attacker"),
            ("monitoring group", "organization", "claimant"),
        ),
        casualties=(
            {
                "outcome": "killed", "count_low": 40, "qualifier": "exact", "victims": "fighters",
                "claimant": "State radio",
                "sentence": "State radio said 40 fighters were killed in Qusayr.",
            },
            {
                "outcome": "killed", "count_low": 25, "qualifier": "at_least", "victims": "people",
                "claimant": "A monitoring group",
                "sentence": SUBCOUNT_SENTENCE,
            },
            {
                "outcome": "killed", "count_low": 9, "qualifier": "exact", "victims": "children",
                "claimant": "A monitoring group",
                "sentence": SUBCOUNT_SENTENCE,
            },
        ),
    )  # fmt: skip


def _second() -> ArticleSummary:
    return _record(
        "second",
        SECOND,
        dt.date(2024, 5, 6),
        place="Qusair",
        mentioned=("Syria",),
        casualties=(
            {
                "outcome": "killed", "count_low": 12, "qualifier": "vague", "victims": "people",
                "claimant": "Medics", "sentence": "Medics said dozens of people died in Qusair.",
            },
        ),
    )  # fmt: skip


def _later() -> ArticleSummary:
    return _record(
        "later",
        LATER,
        dt.date(2024, 5, 8),
        mentioned=("Syria",),
        casualties=(
            {
                "outcome": "killed", "count_low": 33, "qualifier": "exact", "victims": "people",
                "claimant": "medics", "sentence": LATER,
            },
        ),
    )  # fmt: skip


def _weeks_later() -> ArticleSummary:
    return _record(
        "weeks-later",
        WEEKS_LATER,
        dt.date(2024, 5, 25),
        event_type="violence_against_civilians",
        sub_event_type="attack",
        date=("Friday", "2024-05-24"),
        mentioned=("Syria",),
    )


def _elsewhere() -> ArticleSummary:
    return _record(
        "elsewhere",
        ELSEWHERE,
        dt.date(2024, 5, 6),
        event_type="protests",
        sub_event_type="peaceful_protest",
        place="Kidal",
        mentioned=("Mali",),
    )


TEXTS = {"first": FIRST, "second": SECOND, "later": LATER, "weeks-later": WEEKS_LATER, "elsewhere": ELSEWHERE}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return shared_gazetteer()


def _only(result: ConsolidatedRecords, article_id: str) -> ConsolidatedEvent:
    return next(e for e in result.events if any(r.article_id == article_id for r in e.reports))


def test_two_spellings_of_one_town_on_one_day_are_one_event(gazetteer: Gazetteer) -> None:
    result = consolidate([_first(), _second()], gazetteer=gazetteer)
    assert len(result.events) == 1
    event = result.events[0]
    assert [r.article_id for r in event.reports] == ["first", "second"]
    town = event.places[0]
    assert town.role == "primary"
    assert {f.text: f.articles for f in town.forms} == {"Qusayr": ["first"], "Qusair": ["second"]}
    assert town.gazetteer.status == "resolved"
    assert (town.gazetteer.country_code, town.gazetteer.admin1) == ("SY", "Homs")
    assert town.gazetteer.latitude is not None


def test_the_same_town_weeks_apart_and_another_town_stay_apart(gazetteer: Gazetteer) -> None:
    result = consolidate([_first(), _weeks_later(), _elsewhere()], gazetteer=gazetteer)
    assert [[r.article_id for r in e.reports] for e in result.events] == [
        ["first"],
        ["weeks-later"],
        ["elsewhere"],
    ]


def test_the_date_tolerance_decides_whether_two_days_apart_is_one_event(gazetteer: Gazetteer) -> None:
    later = _later()
    later.events[0].date = EventDate()  # no date in the text: its publication date bounds it
    assert len(consolidate([_first(), later], tolerance_days=2, gazetteer=gazetteer).events) == 1
    assert len(consolidate([_first(), later], tolerance_days=1, gazetteer=gazetteer).events) == 2


def test_claims_sit_side_by_side_with_parts_linked_to_their_total(gazetteer: Gazetteer) -> None:
    event = consolidate([_first(), _second()], gazetteer=gazetteer).events[0]
    claims = {c.id: c for c in event.claims}
    assert set(claims) == {"first#0", "first#1", "first#2", "second#0"}
    assert claims["first#2"].part_of == "first#1"  # nine children within at least 25 people
    assert claims["first#0"].part_of is None  # another claimant's figure is no part of it
    assert (claims["first#1"].claimant, claims["first#1"].qualifier) == ("A monitoring group", "at_least")


def test_the_coded_figure_is_the_lowest_whole_toll_and_the_dispute_is_noted(gazetteer: Gazetteer) -> None:
    event = consolidate([_first(), _second()], gazetteer=gazetteer).events[0]
    # 40 fighters is one side's figure; of the whole tolls, "dozens" (12, as ACLED reads it)
    # is lower than "at least 25"; the part (nine children) is never a total
    assert event.fatalities.fatalities == 12
    assert event.fatalities.claim == "second#0"
    assert event.fatalities.rule == "lowest_total_latest_report"
    assert "12 people" in event.fatalities.reason
    [dispute] = event.disputes
    assert dispute.figures == [40, 25, 12]
    assert dispute.claimants == ["State radio", "A monitoring group", "Medics"]


def test_a_later_report_supersedes_earlier_tolls_which_are_still_shown(gazetteer: Gazetteer) -> None:
    event = consolidate([_first(), _second(), _later()], gazetteer=gazetteer).events[0]
    assert event.fatalities.fatalities == 33
    assert event.fatalities.claim == "later#0"
    assert set(event.fatalities.superseded) == {"first#0", "first#1", "second#0"}
    assert {c.id for c in event.claims} >= {"first#1", "second#0", "later#0"}
    assert event.disputes == []  # one figure on the latest day: a revision, not a dispute


def test_every_value_points_back_to_spans_of_its_article(gazetteer: Gazetteer) -> None:
    result = consolidate([_first(), _second(), _later()], gazetteer=gazetteer)
    spans = [
        span
        for e in result.events
        for span in [
            *(s for c in e.claims for s in c.evidence),
            *(s for p in e.places for f in p.forms for s in f.evidence),
            *(s for a in e.actors for f in a.forms for s in f.evidence),
            *(s for f in e.date.forms for s in f.evidence),
            *(s for r in e.reports for s in r.summary),
        ]
    ]
    assert len(spans) > 10
    for span in spans:
        assert TEXTS[span.article_id][span.start : span.end] == span.text
    for event in result.events:
        for place in event.places:
            assert any(place.name == f.text for f in place.forms)


def test_a_place_the_gazetteer_lacks_stays_unresolved(gazetteer: Gazetteer) -> None:
    match = gazetteer.resolve(["Zzyzxville"], set())
    assert match.status == "unresolved"
    assert match.latitude is None
    assert match.country_code is None
    assert "no entry" in match.reason


def test_a_name_of_two_countries_is_resolved_only_by_the_countries_the_articles_name(
    gazetteer: Gazetteer,
) -> None:
    # "Sibi" is a town in Pakistan and one in Mali
    assert gazetteer.resolve(["Sibi"], set()).status == "unresolved"
    in_pakistan = gazetteer.resolve(["Sibi"], {"PK"})
    assert (in_pakistan.status, in_pakistan.country_code, in_pakistan.admin1) == (
        "resolved",
        "PK",
        "Balochistan",
    )
    region = gazetteer.resolve(["Balochistan province"], {"PK"})
    assert (region.level, region.admin1, region.latitude) == ("admin1", "Balochistan", None)


def test_the_acled_row_uses_acleds_columns_and_codes(gazetteer: Gazetteer) -> None:
    result = consolidate([_first(), _second()], gazetteer=gazetteer)
    [row] = list(csv.DictReader(io.StringIO(to_csv(result.events))))
    assert tuple(row) == COLUMNS
    assert row["event_date"] == "2024-05-06"
    assert row["time_precision"] == "1"
    assert (row["disorder_type"], row["event_type"]) == ("Political violence", "Explosions/Remote violence")
    assert row["sub_event_type"] == "Shelling/artillery/missile attack"
    assert (row["actor1"], row["inter1"], row["interaction"]) == ("Government artillery", "1", "10")
    assert (row["country"], row["admin1"], row["location"], row["geo_precision"]) == (
        "Syria",
        "Homs",
        "Qusayr",
        "1",
    )
    assert row["fatalities"] == "12"
    assert row["source"] == "agency first; agency second"
    assert "\n" not in row["notes"]
    assert row["notes"].startswith("Government artillery shelled Qusayr on Monday")
    assert "40 (State radio)" in row["notes"]


def _write_records(folder: Path, *records: ArticleSummary) -> list[str]:
    paths = []
    for record in records:
        path = folder / f"{record.article.id}.json"
        path.write_text(record.model_dump_json(), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_the_cli_consolidates_record_files(tmp_path: Path) -> None:
    paths = _write_records(tmp_path, _first(), _second())
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text(
        _later().model_dump_json() + "\n" + json.dumps({"error": {"code": "x"}}) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["consolidate", *paths, str(jsonl)])
    assert result.exit_code == 0, result.output
    out = ConsolidatedRecords.model_validate_json(result.stdout)
    assert [a.id for a in out.articles] == ["first", "second", "later"]
    assert out.events[0].fatalities.fatalities == 33
    csv_run = CliRunner().invoke(main, ["consolidate", *paths, "--format", "acled-csv"])
    assert csv_run.exit_code == 0
    assert csv_run.stdout.splitlines()[0] == ",".join(COLUMNS)
    assert len(csv_run.stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("{not json", "line 1 is not JSON"),
        ('{"schema_version": "1"}', "item 1 is not a summarize record"),
        ('{"error": {"code": "model_error"}}', "no records in it"),
    ],
)
def test_a_file_that_holds_no_records_is_a_one_line_usage_error(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["consolidate", str(bad)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_schema_consolidated_prints_the_consolidated_json_schema() -> None:
    result = CliRunner().invoke(main, ["schema", "--consolidated"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "ConsolidatedRecords"
    assert {"schema_version", "consolidated_version", "articles", "events"} <= set(schema["properties"])
    assert {"Claim", "FatalityCoding", "Dispute", "GazetteerMatch"} <= set(schema["$defs"])


def test_an_article_that_cannot_be_read_is_left_out_and_said_so(tmp_path: Path) -> None:
    paths = _write_records(tmp_path, _first(), _second())
    missing = tmp_path / "gone.txt"
    result = CliRunner().invoke(main, ["consolidate", paths[0], str(missing), paths[1]])
    assert result.exit_code == 2
    assert "gone.txt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    out = ConsolidatedRecords.model_validate_json(result.stdout)
    assert [a.id for a in out.articles] == ["first", "second"]  # the others are still consolidated


def test_a_name_the_reports_give_as_a_place_is_no_acled_actor(gazetteer: Gazetteer) -> None:
    record = _first()
    town_as_actor = Actor(
        name="Qusayr", kind="identity_militia", role="attacker", evidence=[_ev(FIRST, "Qusayr")]
    )
    record.events[0].actors.insert(0, town_as_actor)
    [row] = list(csv.DictReader(io.StringIO(to_csv(consolidate([record], gazetteer=gazetteer).events))))
    assert row["actor1"] == "Government artillery"
