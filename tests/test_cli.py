"""The CLI's contract with its users: outputs, exit codes and messages.

The model here is the fake server (fast and scriptable); the real model's run through the CLI
is in test_live_embedded.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer.app.cli import main
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
