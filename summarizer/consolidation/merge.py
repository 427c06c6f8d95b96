"""`consolidate`: records in, one consolidated event per group of reports out."""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.consolidation.events import consolidate_group
from summarizer.consolidation.gazetteer import Gazetteer, shared_gazetteer
from summarizer.consolidation.grouping import DEFAULT_TOLERANCE_DAYS, RULES, Unit, group_units, units_of
from summarizer.records.consolidated import ConsolidatedRecords, GazetteerMatch, GroupingRules
from summarizer.records.contract import ArticleSummary


def consolidate(
    records: Sequence[ArticleSummary],
    *,
    tolerance_days: int = DEFAULT_TOLERANCE_DAYS,
    gazetteer: Gazetteer | None = None,
) -> ConsolidatedRecords:
    """Group the records' events into events reported once or many times, and merge each group."""
    places = gazetteer or shared_gazetteer()

    def place_key(name: str, record: ArticleSummary) -> str | None:
        match = places.resolve([name], _countries(places, [record]))
        if match.status != "resolved":
            return None
        return f"{match.level}:{match.geonameid or ''}:{match.country_code}:{match.admin1 or ''}"

    def resolve(forms: list[str], group: list[Unit]) -> GazetteerMatch:
        return places.resolve(forms, _countries(places, [u.record for u in group]))

    units = units_of(list(records), place_key)
    groups = group_units(units, tolerance_days)
    return ConsolidatedRecords(
        articles=[r.article for r in records],
        grouping=GroupingRules(date_tolerance_days=tolerance_days, rules=RULES),
        events=[consolidate_group(n, group, resolve) for n, group in enumerate(groups, start=1)],
    )


def _countries(gazetteer: Gazetteer, records: Sequence[ArticleSummary]) -> set[str]:
    """The countries the articles name among their places: what tells "Sibi" in Pakistan
    from "Sibi" in Mali."""
    names = {loc.name for r in records for e in r.events for loc in e.locations}
    return {code for name in names if (code := gazetteer.country_code(name)) is not None}
