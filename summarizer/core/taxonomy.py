"""ACLED's categorical vocabulary, the single source of the enums in the contract.

Kept as data in one leaf module so that the contract, the prompts and the eval scorer agree on
the same names, and so that the event type can always be derived from the sub-event type
instead of being asked of the model twice (which lets the two disagree).
"""

from __future__ import annotations

from typing import Literal, get_args

EventType = Literal[
    "battles",
    "explosions_remote_violence",
    "violence_against_civilians",
    "protests",
    "riots",
    "strategic_developments",
]

SubEventType = Literal[
    # battles
    "armed_clash",
    "government_regains_territory",
    "non_state_actor_overtakes_territory",
    # explosions_remote_violence
    "chemical_weapon",
    "air_drone_strike",
    "suicide_bomb",
    "shelling_artillery_missile_attack",
    "remote_explosive_landmine_ied",
    "grenade",
    # violence_against_civilians
    "sexual_violence",
    "attack",
    "abduction_forced_disappearance",
    # protests
    "peaceful_protest",
    "protest_with_intervention",
    "excessive_force_against_protesters",
    # riots
    "violent_demonstration",
    "mob_violence",
    # strategic_developments
    "agreement",
    "arrests",
    "change_to_group_activity",
    "disrupted_weapons_use",
    "headquarters_or_base_established",
    "looting_property_destruction",
    "non_violent_transfer_of_territory",
    "other",
]

EVENT_HIERARCHY: dict[EventType, tuple[SubEventType, ...]] = {
    "battles": ("armed_clash", "government_regains_territory", "non_state_actor_overtakes_territory"),
    "explosions_remote_violence": (
        "chemical_weapon",
        "air_drone_strike",
        "suicide_bomb",
        "shelling_artillery_missile_attack",
        "remote_explosive_landmine_ied",
        "grenade",
    ),
    "violence_against_civilians": ("sexual_violence", "attack", "abduction_forced_disappearance"),
    "protests": ("peaceful_protest", "protest_with_intervention", "excessive_force_against_protesters"),
    "riots": ("violent_demonstration", "mob_violence"),
    "strategic_developments": (
        "agreement",
        "arrests",
        "change_to_group_activity",
        "disrupted_weapons_use",
        "headquarters_or_base_established",
        "looting_property_destruction",
        "non_violent_transfer_of_territory",
        "other",
    ),
}

ActorKind = Literal[
    "state_forces",
    "rebel_group",
    "political_militia",
    "identity_militia",
    "rioters",
    "protesters",
    "civilians",
    "external_forces",
    "organization",
    "person",
    "media",
    "other",
]

ActorRole = Literal["attacker", "target", "ally", "claimant", "mediator", "other"]
Outcome = Literal["killed", "injured", "missing", "captured", "displaced"]
Qualifier = Literal["exact", "at_least", "about", "more_than", "up_to", "vague"]
Precision = Literal["day", "week", "month", "year", "unknown"]
LocationRole = Literal["primary", "mentioned"]
MatchKind = Literal["exact", "normalized", "fuzzy"]
RejectionCode = Literal[
    "not_found",
    "not_supported",
    "injected",
    "misattributed",
    "not_near",
    "not_a_source",
    "summary_unsupported",
    "corrected",
    "not_harmed",
    "repeated",
    "not_an_actor",
    "unspecified",
]
"""Why the validator refused or corrected a value, for machines (the ``reason`` is for people):
not_found (not in the article), not_supported (its evidence does not say it), injected (it
comes only from text that addresses the reader), misattributed (the reporting frame credits
someone else), not_near (the one credited is not named near the claim), not_a_source (named
near it, but as a doer or a bystander, not next to a reporting verb), summary_unsupported
(a number or name the article does not state), corrected (replaced by what the text says),
not_harmed (the figure counts no one harmed), repeated (an event already reported),
not_an_actor (a place offered as an actor); unspecified only in records made before codes."""

SUB_EVENT_TYPES: tuple[SubEventType, ...] = get_args(SubEventType)
ACTOR_KINDS: tuple[ActorKind, ...] = get_args(ActorKind)
ACTOR_ROLES: tuple[ActorRole, ...] = get_args(ActorRole)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

_PARENT: dict[SubEventType, EventType] = {
    sub: parent for parent, subs in EVENT_HIERARCHY.items() for sub in subs
}


def event_type_of(sub_event_type: SubEventType) -> EventType:
    """The ACLED event type a sub-event type belongs to (the hierarchy is strict)."""
    return _PARENT[sub_event_type]
