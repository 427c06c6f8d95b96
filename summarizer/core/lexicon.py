"""The word lists the program reads news with, as data, in one place.

Every cue the text stage uses to find figures, dates, sources and instructions aimed at the
reader is listed here, each with what it is for, so that a reader can review the vocabulary as
a whole, tests can exercise it on sentences written for them, and no list exists twice. The
modules that use a list turn it into a pattern; a few entries are regular-expression fragments
(stems with word boundaries) and say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from summarizer.core.taxonomy import Outcome, Qualifier, SubEventType


def alternation(words: Iterable[str]) -> str:
    """Entries joined as a regular-expression alternation, in the order listed."""
    return "|".join(words)


# --- Calendar: date expressions, and figures that are really dates ("May 18") ----------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""In date expressions ("on Sunday"); index order is `datetime.date.weekday()`'s."""

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
"""Month names, in date expressions and in background clauses ("in June")."""

MONTH_ABBREVIATIONS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
)
"""Short month forms ("Jan. 11"); a number right after one is a day, not a headcount."""

# --- Numbers as words: the figures parser reads counts written out ---------------------------

NUMBER_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "dozen": 12,
}  # fmt: skip
"""Number words below twenty (and "dozen"), with their values."""

NUMBER_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
"""Tens words, combined with units ("twenty-one")."""

NUMBER_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
"""Multipliers after a number ("three hundred", "1.5 million")."""

VAGUE_AMOUNTS: dict[str, int | None] = {
    "tens of thousands": 10_000, "hundreds of thousands": 100_000,
    "tens": 10, "dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1_000,
    "several": None, "many": None, "numerous": None, "a few": None,
}  # fmt: skip
"""Vague amounts with the most conservative reading ACLED codes for them ("dozens" is 12);
words with no number in them at all get no count (None)."""

QUALIFIERS: dict[str, Qualifier] = {
    "at least": "at_least", "no fewer than": "at_least", "a minimum of": "at_least",
    "more than": "more_than", "over": "more_than", "upwards of": "more_than",
    "in excess of": "more_than",
    "about": "about", "around": "about", "approximately": "about", "roughly": "about",
    "nearly": "about", "almost": "about", "some": "about", "an estimated": "about",
    "close to": "about", "estimated": "about",
    "up to": "up_to", "as many as": "up_to", "at most": "up_to", "fewer than": "up_to",
    "less than": "up_to", "under": "up_to",
}  # fmt: skip
"""Words before a figure that bound it, and the qualifier each gives the casualty."""

NOT_HEADCOUNT_UNITS = (
    r"years?", "year-old", r"months?", r"weeks?", r"days?", r"hours?", r"minutes?", r"seconds?",
    r"miles?", "km", r"kilomet(?:er|re)s?", r"met(?:er|re)s?", "feet", "foot", "percent",
    r"per\s+cent", "%", "times", r"dollars?", r"euros?", r"pounds?", r"tons?", r"tonnes?",
    r"a\.m\.", r"p\.m\.", r"am\b", r"pm\b", "o'clock", r":\d", r"st\b", r"nd\b", r"rd\b", r"th\b",
    "kg", r"kilograms?", r"litres?", r"liters?", r"acres?", r"hectares?",
)  # fmt: skip
"""Pattern fragments: a number followed by one of these measures time, distance, money or an
ordinal, not people."""

# --- Casualties: which sentences speak of harm, and what happened to those counted -----------

CASUALTY_STEMS = (
    "kill", "dead", "death", "died", "die", "dying", "wound", "injur", "hurt", "casualt",
    "missing", "abduct", "kidnap", "captur", "prisoner", "hostage", "detain", "arrest",
    "displac", "fled", "flee", "homeless", r"bod(?:y|ies)", "massacr", "execut", "slain",
    r"lost\s+their\s+lives", "toll", "fatalit", "victim", "shot", "behead", "disappear", "perish",
)  # fmt: skip
"""Pattern fragments: a sentence with one of these may hold a casualty figure."""

Unharmed = Literal["unharmed"]
"""What the text says of people freed or escaped: counted, but not casualties."""

OUTCOME_STEMS: dict[Outcome | Unharmed, str] = {
    "killed": r"kill|dead\b|died|die\b|dying|deaths?\b|slain|massacr|execut|perish|neutrali[sz]|"
    r"lost\s+their\s+lives|fatalit|bodies",
    "injured": r"wound|injur|hurt",
    "missing": r"missing|disappear|unaccounted",
    "captured": r"captur|abduct|kidnap|arrest|detain|taken\s+(?:prisoner|hostage|captive|away)"
    r"|been\s+taken\b(?!\s+to\b)|hostage",
    "displaced": r"displac|fled|flee|homeless|evacuat|refugee|forced\s+from"
    r"|left\s+(?:the\s+area|their\s+homes)",
    "unharmed": r"freed|releas|escap|rescued|survived|unharmed|unhurt",
}
"""Pattern fragments: the words next to a figure that say what happened to those it counts
("unharmed": they were freed or escaped, so the figure is no casualty)."""

BACKGROUND_CUES = (
    r"\bsince\s+(?!(?:{weekdays}|yesterday|dawn|last\s+night|early|this\s+morning)\b)",
    r"\b(?:last|this|past|previous)\s+(?:year|decade)\b",
    r"\bin\s+(?:19|20)\d\d\b",
    r"\bin\s+(?:{months})\b",
    r"\bover\s+the\s+(?:past|last)\s+\w+",
    r"\bso\s+far\b",
    r"\bin\s+total\b",
    r"\b(?:days?|weeks?|months?|years?)\s+(?:after|before|earlier|ago)\b",
    r"\b(?:war|conflict|insurgency|fighting)\s+(?:has|have)\s+killed\b",
)
"""Pattern templates (``{weekdays}``, ``{months}`` filled from the lists above): a clause with
one of these gives a total over time or for another event, not a count of the event reported."""

# --- Attribution: who gives a claim ----------------------------------------------------------

PLAIN_REPORTING_VERBS = (
    "said", "says", "say", "told", "tells", "reported", "reports", "claimed", "claims",
    "stated", "announced", "added", "estimated", "confirmed",
)  # fmt: skip
"""Verbs that always hand what follows to a source."""

REPORTING_VERBS = (
    *PLAIN_REPORTING_VERBS,
    "adds", "warned", "insisted", "demanded", "explained", "noted", "wrote", "declared", "urged",
    "argued", "alleged", "accused", "described", "recalled", "admitted", "denied", "acknowledged",
    "conceded",
)  # fmt: skip
"""Verbs of a reporting frame ("…, police said"): the words before or after one name the source."""

NOT_REPORTING_AFTER = r"\s+(?:the\s+)?(?:[\w,-]+\s+){0,2}lives\b"
"""Pattern: what makes a reporting verb not report: a landslide that "claimed 40 lives" or "claimed
the lives of" people killed them; it says nothing."""

TOLL_WORDS = ("toll", "tally")
"""A source that "raised the death toll to …" or "gave a tally of …" gives the figure, with
no reporting verb."""

ATTRIBUTION_CUES = (*PLAIN_REPORTING_VERBS, r"according\s+to", "quoted", "cited")
"""Pattern fragments: words that start a new attribution between two figures, or in a quote's
frame; stricter than `REPORTING_VERBS`, since "warned" or "denied" between two figures does not
hand the second to another source."""

CLAUSE_BOUNDARIES = (
    "as", "and", "but", "while", "whereas", "when", "after", "because", "although", "that",
    "which", "who", "whom", "where", "if",
)  # fmt: skip
"""Words that end the subject of a reporting verb when reading backwards from it."""

PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
"""A source that is only a pronoun is resolved to the person named before it."""

# --- Names: comparing how two mentions name one source or place ------------------------------

NAME_JOINERS = (r"for", r"of", r"in", r"from", r"at", r"close\s+to", r"near", r"on", r"with", r"based\s+in")
"""Pattern fragments: the words after a source's head noun ("Council for …")."""

NAME_FILLER = frozenset(
    {"the", "a", "an", "one", "some", "two", "three", "its", "his", "her", "their", "of", "and"}
)
"""Words that do not tell two names apart."""

NOT_NAMES = frozenset({
    "The", "A", "An", "In", "On", "At", "After", "Before", "During", "As", "It", "He", "She",
    "They", "We", "This", "That", "These", "Those", "Its", "His", "Her", "Their", "And", "But",
    "Some", "At least", "More", "Most", "Many", "Several", "One", "Two", "Three", "Four", "Five",
})  # fmt: skip
"""Capitalised words that are not proper names when checking a summary's names."""

DEMONYMS = {
    "syria": "syrian", "lebanon": "lebanese", "iraq": "iraqi", "iran": "iranian",
    "israel": "israeli", "turkey": "turkish", "jordan": "jordanian", "egypt": "egyptian",
    "libya": "libyan", "yemen": "yemeni", "afghanistan": "afghan", "pakistan": "pakistani",
    "russia": "russian", "ukraine": "ukrainian", "britain": "british", "france": "french",
    "america": "american", "sudan": "sudanese", "somalia": "somali", "nigeria": "nigerian",
    "mali": "malian", "ethiopia": "ethiopian", "kenya": "kenyan", "palestine": "palestinian",
}  # fmt: skip
"""Country and its people: "Lebanese" names the same side as "Lebanon"."""

# --- Typography: what normalized comparison treats as one character --------------------------

SINGLE_QUOTES = "'‘’‚‛′`´"
DOUBLE_QUOTES = '"“”„‟″«»'
DASHES = "-‐‑‒–—―−"
"""Each family compares as its first member."""

# --- Text that addresses the reader, not the news -------------------------------------------

INJECTION_CUES = (
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}?\b(?:previous|prior|above|earlier|all|any|"
    r"your|these|the)\b[^.]{0,30}?\b(?:instructions?|prompts?|rules?|directions?|guidelines?)\b",
    r"\bnew\s+instructions?\b",
    r"\b(?:system|developer)\s+(?:prompt|message|instructions?)\b",
    r"\byou\s+(?:are|must|should|will)\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|"
    r"required\s+to|output|report|answer|respond)\b",
    r"^\s*(?:assistant|system|user)\s*:",
)
"""Pattern fragments: a sentence with one of these gives orders to a model ("ignore previous
instructions"); nothing in it is evidence, a candidate or a hint."""

IMPERATIVES = (
    "output", "report", "say", "write", "answer", "respond", "return", "print", "state", "list",
    "include", "add", "pretend", "act", "tell", "claim", "reply", "generate", "produce",
    r"summari[sz]e", "ignore", "disregard",
)  # fmt: skip
"""Verbs that open an order; a sentence opening with one after an injection, or addressed to
"you", is an order too."""

SPEAKER_PRONOUN_FRAMES = (
    r"\b(?:he|she|they)\s+(?:said|says|told|added|claimed|warned|insisted)\b",
    r"\b(?:said|says|added)\s+(?:he|she|they)\b",
    r"\b(?:he|she|they)\s+\w+\s+that\b",
)
"""Pattern fragments: a quote's frame that names its speaker only by a pronoun."""

# --- Event types: words in the lead that hint at ACLED's sub-event type ----------------------

SUB_EVENT_CUES: dict[SubEventType, str] = {
    "armed_clash": r"clash|fought|fighting|gunbattle|firefight"
    r"|attacked\s+(?:a|an|the)\s+(?:military|army)\s+(?:base|post|camp)",
    "government_regains_territory": r"recaptur|retook|retaken|regain|entered|stormed",
    "non_state_actor_overtakes_territory": r"seized\s+(?:control|the\s+town|the\s+city)|overran"
    r"|captured\s+the\s+(?:town|city)",
    "air_drone_strike": r"air\s*strike|airstrike|drone|warplane|aircraft|bombing\s+raid",
    "shelling_artillery_missile_attack": r"shell(?:ed|ing)|artillery|mortar|rocket|missile",
    "suicide_bomb": r"suicide\s+(?:bomb|attack)",
    "remote_explosive_landmine_ied": r"roadside\s+bomb|landmine|improvised\s+explosive|\bIED\b|car\s+bomb",
    "grenade": r"grenade",
    "attack": r"gunmen\s+(?:on\s+\w+\s+)?(?:attacked|killed|raided|opened\s+fire)|massacre"
    r"|raided\s+(?:a|the)\s+village",
    "abduction_forced_disappearance": r"abduct|kidnap|hostage",  # ACLED codes hostage-taking here
    "peaceful_protest": r"(?-i:march(?:ed|es)?)\b|demonstrat|protest|rally",
    "excessive_force_against_protesters": r"(?:fire|fired|shot)\s+(?:on|at)\s+(?:the\s+)?"
    r"(?:protesters|demonstrators|marchers)",
    "violent_demonstration": r"riot|torched|looted|burning\s+tyres",
    "agreement": r"ceasefire|truce|peace\s+(?:deal|agreement)|signed\s+an?\s+\w*\s*agreement",
    "arrests": r"arrest|detain",
    "other": r"court|ruling|judge|verdict|central\s+bank|interest\s+rate|election",
}
"""Pattern fragments: words that point to a sub-event type, offered to the model as hints,
never applied alone."""

# --- Consolidation: place names, parts of a total, victims of a whole toll -------------------

PLACE_GENERIC_WORDS = frozenset({
    "the", "town", "city", "village", "of", "northern", "southern", "eastern", "western",
    "north", "south", "east", "west", "central", "northeastern", "northwestern", "southeastern",
    "southwestern", "restive", "outskirts",
})  # fmt: skip
"""Words around a place's name that do not name it ("the town of …", "northern Mali")."""

PLACE_REGION_WORDS = frozenset({"province", "region", "governorate", "state", "district", "county"})
"""Words that say a name is a region, not a town ("Homs province")."""

INCLUSION_CUES = (r"including", r"among\s+(?:them|whom|those)", r"of\s+whom", r"among\s+the\s+dead")
"""Pattern fragments: a part of a total follows ("52 people, including three women")."""

WHOLE_TOLL_VICTIMS = frozenset({"people", "persons", "person", "dead", "lives", "bodies", "victims"})
"""Victims' words that count everyone killed, not one side: the totals a coder compares."""
