"""Casualty figures side by side: parts linked to their totals, one figure coded, disputes noted.

ACLED codes "the most conservative estimate available" when reports differ, maps vague amounts
to numbers ("dozens" is 12, "hundreds" 100; the record's count already holds that reading), and
revises a toll "when better information becomes available" (ACLED, *Fatalities*, 2023). So
the coded figure is the lowest total of the latest report that gives one, and the totals of
earlier reports are kept, marked superseded. A part ("21 rebels" within "at least 52 people")
is never a total; figures for one side are never added to another's, since reports overlap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from summarizer.core.lexicon import INCLUSION_CUES, WHOLE_TOLL_VICTIMS, alternation
from summarizer.records.consolidated import Claim, Dispute, FatalityCoding, SpanRef
from summarizer.records.contract import Casualty, Evidence

_INCLUSION = re.compile(rf"\b(?:{alternation(INCLUSION_CUES)})\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")


def span_refs(article_id: str, evidence: Sequence[Evidence]) -> list[SpanRef]:
    return [SpanRef(article_id=article_id, start=e.start, end=e.end, text=e.text) for e in evidence]


def claims_of(article_id: str, published: dt.date | None, casualties: Sequence[Casualty]) -> list[Claim]:
    """One article's casualty figures as claims, each part linked to the total it belongs to."""
    claims = [
        Claim(
            id=f"{article_id}#{k}",
            article_id=article_id,
            published=published,
            outcome=c.outcome,
            count_low=c.count_low,
            count_high=c.count_high,
            qualifier=c.qualifier,
            victims=c.victims,
            claimant=c.claimant,
            evidence=span_refs(article_id, c.evidence),
        )
        for k, c in enumerate(casualties)
    ]
    for claim in claims:
        total = total_of(claim, claims)
        if total is not None:
            claim.part_of = total.id
    return claims


def total_of(part: Claim, claims: Sequence[Claim]) -> Claim | None:
    """The larger figure of the same sentence, outcome and claimant that an inclusion word
    ("including", "among them") introduces this one as a part of, if any."""
    if part.count_low is None or not part.evidence:
        return None
    totals = [
        c
        for c in claims
        if c is not part
        and c.outcome == part.outcome
        and c.claimant == part.claimant
        and c.count_low is not None
        and c.count_low > part.count_low
        and c.evidence
        and _overlap(c.evidence[0], part.evidence[0])
        and _INCLUSION.search(c.evidence[0].text)
    ]
    return max(totals, key=lambda c: c.count_low or 0, default=None)


def _overlap(a: SpanRef, b: SpanRef) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


def code_fatalities(claims: Sequence[Claim]) -> FatalityCoding:
    """ACLED's figure: the lowest whole-toll total of the latest report that states one."""
    killed = [c for c in claims if c.outcome == "killed" and c.part_of is None]
    totals = [c for c in killed if c.count_low is not None]
    if not totals:
        if killed:
            return FatalityCoding(
                fatalities=None,
                rule="no_count_stated",
                considered=[c.id for c in killed],
                reason="deaths are reported without a number ACLED would code",
            )
        return FatalityCoding(
            fatalities=None, rule="no_fatalities_reported", reason="no report states a death"
        )
    latest_day = max((c.published for c in totals if c.published is not None), default=None)
    latest = [c for c in totals if c.published == latest_day]
    superseded = [c.id for c in totals if c not in latest]
    whole = [c for c in latest if is_whole_toll(c)]
    pool = whole or latest
    chosen = min(pool, key=lambda c: (c.count_low or 0, c.id))
    scope = "whole-toll totals" if whole else "totals"
    when = f"the latest report ({latest_day.isoformat()})" if latest_day else "the reports (undated)"
    reason = (
        f"lowest of the {scope} in {when}: {chosen.count_low} {chosen.victims or ''}".rstrip()
        + f" ({chosen.claimant or 'no claimant named'}, {chosen.article_id}); ACLED codes the most"
        " conservative estimate and revises a toll when later reports come"
    )
    if superseded:
        reason += f"; {len(superseded)} figure(s) of earlier reports superseded"
    return FatalityCoding(
        fatalities=chosen.count_low,
        rule="lowest_total_latest_report",
        claim=chosen.id,
        considered=[c.id for c in pool],
        superseded=superseded,
        reason=reason,
    )


def is_whole_toll(claim: Claim) -> bool:
    """A figure of everyone killed ("52 people"), not of one side ("70 terrorists")."""
    if claim.victims is None:
        return True
    words = {w.casefold() for w in _WORD.findall(claim.victims)}
    return bool(words & WHOLE_TOLL_VICTIMS)


def disputes_of(claims: Sequence[Claim], coding: FatalityCoding) -> list[Dispute]:
    """Totals of one report date that disagree and come from different claimants."""
    superseded = set(coding.superseded)
    latest = [
        c
        for c in claims
        if c.outcome == "killed" and c.part_of is None and c.count_low is not None and c.id not in superseded
    ]
    figures = {c.count_low for c in latest}
    claimants = {c.claimant for c in latest}
    if len(figures) < 2 or len(claimants) < 2:
        return []
    ordered = sorted(latest, key=lambda c: -(c.count_low or 0))
    return [
        Dispute(
            outcome="killed",
            claims=[c.id for c in ordered],
            claimants=[c.claimant for c in ordered],
            figures=[c.count_low or 0 for c in ordered],
            reason=f"{len(figures)} death tolls from {len(claimants)} claimants in reports of one day",
        )
    ]
