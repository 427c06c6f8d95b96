"""Seconds, tokens and peak memory per seed article on the embedded model.

Run: ``python -m benchmarks.seeds [FILE ...]`` (defaults to seeds/*.txt). Prints one line per
article and the process's peak RSS. The model load is timed separately from the articles.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from summarizer.core.config import Settings
from summarizer.pipeline import Summarizer
from summarizer.text.ingest import read_article


def main(argv: list[str]) -> None:
    files = argv or sorted(str(p) for p in Path("seeds").glob("*.txt"))
    summarizer = Summarizer(Settings(response_cache=False))  # time the model, not the cache
    started = time.perf_counter()
    model = summarizer.model
    print(f"model {model.provider}/{model.model} ready in {time.perf_counter() - started:.1f} s")
    columns = ("seconds", "calls", "prompt", "completion", "events", "casualties")
    print(f"{'article':<28} " + " ".join(f"{c:>10}" for c in columns))
    for name in files:
        record = summarizer.summarize(read_article(name))
        u = record.usage
        casualties = sum(len(e.casualties) for e in record.events)
        values = (
            f"{u.seconds:.1f}",
            u.calls,
            u.prompt_tokens,
            u.completion_tokens,
            len(record.events),
            casualties,
        )
        print(f"{record.article.id:<28} " + " ".join(f"{v:>10}" for v in values))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak_kib / 1024 / 1024:.2f} GiB")


if __name__ == "__main__":
    main(sys.argv[1:])
