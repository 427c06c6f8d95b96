"""The eval's recorded responses: what survives a prompt change, and what a replay may claim."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summarizer.model.recording import CachingTransport, Cassette, cache_key
from tests.fakes import completion

IDENTITY = {"provider": "local", "model": "m", "prompt_version": "v1", "params": {"seed": 0}}
ARTICLE = "0" * 64


class CountingModel:
    """Answers every request with its own prompt, and counts the calls that reach it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **request: Any) -> ChatCompletion:
        self.calls += 1
        return ChatCompletion.model_validate(completion(request["messages"][-1]["content"]))


def ask(transport: CachingTransport, question: str) -> str:
    answer = transport(messages=[{"role": "user", "content": question}], temperature=0.0)
    return str(answer.choices[0].message.content)


def record(folder: Path, identity: dict[str, Any], questions: list[str], model: CountingModel) -> Cassette:
    transport = CachingTransport(model, "through")
    transport.cassette = Cassette.open(folder, "a", identity, ARTICLE, "through")
    for question in questions:
        assert ask(transport, question) == question
    transport.cassette.save(seconds=99.0)
    return transport.cassette


def test_a_new_prompt_version_re_asks_only_the_questions_whose_text_changed(tmp_path: Path) -> None:
    model = CountingModel()
    record(tmp_path, IDENTITY, ["events?", "actors?"], model)
    again = record(tmp_path, {**IDENTITY, "prompt_version": "v2"}, ["events?", "actors, reworded?"], model)
    assert model.calls == 3
    assert (again.replayed, again.recorded) == (1, 1)
    stored = json.loads(again.path.read_text(encoding="utf-8"))
    assert [c["response"]["choices"][0]["message"]["content"] for c in stored["calls"]] == [
        "events?",
        "actors, reworded?",
    ], "the answer to the old wording is dropped, the unchanged one kept"


def test_what_shapes_answers_besides_the_prompt_still_makes_a_new_file() -> None:
    for changed in ({"model": "other"}, {"params": {"seed": 1}}, {"provider": "openai"}):
        assert cache_key({**IDENTITY, **changed}, ARTICLE) != cache_key(IDENTITY, ARTICLE)
    assert cache_key({**IDENTITY, "prompt_version": "v2"}, ARTICLE) == cache_key(IDENTITY, ARTICLE)
    assert cache_key(IDENTITY, "1" * 64) != cache_key(IDENTITY, ARTICLE)


def test_live_seconds_are_the_calls_own_time_and_unknown_when_a_call_was_never_timed(tmp_path: Path) -> None:
    model = CountingModel()
    whole = record(tmp_path, IDENTITY, ["events?", "actors?"], model)
    assert whole.seconds == 99.0, "a cassette recorded in one run keeps that run's seconds"

    partial = record(tmp_path, IDENTITY, ["events?", "actors, reworded?"], model)
    stored = json.loads(partial.path.read_text(encoding="utf-8"))
    assert partial.seconds == round(sum(c["seconds"] for c in stored["calls"]), 3)
    assert partial.seconds is not None
    assert partial.seconds < 99.0, "the run's own time (replays included) is not passed off as the calls'"

    for call in stored["calls"]:
        call.pop("seconds")
    partial.path.write_text(json.dumps(stored), encoding="utf-8")
    untimed = record(tmp_path, IDENTITY, ["events?", "quotes?"], model)
    assert untimed.seconds is None


def test_a_replay_counts_tokens_as_the_recorded_run_did(tmp_path: Path) -> None:
    """Token counts decide how an article is cut into questions; a replay loads no tokenizer,
    so it must take the recorded run's counts, not its own estimate."""
    live = CachingTransport(CountingModel(), "through")
    live.cassette = Cassette.open(tmp_path, "a", IDENTITY, ARTICLE, "through")
    assert live.counting(len)("four") == 4
    assert ask(live, "q") == "q"
    live.cassette.save(seconds=1.0)

    replay = CachingTransport(None, "replay")
    replay.cassette = Cassette.open(tmp_path, "a", IDENTITY, ARTICLE, "replay")
    estimate = replay.counting(lambda text: 1000)
    assert estimate("four") == 4, "the recorded count"
    assert estimate("an unrecorded text") == 1000, "anything else: the estimate"


def test_counts_taken_while_every_answer_replays_are_kept_and_estimates_never_are(tmp_path: Path) -> None:
    record(tmp_path, IDENTITY, ["q"], CountingModel())  # a recording made before counts were kept
    through = CachingTransport(CountingModel(), "through")
    through.cassette = Cassette.open(tmp_path, "a", IDENTITY, ARTICLE, "through")
    assert ask(through, "q") == "q"
    through.counting(len)("five!")
    assert through.cassette.recorded == 0
    assert through.cassette.counted == 1, "so the eval saves the cassette"
    through.cassette.save(seconds=1.0)

    replay = CachingTransport(None, "replay")
    replay.cassette = Cassette.open(tmp_path, "a", IDENTITY, ARTICLE, "replay")
    assert replay.counting(lambda text: 1000)("five!") == 5
    replay.counting(lambda text: 1000)("never counted by the model")
    assert replay.cassette.counted == 0, "a replay's estimate is not filed as the model's count"
