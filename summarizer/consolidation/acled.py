"""Consolidated events as rows in ACLED's public column names (one row per event).

Filled from the consolidated event; a column the reports cannot fill stays empty, never
guessed (an unresolved place leaves country, admin1, latitude and longitude empty).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from summarizer.consolidation.grouping import DISORDER_TYPES
from summarizer.core.taxonomy import EventType, Precision, SubEventType
from summarizer.records.consolidated import ConsolidatedActor, ConsolidatedEvent, ConsolidatedPlace

COLUMNS = (
    "event_id_cnty", "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "country", "admin1", "location", "latitude", "longitude", "geo_precision",
    "source", "notes", "fatalities",
)  # fmt: skip

EVENT_TYPES: dict[EventType, str] = {
    "battles": "Battles",
    "explosions_remote_violence": "Explosions/Remote violence",
    "violence_against_civilians": "Violence against civilians",
    "protests": "Protests",
    "riots": "Riots",
    "strategic_developments": "Strategic developments",
}

SUB_EVENT_TYPES: dict[SubEventType, str] = {
    "armed_clash": "Armed clash",
    "government_regains_territory": "Government regains territory",
    "non_state_actor_overtakes_territory": "Non-state actor overtakes territory",
    "chemical_weapon": "Chemical weapon",
    "air_drone_strike": "Air/drone strike",
    "suicide_bomb": "Suicide bomb",
    "shelling_artillery_missile_attack": "Shelling/artillery/missile attack",
    "remote_explosive_landmine_ied": "Remote explosive/landmine/IED",
    "grenade": "Grenade",
    "sexual_violence": "Sexual violence",
    "attack": "Attack",
    "abduction_forced_disappearance": "Abduction/forced disappearance",
    "peaceful_protest": "Peaceful protest",
    "protest_with_intervention": "Protest with intervention",
    "excessive_force_against_protesters": "Excessive force against protesters",
    "violent_demonstration": "Violent demonstration",
    "mob_violence": "Mob violence",
    "agreement": "Agreement",
    "arrests": "Arrests",
    "change_to_group_activity": "Change to group/activity",
    "disrupted_weapons_use": "Disrupted weapons use",
    "headquarters_or_base_established": "Headquarters or base established",
    "looting_property_destruction": "Looting/property destruction",
    "non_violent_transfer_of_territory": "Non-violent transfer of territory",
    "other": "Other",
}

TIME_PRECISION: dict[Precision, str] = {"day": "1", "week": "2", "month": "3"}
GEO_PRECISION = {"place": "1", "admin1": "3"}


def to_csv(events: Sequence[ConsolidatedEvent]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in events:
        writer.writerow(row_of(event))
    return buffer.getvalue()


def row_of(event: ConsolidatedEvent) -> dict[str, str]:
    place = next((p for p in event.places if p.role == "primary"), None)
    places = {f.text.casefold() for p in event.places for f in p.forms}
    actor1, actor2 = _sides([a for a in event.actors if a.name.casefold() not in places])
    inter1 = str(actor1.inter) if actor1 and actor1.inter else ""
    inter2 = str(actor2.inter) if actor2 and actor2.inter else ""
    disorder = DISORDER_TYPES[event.event_type]
    if event.sub_event_type == "excessive_force_against_protesters":
        disorder = "Political violence; Demonstrations"
    return {
        "event_id_cnty": event.id,
        "event_date": event.date.iso or "",
        "time_precision": TIME_PRECISION.get(event.date.precision, ""),
        "disorder_type": disorder,
        "event_type": EVENT_TYPES[event.event_type],
        "sub_event_type": SUB_EVENT_TYPES[event.sub_event_type],
        "actor1": actor1.name if actor1 else "",
        "assoc_actor_1": "",
        "inter1": inter1,
        "actor2": actor2.name if actor2 else "",
        "assoc_actor_2": "",
        "inter2": inter2,
        "interaction": _interaction(inter1, inter2),
        **_place_columns(place),
        "source": "; ".join(dict.fromkeys(r.source or r.article_id for r in event.reports)),
        "notes": notes_of(event),
        "fatalities": "" if event.fatalities.fatalities is None else str(event.fatalities.fatalities),
    }


def _interaction(inter1: str, inter2: str) -> str:
    """ACLED's two-digit interaction: the two inter codes, lower first; a lone actor's with 0."""
    if not inter1:
        return ""
    return "".join(sorted((inter1, inter2))) if inter2 else f"{inter1}0"


def _sides(actors: Sequence[ConsolidatedActor]) -> tuple[ConsolidatedActor | None, ConsolidatedActor | None]:
    """Actor 1 the first attacker with an ACLED type, actor 2 the first target with one (a
    name the reports also give as a place is not an actor, as grounding's not_an_actor says)."""
    coded = [a for a in actors if a.inter is not None]
    attacker = next((a for a in coded if a.role == "attacker"), None)
    target = next((a for a in coded if a.role == "target" and a is not attacker), None)
    return attacker, target


def _place_columns(place: ConsolidatedPlace | None) -> dict[str, str]:
    empty = dict.fromkeys(("country", "admin1", "location", "latitude", "longitude", "geo_precision"), "")
    if place is None:
        return empty
    match = place.gazetteer
    if match.status != "resolved":
        return {**empty, "location": place.name}
    return {
        "country": match.country or "",
        "admin1": match.admin1 or "",
        "location": place.name,
        "latitude": "" if match.latitude is None else f"{match.latitude:.4f}",
        "longitude": "" if match.longitude is None else f"{match.longitude:.4f}",
        "geo_precision": GEO_PRECISION.get(match.level or "", ""),
    }


def notes_of(event: ConsolidatedEvent) -> str:
    """One line from the article spans: the first report's summary evidence, then the
    disputed figures with who gives each."""
    first = next((r for r in event.reports if r.summary), None)
    text = first.summary[0].text if first else ""
    for dispute in event.disputes:
        figures = "; ".join(
            f"{n} ({who or 'unattributed'})"
            for n, who in zip(dispute.figures, dispute.claimants, strict=True)
        )
        text += f" [disputed {dispute.outcome}: {figures}]"
    return " ".join(text.split())
