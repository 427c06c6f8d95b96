"""The CLI's contract with its users: outputs, exit codes and messages.

The model here is the fake server (fast and scriptable); the real model's run through the CLI
is in test_live_embedded.py.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer import pipeline
from summarizer.app.cli import _is_loopback, main
from summarizer.records import writers
from summarizer.records.contract import ArticleSummary, spans_mismatching
from tests.fakes import FakeOpenAIServer, Fault

ARTICLE = "Rebels attacked the town of Kafr Nabl on Sunday. Officials said 12 people were killed."


@pytest.fixture
def articles(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in {"good": ARTICLE, "other": "Police arrested 40 protesters in Tunis today."}.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    paths["empty"] = tmp_path / "empty.txt"
    paths["empty"].write_text("", encoding="utf-8")
    return paths


def invoke(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=env, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_one_file_gives_one_contract_object(articles: dict[str, Path], fake_env: dict[str, str]) -> None:
    code, out, err = invoke([str(articles["good"]), "--published", "2013-06-02"], fake_env)
    assert (code, err) == (0, "")
    record = ArticleSummary.model_validate_json(out)
    assert record.article.id == "good"
    assert str(record.article.published) == "2013-06-02"
    assert spans_mismatching(record, ARTICLE) == []
    assert record.usage.provider == "openai"
    assert record.usage.calls >= 3


def test_several_files_give_an_array_and_input_errors_exit_2(
    articles: dict[str, Path], fake_env: dict[str, str]
) -> None:
    code, out, err = invoke([str(articles["good"]), str(articles["empty"]), str(articles["other"])], fake_env)
    assert code == 2
    assert err.strip() == f"summarize: {articles['empty']}: the article is empty"
    records = json.loads(out)
    assert [r["article"]["id"] for r in records] == ["good", "empty", "other"]
    assert records[1]["error"]["code"] == "input_error"
    assert "events" in records[2]


def test_model_failure_exits_1_and_the_others_are_still_written(
    articles: dict[str, Path], fake_env: dict[str, str], fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.fail_when_text_contains["Tunis"] = Fault(500)
    out_dir = tmp_path / "out"
    code, _, err = invoke([str(articles["other"]), str(articles["good"]), "--out", str(out_dir)], fake_env)
    assert code == 1
    assert "other.txt: openai model call failed: HTTP 500" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["good.json", "other.error.json"]
    failure = json.loads((out_dir / "other.error.json").read_text())
    assert failure["error"]["code"] == "model_failed"
    ArticleSummary.model_validate_json((out_dir / "good.json").read_text())


def test_input_errors_outrank_model_failures(
    articles: dict[str, Path], fake_env: dict[str, str], fake_server: FakeOpenAIServer
) -> None:
    fake_server.fail_when_text_contains["Tunis"] = Fault(500)
    code, _, _ = invoke([str(articles["other"]), str(articles["empty"])], fake_env)
    assert code == 2


def test_jsonl_and_markdown(articles: dict[str, Path], fake_env: dict[str, str]) -> None:
    code, out, _ = invoke([str(articles["good"]), str(articles["other"]), "--format", "jsonl"], fake_env)
    lines = out.splitlines()
    assert code == 0
    assert [ArticleSummary.model_validate_json(line).article.id for line in lines] == ["good", "other"]
    code, out, _ = invoke([str(articles["good"]), "--format", "markdown"], fake_env)
    assert code == 0
    assert out.startswith("# good\n")
    assert "*Grounding:" in out


def test_stdin(fake_env: dict[str, str]) -> None:
    code, out, _ = invoke(["-"], fake_env, stdin=ARTICLE)
    record = ArticleSummary.model_validate_json(out)
    assert code == 0
    assert record.article.id == record.article.sha256[:16]


def test_same_ids_in_one_run_never_overwrite(
    articles: dict[str, Path], fake_env: dict[str, str], tmp_path: Path
) -> None:
    twin = tmp_path / "sub" / "good.txt"
    twin.parent.mkdir()
    twin.write_text(ARTICLE, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, _ = invoke([str(articles["good"]), str(twin), "--out", str(out_dir)], fake_env)
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["good-2.json", "good.json"]


def test_usage_errors(fake_env: dict[str, str], articles: dict[str, Path]) -> None:
    code, _, err = invoke([str(articles["good"]), "--published", "June 2"], fake_env)
    assert code == 2
    assert "--published" in err
    env = {**fake_env, "SUMMARIZER_MODEL": ""}
    code, _, err = invoke([str(articles["good"]), "--provider", "openai"], env)
    assert code == 2
    assert err.strip() == "summarize: error: the openai provider needs a model name: --model NAME"


def test_missing_model_file_is_a_usage_error(articles: dict[str, Path], tmp_path: Path) -> None:
    env = {"SUMMARIZER_CACHE_DIR": str(tmp_path)}
    code, _, err = invoke([str(articles["good"]), "--model-path", str(tmp_path / "none.gguf")], env)
    assert code == 2
    assert "none.gguf: no such model file" in err


def test_schema_command_prints_the_contract() -> None:
    result = CliRunner().invoke(main, ["schema"])
    schema = json.loads(result.stdout)
    assert result.exit_code == 0
    assert set(schema["required"]) >= {"article", "usage"}
    assert schema["properties"]["schema_version"]["const"] == "1"


@pytest.mark.parametrize("patched", [(pipeline, "analyse"), (pipeline.Summarizer, "summarize")])
def test_an_article_that_makes_the_pipeline_raise_costs_only_that_article(
    articles: dict[str, Path],
    fake_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    patched: tuple[object, str],
) -> None:
    """Inside the pipeline (a stage) or past its own guard (summarize itself), a bug in one
    article becomes its error record; the files after it are still processed and written."""
    owner, name = patched
    real = getattr(owner, name)

    def exploding(*args: Any) -> Any:
        if any("Tunis" in getattr(arg, "text", "") for arg in args):
            raise RuntimeError("stage exploded\nwith a second line")
        return real(*args)

    monkeypatch.setattr(owner, name, exploding)
    third = tmp_path / "third.txt"
    third.write_text(ARTICLE + " Again.", encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = invoke(
        [str(articles["good"]), str(articles["other"]), str(third), "--out", str(out_dir)], fake_env
    )
    assert code == 1
    assert len(err.splitlines()) == 1
    assert err.startswith(f"summarize: {articles['other']}: internal error (RuntimeError")
    assert "Traceback" not in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["good.json", "other.error.json", "third.json"]
    assert json.loads((out_dir / "other.error.json").read_text())["error"]["code"] == "internal_error"
    ArticleSummary.model_validate_json((out_dir / "third.json").read_text())


def test_long_non_latin_names_are_cut_by_bytes(fake_env: dict[str, str], tmp_path: Path) -> None:
    good, empty = tmp_path / f"{'Ж' * 118}.txt", tmp_path / "in" / f"{'Я' * 118}.txt"
    empty.parent.mkdir()
    good.write_text(ARTICLE, encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = invoke([str(good), str(empty), str(good), "--out", str(out_dir)], fake_env)
    assert code == 2
    assert "the article is empty" in err
    names = {p.name for p in out_dir.iterdir()}
    assert names == {f"{'Ж' * 100}.json", f"{'Ж' * 100}-2.json", f"{'Я' * 100}.error.json"}
    assert all(len(name.encode()) <= 255 for name in names)
    for path in out_dir.iterdir():
        assert json.loads(path.read_text(encoding="utf-8"))["article"]["id"] in (good.stem, empty.stem)


def test_a_record_and_an_error_never_share_a_name(fake_env: dict[str, str], tmp_path: Path) -> None:
    failing, succeeding = tmp_path / "x.txt", tmp_path / "x.error.txt"
    failing.write_text("", encoding="utf-8")
    succeeding.write_text(ARTICLE, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, _ = invoke([str(failing), str(succeeding), "--out", str(out_dir)], fake_env)
    assert code == 2
    assert sorted(p.name for p in out_dir.iterdir()) == ["x.error.json", "x_error.json"]
    assert json.loads((out_dir / "x.error.json").read_text())["error"]["code"] == "input_error"
    assert ArticleSummary.model_validate_json((out_dir / "x_error.json").read_text()).article.id == "x.error"


def test_links_planted_in_the_output_folder_are_never_written_through(
    articles: dict[str, Path], fake_env: dict[str, str], tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / ".good.json.partial").symlink_to(victim)  # the temporary path that used to be used
    (out_dir / "other.json").symlink_to(victim)
    code, _, _ = invoke([str(articles["good"]), str(articles["other"]), "--out", str(out_dir)], fake_env)
    assert code == 0
    assert victim.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in out_dir.iterdir()) == [".good.json.partial", "good.json", "other.json"]
    for name in ("good.json", "other.json"):
        assert not (out_dir / name).is_symlink()
        ArticleSummary.model_validate_json((out_dir / name).read_text())


@pytest.mark.parametrize("token", ["", "  "])
def test_serve_refuses_an_empty_token_in_one_line(fake_env: dict[str, str], token: str) -> None:
    code, _, err = invoke(["serve", "--port", "0"], {**fake_env, "SUMMARIZER_API_TOKEN": token})
    assert code == 2
    assert err == (
        "summarize: error: invalid settings: api_token: "
        "SUMMARIZER_API_TOKEN is set but empty; set a token, or unset it\n"
    )


def test_serve_beyond_loopback_without_a_token_warns_loudly(fake_env: dict[str, str]) -> None:
    """192.0.2.1 (TEST-NET-1) is nobody's address: the server cannot bind it, and opens no port;
    the warning comes before it tries."""
    command = [sys.executable, "-m", "summarizer", "serve", "--host", "192.0.2.1", "--port", "8000"]
    env = {k: v for k, v in os.environ.items() if k != "SUMMARIZER_API_TOKEN"}
    process = subprocess.Popen(command, env={**env, **fake_env}, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, process.kill)  # a server that hangs silently fails the test
    watchdog.start()
    warned: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "WARNING" in line and "192.0.2.1" in line:
                warned.append(line)
            if len(warned) == 2:  # the line on stderr and the log record
                break
    finally:
        watchdog.cancel()
        process.kill()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()
    assert warned[0].startswith("summarize: WARNING: serving on 192.0.2.1 without SUMMARIZER_API_TOKEN")
    assert any("WARNING" in line and "summarizer.app.cli" in line for line in warned)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        *[(host, True) for host in ("127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost")],
        *[(host, False) for host in ("0.0.0.0", "::", "10.0.0.5", "example.org")],
    ],
)
def test_which_hosts_count_as_loopback(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback


def test_a_result_that_cannot_be_written_costs_only_its_article(
    articles: dict[str, Path], fake_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = writers.write_atomically

    def disk_full_for_other(path: Path, text: str) -> None:
        if path.name.startswith("other"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)

    monkeypatch.setattr(writers, "write_atomically", disk_full_for_other)
    out_dir = tmp_path / "out"
    code, _, err = invoke([str(articles["other"]), str(articles["good"]), "--out", str(out_dir)], fake_env)
    assert code == 1
    assert err == (
        f"summarize: {articles['other']}: cannot write the result "
        f"({out_dir / 'other.json'}: No space left on device)\n"
    )
    assert [p.name for p in out_dir.iterdir()] == ["good.json"]


def test_an_output_folder_that_cannot_be_made_is_one_line(
    articles: dict[str, Path], fake_env: dict[str, str]
) -> None:
    out_dir = articles["good"] / "out"  # under a file
    code, _, err = invoke([str(articles["good"]), "--out", str(out_dir)], fake_env)
    assert code == 2
    assert err.startswith(f"summarize: error: {out_dir}: cannot create the output folder (")
    assert len(err.splitlines()) == 1
