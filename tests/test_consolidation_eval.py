"""The consolidation groups in the eval: gold files that hold together, scores that move when
the grouping or the coding is wrong, and a gate that covers them."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.consolidation.gazetteer import Gazetteer, shared_gazetteer
from summarizer.consolidation.merge import consolidate
from summarizer.core.errors import ConfigError
from summarizer.evaluation.consolidation import GoldGroup, Group, headline_of, load_groups, score_group
from summarizer.evaluation.gold import load_fixtures
from summarizer.evaluation.harness import SplitBaseline, SplitReport, _compare
from tests.conftest import ROOT
from tests.test_consolidation import _elsewhere, _first, _later, _second, _weeks_later


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return shared_gazetteer()


def test_every_gold_group_names_fixtures_of_one_split() -> None:
    splits = {
        f.name: f.gold.article.split or "written"
        for folder in ("evals/fixtures", "evals/real")
        for f in load_fixtures(ROOT / folder)
    }
    groups = load_groups(ROOT / "evals" / "consolidation")
    assert {g.name for g in groups} >= {
        "qusayr_seeds",
        "balochistan_train_hijacking",
        "kidal_two_days",
        "unrelated",
    }
    for group in groups:
        assert all(a in splits for a in group.gold.articles), group.name
        assert len({splits[a] for a in group.gold.articles}) == 1, group.name
    hijacking = next(g for g in groups if g.name == "balochistan_train_hijacking")
    assert len(hijacking.gold.articles) == 5


def _group(events: list[dict[str, object]]) -> Group:
    articles = [a for e in events for a in e["articles"]]  # type: ignore[attr-defined]
    return Group(
        "made", GoldGroup.model_validate({"description": "made here", "articles": articles, "events": events})
    )


def test_a_right_grouping_and_coding_scores_one(gazetteer: Gazetteer) -> None:
    group = _group(
        [
            {
                "articles": ["first", "second", "later"],
                "country_code": "SY",
                "admin1": "Homs",
                "fatalities": 33,
            },
            {"articles": ["weeks-later"]},
            {"articles": ["elsewhere"]},
        ]
    )
    result = consolidate([_first(), _second(), _later(), _weeks_later(), _elsewhere()], gazetteer=gazetteer)
    score = score_group(group, "written", result)
    assert (score.pairs_tp, score.pairs_fp, score.pairs_fn) == (3, 0, 0)
    assert headline_of([score]) == {
        "consolidation_pairs_f1": 1.0,
        "consolidation_fatalities_accuracy": 1.0,
        "consolidation_place_accuracy": 1.0,
    }


def test_a_wrong_merge_and_a_wrong_figure_lower_the_scores(gazetteer: Gazetteer) -> None:
    # the gold says the report weeks later is the same event, and codes 40: both are wrong
    # for what consolidation does, so pairs are missed and the figure disagrees (the dispute,
    # 40 against 25 from two claimants, is right)
    group = _group([{"articles": ["first", "weeks-later"], "fatalities": 40, "disputed": True}])
    result = consolidate([_first(), _weeks_later()], gazetteer=gazetteer)
    score = score_group(group, "written", result)
    assert (score.pairs_tp, score.pairs_fp, score.pairs_fn) == (0, 0, 1)
    figures = headline_of([score])
    assert figures["consolidation_pairs_f1"] == 0.0
    assert figures["consolidation_fatalities_accuracy"] == 0.0
    assert figures["consolidation_disputes_accuracy"] == 1.0
    assert any("kept apart" in note for note in score.notes)


def test_the_gate_fails_when_a_consolidation_figure_falls(gazetteer: Gazetteer) -> None:
    split = SplitReport("written", [])
    split.headline = {"consolidation_pairs_f1": 0.5}
    _compare(split, SplitBaseline(metrics={"consolidation_pairs_f1": 1.0}), 0.02)
    assert split.regressions == [
        "consolidation_pairs_f1 fell to 0.5000 from the baseline 1.0000 (tolerance 0.02)"
    ]


def test_a_group_whose_events_do_not_cover_its_articles_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.group.json").write_text(
        '{"description": "x", "articles": ["a", "b"], "events": [{"articles": ["a"]}]}', encoding="utf-8"
    )
    with pytest.raises(
        ConfigError, match=r"bad\.group\.json: its events must name each of its articles once"
    ):
        load_groups(tmp_path)
