"""Settings as one value object, read from ``SUMMARIZER_*`` (and ``OPENAI_*``) variables once.

The CLI, the service and the library all build a `Settings` and pass it down; nothing else in
the package reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ProviderName = Literal["local", "openai"]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "summarizer"


class Settings(BaseSettings):
    """Every knob of a run; defaults are the embedded model, deterministic, on this machine."""

    model_config = SettingsConfigDict(env_prefix="SUMMARIZER_", extra="ignore", frozen=True)

    provider: ProviderName = "local"
    model: str | None = Field(default=None, description="model name (required for openai)")
    model_path: Path | None = Field(default=None, description="a GGUF file instead of the embedded model")
    context_window: int = Field(default=8192, ge=1024, description="tokens: n_ctx for local")
    threads: int | None = Field(default=None, ge=1, description="CPU threads for local")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int = 0
    timeout: float = Field(default=300.0, gt=0, description="seconds per model call")
    attempts: int = Field(default=4, ge=1, description="tries per model call on transport errors")
    reasks: int = Field(default=2, ge=0, description="re-asks when the answer fails validation")
    reask_rounds: int = Field(default=1, ge=0, description="grounding re-asks of failed fields")
    reask_tokens: int = Field(default=600, ge=0, description="completion tokens allowed for them")
    backoff_initial: float = Field(default=1.0, ge=0)
    backoff_max: float = Field(default=30.0, ge=0)
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SUMMARIZER_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    openai_api_key: str | None = Field(
        default=None,
        repr=False,
        validation_alias=AliasChoices("SUMMARIZER_OPENAI_API_KEY", "OPENAI_API_KEY"),
    )
    response_format: Literal["json_schema", "json_object"] = Field(
        default="json_schema",
        description="json_object sends llama-cpp-python's {type: json_object, schema: ...}",
    )
    cache_dir: Path = Field(default_factory=default_cache_dir)
    response_cache: bool = Field(
        default=True, description="answer a request seen before from the response cache (no model call)"
    )
    response_cache_path: Path | None = Field(
        default=None, description="the response cache's SQLite file [default: CACHE_DIR/responses.sqlite3]"
    )

    @property
    def response_cache_file(self) -> Path:
        return self.response_cache_path or self.cache_dir / "responses.sqlite3"


class ServiceSettings(BaseSettings):
    """The HTTP service's own knobs (the model's are in `Settings`)."""

    model_config = SettingsConfigDict(env_prefix="SUMMARIZER_", extra="ignore", frozen=True)

    api_token: str | None = Field(default=None, repr=False, description="bearer token required on /v1")
    workers: int = Field(default=1, ge=1, description="articles processed at once (1 suits local)")
    queue_size: int = Field(default=8, ge=0, description="requests allowed to wait; more get 503")
    request_timeout: float = Field(default=300.0, gt=0, description="seconds per article, queueing included")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="larger bodies get 413")
    max_batch: int = Field(default=8, ge=1, description="articles per batch request")
    shutdown_grace: float = Field(
        default=30.0, ge=0, description="seconds SIGTERM gives admitted work to finish before stopping"
    )
    child_command: str | None = Field(
        default=None,
        description="internal, for tests and benchmarks: the model process's command instead of "
        "llama-cpp-python's server ({port}: its loopback port, {python}: this interpreter)",
    )

    @field_validator("api_token")
    @classmethod
    def _a_token_that_can_match(cls, token: str | None) -> str | None:
        """``SUMMARIZER_API_TOKEN=`` (empty) would look set yet guard nothing, and spaces around
        a token can never match, since HTTP strips them from the header: both refused at start."""
        if token is not None and not token.strip():
            raise ValueError("SUMMARIZER_API_TOKEN is set but empty; set a token, or unset it")
        if token is not None and token != token.strip():
            raise ValueError("SUMMARIZER_API_TOKEN has spaces around it, which a request cannot send")
        return token

    @model_validator(mode="after")
    def _a_full_batch_fits(self) -> Self:
        """A batch is admitted whole, so one the queue can never hold would always get 503."""
        if self.max_batch > self.workers + self.queue_size:
            raise ValueError(
                f"max_batch {self.max_batch} is more than workers + queue_size "
                f"({self.workers + self.queue_size}): such a batch could never be admitted; "
                "lower the batch limit or raise the queue size"
            )
        return self
