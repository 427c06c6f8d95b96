"""The greedy grammar sampler picks the stock sampler's tokens, on the real embedded model.

`summarizer.model.sampling` claims to change nothing but the time; the recorded eval answers
rely on that. These tests ask the same questions both ways and compare the answers.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import llama_cpp
import pytest
from openai.types.chat import ChatCompletion

from summarizer.core.config import Settings
from summarizer.model.interface import Transport
from summarizer.model.sampling import GreedyGrammarSampler
from summarizer.model.transports import (
    LlamaTransport,
    _LoadedLlama,
    load_llama,
    local_model_file,
    local_threads,
    open_model,
)
from summarizer.pipeline import Summarizer
from summarizer.text.ingest import make_article

pytestmark = pytest.mark.live

ARTICLE = (
    "Gunmen attacked a police post in the town of Kafr Nabl on Sunday, killing three officers "
    'and wounding five, the regional governor said. "They came at night," a resident told '
    "reporters. Two of the attackers were arrested on Monday, police said."
)


@pytest.fixture(scope="module")
def loaded() -> _LoadedLlama:
    settings = Settings()
    return load_llama(local_model_file(settings), settings.context_window, local_threads(settings))


def use_the_stock_sampler(llama: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """llama-cpp-python's own sampler chain for every call until the test ends."""
    monkeypatch.setattr(llama, "_init_sampler", functools.partial(llama_cpp.Llama._init_sampler, llama))


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], str]] = []
        self.inner: Transport | None = None

    def around(self, inner: Transport) -> Recorder:
        self.inner = inner
        return self

    def __call__(self, **request: Any) -> ChatCompletion:
        assert self.inner is not None
        answer = self.inner(**request)
        self.calls.append((request, answer.choices[0].message.content or ""))
        return answer


@pytest.fixture(scope="module")
def pipeline_calls(loaded: _LoadedLlama) -> list[tuple[dict[str, Any], str]]:
    """Every question the pipeline asks about ARTICLE, answered with the fast sampler."""
    settings = Settings(response_cache=False)
    recorder = Recorder()
    Summarizer(settings, model=open_model(settings, wrap=recorder.around)).summarize(make_article(ARTICLE))
    assert isinstance(loaded.llama._sampler, GreedyGrammarSampler)
    return recorder.calls


def test_the_pipeline_questions_get_the_stock_samplers_answers(
    loaded: _LoadedLlama, pipeline_calls: list[tuple[dict[str, Any], str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(pipeline_calls) >= 3
    use_the_stock_sampler(loaded.llama, monkeypatch)
    transport = LlamaTransport(loaded, timeout=600)
    for request, fast_answer in pipeline_calls:
        stock_answer = transport(**request).choices[0].message.content
        assert not isinstance(loaded.llama._sampler, GreedyGrammarSampler)
        assert stock_answer == fast_answer


def _ask_against_the_grain(llama: Any) -> str:
    """A question whose obvious answer the grammar forbids, so the best token is refused."""
    schema = {
        "type": "object",
        "properties": {"answer": {"enum": ["zebra", "quokka", "heron"]}},
        "required": ["answer"],
    }
    answer = llama.create_chat_completion(
        messages=[{"role": "user", "content": 'What is 2 + 2? Reply as {"answer": ...}.'}],
        response_format={"type": "json_object", "schema": schema},
        temperature=0.0,
        max_tokens=20,
    )
    return str(answer["choices"][0]["message"]["content"])


def test_a_refused_best_token_is_replaced_by_the_stock_choice(
    loaded: _LoadedLlama, monkeypatch: pytest.MonkeyPatch
) -> None:
    llama = loaded.llama
    fast = _ask_against_the_grain(llama)
    sampler = llama._sampler
    assert isinstance(sampler, GreedyGrammarSampler)
    assert sampler.checked_every_token > 0
    use_the_stock_sampler(llama, monkeypatch)
    assert _ask_against_the_grain(llama) == fast
    assert json.loads(fast)["answer"] in {"zebra", "quokka", "heron"}
