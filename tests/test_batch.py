"""`summarize batch`: a corpus through the scripted model, killed and resumed, cached, paced.

The scripted model (tests/fakes.py) stands in for the endpoint; it counts every request it is
sent, which is how these tests know how many model calls a run made.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from summarizer.app.batch import BatchOptions, run_batch
from summarizer.app.cli import main
from summarizer.core.config import Settings
from summarizer.records.contract import ArticleSummary, spans_mismatching
from tests.fakes import FakeOpenAIServer, Fault, minimal_instance

PLACES = ["Arden", "Brisk", "Corvale", "Dunmore", "Eastwick", "Fallow", "Glenhaven", "Harrow"]


def story(n: int) -> str:
    """An invented wire story, different for every ``n``."""
    place = PLACES[n % len(PLACES)]
    return (
        f"Gunmen killed {n + 2} people at a market in {place} on Tuesday, local police said. "
        f"Story number {n} of the test corpus."
    )


def write_jsonl(path: Path, count: int) -> dict[str, str]:
    texts = {f"story-{n:03d}": story(n) for n in range(count)}
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()), "utf-8")
    return texts


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def id_of(entry: dict[str, Any]) -> str:
    return str(entry["article"]["id"] if "article" in entry else entry["id"])


def invoke(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["batch", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.fixture
def cached_env(fake_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The CLI on the scripted model with the response cache on, in this test's own folder."""
    return {**fake_env, "SUMMARIZER_RESPONSE_CACHE": "true", "SUMMARIZER_CACHE_DIR": str(tmp_path / "c")}


def test_a_jsonl_of_200_articles_gives_one_grounded_record_each(
    fake_server: FakeOpenAIServer, fake_env: dict[str, str], tmp_path: Path
) -> None:
    texts = write_jsonl(tmp_path / "in.jsonl", 200)
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    code, err = invoke([str(tmp_path / "in.jsonl"), "--out", str(out), "--report", str(report)], fake_env)
    assert code == 0, err
    records = [ArticleSummary.model_validate(entry) for entry in read_lines(out)]
    assert sorted(r.article.id for r in records) == sorted(texts)
    for record in records:
        assert spans_mismatching(record, texts[record.article.id]) == []
        assert record.events[0].casualties[0].count_low == int(record.article.id[-3:]) + 2
    accounting = json.loads(report.read_text())
    assert (accounting["done"], accounting["failed"], accounting["skipped"]) == (200, 0, 0)
    assert accounting["tokens"] == sum(r.usage.prompt_tokens + r.usage.completion_tokens for r in records)
    assert "200 done, 0 failed, 0 skipped" in err


def test_a_folder_of_text_files_and_an_unreadable_one(fake_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(5):
        (folder / f"wire-{n}.txt").write_text(story(n), encoding="utf-8")
    (folder / "scan.txt").write_bytes(b"\x00\x01binary")
    (folder / "notes.md").write_text("not an article file", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, err = invoke([str(folder), "--out", str(out)], fake_env)
    assert code == 2
    by_id = {id_of(e): e for e in read_lines(out)}
    assert set(by_id) == {"scan", *(f"wire-{n}" for n in range(5))}
    assert by_id["scan"]["file"] == "scan.txt"
    assert by_id["scan"]["error"]["code"] == "input_error"
    assert "binary data" in by_id["scan"]["error"]["message"]
    assert "scan.txt: binary data" in err


def test_bad_lines_are_reported_by_number_and_the_rest_are_summarized(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        json.dumps({"id": "first", "text": story(1)}),
        '{"id": "broken", "text": ',
        json.dumps({"id": "untitled"}),
        json.dumps({"id": "first", "text": story(2)}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps({"id": "last", "text": story(3), "published": "2024-03-12", "extra": 1}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = invoke([str(source), "--out", str(tmp_path / "out.jsonl")], fake_env)
    assert code == 2
    entries = read_lines(tmp_path / "out.jsonl")
    errors = {e["line"]: e["error"]["message"] for e in entries if "error" in e}
    assert errors == {
        2: f"{source}: line 2: not valid JSON (Expecting value at column 26)",
        3: f'{source}: line 3: no "text" field',
        4: f"{source}: line 4: duplicate id 'first' (first on line 1); skipped",
        5: f"{source}: line 5: not a JSON object",
        7: f"{source}: line 7: the article is only whitespace",
    }
    records = [ArticleSummary.model_validate(e) for e in entries if "error" not in e]
    assert [r.article.id for r in records] == ["first", "last"]
    assert str(records[1].article.published) == "2024-03-12"
    for message in errors.values():
        assert message in err


def test_kill_9_then_rerun_gives_every_article_exactly_once(fake_env: dict[str, str], tmp_path: Path) -> None:
    """The run is killed hard while it writes; the re-run finishes the rest, loses nothing and
    writes nothing twice, and does not ask again what was done."""
    texts = write_jsonl(tmp_path / "in.jsonl", 200)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "summarizer", "batch", str(tmp_path / "in.jsonl"), "--out", str(out)]
    env = {**os.environ, **fake_env}
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 40:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    written_before = out.read_bytes().count(b"\n")
    assert 40 <= written_before < 200
    report = ["--report", str(tmp_path / "r.json")]
    rerun = subprocess.run([*command, *report], env=env, capture_output=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    counts = Counter(id_of(e) for e in read_lines(out))
    assert set(counts) == set(texts)
    assert set(counts.values()) == {1}
    accounting = json.loads((tmp_path / "r.json").read_text())
    assert accounting["skipped"] >= written_before
    assert accounting["done"] + accounting["skipped"] == 200


def test_a_line_cut_short_by_a_crash_is_dropped_and_its_article_run_again(
    fake_server: FakeOpenAIServer, fake_env: dict[str, str], tmp_path: Path
) -> None:
    write_jsonl(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    args = [str(tmp_path / "in.jsonl"), "--out", str(out)]
    assert invoke(args, fake_env)[0] == 0
    whole = out.read_bytes()
    out.write_bytes(whole[: whole.rindex(b"\n", 0, len(whole) - 1) + 40])  # the last line half-written
    calls = len(fake_server.requests)
    code, err = invoke(args, fake_env)
    assert code == 0
    assert "1 done, 0 failed, 2 skipped" in err
    assert len(fake_server.requests) == calls + 3  # the one article's three questions
    assert [id_of(e) for e in read_lines(out)] == ["story-000", "story-001", "story-002"]


def test_a_rerun_makes_no_model_call(
    fake_server: FakeOpenAIServer, cached_env: dict[str, str], tmp_path: Path
) -> None:
    """Into the same output, everything is skipped; into a new one, the cache answers."""
    write_jsonl(tmp_path / "in.jsonl", 20)
    source = str(tmp_path / "in.jsonl")
    assert invoke([source, "--out", str(tmp_path / "a.jsonl")], cached_env)[0] == 0
    calls = len(fake_server.requests)
    assert calls >= 60
    code, err = invoke([source, "--out", str(tmp_path / "a.jsonl")], cached_env)
    assert (code, len(fake_server.requests)) == (0, calls)
    assert "0 done, 0 failed, 20 skipped" in err
    report = tmp_path / "b.json"
    code, err = invoke([source, "--out", str(tmp_path / "b.jsonl"), "--report", str(report)], cached_env)
    assert (code, len(fake_server.requests)) == (0, calls)
    assert json.loads(report.read_text())["cache_misses"] == 0
    assert json.loads(report.read_text())["cache_hits"] == calls
    strip = [_without_seconds(e) for e in read_lines(tmp_path / "a.jsonl")]
    assert strip == [_without_seconds(e) for e in read_lines(tmp_path / "b.jsonl")]
    code, _ = invoke([source, "--out", str(tmp_path / "c.jsonl"), "--no-cache"], cached_env)
    assert (code, len(fake_server.requests)) == (0, 2 * calls)


def test_the_single_article_command_shares_the_cache(
    fake_server: FakeOpenAIServer, cached_env: dict[str, str], tmp_path: Path
) -> None:
    write_jsonl(tmp_path / "in.jsonl", 1)
    (tmp_path / "story-000.txt").write_text(story(0), encoding="utf-8")
    assert invoke([str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out.jsonl")], cached_env)[0] == 0
    calls = len(fake_server.requests)
    result = CliRunner().invoke(main, [str(tmp_path / "story-000.txt")], env=cached_env)
    assert result.exit_code == 0
    assert len(fake_server.requests) == calls
    assert ArticleSummary.model_validate_json(result.stdout).article.id == "story-000"


def test_retry_failed_runs_only_the_failures_again(
    fake_server: FakeOpenAIServer, fake_env: dict[str, str], tmp_path: Path
) -> None:
    write_jsonl(tmp_path / "in.jsonl", 6)
    args = [str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out.jsonl")]
    fake_server.fail_when_text_contains["Story number 4 "] = Fault(status=500)
    code, err = invoke(args, fake_env)
    assert code == 1
    assert "story-004" in err
    fake_server.fail_when_text_contains.clear()
    calls = len(fake_server.requests)
    assert invoke(args, fake_env)[0] == 0  # a failure counts as done: nothing is asked
    assert len(fake_server.requests) == calls
    assert "error" in {id_of(e): e for e in read_lines(tmp_path / "out.jsonl")}["story-004"]
    code, err = invoke([*args, "--retry-failed"], fake_env)
    assert code == 0, err
    assert "1 done, 0 failed, 5 skipped" in err
    entries = read_lines(tmp_path / "out.jsonl")
    assert sorted(id_of(e) for e in entries) == [f"story-{n:03d}" for n in range(6)]
    assert not any("error" in e for e in entries)


def test_another_model_runs_everything_again_and_keeps_the_old_file(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    write_jsonl(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    args = [str(tmp_path / "in.jsonl"), "--out", str(out)]
    assert invoke(args, fake_env)[0] == 0
    code, err = invoke([*args, "--model", "other-model"], fake_env)
    assert code == 0
    assert "3 done, 0 failed, 0 skipped" in err
    assert {e["usage"]["model"] for e in read_lines(out)} == {"other-model"}
    (aside,) = list(tmp_path.glob("out.*.jsonl"))
    assert {e["usage"]["model"] for e in read_lines(aside)} == {"fake-model"}
    assert f"moved to {aside}" in err


def test_an_output_file_not_made_by_batch_is_left_alone(fake_env: dict[str, str], tmp_path: Path) -> None:
    write_jsonl(tmp_path / "in.jsonl", 1)
    (tmp_path / "out.jsonl").write_text("someone's data\n", encoding="utf-8")
    code, err = invoke([str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out.jsonl")], fake_env)
    assert code == 2
    assert err.startswith("summarize: error: ")
    assert "was not written by summarize batch" in err
    assert (tmp_path / "out.jsonl").read_text() == "someone's data\n"


def test_a_missing_source_is_a_usage_error(fake_env: dict[str, str], tmp_path: Path) -> None:
    code, err = invoke([str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl")], fake_env)
    assert (code, err) == (2, f"summarize: error: {tmp_path / 'nope.jsonl'}: no such file or folder\n")


def test_standard_input(fake_env: dict[str, str], tmp_path: Path) -> None:
    body = json.dumps({"id": "piped", "text": story(5), "title": "A title"}) + "\n"
    result = CliRunner().invoke(
        main, ["batch", "-", "--out", str(tmp_path / "o.jsonl")], env=fake_env, input=body
    )
    assert result.exit_code == 0, result.stderr
    (entry,) = read_lines(tmp_path / "o.jsonl")
    assert (entry["article"]["id"], entry["article"]["title"]) == ("piped", "A title")


def test_concurrency_is_bounded(
    fake_server: FakeOpenAIServer, fake_env: dict[str, str], tmp_path: Path
) -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    def slow_answer(schema: dict[str, Any], request: dict[str, Any]) -> Any:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return minimal_instance(schema)

    fake_server.answer = slow_answer
    write_jsonl(tmp_path / "in.jsonl", 12)
    args = [str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "o.jsonl"), "--concurrency", "3"]
    assert invoke(args, fake_env)[0] == 0
    assert most == 3
    assert len(read_lines(tmp_path / "o.jsonl")) == 12


def test_plain_progress_lines_when_not_a_terminal(fake_settings: Settings, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "in.jsonl", 3)
    notices: list[str] = []
    options = BatchOptions(str(tmp_path / "in.jsonl"), tmp_path / "o.jsonl", progress=False, log_every=0)
    tally = run_batch(fake_settings, options, notice=notices.append)
    assert (tally.done, tally.failed) == (3, 0)
    assert [n.split(",")[0] for n in notices] == ["progress: 1 done", "progress: 2 done", "progress: 3 done"]
    assert notices[-1].endswith(f" articles/s, {tally.tokens} tokens")


def _without_seconds(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "usage": {k: v for k, v in entry["usage"].items() if k != "seconds"}}


def test_the_progress_bar_counts_against_what_is_left(
    fake_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_jsonl(tmp_path / "in.jsonl", 4)
    options = BatchOptions(str(tmp_path / "in.jsonl"), tmp_path / "o.jsonl", progress=True)
    run_batch(fake_settings, options, notice=print)
    with (tmp_path / "in.jsonl").open("a", encoding="utf-8") as more:
        more.write(json.dumps({"id": "late", "text": story(9)}) + "\n")
    capsys.readouterr()
    run_batch(fake_settings, options, notice=print)
    bar = capsys.readouterr().err.split("\r")[-1]
    assert "1/1" in bar
    assert "done=1, failed=0, skipped=4" in bar


def test_the_service_answers_from_the_cache_a_batch_filled(
    fake_server: FakeOpenAIServer, fake_settings: Settings, tmp_path: Path
) -> None:
    from tests.test_service import running

    settings = fake_settings.model_copy(update={"response_cache": True})
    write_jsonl(tmp_path / "in.jsonl", 1)
    run_batch(settings, BatchOptions(str(tmp_path / "in.jsonl"), tmp_path / "o.jsonl"), notice=print)
    (from_batch,) = read_lines(tmp_path / "o.jsonl")
    with running(settings) as url:
        calls = len(fake_server.requests)  # after the service's own readiness call
        reply = httpx.post(f"{url}/v1/summaries", json={"text": story(0), "id": "story-000"}, timeout=30)
        assert reply.status_code == 200, reply.text
        assert len(fake_server.requests) == calls
    assert _without_seconds(reply.json()) == _without_seconds(from_batch)
