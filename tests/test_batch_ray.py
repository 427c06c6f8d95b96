"""``summarize batch --engine ray`` on a local Ray (2 CPUs), against the single-process run.

Ray's workers are separate processes: they reach the scripted model over loopback like any
endpoint, and import this package the way the test process does (``PYTHONPATH`` is inherited).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.app.batch import BatchOptions, run_batch
from summarizer.core.config import Settings
from tests.test_batch import story

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _records(path: Path) -> dict[str, Any]:
    """Each line by its id, without the one field that differs between any two runs (seconds)."""
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    for entry in lines:
        entry.get("usage", {}).pop("seconds", None)
    return {entry["article"]["id"] if "article" in entry else entry["id"]: entry for entry in lines}


def test_ray_gives_what_the_single_process_run_gives(
    local_ray: None, fake_settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    entries = [json.dumps({"id": f"r{n}", "text": story(n), "source": "wire"}) for n in range(8)]
    entries.insert(3, '{"id": "torn"')
    source.write_text("\n".join(entries) + "\n", encoding="utf-8")

    here = run_batch(fake_settings, BatchOptions(str(source), tmp_path / "here.jsonl"), notice=print)
    options = BatchOptions(str(source), tmp_path / "ray.jsonl", engine="ray", concurrency=2)
    on_ray = run_batch(fake_settings, options, notice=print)

    assert (on_ray.done, on_ray.failed, on_ray.input_errors) == (here.done, here.failed, 1) == (8, 1, 1)
    assert _records(tmp_path / "ray.jsonl") == _records(tmp_path / "here.jsonl")
    again = run_batch(fake_settings, options, notice=print)  # resumes like the local engine
    assert (again.done, again.skipped) == (0, 9)


def test_without_ray_installed_the_engine_says_how_to_get_it(
    fake_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.core.errors import ConfigError

    monkeypatch.setitem(sys.modules, "ray", None)  # what an import of a missing package meets
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "a", "text": story(1)}) + "\n", "utf-8")
    options = BatchOptions(str(tmp_path / "in.jsonl"), tmp_path / "o.jsonl", engine="ray")
    with pytest.raises(ConfigError, match=r"--engine ray needs Ray: pip install 'summarizer\[ray\]'"):
        run_batch(fake_settings, options, notice=print)


def test_ray_writes_the_same_pages(local_ray: None, fake_settings: Settings, tmp_path: Path) -> None:
    """The driver keeps each article's text until its record comes back from an actor."""
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"id": f"r{n}", "text": story(n)}) + "\n" for n in range(4)), "utf-8"
    )
    for engine in ("local", "ray"):
        options = BatchOptions(
            str(source),
            tmp_path / f"{engine}.jsonl",
            engine=engine,
            html=tmp_path / engine,
        )
        run_batch(fake_settings, options, notice=print)
    names = sorted(p.name for p in (tmp_path / "ray").iterdir())
    assert names == ["index.html", "r0.html", "r1.html", "r2.html", "r3.html"]
    for name in names[1:]:
        here, there = ((tmp_path / e / name).read_text("utf-8") for e in ("local", "ray"))
        assert re.findall(r"<mark[^>]*>.*?</mark>", there, re.S) == re.findall(
            r"<mark[^>]*>.*?</mark>", here, re.S
        )
        assert there.count("<mark") > 3
