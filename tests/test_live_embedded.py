"""The main path on the real embedded model, end to end. Slow: about a minute per article.

These are the tests that prove the tool works; everything faster only proves its parts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.core.config import Settings
from summarizer.core.errors import ModelError
from summarizer.model.files import ensure_model_file
from summarizer.pipeline import Summarizer
from summarizer.records.contract import ArticleSummary
from summarizer.text.ingest import make_article
from tests.conftest import SEEDS, assert_grounded, free_port, seed_text, serving

pytestmark = pytest.mark.live

SHORT_ARTICLE = (
    "Gunmen attacked a police post in the town of Kafr Nabl on Sunday, killing three officers, "
    "the regional governor said. Residents said the attackers fled towards the hills."
)


def test_cli_summarizes_a_seed_on_the_embedded_model(tmp_path: Path) -> None:
    seed = SEEDS[0]
    completed = subprocess.run(
        [sys.executable, "-m", "summarizer", str(seed), "--published", "2013-06-02"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    record = ArticleSummary.model_validate_json(completed.stdout)
    text = seed.read_text(encoding="utf-8")
    assert_grounded(record, text)
    assert record.usage.provider == "local"
    assert record.usage.model == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert record.usage.prompt_tokens > 500
    main = record.events[0]
    assert main.event_type == "battles"
    assert main.locations[0].name == "Qusayr"
    assert main.date.text == "today"
    assert main.date.iso == "2013-06-02"
    claims = {(c.count_low, c.claimant) for c in main.casualties}
    assert (52, "The Britain-based Observatory") in claims


def test_a_local_generation_past_its_time_limit_is_a_recorded_failure() -> None:
    summarizer = Summarizer(Settings(timeout=0.05, attempts=2, backoff_initial=0.01, backoff_max=0.01))
    with pytest.raises(ModelError, match=r"ran past 0\.05 s"):
        summarizer.summarize(make_article(seed_text(0)))


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server, with the embedded model, on loopback."""
    model = ensure_model_file(Settings().cache_dir)
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2),
        "--logits_all", "false", "--verbose", "false",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    with serving(command, f"{url}/models", 120, "llama_cpp.server"):
        yield url


def test_openai_provider_against_a_real_openai_compatible_server(llama_server: str) -> None:
    settings = Settings(
        provider="openai", model="qwen", openai_base_url=llama_server, openai_api_key="unused"
    )
    record = Summarizer(settings).summarize(make_article(SHORT_ARTICLE, published=None))
    assert_grounded(record, SHORT_ARTICLE)
    assert record.usage.provider == "openai"
    assert record.usage.calls >= 3
    main = record.events[0]
    assert [loc.name for loc in main.locations if loc.role == "primary"] == ["Kafr Nabl"]
    assert [(c.outcome, c.count_low, c.claimant) for c in main.casualties] == [
        ("killed", 3, "the regional governor")
    ]
