"""Retries and failures of the model stage, against a scripted server on loopback."""

from __future__ import annotations

import json

import openai
import pytest
from pydantic import BaseModel

from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, ModelError
from summarizer.model import interface
from summarizer.model.interface import StructuredModel, retry_after_seconds
from summarizer.model.transports import OpenAITransport, open_model
from tests.fakes import FakeOpenAIServer, Fault

MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Who?"}]


class Answer(BaseModel):
    name: str
    count: int


def make_model(server: FakeOpenAIServer, settings: Settings, sleeps: list[float]) -> StructuredModel:
    client = openai.OpenAI(api_key="k", base_url=server.url, max_retries=0, timeout=settings.timeout)
    return StructuredModel(
        provider="openai",
        model="fake-model",
        transport=OpenAITransport(client, settings.response_format),
        settings=settings,
        count_tokens=len,
        context_window=8192,
        sleep=sleeps.append,
    )


def test_retry_after_seconds_is_waited_exactly(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    sleeps: list[float] = []
    fake_server.queue(Fault(429, {"retry-after": "2"}))
    answer, usage = make_model(fake_server, fake_settings, sleeps).extract(Answer, MESSAGES, max_tokens=50)
    assert answer.model_dump() == {"name": "", "count": 0}
    assert sleeps == [2.0]
    assert len(fake_server.requests) == 2
    assert usage.calls == 1  # only the successful call produced a completion


def test_retry_after_ms_is_preferred(fake_server: FakeOpenAIServer, fake_settings: Settings) -> None:
    sleeps: list[float] = []
    fake_server.queue(Fault(503, {"retry-after-ms": "1500", "retry-after": "9"}))
    make_model(fake_server, fake_settings, sleeps).extract(Answer, MESSAGES, max_tokens=50)
    assert sleeps == [1.5]


def test_server_errors_back_off_with_jitter_within_bounds(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    sleeps: list[float] = []
    fake_server.queue(Fault(500), Fault(502))
    make_model(fake_server, fake_settings, sleeps).extract(Answer, MESSAGES, max_tokens=50)
    assert len(sleeps) == 2
    assert all(0 <= s <= fake_settings.backoff_max for s in sleeps)
    assert len(fake_server.requests) == 3


def test_transport_errors_never_reach_the_prompt(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    fake_server.queue(Fault(500, body=json.dumps({"error": {"message": "backend exploded"}})))
    make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    first, second = fake_server.requests
    assert first["messages"] == second["messages"] == MESSAGES
    assert "exploded" not in json.dumps(second)


def test_invalid_answer_is_reasked_with_the_specific_error(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    fake_server.queue(Fault(200, body='{"name": "x", "count": "many"}'))
    answer, usage = make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    assert answer.count == 0
    reask = fake_server.requests[1]["messages"]
    assert reask[: len(MESSAGES)] == MESSAGES
    assert reask[-2]["role"] == "assistant"
    assert '"count": "many"' in reask[-2]["content"]
    assert "count" in reask[-1]["content"]
    assert "integer" in reask[-1]["content"]  # pydantic's own words for this field's error
    assert usage.calls == 2


def test_broken_json_is_reasked(fake_server: FakeOpenAIServer, fake_settings: Settings) -> None:
    fake_server.queue(Fault(200, body='{"name": "x", '))
    make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    assert "Correct your JSON" in fake_server.requests[1]["messages"][-1]["content"]


def test_persistent_server_failure_is_a_model_error(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    fake_server.queue(*[Fault(500)] * 5)
    with pytest.raises(ModelError, match="HTTP 500") as failure:
        make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    assert failure.value.attempts == fake_settings.attempts
    assert len(fake_server.requests) == fake_settings.attempts


def test_client_errors_are_not_retried(fake_server: FakeOpenAIServer, fake_settings: Settings) -> None:
    fake_server.queue(Fault(401, body=json.dumps({"error": {"message": "bad key"}})))
    with pytest.raises(ModelError, match="HTTP 401"):
        make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    assert len(fake_server.requests) == 1


def test_garbage_after_every_reask_is_a_model_error(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    fake_server.queue(*[Fault(200, body="!!!!")] * 3)
    with pytest.raises(ModelError, match="no valid answer in 3 attempts"):
        make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)


def test_a_hung_request_times_out_and_is_retried(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    settings = fake_settings.model_copy(update={"timeout": 0.3})
    fake_server.queue(Fault(delay=1.0))
    answer, _ = make_model(fake_server, settings, []).extract(Answer, MESSAGES, max_tokens=50)
    assert answer.name == ""
    assert len(fake_server.requests) == 2


def test_server_rejecting_json_schema_gets_llama_cpp_style(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    # what llama-cpp-python's server really answers (its validation error escapes as a 500)
    message = (
        "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
    )
    fake_server.queue(Fault(500, body=json.dumps({"error": {"message": message}})))
    make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    first, second = fake_server.requests
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {
        "type": "json_object",
        "schema": first["response_format"]["json_schema"]["schema"],
    }


def test_openai_provider_needs_a_model_name(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="--model"):
        open_model(Settings(provider="openai", openai_base_url="http://127.0.0.1:9/v1"))


def test_openai_provider_needs_a_key_or_a_local_url() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        open_model(Settings(provider="openai", model="m", openai_api_key=None, openai_base_url=None))


def rate_limited(server: FakeOpenAIServer, headers: dict[str, str]) -> openai.RateLimitError:
    """The error the openai client raises for a 429 with these headers."""
    server.queue(Fault(429, headers))
    client = openai.OpenAI(api_key="k", base_url=server.url, max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="fake-model", messages=MESSAGES)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past
        ({"retry-after": "soon, maybe"}, None),
        ({"retry-after": "Mon, 99 Foo 2015 99:99:99 GMT"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after-ms": "garbage", "retry-after": "2"}, 2.0),
        ({}, None),
    ],
)
def test_retry_after_that_is_neither_a_number_nor_a_date_counts_as_absent(
    fake_server: FakeOpenAIServer, headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after_seconds(rate_limited(fake_server, headers)) == seconds


def test_a_garbage_retry_after_is_retried_with_backoff(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    sleeps: list[float] = []
    fake_server.queue(Fault(429, {"retry-after": "Mon, 99 Foo 2015 99:99:99 GMT"}))
    answer, _ = make_model(fake_server, fake_settings, sleeps).extract(Answer, MESSAGES, max_tokens=50)
    assert answer.name == ""
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= fake_settings.backoff_max


def test_waits_never_outlast_the_callers_deadline(
    fake_server: FakeOpenAIServer, fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interface, "time_left", lambda: 0.25)
    sleeps: list[float] = []
    fake_server.queue(Fault(429, {"retry-after": "30"}), Fault(503))
    slow_backoff = fake_settings.model_copy(update={"backoff_initial": 10, "backoff_max": 60})
    make_model(fake_server, slow_backoff, sleeps).extract(Answer, MESSAGES, max_tokens=50)
    assert sleeps == [0.25, 0.25]


def test_refused_credentials_are_reported_without_the_upstream_body(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    for status in (401, 403):
        body = json.dumps({"error": {"message": "Incorrect API key provided: sk-abc1***xyz"}})
        fake_server.queue(Fault(status, body=body))
        with pytest.raises(ModelError) as failure:
            make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
        assert str(failure.value) == (
            f"openai model call failed: HTTP {status}: "
            "the endpoint refused the credentials (check OPENAI_API_KEY)"
        )


def test_key_like_tokens_in_kept_upstream_text_are_redacted(
    fake_server: FakeOpenAIServer, fake_settings: Settings
) -> None:
    leak = "proxy failed for api_key=live-123456 with Authorization: Bearer eyJhbGci.x and sk-proj-AbC123"
    fake_server.queue(*[Fault(500, body=json.dumps({"error": {"message": leak}}))] * 5)
    with pytest.raises(ModelError) as failure:
        make_model(fake_server, fake_settings, []).extract(Answer, MESSAGES, max_tokens=50)
    message = str(failure.value)
    assert "HTTP 500" in message
    assert "proxy failed for api_key=***" in message
    for secret in ("live-123456", "eyJhbGci", "AbC123"):
        assert secret not in message
