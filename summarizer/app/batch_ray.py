"""``summarize batch --engine ray``: the same job as a Ray Data pipeline.

The driver reads and checks the input and skips what is done (so a bad line is reported with
its line number, and a resumed run ships only the articles still to do); the articles still
to do go to Ray as one dataset (held by the driver while they are handed out);
``map_batches`` runs them through `SummarizeBatch` actors, one `Summarizer` each, so the
model loads once per actor, not once per batch; the records stream back to the driver, which
appends each to the same output file as the single-process engine, in the same form. Ray
runs locally unless ``ray_address`` names a cluster (``auto``, or ``ray://head:10001``);
every node needs this package and the model (or the endpoint).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import numpy as np

from summarizer.app.batch import BatchOptions, Outcome, summarize_item
from summarizer.app.batch_input import Pending, Position
from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError
from summarizer.pipeline import Summarizer
from summarizer.text.ingest import make_article

_BATCH_SIZE = 4
"""Articles per batch handed to an actor: small, since one article is seconds to minutes of
model work, and results come back a batch at a time."""


class SummarizeBatch:
    """A Ray Data actor: loads the model once, then summarizes every batch it is given. Each
    row is one JSON string each way, so no column type of Arrow's or numpy's (a missing title,
    a line number beside a file name) can change a value on the way."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self._summarizer = Summarizer(Settings(**settings))
        _ = self._summarizer.model  # load now, once per actor, before the first batch

    def __call__(self, batch: dict[str, np.ndarray[Any, Any]]) -> dict[str, np.ndarray[Any, Any]]:
        outcomes = [summarize_item(self._summarizer, _pending(json.loads(row))) for row in batch["item"]]
        return {"outcome": np.array([json.dumps(asdict(o)) for o in outcomes], dtype=object)}


def run_on_ray(settings: Settings, todo: Iterator[Pending], options: BatchOptions) -> Iterator[Outcome]:
    """The outcomes of ``todo``, as Ray's actors finish them (not in input order)."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'summarizer[ray]'") from None

    if not ray.is_initialized():
        try:
            ray.init(
                address=options.ray_address,
                log_to_driver=False,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ConfigError(
                f"cannot start or reach Ray ({options.ray_address or 'local'}): {exc}"
            ) from None
    _quiet(ray)
    rows = [{"item": json.dumps(_row(item))} for item in todo]
    if not rows:
        return
    # Only what was set (options, SUMMARIZER_* variables): defaults such as the cache folder
    # are each node's own, not the driver's paths.
    constructor = {"settings": settings.model_dump(mode="json", exclude_unset=True)}
    dataset = ray.data.from_items(rows).map_batches(
        SummarizeBatch,
        fn_constructor_kwargs=constructor,
        batch_size=_BATCH_SIZE,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=max(1, options.concurrency)),
        num_cpus=1,
    )
    try:
        for row in dataset.iter_rows():
            yield Outcome(**json.loads(row["outcome"]))
    except Exception as exc:  # an actor that cannot start (no model file) fails the whole job
        cause = getattr(exc, "cause", None) or exc
        lines = str(cause).strip().splitlines()
        raise ConfigError(f"the Ray job failed: {lines[-1] if lines else type(cause).__name__}") from None


def _quiet(ray: Any) -> None:
    """Ray Data reports its own progress at INFO every few seconds; the batch's progress and
    summary lines say what a user needs, so only Ray's warnings and errors are let through."""
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def _row(item: Pending) -> dict[str, Any]:
    article = item.article
    return {
        "id": article.id,
        "text": article.text,
        "title": article.title,
        "source": article.source,
        "published": article.published.isoformat() if article.published else None,
        "origin": article.origin,
        **item.position.as_fields(),
    }


def _pending(row: dict[str, Any]) -> Pending:
    published = row.get("published")
    article = make_article(
        row["text"],
        id=row["id"],
        title=row.get("title"),
        source=row.get("source"),
        published=dt.date.fromisoformat(published) if published else None,
        origin=row["origin"],
    )
    return Pending(article, Position(line=row.get("line"), file=row.get("file")))
