"""The eval report in three forms: JSON for machines, Markdown for people, JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from summarizer.evaluation.harness import EvalReport
from summarizer.evaluation.scoring import ACCURACIES, LIST_FIELDS


def write_reports(report: EvalReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.json", folder / "report.md", folder / "junit.xml"]
    paths[0].write_text(json.dumps(as_dict(report), indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(as_markdown(report), encoding="utf-8")
    ET.ElementTree(as_junit(report)).write(paths[2], encoding="utf-8", xml_declaration=True)
    return paths


def as_dict(report: EvalReport) -> dict[str, Any]:
    return {
        "identity": report.identity,
        "passed": report.passed,
        "headline": report.headline,
        "baseline": report.baseline,
        "tolerance": report.tolerance,
        "regressions": report.regressions,
        "micro": {name: counts.as_dict() for name, counts in report.micro.items()},
        "macro_f1": {name: round(value, 4) for name, value in report.macro.items()},
        "accuracy": {
            name: {"correct": r.correct, "total": r.total, "value": round(r.value, 4)}
            for name, r in report.accuracy.items()
        },
        "articles": [_article(run) for run in report.runs],
    }


def _article(run: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": run.fixture.name,
        "error": run.error,
        "seconds": round(run.seconds, 2),
        "live_seconds": run.live_seconds,
        "cached": run.cached,
    }
    if run.score is not None:
        entry["fields"] = {name: counts.as_dict() for name, counts in run.score.fields.items()}
        entry["accuracy"] = {name: [r.correct, r.total] for name, r in run.score.accuracy.items()}
        entry["checked"], entry["rejected"] = run.score.checked, run.score.rejected
        entry["spans_valid"] = run.score.spans_valid
    return entry


def as_markdown(report: EvalReport) -> str:
    ident = report.identity
    lines = [
        "# Eval report",
        "",
        f"Provider `{ident['provider']}`, model `{ident['model']}`, prompts `{ident['prompt_version']}`, "
        f"schema {ident['schema_version']}. **{'PASSED' if report.passed else 'FAILED'}**.",
        "",
        "## Headline metrics",
        "",
        "| metric | value | baseline | change |",
        "|---|---:|---:|---:|",
    ]
    for name, value in report.headline.items():
        base = report.baseline.get(name)
        change = f"{value - base:+.4f}" if base is not None else ""
        lines.append(f"| {name} | {value:.4f} | {'' if base is None else f'{base:.4f}'} | {change} |")
    lines += ["", f"Tolerance {report.tolerance}: a metric more than this below its baseline fails.", ""]
    lines += [f"- **Regression:** {r}" for r in report.regressions]
    lines += ["", "## Fields (micro over all articles; macro = mean of per-article F1)", ""]
    lines += [
        "| field | TP | FP | FN | precision | recall | F1 | macro F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in LIST_FIELDS:
        c = report.micro[name]
        lines.append(
            f"| {name} | {c.tp} | {c.fp} | {c.fn} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} "
            f"| {report.macro[name]:.3f} |"
        )
    lines += ["", "| accuracy | correct / total | value |", "|---|---:|---:|"]
    for name in ACCURACIES:
        r = report.accuracy[name]
        lines.append(f"| {name} | {r.correct} / {r.total} | {r.value:.3f} |")
    lines += ["", "## Articles", ""]
    header = " | ".join(f"{f} F1" for f in LIST_FIELDS)
    lines += [
        f"| article | live s | {header} | rejected | note |",
        "|---|---:|" + "---:|" * len(LIST_FIELDS) + "---:|---|",
    ]
    for run in report.runs:
        live = f"{run.live_seconds:.1f}" if run.live_seconds is not None else ""
        if run.score is None:
            lines.append(f"| {run.fixture.name} | {live} |" + " |" * len(LIST_FIELDS) + f" | {run.error} |")
            continue
        cells = " | ".join(f"{run.score.fields[f].f1:.2f}" for f in LIST_FIELDS)
        note = "" if run.score.spans_valid else "SPANS INVALID"
        lines.append(f"| {run.fixture.name} | {live} | {cells} | {run.score.rejected} | {note} |")
    return "\n".join(lines) + "\n"


def as_junit(report: EvalReport) -> ET.Element:
    suites = ET.Element("testsuites")
    articles = ET.SubElement(suites, "testsuite", name="eval.articles", tests=str(len(report.runs)))
    failures = 0
    for run in report.runs:
        case = ET.SubElement(
            articles, "testcase", classname="eval.articles", name=run.fixture.name, time=f"{run.seconds:.3f}"
        )
        problem = run.error or (
            None if run.score is None or run.score.spans_valid else "evidence spans invalid"
        )
        if problem:
            failures += 1
            ET.SubElement(case, "failure", message=problem)
    articles.set("failures", str(failures))
    metrics = ET.SubElement(suites, "testsuite", name="eval.metrics", tests=str(len(report.headline)))
    regressed = {r.split(" ", 1)[0]: r for r in report.regressions}
    for name, value in report.headline.items():
        case = ET.SubElement(metrics, "testcase", classname="eval.metrics", name=f"{name}={value:.4f}")
        if name in regressed:
            ET.SubElement(case, "failure", message=regressed[name])
    metrics.set("failures", str(len(regressed)))
    return suites
