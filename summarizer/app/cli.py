"""The ``summarize`` command: a thin shell over `Summarizer`.

Exit codes are decided here and only here: 0 when every article succeeded, 2 for usage or
input errors (the other files are still processed), 1 when the model failed for an article.
Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, InputError, InternalError, SummarizerError, one_line
from summarizer.model.recording import Mode
from summarizer.pipeline import Summarizer
from summarizer.records.consolidated import ConsolidatedRecords
from summarizer.records.contract import ArticleSummary
from summarizer.records.writers import DirectorySink, Failure, Format, Result, StreamSink
from summarizer.text.ingest import read_article

EXIT_OK, EXIT_MODEL_FAILED, EXIT_USAGE = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class DefaultGroup(click.Group):
    """``summarize FILE...`` runs the default command; named subcommands still work."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def model_options(command: F) -> F:
    """--provider, --model and --model-path, the same for every command that runs a model."""
    for option in reversed(
        [
            click.option(
                "--provider",
                type=click.Choice(["local", "openai"]),
                help="local: the embedded model, in process (default); openai: an OpenAI-compatible server.",
            ),
            click.option("--model", help="Model name (required with --provider openai)."),
            click.option(
                "--model-path",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Any GGUF file instead of the embedded model.",
            ),
        ]
    ):
        command = option(command)
    return command


def cache_options(command: F) -> F:
    """--cache/--no-cache and --cache-path: the response cache shared by the CLI, batch and service."""
    command = click.option(
        "--cache-path",
        "response_cache_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The response cache's SQLite file [default: ~/.cache/summarizer/responses.sqlite3].",
    )(command)
    return click.option(
        "--cache/--no-cache",
        "response_cache",
        default=None,
        help="Answer a request seen before from the response cache, with no model call [default: on].",
    )(command)


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
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "markdown", "html"]),
    default="json",
    show_default=True,
    help="html: a self-contained page of the article with its spans (several files need --out).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per article into DIR instead of stdout.",
)
@model_options
@cache_options
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
    if fmt == "html" and out_dir is None and len(files) > 1:
        _fail("--format html writes one page per article: give --out DIR for several files")
    settings = _settings(overrides)
    summarizer = Summarizer(settings)
    sink = _open_sink(out_dir, fmt, len(files))
    day = published.date() if published else None
    show = progress if progress is not None else (len(files) > 1 and sys.stderr.isatty())
    codes: list[int] = []
    try:
        for name in _progress(files, show):
            result, text = _summarize_one(summarizer, name, day)
            codes.append(_write(sink, result, name, text))
    except ConfigError as exc:
        sink.close()
        _fail(str(exc))
    except KeyboardInterrupt:
        sink.close()
        click.echo(f"summarize: interrupted after {len(codes)} of {len(files)} articles", err=True)
        sys.exit(130)
    sink.close()
    sys.exit(max(codes, key=_severity, default=EXIT_OK))


@main.command("batch")
@click.argument("source")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The output JSONL: one line per article; re-running resumes it.",
)
@click.option("--retry-failed", is_flag=True, help="Run again the articles that failed before.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Articles at once: --provider openai, or Ray actors (the local model does one at a time).",
)
@click.option("--requests-per-minute", type=click.FloatRange(min=0, min_open=True), help="Limit for openai.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--ray-address", help="A Ray cluster (auto, ray://HOST:10001) [default: a local Ray].")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the final accounting as JSON here.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar [default: when stderr is a terminal; otherwise a log line every 30 s].",
)
@click.option(
    "--html",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write DIR/ID.html per article as it finishes, and DIR/index.html of the whole output.",
)
@model_options
@cache_options
def batch(source: str, **options: Any) -> None:
    """Summarize a corpus: SOURCE is a JSONL file (id, text, optional title, source, published),
    a folder of .txt files, or - (JSONL on standard input)."""
    from summarizer.app.batch import BatchOptions, run_batch

    names = ("out", "retry_failed", "concurrency", "requests_per_minute", "engine", "ray_address", "html")
    batch_options = BatchOptions(
        source=source,
        report=options.pop("report"),
        progress=options.pop("progress"),
        **{name: options.pop(name) for name in names},
    )
    settings = _settings(options)
    if batch_options.concurrency > 1 and settings.provider == "local" and batch_options.engine == "local":
        click.echo(
            "summarize batch: the local model runs one article at a time; --concurrency ignored", err=True
        )
    try:
        tally = run_batch(
            settings, batch_options, notice=lambda m: click.echo(f"summarize batch: {m}", err=True)
        )
    except (ConfigError, InputError) as exc:
        _fail(str(exc))
        return
    except OSError as exc:  # the output cannot be written (disk full): what is written stays whole
        _fail(f"{exc.filename or batch_options.out}: cannot write ({exc.strerror or exc}); re-run to resume")
        return
    except KeyboardInterrupt:
        click.echo("summarize batch: interrupted; run the same command again to resume", err=True)
        sys.exit(130)
    pages = f", pages in {batch_options.html}" if batch_options.html else ""
    click.echo(f"summarize batch: {tally.summary()}; output in {batch_options.out}{pages}", err=True)
    if tally.input_errors:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_MODEL_FAILED if tally.failed or tally.pages_failed else EXIT_OK)


@main.command("schema")
@click.option(
    "--consolidated", is_flag=True, help="The consolidated events' schema (`summarize consolidate`)."
)
def schema(consolidated: bool) -> None:
    """Print the JSON Schema of the output contract (schema version 1)."""
    model = ConsolidatedRecords if consolidated else ArticleSummary
    click.echo(json.dumps(model.model_json_schema(), indent=2))


@main.command("consolidate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "acled-csv", "html"]),
    default="json",
    show_default=True,
    help="html: one self-contained page of the events, with the articles' spans.",
)
@click.option(
    "--tolerance-days",
    type=click.IntRange(0, 60),
    default=2,
    show_default=True,
    help="Dates this far apart may be one event.",
)
@click.option(
    "--published",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Publication date (YYYY-MM-DD) of the .txt articles summarised first.",
)
@model_options
def consolidate_command(
    files: Sequence[Path], fmt: str, tolerance_days: int, published: dt.datetime | None, **overrides: Any
) -> None:
    """Group records (JSON/JSONL from `summarize`, or articles, summarised first) into events
    reported by several articles, and print one consolidated event per group.

    An article that cannot be summarised is left out with a one-line message on stderr, and the
    exit status says so (2 input, 1 model); a records file that holds none is a usage error."""
    from summarizer.consolidation.acled import to_csv
    from summarizer.consolidation.inputs import read_records
    from summarizer.consolidation.merge import consolidate

    records: list[ArticleSummary] = []
    texts: dict[str, str] = {}
    codes = [EXIT_OK]
    summarizer: Summarizer | None = None
    day = published.date() if published else None
    for path in files:
        if path.suffix.lower() in (".json", ".jsonl"):
            try:
                records.extend(read_records(path))
            except InputError as exc:
                _fail(str(exc))
            continue
        summarizer = summarizer or Summarizer(_settings(overrides))
        result, text = _summarize_one(summarizer, str(path), day)
        codes.append(_exit_code(result))
        if not isinstance(result, Failure):
            records.append(result)
            texts[result.article.id] = text or ""
    worst = max(codes, key=_severity)
    if not records:
        sys.exit(worst)
    out = consolidate(records, tolerance_days=tolerance_days)
    if fmt == "html":
        from summarizer.records.consolidated_html import render_consolidated

        click.echo(render_consolidated(out, texts))
    else:
        click.echo(
            to_csv(out.events) if fmt == "acled-csv" else out.model_dump_json(indent=2), nl=fmt != "acled-csv"
        )
    sys.exit(worst)  # an article that failed is left out, and said so on stderr


def _folder_option(name: str, default: str, help: str) -> Callable[[F], F]:
    kind = click.Path(file_okay=False, path_type=Path)
    return click.option(name, type=kind, default=Path(default), show_default=True, help=help)


@main.command("eval")
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False, path_type=Path),
    multiple=True,
    default=[Path("evals/fixtures"), Path("evals/real")],
    show_default=True,
    help="Folders of NAME.txt articles beside their NAME.gold.json (repeat the option for several).",
)
@click.option(
    "--split",
    "splits",
    type=click.Choice(["written", "dev", "test"]),
    multiple=True,
    help="Only these splits (repeatable) [default: all]; tune on dev, never study test.",
)
@_folder_option("--cache", "evals/cache", "Recorded model responses.")
@_folder_option("--reports", "evals/reports", "Where report.json, report.md, junit.xml and the records go.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("evals/baseline.json"),
    show_default=True,
)
@click.option(
    "--live",
    "mode",
    flag_value="live",
    help="Ignore recorded responses: call the model for everything and record afresh.",
)
@click.option(
    "--replay-only",
    "mode",
    flag_value="replay",
    help="Never call the model; a request with no recording fails (what CI runs).",
)
@click.option(
    "--update-baseline", is_flag=True, help="Bless this run's headline metrics as the new baseline."
)
@click.option(
    "--tolerance",
    type=float,
    help="Allowed fall below the baseline [default: the baseline file's, else 0.02].",
)
@model_options
def evaluate(**params: Any) -> None:
    """Score the model on the hand-labelled fixtures and compare with the baseline.

    By default recorded responses are replayed and anything unrecorded is run and recorded.
    """
    from summarizer.app.evals import EvalOptions, run_eval
    from summarizer.evaluation.harness import write_baseline
    from summarizer.evaluation.reports import write_reports

    overrides = {key: params.pop(key) for key in ("provider", "model", "model_path")}
    mode: Mode = params.pop("mode") or "through"
    options = EvalOptions(
        mode=mode, fixtures=tuple(params.pop("fixtures")), splits=tuple(params.pop("splits")), **params
    )
    try:
        report = run_eval(_settings(overrides), options, on_article=_eval_progress)
        write_reports(report, options.reports)
        if options.update_baseline:
            write_baseline(report, options.baseline)
    except SummarizerError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"{exc.filename}: {exc.strerror}")
        return
    for split in report.splits.values():
        click.echo(f"{split.name} ({len(split.runs)} articles)", err=True)
        for name, value in split.headline.items():
            base = split.baseline.get(name)
            shown = f"  (baseline {base:.4f})" if base is not None else ""
            click.echo(f"  {name:<26} {value:.4f}{shown}", err=True)
    for problem in [*report.regressions, *(f"{r.fixture.name}: {r.error}" for r in report.failed_articles)]:
        click.echo(f"summarize eval: {problem}", err=True)
    if options.update_baseline:
        click.echo(f"summarize eval: baseline written to {options.baseline}", err=True)
    verdict = "passed" if report.passed else "FAILED"
    click.echo(f"summarize eval: {verdict}; reports in {options.reports}", err=True)
    sys.exit(EXIT_OK if report.passed or options.update_baseline else EXIT_MODEL_FAILED)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=int, help="Articles processed at once [default: 1].")
@click.option("--queue-size", type=int, help="Requests that may wait; more get 503 [default: 8].")
@click.option("--request-timeout", type=float, help="Seconds per article, queueing included [default: 300].")
@click.option("--max-batch", type=int, help="Articles per batch (≤ workers + queue size) [default: 8].")
@click.option(
    "--shutdown-grace",
    type=float,
    help="Seconds SIGTERM gives admitted work to finish before the service stops [default: 30].",
)
@model_options
@cache_options
def serve(host: str, port: int, **options: Any) -> None:
    """Run the HTTP API (FastAPI on uvicorn); the model loads once, at start (for the local
    model, in a child process the service supervises)."""
    from summarizer.app.guards import RequestIdFilter
    from summarizer.app.service import serve_until_stopped
    from summarizer.core.config import ServiceSettings

    names = ("workers", "queue_size", "request_timeout", "max_batch", "shutdown_grace")
    service_options = {k: options.pop(k) for k in names}
    settings = _settings(options)
    try:
        service = ServiceSettings(**{k: v for k, v in service_options.items() if v is not None})
    except ValidationError as exc:
        _fail(f"invalid settings: {one_line(exc.errors())}")
        return
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    for chatty in ("httpx", "httpx2"):  # a line per call to the model process and per probe
        logging.getLogger(chatty).setLevel(logging.WARNING)
    _warn_if_exposed(host, service.api_token)
    serve_until_stopped(settings, service, host=host, port=port)


def _eval_progress(run: Any) -> None:
    how = "replayed" if run.cached else "ran"
    if run.score is None:
        click.echo(f"{run.fixture.name:<32} {how:>8} {run.seconds:6.1f} s  {run.error}", err=True)
        return
    f1 = run.score.fields["casualties"].f1
    click.echo(f"{run.fixture.name:<32} {how:>8} {run.seconds:6.1f} s  casualties F1 {f1:.2f}", err=True)


def _summarize_one(summarizer: Summarizer, name: str, published: dt.date | None) -> tuple[Result, str | None]:
    """The article's record (or its failure) and the text it was read from."""
    article_id: str | None = None if name == "-" else Path(name).stem
    try:
        article = read_article(name, published=published)
        article_id = article.id
        return summarizer.summarize(article), article.text
    except ConfigError:
        raise  # the same for every article: the run stops with a usage error
    except SummarizerError as exc:
        return _failure(name, article_id, exc.code, str(exc)), None
    except Exception as exc:  # a bug costs its article, never the run, and shows no traceback
        lines = str(exc).strip().splitlines()
        detail = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
        message = f"internal error ({detail}); not summarized"
        return _failure(name, article_id, InternalError.code, message), None


def _failure(name: str, article_id: str | None, code: str, message: str) -> Failure:
    click.echo(f"summarize: {_prefixed(name, message)}", err=True)
    return Failure(origin=name, article_id=article_id, code=code, message=message)


def _open_sink(out_dir: Path | None, fmt: Format, expected: int) -> DirectorySink | StreamSink:
    if out_dir is None:
        return StreamSink(sys.stdout, fmt, expected)
    try:
        return DirectorySink(out_dir, fmt)
    except OSError as exc:
        _fail(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})")
        raise  # unreachable: _fail exits


def _write(sink: DirectorySink | StreamSink, result: Result, name: str, text: str | None) -> int:
    """Writes one article's result and gives its exit code; a result that cannot be written
    costs that article (exit 1), not the articles after it."""
    try:
        sink.write(result, text)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"summarize: {name}: cannot write the result ({where}{exc.strerror or exc})", err=True)
        return EXIT_MODEL_FAILED
    return _exit_code(result)


def _warn_if_exposed(host: str, token: str | None) -> None:
    """Beyond loopback without a token, anyone who can reach the port can use the model: say so
    loudly, on stderr and in the log, but do not refuse (a trusted network may be intended)."""
    if token is not None or _is_loopback(host):
        return
    message = (
        f"WARNING: serving on {host} without SUMMARIZER_API_TOKEN: anyone who can reach this "
        "port can use the API; set a token or bind 127.0.0.1"
    )
    click.echo(f"summarize: {message}", err=True)
    logging.getLogger("summarizer.app.cli").warning(message)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
        _fail(f"invalid settings: {one_line(exc.errors())}")
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
