"""Alignment speed: 200 evidence strings, a third needing fuzzy matching, in a 100 KB article.

Run: ``python -m benchmarks.alignment``. The article is the seed articles followed by sentences
recombined from their words (fixed random seed), up to 100 KB. Two thirds of the strings are
copies of random spans (half of them with case and spacing changed, so they need the
normalized tier); a third have one or two words misspelt or dropped, so they need the fuzzy
tier. The time covers building the index once and aligning all 200, without a region hint,
each run cold (no pattern compiled by an earlier run), in a process that has loaded what a
real run loads (llama-cpp-python, instructor, openai, pydantic).
"""

from __future__ import annotations

import importlib
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from summarizer.text.alignment import TextIndex
from summarizer.text.alignment import _pattern as compiled_patterns


def clear_caches() -> None:
    compiled_patterns.cache_clear()


TARGET_BYTES = 100_000
STRINGS = 200
REPEATS = 7


def build_article(rng: random.Random) -> str:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(Path("seeds").glob("*.txt"))]
    words = " ".join(seeds).split()
    parts = list(seeds)
    while sum(len(p.encode()) for p in parts) < TARGET_BYTES:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(12, 30)))
        parts.append(sentence[0].upper() + sentence[1:] + ".")
    return "\n".join(parts)[:TARGET_BYTES]


def misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("aeiouy") + word[i + 1 :]


def build_needles(text: str, rng: random.Random) -> list[tuple[str, str]]:
    needles: list[tuple[str, str]] = []
    words = text.split(" ")
    while len(needles) < STRINGS:
        start = rng.randrange(0, len(words) - 12)
        span = words[start : start + rng.randint(3, 10)]
        kind = ("exact", "normalized", "fuzzy")[len(needles) % 3]
        if kind == "normalized":
            span = [w.upper() if rng.random() < 0.5 else w for w in span]
            needles.append(("normalized", "  ".join(span)))
        elif kind == "fuzzy":
            changed = [misspell(w, rng) if rng.random() < 0.25 else w for w in span]
            if len(changed) > 6:
                del changed[rng.randrange(len(changed))]
            needles.append(("fuzzy", " ".join(changed)))
        else:
            needles.append(("exact", " ".join(span)))
    return needles


def run_once(text: str, needles: list[tuple[str, str]]) -> tuple[float, Counter[str]]:
    clear_caches()  # every run starts cold: no pattern compiled by an earlier run
    started = time.perf_counter()
    index = TextIndex(text)
    tiers: Counter[str] = Counter()
    for _, needle in needles:
        found = index.align(needle)
        tiers[found.match if found else "not found"] += 1
    return time.perf_counter() - started, tiers


def main() -> None:
    importlib.import_module("llama_cpp")  # the heap of a real run is what garbage collection walks
    importlib.import_module("summarizer.pipeline")
    rng = random.Random(7)
    text = build_article(rng)
    needles = build_needles(text, rng)
    times = []
    tiers: Counter[str] = Counter()
    for _ in range(REPEATS):
        seconds, tiers = run_once(text, needles)
        times.append(seconds * 1000)
    kinds = dict(Counter(kind for kind, _ in needles))
    print(f"article {len(text.encode()):,} bytes, {len(needles)} strings: {kinds}")
    print(f"matched by tier: {dict(tiers)}")
    low, mid, high = min(times), statistics.median(times), max(times)
    print(f"total ms over {REPEATS} runs: min {low:.1f}, median {mid:.1f}, max {high:.1f}")


if __name__ == "__main__":
    main()
