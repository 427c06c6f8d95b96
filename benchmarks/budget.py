"""Where an article's time goes, in tokens, and the best ratio each way of asking could reach.

Run: ``python -m benchmarks.budget [--split dev ...]`` (every recorded fixture by default).

``benchmarks.speed`` says how far the pipeline is from reading the article once; this says why,
and what a change of layout could win before anyone spends an hour re-recording the eval to try
it. It needs no model answer: it replays the recorded fixtures, keeps every request the
pipeline makes and every recorded answer, and counts them with the embedded model's tokenizer:

- the article prompt (the system text and the numbered article: what the floor reads);
- each question's text after the article, which is read again for every question;
- each answer, and how much of it is JSON structure (keys, braces, quotes, commas) rather
  than values: the grammar dictates the structure, yet the model writes it token by token.

Then it times, on the embedded model and alternating in one process, what reading a prompt token
and writing an answer token cost with 1 and with 2 threads, and an answer token checked in
batches of four, as speculative decoding checks a guess of the next tokens. With the faster
rates it prints the median over the articles of the ratio each layout would reach if nothing but
tokens cost time: today's, with shorter answers, with the structure guessed, and the bounds if
the questions' text or the answers cost nothing. A layout whose bound is above the goal cannot
reach it, however it is tuned.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llama_cpp

from benchmarks.sampler import Collector
from summarizer.app.evals import cassette_summarizer, open_fixture, select_fixtures
from summarizer.core.config import Settings
from summarizer.core.errors import SummarizerError
from summarizer.evaluation.gold import Fixture
from summarizer.model.recording import CachingTransport
from summarizer.model.transports import load_llama, local_model_file
from summarizer.pipeline import output_identity

FIXTURES = (Path("evals/fixtures"), Path("evals/real"))
CACHE = Path("evals/cache")
QUESTION = "\n\nQUESTION:"
GOAL = 1.5
THREADS = (1, 2)
ROUNDS = 3
DECODED = 32
"""Answer tokens decoded one at a time per timing: enough to average out a slow step."""
GUESSED = 4
"""Tokens per batch when answer tokens are checked in batches, as speculative decoding or a
grammar-led guess of the structure would check them (logits at every position)."""

_CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")
_JSON_PIECE = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<key>\s*:)?|(?P<scalar>-?\d+(?:\.\d+)?|true|false|null)|.', re.S
)
"""JSON read left to right, a piece at a time, so that a string is never matched from the quote
that closes another: a string (a key when a colon follows), a number or literal, or one
character of punctuation or space."""


@dataclass
class ArticleTokens:
    """One fixture's questions, counted in tokens."""

    name: str
    prompt_text: str = ""
    longest_answer: str = ""
    prompt: int = 0
    questions: int = 0
    answers: int = 0
    structure: int = 0
    compact: int = 0
    by_question: dict[str, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class Rates:
    prompt_ms: float
    answer_ms: float
    guessed_ms: float
    """Per answer token evaluated `GUESSED` at a time with logits at each: the least a right
    guess of the next tokens costs."""

    @property
    def answer_in_prompt_tokens(self) -> float:
        return self.answer_ms / self.prompt_ms

    @property
    def guessed_in_prompt_tokens(self) -> float:
        return self.guessed_ms / self.prompt_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", choices=("written", "dev", "test"), default=[])
    options = parser.parse_args()
    settings = Settings()
    fixtures = select_fixtures(FIXTURES, tuple(options.split))
    llama = load_llama(local_model_file(settings), settings.context_window, 2).llama
    articles = [count(llama, fixture, requests) for fixture, requests in replayed(settings, fixtures)]
    if not articles:
        sys.exit("no recorded fixture to count (run `summarize eval` first)")
    print_questions(articles)
    rates = measure_rates(llama, articles)
    best = min(rates, key=lambda threads: rates[threads].prompt_ms + rates[threads].answer_ms)
    print(f"bounds at the rates of {best} thread(s), the faster")
    print_bounds(articles, rates[best])


def replayed(settings: Settings, fixtures: list[Fixture]) -> Iterator[tuple[Fixture, list[Any]]]:
    """Each fixture with the requests and recorded answers the pipeline goes through; a fixture
    whose recording does not answer every request is left out, with a line saying why."""
    identity = output_identity(settings)
    replay = CachingTransport(None, "replay")
    collector = Collector()
    summarizer = cassette_summarizer(settings, replay, "replay", outer=collector.around)
    for fixture in fixtures:
        article, _ = open_fixture(replay, fixture, CACHE, identity, "replay")
        collector.requests.clear()
        collector.answers.clear()
        try:
            summarizer.summarize(article)
        except SummarizerError as exc:  # a fixture recorded for other prompts: a cache miss
            print(f"{fixture.name}: left out ({exc})", file=sys.stderr)
            continue
        yield fixture, list(zip(collector.requests, collector.answers, strict=True))


def count(llama: Any, fixture: Fixture, calls: list[Any]) -> ArticleTokens:
    article = ArticleTokens(fixture.name)
    for request, answer in calls:
        system, user = (m["content"] for m in request["messages"][:2])
        cut = user.rfind(QUESTION)
        if cut < 0:  # instructor's own retry after a parse error: not one of our questions
            continue
        question = user[cut:]
        text = answer.choices[0].message.content or ""
        if len(user[:cut]) > len(article.prompt_text):
            article.prompt_text = user[:cut]
            article.prompt = tokens(llama, system) + tokens(llama, article.prompt_text)
        article.longest_answer = max(article.longest_answer, text, key=len)
        asked, written, structure = tokens(llama, question), tokens(llama, text), structural(llama, text)
        article.questions += asked
        article.answers += written
        article.structure += structure
        article.compact += tokens(llama, compacted(text))
        article.by_question[kind_of(question)].append((asked, written, structure))
    return article


def tokens(llama: Any, text: str) -> int:
    return len(llama.tokenize(text.encode(), add_bos=False, special=False))


def structural(llama: Any, answer: str) -> int:
    """Answer tokens that lie wholly outside every JSON value: keys and punctuation."""
    values = [  # a string's inside: its quotes are as dictated as its key
        (m.start() + 1, m.end("string") - 1) if m["string"] else m.span()
        for m in _JSON_PIECE.finditer(answer)
        if (m["string"] and not m["key"]) or m["scalar"]
    ]
    data = answer.encode()
    start, outside = 0, 0
    for token in llama.tokenize(data, add_bos=False, special=False):
        end = start + len(llama.detokenize([token]))
        chars = len(data[:start].decode(errors="ignore")), len(data[:end].decode(errors="ignore"))
        outside += not any(a < chars[1] and chars[0] < b for a, b in values)
        start = end
    return outside


def compacted(answer: str) -> str:
    """The same answer with one-letter keys and every code (a lowercase word or words joined by
    underscores: "killed", "identity_militia") written as one letter: what short keys and short
    codes mapped back by the program could save at most, if the model answered as well."""
    try:
        parsed = json.loads(answer)
    except json.JSONDecodeError:
        return answer

    def shorten(value: Any) -> Any:
        if isinstance(value, dict):
            return {chr(ord("a") + i % 26): shorten(v) for i, v in enumerate(value.values())}
        if isinstance(value, list):
            return [shorten(v) for v in value]
        if isinstance(value, str) and _CODE.fullmatch(value):
            return "x"
        return value

    return json.dumps(shorten(parsed), ensure_ascii=False)


def kind_of(question: str) -> str:
    """The question's template, by its first line (the templates' own wording)."""
    first = question.strip().splitlines()[0]
    for key, words in (
        ("events", "main event"),
        ("figures", "numbers"),
        ("names", "Who and where"),
        ("quotes", "quotations"),
        ("re-ask", "could not be checked"),
    ):
        if words in first:
            return key
    return "other"


def print_questions(articles: list[ArticleTokens]) -> None:
    print(f"{len(articles)} articles; per question (mean tokens per call):")
    print(f"{'question':<10}{'calls':>8}{'after article':>15}{'answer':>9}{'structure':>11}")
    pooled: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for article in articles:
        for key, calls in article.by_question.items():
            pooled[key].extend(calls)
    for key, calls in sorted(pooled.items()):
        asked, written, structure = (statistics.mean(c[i] for c in calls) for i in range(3))
        share = sum(c[2] for c in calls) / max(1, sum(c[1] for c in calls))
        print(f"{key:<10}{len(calls):>8}{asked:>15.0f}{written:>9.0f}{share:>10.0%}")
    prompt, asked, written = (
        statistics.mean(getattr(a, k) for a in articles) for k in ("prompt", "questions", "answers")
    )
    structure = sum(a.structure for a in articles) / max(1, sum(a.answers for a in articles))
    print(
        f"per article: {prompt:.0f} tokens of article prompt, {asked:.0f} of questions after it, "
        f"{written:.0f} answer tokens ({structure:.0%} of them structure)"
    )


def measure_rates(llama: Any, articles: list[ArticleTokens]) -> dict[int, Rates]:
    """Milliseconds per prompt token and per answer token, for each thread count, taken in
    turns so that the machine's drift falls on both."""
    typical = sorted(articles, key=lambda a: a.prompt)[len(articles) // 2]
    prompt = llama.tokenize(typical.prompt_text.encode(), add_bos=True)
    answer = llama.tokenize(typical.longest_answer.encode(), add_bos=False)[:DECODED]
    spent: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for _ in range(ROUNDS):
        for threads in THREADS:
            llama_cpp.llama_set_n_threads(llama.ctx, threads, threads)
            llama.reset()
            started = time.perf_counter()
            llama.eval(prompt)
            spent[threads][0] += time.perf_counter() - started
            started = time.perf_counter()
            for token in answer:  # the recorded answer, fed back one token at a time
                llama.eval([token])
            spent[threads][1] += time.perf_counter() - started
            spent[threads][2] += guessed_seconds(llama, len(prompt), answer)
    llama_cpp.llama_set_n_threads(llama.ctx, 2, 2)
    rates = {}
    for threads, (reading, writing, guessing) in spent.items():
        per_answer_token = 1000 / ROUNDS / len(answer)
        rate = Rates(
            1000 * reading / ROUNDS / len(prompt), writing * per_answer_token, guessing * per_answer_token
        )
        rates[threads] = rate
        print(
            f"{threads} thread(s): {rate.prompt_ms:.1f} ms per prompt token ({len(prompt)} read at once), "
            f"{rate.answer_ms:.1f} ms per answer token (one at a time), {rate.guessed_ms:.1f} ms "
            f"checked {GUESSED} at a time: an answer token costs {rate.answer_in_prompt_tokens:.1f} "
            "prompt tokens"
        )
    return rates


def guessed_seconds(llama: Any, start: int, answer: list[int]) -> float:
    """The same answer tokens again from the same place, `GUESSED` per batch, with the logits
    of every position that checking a guess needs."""
    llama.n_tokens = start
    llama._ctx.kv_cache_seq_rm(-1, start, -1)
    started = time.perf_counter()
    for i in range(0, len(answer), GUESSED):
        batch = answer[i : i + GUESSED]
        llama._batch.set_batch(batch=batch, n_past=llama.n_tokens, logits_all=True)
        llama._ctx.decode(llama._batch)
        llama.n_tokens += len(batch)
    return time.perf_counter() - started


def print_bounds(articles: list[ArticleTokens], rates: Rates) -> None:
    """The ratio each layout reaches per article if only tokens cost time (medians)."""
    weight, guessed = rates.answer_in_prompt_tokens, rates.guessed_in_prompt_tokens

    def ratio(asked: float, written: float, prompt: float, guessed_tokens: float = 0) -> float:
        return (prompt + asked + weight * written + guessed * guessed_tokens) / prompt

    layouts: dict[str, Callable[[ArticleTokens], float]] = {
        "today: questions after the article, JSON answers": lambda a: ratio(a.questions, a.answers, a.prompt),
        "answers with short keys and one-token codes": lambda a: ratio(a.questions, a.compact, a.prompt),
        f"structure guessed right, {GUESSED} at a time": lambda a: ratio(
            a.questions, a.answers - a.structure, a.prompt, a.structure
        ),
        "answers without structure tokens": lambda a: ratio(a.questions, a.answers - a.structure, a.prompt),
        "answers free (questions still read)": lambda a: ratio(a.questions, 0, a.prompt),
        "questions free (answers still written)": lambda a: ratio(0, a.answers, a.prompt),
    }
    print(f"median ratio over {len(articles)} articles if only tokens cost time (goal {GOAL}):")
    for name, layout in layouts.items():
        print(f"  {name:<50}{statistics.median(layout(a) for a in articles):>6.2f}")
    allowed = statistics.median((GOAL - 1) * a.prompt for a in articles)
    spent = statistics.median(a.questions + weight * a.answers for a in articles)
    print(
        f"the goal leaves {allowed:.0f} prompt-token equivalents per article for every question and "
        f"answer; today they take {spent:.0f}"
    )


if __name__ == "__main__":
    main()
