"""A group of reports merged into one consolidated event: names, dates, claims, the coding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from summarizer.consolidation.claims import claims_of, code_fatalities, disputes_of, span_refs
from summarizer.consolidation.grouping import Unit
from summarizer.core.taxonomy import ActorKind
from summarizer.records.consolidated import (
    ConsolidatedActor,
    ConsolidatedEvent,
    ConsolidatedPlace,
    DateSpan,
    GazetteerMatch,
    Report,
    WrittenForm,
)
from summarizer.records.contract import Actor, Location
from summarizer.text.names import names_match

T = TypeVar("T", Location, Actor)
Resolver = Callable[[list[str], list[Unit]], GazetteerMatch]

INTER_CODES: dict[ActorKind, int] = {
    "state_forces": 1,
    "rebel_group": 2,
    "political_militia": 3,
    "identity_militia": 4,
    "rioters": 5,
    "protesters": 6,
    "civilians": 7,
    "external_forces": 8,
}
"""ACLED's inter codes (codebook, "Actor Names, Types and Inter Codes"); the project's other
kinds (organization, person, media, other) are not ACLED actor types and get none."""


def consolidate_group(number: int, group: Sequence[Unit], resolve: Resolver) -> ConsolidatedEvent:
    claims = [
        claim
        for unit in group
        for claim in claims_of(unit.article_id, unit.record.article.published, unit.event.casualties)
    ]
    coding = code_fatalities(claims)
    types = Counter(u.event.event_type for u in group)
    event_type = max(types, key=lambda t: (types[t], -_first_index(group, t)))
    subs = Counter(u.event.sub_event_type for u in group if u.event.event_type == event_type)
    sub_event_type = max(subs, key=lambda s: subs[s])
    return ConsolidatedEvent(
        id=f"event-{number}",
        event_type=event_type,
        sub_event_type=sub_event_type,
        date=_date_span(group),
        reports=[_report(u) for u in group],
        places=_places(group, resolve),
        actors=_actors(group),
        claims=claims,
        fatalities=coding,
        disputes=disputes_of(claims, coding),
    )


def _first_index(group: Sequence[Unit], event_type: str) -> int:
    return next(i for i, u in enumerate(group) if u.event.event_type == event_type)


def _report(unit: Unit) -> Report:
    meta = unit.record.article
    return Report(
        article_id=meta.id,
        event_index=unit.index,
        published=meta.published,
        source=meta.source,
        title=meta.title,
        event_type=unit.event.event_type,
        sub_event_type=unit.event.sub_event_type,
        date_iso=unit.date.isoformat() if unit.date else None,
        date_from=unit.date_from,
        summary=span_refs(meta.id, unit.event.summary.evidence),
    )


def _date_span(group: Sequence[Unit]) -> DateSpan:
    stated = [(u.event.date.iso, u) for u in group if u.event.date.iso]
    forms = _forms(
        [(u.event.date.text, u.article_id, u.event.date.evidence) for u in group if u.event.date.text]
    )
    if not stated:
        return DateSpan(forms=forms)
    counts = Counter(iso for iso, _ in stated)
    iso = min(counts, key=lambda d: (-counts[d], d))
    precision = next(u.event.date.precision for d, u in stated if d == iso)
    isos = sorted(counts)
    return DateSpan(iso=iso, precision=precision, earliest=isos[0], latest=isos[-1], forms=forms)


def _places(group: Sequence[Unit], resolve: Resolver) -> list[ConsolidatedPlace]:
    clusters = _cluster([(u, loc) for u in group for loc in u.event.locations])
    places = []
    for members in clusters:
        forms = _forms([(loc.name, u.article_id, loc.evidence) for u, loc in members])
        role = "primary" if any(loc.role == "primary" for _, loc in members) else "mentioned"
        places.append(
            ConsolidatedPlace(
                name=forms[0].text,
                role=role,
                forms=forms,
                gazetteer=resolve([f.text for f in forms], list(group)),
            )
        )
    return sorted(places, key=lambda p: p.role != "primary")


def _actors(group: Sequence[Unit]) -> list[ConsolidatedActor]:
    actors = []
    for members in _cluster([(u, a) for u in group for a in u.event.actors]):
        forms = _forms([(a.name, u.article_id, a.evidence) for u, a in members])
        kinds = Counter(a.kind for _, a in members)
        roles = Counter(a.role for _, a in members)
        kind = max(kinds, key=lambda k: kinds[k])
        actors.append(
            ConsolidatedActor(
                name=forms[0].text,
                kind=kind,
                role=max(roles, key=lambda r: roles[r]),
                inter=INTER_CODES.get(kind),
                forms=forms,
            )
        )
    return actors


def _cluster(items: list[tuple[Unit, T]]) -> list[list[tuple[Unit, T]]]:
    """Mentions of one name: a mention joins the first cluster one of whose names it matches
    both ways (alias within a name, demonym, spelling variant)."""
    clusters: list[list[tuple[Unit, T]]] = []
    for unit, item in items:
        home = next(
            (c for c in clusters if any(_same_name(item.name, other.name) for _, other in c)),
            None,
        )
        if home is None:
            clusters.append([(unit, item)])
        else:
            home.append((unit, item))
    return clusters


def _same_name(a: str, b: str) -> bool:
    return names_match(a, b) and names_match(b, a)


def _forms(mentions: Sequence[tuple[str | None, str, Sequence[object]]]) -> list[WrittenForm]:
    """Each written form with the articles that write it, the commonest first."""
    by_text: dict[str, WrittenForm] = {}
    for text, article_id, evidence in mentions:
        if text is None:
            continue
        form = by_text.setdefault(text, WrittenForm(text=text, articles=[]))
        if article_id not in form.articles:
            form.articles.append(article_id)
        form.evidence.extend(span_refs(article_id, evidence))  # type: ignore[arg-type]
    order = list(by_text)
    return sorted(by_text.values(), key=lambda f: (-len(f.articles), order.index(f.text)))
