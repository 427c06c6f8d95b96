"""Gazetteer cost: seconds to load it (once per process) and microseconds per look-up.

Run: ``python -m benchmarks.gazetteer``. Loads GeoNames places of 1,000+ people with their
Latin-script alternate names, the admin1 names and the nearest-entry index, then resolves a
few names many times, with and without the countries that tell them apart.
"""

from __future__ import annotations

import time

from summarizer.consolidation.gazetteer import Gazetteer

NAMES = [
    ("Qusair", {"SY"}),
    ("Sibi", {"PK"}),
    ("Sibi", set()),
    ("Balochistan province", {"PK"}),
    ("Nowhereton", set()),
]
ROUNDS = 200


def main() -> None:
    started = time.perf_counter()
    gazetteer = Gazetteer()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for name, context in NAMES:
            gazetteer.resolve([name], context)
    per_lookup = (time.perf_counter() - started) / (ROUNDS * len(NAMES))
    print(f"load: {loaded:.1f} s; look-up: {per_lookup * 1e6:.0f} µs each ({ROUNDS * len(NAMES)} look-ups)")
    for name, context in NAMES:
        match = gazetteer.resolve([name], context)
        print(
            f"  {name!r} in {sorted(context)}: {match.status} {match.country_code or ''} {match.admin1 or ''}"
        )


if __name__ == "__main__":
    main()
