"""Seconds to analyse articles built to be expensive: a sentence with thousands of reporting
verbs before eight figures, and one with a 400-digit number. The cost must grow linearly with
the length of the sentence (it grew with its square, and then overflowed the stack, before).

    .venv/bin/python -m benchmarks.hostile_text
"""

from __future__ import annotations

import time

from summarizer.text.document import analyse
from summarizer.text.ingest import make_article
from tests.test_hostile_text import many_verbs


def seconds(text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        analyse(make_article(text))
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    print(f"{'repeats of said and':>20} {'characters':>11} {'seconds (best of 3)':>20}")
    for repeats in (600, 1200, 2400, 4800):
        text = many_verbs(repeats)
        print(f"{repeats:>20} {len(text):>11} {seconds(text):>20.3f}")
    digits = f"Police said {'9' * 400} people were killed and 3 were wounded in the attack."
    print(f"{'400-digit number':>20} {len(digits):>11} {seconds(digits):>20.3f}")


if __name__ == "__main__":
    main()
