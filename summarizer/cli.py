"""The ``summarize`` command: a thin shell over `Summarizer`.

Exit codes are decided here and only here: 0 when every article succeeded, 2 for usage or
input errors (the other files are still processed), 1 when the model failed for an article.
Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from summarizer.config import Settings
from summarizer.contract import ArticleSummary
from summarizer.errors import ConfigError, InputError, ModelError, SummarizerError
from summarizer.ingest import read_article
from summarizer.output import DirectorySink, Failure, Format, Result, StreamSink
from summarizer.pipeline import Summarizer

EXIT_OK, EXIT_MODEL_FAILED, EXIT_USAGE = 0, 1, 2


class DefaultGroup(click.Group):
    """``summarize FILE...`` runs the default command; named subcommands still work."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def main() -> None:
    """Grounded event summaries of news articles.

    `summarize FILE...` (or `-` for standard input) prints one record per article in which
    every field is tied to character spans of the source text.
    """
    _quiet_third_party_logs()


@main.command("run")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "jsonl", "markdown"]), default="json", show_default=True
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per article into DIR instead of stdout.",
)
@click.option(
    "--provider",
    type=click.Choice(["local", "openai"]),
    help="local: the embedded model in process (default); openai: any OpenAI-compatible endpoint.",
)
@click.option("--model", help="Model name (required with --provider openai).")
@click.option(
    "--model-path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Any GGUF file instead of the embedded model.",
)
@click.option(
    "--published",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Publication date (YYYY-MM-DD); anchors 'today', 'Sunday'.",
)
@click.option("--context-window", type=int, help="Context size in tokens [default: 8192].")
@click.option("--timeout", type=float, help="Seconds allowed per model call [default: 300].")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr [default: when stderr is a terminal and there are several files].",
)
def run(
    files: Sequence[str],
    fmt: Format,
    out_dir: Path | None,
    published: dt.datetime | None,
    progress: bool | None,
    **overrides: Any,
) -> None:
    """Summarize article files (`-` reads standard input)."""
    settings = _settings(overrides)
    summarizer = Summarizer(settings)
    sink: DirectorySink | StreamSink = (
        DirectorySink(out_dir, fmt) if out_dir else StreamSink(sys.stdout, fmt, len(files))
    )
    day = published.date() if published else None
    show = progress if progress is not None else (len(files) > 1 and sys.stderr.isatty())
    codes: list[int] = []
    try:
        for name in _progress(files, show):
            result = _summarize_one(summarizer, name, day)
            sink.write(result)
            codes.append(_exit_code(result))
    except ConfigError as exc:
        sink.close()
        _fail(str(exc))
    except KeyboardInterrupt:
        sink.close()
        click.echo(f"summarize: interrupted after {len(codes)} of {len(files)} articles", err=True)
        sys.exit(130)
    sink.close()
    sys.exit(max(codes, key=_severity, default=EXIT_OK))


@main.command("schema")
def schema() -> None:
    """Print the JSON Schema of the output contract (schema version 1)."""
    click.echo(json.dumps(ArticleSummary.model_json_schema(), indent=2))


def _summarize_one(summarizer: Summarizer, name: str, published: dt.date | None) -> Result:
    article_id: str | None = None if name == "-" else Path(name).stem
    try:
        article = read_article(name, published=published)
        article_id = article.id
        return summarizer.summarize(article)
    except (InputError, ModelError) as exc:
        click.echo(f"summarize: {_prefixed(name, str(exc))}", err=True)
        return Failure(origin=name, article_id=article_id, code=exc.code, message=str(exc))


def _exit_code(result: Result) -> int:
    if isinstance(result, Failure):
        return EXIT_USAGE if result.code == InputError.code else EXIT_MODEL_FAILED
    return EXIT_OK


def _severity(code: int) -> int:
    """Input errors outrank model failures: the user has something to fix first."""
    return {EXIT_OK: 0, EXIT_MODEL_FAILED: 1, EXIT_USAGE: 2}[code]


def _settings(overrides: dict[str, Any]) -> Settings:
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'setting'}: {e['msg']}" for e in exc.errors())
        _fail(f"invalid settings: {problems}")
        raise  # unreachable: _fail exits


def _progress(files: Sequence[str], show: bool) -> Any:
    if not show:
        return files
    from tqdm import tqdm

    return tqdm(files, file=sys.stderr, unit="article", dynamic_ncols=True)


def _prefixed(name: str, message: str) -> str:
    return message if message.startswith(name) else f"{name}: {message}"


def _fail(message: str) -> None:
    click.echo(f"summarize: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _quiet_third_party_logs() -> None:
    """instructor logs every failed attempt at ERROR; our one-line messages say it better."""
    logging.getLogger("instructor").setLevel(logging.CRITICAL)


def entry_point() -> None:
    """Console-script entry: a last guard so that no error of ours ends in a traceback."""
    try:
        main(standalone_mode=True)
    except SummarizerError as exc:
        _fail(str(exc))
