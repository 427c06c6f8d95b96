"""What the greedy grammar sampler saves, and that it answers as the stock sampler does.

Run: ``python -m benchmarks.sampler [FILE ...]`` (defaults to the two seeds). The machine's speed
drifts by a fifth and more between runs of ``benchmarks.speed``, so two separate runs cannot
show a change of that size. This one runs the pipeline once to collect its questions, then asks
each question again with both samplers, alternating, in one process: before each timed call
the whole prompt is evaluated afresh and cached (a call for one token), so both samplers start
from the same numbers and only the answer is timed. It
prints seconds per answer with each sampler, milliseconds per answer token, and whether every
answer was the same text.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llama_cpp
from openai.types.chat import ChatCompletion

from benchmarks.speed import articles
from summarizer.core.config import Settings
from summarizer.model.interface import Transport
from summarizer.model.transports import (
    LlamaTransport,
    load_llama,
    local_model_file,
    local_threads,
    open_model,
)
from summarizer.pipeline import Summarizer

SAMPLERS = ("stock", "greedy grammar")


@dataclass
class Collector:
    """Wraps the model's transport and keeps every request the pipeline makes, and its answer."""

    inner: Transport | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[ChatCompletion] = field(default_factory=list)

    def around(self, inner: Transport) -> Collector:
        self.inner = inner
        return self

    def __call__(self, **request: Any) -> ChatCompletion:
        assert self.inner is not None
        self.requests.append(request)
        answer = self.inner(**request)
        self.answers.append(answer)
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    options = parser.parse_args()
    paths = options.files or sorted(str(p) for p in Path("seeds").glob("*.txt"))
    settings = Settings(response_cache=False)
    loaded = load_llama(local_model_file(settings), settings.context_window, local_threads(settings))
    llama = loaded.llama
    init = {
        "greedy grammar": llama._init_sampler,
        "stock": functools.partial(llama_cpp.Llama._init_sampler, llama),
    }
    collector = Collector()
    summarizer = Summarizer(settings, model=open_model(settings, wrap=collector.around))
    for article in articles(paths):
        summarizer.summarize(article)
    if not collector.requests:
        sys.exit("the pipeline asked the model nothing about these files: nothing to time")
    transport = LlamaTransport(loaded, timeout=600)
    seconds = dict.fromkeys(SAMPLERS, 0.0)
    tokens, differing = 0, 0
    for request in collector.requests:
        answers: dict[str, str] = {}
        for order in (SAMPLERS, SAMPLERS[::-1]):
            for sampler in order:
                llama._init_sampler = init["greedy grammar"]
                llama.reset()  # both samplers start from the same state: the prompt read whole
                transport(**{**request, "max_tokens": 1})
                llama._init_sampler = init[sampler]
                started = time.perf_counter()
                answer = transport(**request)
                seconds[sampler] += (time.perf_counter() - started) / 2
                answers.setdefault(sampler, answer.choices[0].message.content or "")
                if sampler == "stock" and order == SAMPLERS:
                    tokens += answer.usage.completion_tokens if answer.usage else 0
        differing += answers["stock"] != answers["greedy grammar"]
    print(f"{len(collector.requests)} questions, {tokens} answer tokens")
    for sampler in SAMPLERS:
        per_token = 1000 * seconds[sampler] / tokens
        print(f"{sampler:>15} sampler: {seconds[sampler]:.1f} s of answers, {per_token:.1f} ms per token")
    print(f"answers that differ: {differing} of {len(collector.requests)}")


if __name__ == "__main__":
    main()
