"""`summarize consolidate` end to end on the seed pair with the embedded model (slow: both
seeds are summarised first, a few minutes on 2 cores)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from summarizer.consolidation.acled import COLUMNS, to_csv
from summarizer.records.consolidated import ConsolidatedRecords
from tests.conftest import SEEDS

pytestmark = pytest.mark.live


def test_consolidate_merges_the_seed_pair_into_one_event_with_every_claim() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "summarizer", "consolidate", *map(str, SEEDS), "--published", "2013-05-19"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = ConsolidatedRecords.model_validate_json(completed.stdout)
    ids = [s.stem for s in SEEDS]
    event = next(
        e for e in result.events if any(r.article_id == ids[0] and r.event_index == 0 for r in e.reports)
    )
    assert {(r.article_id, r.event_index) for r in event.reports} >= {(ids[0], 0), (ids[1], 0)}
    town = event.places[0]
    assert {f.text for f in town.forms} >= {"Qusayr", "Qusair"}
    assert (town.gazetteer.status, town.gazetteer.country_code) == ("resolved", "SY")
    claimed = {(c.article_id, c.count_low) for c in event.claims if c.outcome == "killed"}
    assert {(ids[0], 52), (ids[1], 70)} <= claimed
    assert event.fatalities.fatalities is not None
    assert event.fatalities.rule == "lowest_total_latest_report"
    assert event.fatalities.claim in {c.id for c in event.claims}
    assert event.disputes
    texts = {s.stem: s.read_text(encoding="utf-8") for s in SEEDS}
    for claim in event.claims:
        for span in claim.evidence:
            assert texts[span.article_id][span.start : span.end] == span.text
    [row] = list(csv.DictReader(io.StringIO(to_csv([event]))))
    assert tuple(row) == COLUMNS
    assert (row["country"], row["location"], row["fatalities"]) == (
        "Syria",
        town.name,
        str(event.fatalities.fatalities),
    )
