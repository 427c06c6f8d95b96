"""How long an article takes against the time the model needs to read it once.

Run: ``python -m benchmarks.speed [FILE ...]`` (``make bench``). Defaults to the seeds and six
real stories of the eval's dev split. One process, one model instance; per article:

1. The pipeline, per article, one after another as a user's batch would run: every call,
   with prompt tokens, answer tokens and the prompt tokens the model found already evaluated
   (the shared prefix it reused).
2. Right after it, the floor: one call that reads the numbered article (after the static
   instructions, which every call shares and which are already in the model's cache) and
   writes one token. This is what any tool must pay to read the text. Measured next to its
   pipeline run because this machine's speed drifts by a fifth and more within minutes.

Prints a table and the median ratio of pipeline seconds to floor seconds. ``--stock-sampler``
measures the same with llama-cpp-python's own sampler chain, for the before and after of
``summarizer.model.sampling``. ``--lengths`` adds how the time grows with length: one article,
then 2, 4 and 8 stories joined into one text (``--lengths-only`` skips the table; ``--times 16``
chooses the multiples).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llama_cpp
from openai.types.chat import ChatCompletion

from summarizer.core.config import Settings
from summarizer.model.extraction import windows
from summarizer.model.interface import Transport
from summarizer.model.prompting import render
from summarizer.model.transports import load_llama, local_model_file, local_threads, open_model
from summarizer.pipeline import Summarizer
from summarizer.records.contract import spans_mismatching
from summarizer.text.document import analyse
from summarizer.text.ingest import Article, make_article, read_article

DEV_STORIES = (
    "voa_6205674",
    "voa_8006651",
    "voa_8011115",
    "wikievents_64_VOA_EN_NW_2017.06.05.3887168",
    "wikievents_road_ied_8",
    "wikievents_scenario_en_kairos_60",
)


@dataclass
class Meter:
    """Wraps the model's transport: per call, seconds, tokens, and the prompt prefix reused."""

    llama: Any
    inner: Transport | None = None
    calls: list[dict[str, float]] = field(default_factory=list)

    def around(self, inner: Transport) -> Meter:
        self.inner = inner
        return self

    def __call__(self, **request: Any) -> ChatCompletion:
        assert self.inner is not None
        before = list(self.llama.input_ids[: self.llama.n_tokens])
        started = time.perf_counter()
        answer = self.inner(**request)
        seconds = time.perf_counter() - started
        usage = answer.usage
        prompt = usage.prompt_tokens if usage else 0
        after = list(self.llama.input_ids[:prompt])
        reused = _common_prefix(before, after)
        completion = usage.completion_tokens if usage else 0
        self.calls.append({"seconds": seconds, "prompt": prompt, "completion": completion, "reused": reused})
        return answer


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def floor_seconds(meter: Meter, article: Article) -> float:
    """One call that reads the numbered article after the (cached) static instructions."""
    doc = analyse(article)
    system = render("system.j2")
    numbered = render(
        "article.j2",
        sentences=doc.sentences,
        title=article.title,
        published=None,
        dates=[],
        hints=[],
        figures=[],
        names=[],
        quotes=[],
    )
    assert meter.inner is not None
    warm = [{"role": "system", "content": system}, {"role": "user", "content": "."}]
    meter.inner(messages=warm, max_tokens=1, temperature=0.0)
    started = time.perf_counter()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": numbered}]
    meter.inner(messages=messages, max_tokens=1, temperature=0.0)
    return time.perf_counter() - started


def articles(paths: list[str]) -> list[Article]:
    if paths:
        return [read_article(p) for p in paths]
    chosen = [read_article(str(p)) for p in sorted(Path("seeds").glob("*.txt"))]
    for name in DEV_STORIES:
        text = (Path("evals/real") / f"{name}.txt").read_text(encoding="utf-8")
        chosen.append(make_article(text, id=name))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--stock-sampler",
        action="store_true",
        help="llama-cpp-python's own sampler chain instead of summarizer.model.sampling (the before)",
    )
    parser.add_argument("--lengths", action="store_true", help="also time 1x, 2x, 4x and 8x an article")
    parser.add_argument("--lengths-only", action="store_true", help="only the growth with length")
    parser.add_argument(
        "--times", type=int, nargs="+", default=[1, 2, 4, 8], help="how many stories to join (with --lengths)"
    )
    options = parser.parse_args()
    threads = {"threads": options.threads} if options.threads else {}
    settings = Settings(**threads, response_cache=False)  # time the model, not the cache
    loaded = load_llama(local_model_file(settings), settings.context_window, local_threads(settings))
    if options.stock_sampler:
        loaded.llama._init_sampler = functools.partial(llama_cpp.Llama._init_sampler, loaded.llama)
    meter = Meter(loaded.llama)
    started = time.perf_counter()
    summarizer = Summarizer(settings, model=open_model(settings, wrap=meter.around))
    sampler = "stock" if options.stock_sampler else "greedy grammar"
    ready = time.perf_counter() - started
    print(f"model ready in {ready:.1f} s, {local_threads(settings)} threads, {sampler} sampler")
    chosen = articles(options.files)
    if options.lengths_only:
        lengths(summarizer, chosen, options.times)
        return
    header = ("article", "words", "pipeline", "floor", "ratio", "calls", "prompt", "reused", "answer")
    print(f"{header[0]:<30}" + "".join(f"{h:>10}" for h in header[1:]))
    ratios = []
    for article in chosen:
        meter.calls.clear()
        began = time.perf_counter()
        summarizer.summarize(article)
        seconds = time.perf_counter() - began
        calls = list(meter.calls)
        floor = floor_seconds(meter, article)  # right after, so that the machine's drift hits both
        ratio = seconds / floor
        ratios.append(ratio)
        row = (
            len(article.text.split()),
            f"{seconds:.1f}",
            f"{floor:.1f}",
            f"{ratio:.2f}",
            len(calls),
            int(sum(c["prompt"] for c in calls)),
            int(sum(c["reused"] for c in calls)),
            int(sum(c["completion"] for c in calls)),
        )
        print(f"{article.id[:30]:<30}" + "".join(f"{v:>10}" for v in row), flush=True)
    print(f"median ratio {statistics.median(ratios):.2f} over {len(ratios)} articles")
    if options.lengths:
        lengths(summarizer, chosen, options.times)


def lengths(summarizer: Summarizer, chosen: list[Article], multiples: list[int]) -> None:
    """Seconds for one story, then 2, 4 and 8 stories joined: how the time grows with length,
    and how many windows a text too long for one prompt is read in."""
    stories = [a.text for a in chosen]
    for times in multiples:
        article = make_article("\n\n".join(stories[i % len(stories)] for i in range(times)), id=f"x{times}")
        parts = len(windows(analyse(article), summarizer.model))
        began = time.perf_counter()
        record = summarizer.summarize(article)
        seconds = time.perf_counter() - began
        words, calls, events = len(article.text.split()), record.usage.calls, len(record.events)
        claims = sum(len(e.casualties) for e in record.events)
        wrong = len(spans_mismatching(record, article.text))
        print(
            f"{times}x: {words} words, {parts} window(s), {seconds:.1f} s, {calls} calls, "
            f"{events} events, {claims} casualty claims, {wrong} spans not the text's",
            flush=True,
        )


if __name__ == "__main__":
    main()
