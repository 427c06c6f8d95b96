"""The eval report in four forms: JSON for machines, Markdown for people, JUnit XML for CI, and
an HTML page (`html_report`) that links each item to its spans in the article.

Each split (written, dev, test) is reported apart. The Markdown report lists the test split's
articles without their field scores: its errors are not to be studied while tuning (the JSON
report still has them, for the record).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from summarizer.evaluation.harness import ArticleRun, EvalReport, SplitReport
from summarizer.evaluation.scoring import ACCURACIES, LIST_FIELDS

HIDDEN_SPLITS = frozenset({"test"})


def write_reports(report: EvalReport, folder: Path) -> list[Path]:
    from summarizer.evaluation.html_report import render_report  # it reads HIDDEN_SPLITS from here

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.json", folder / "report.md", folder / "junit.xml", folder / "report.html"]
    paths[0].write_text(json.dumps(as_dict(report), indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(as_markdown(report), encoding="utf-8")
    ET.ElementTree(as_junit(report)).write(paths[2], encoding="utf-8", xml_declaration=True)
    paths[3].write_text(render_report(report), encoding="utf-8")
    return paths


def as_dict(report: EvalReport) -> dict[str, Any]:
    return {
        "identity": report.identity,
        "passed": report.passed,
        "tolerance": report.tolerance,
        "regressions": report.regressions,
        "new_failures": [r.fixture.name for r in report.failed_articles],
        "splits": {name: _split_dict(split) for name, split in report.splits.items()},
    }


def _split_dict(split: SplitReport) -> dict[str, Any]:
    return {
        "articles": len(split.runs),
        "headline": split.headline,
        "baseline": split.baseline,
        "known_failures": split.known_failures,
        "regressions": split.regressions,
        "micro": {name: counts.as_dict() for name, counts in split.micro.items()},
        "macro_f1": {name: round(value, 4) for name, value in split.macro.items()},
        "accuracy": {
            name: {"correct": r.correct, "total": r.total, "value": round(r.value, 4)}
            for name, r in split.accuracy.items()
        },
        "per_article": [_article(run) for run in split.runs],
        "consolidation_groups": [
            {
                "name": g.name,
                "pairs": {"tp": g.pairs_tp, "fp": g.pairs_fp, "fn": g.pairs_fn},
                "problems": g.notes,
            }
            for g in split.groups
        ],
    }


def _article(run: ArticleRun) -> dict[str, Any]:
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
        f"Tolerance {report.tolerance}: a metric more than this below its split's baseline fails, and so "
        "does an article that fails and was not failing when the baseline was blessed.",
        "",
        "## Headline metrics by split",
        "",
        "| metric | " + " | ".join(f"{s.name} ({len(s.runs)})" for s in report.splits.values()) + " |",
        "|---|" + "---:|" * len(report.splits),
    ]
    names = dict.fromkeys(name for split in report.splits.values() for name in split.headline)
    for name in names:
        cells = [_cell(s, name) for s in report.splits.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- **Regression:** {r}" for r in report.regressions]
    lines += [f"- **Failed:** {r.fixture.name} ({r.split}): {r.error}" for r in report.failed_articles]
    for split in report.splits.values():
        lines += _split_markdown(split)
    return "\n".join(lines) + "\n"


def _cell(split: SplitReport, name: str) -> str:
    value = split.headline.get(name)
    if value is None:
        return "–"
    base = split.baseline.get(name)
    return f"{value:.4f}" if base is None else f"{value:.4f} ({value - base:+.4f})"


def _split_markdown(split: SplitReport) -> list[str]:
    lines = ["", f"## {split.name}: fields (micro over its articles; macro = mean of per-article F1)", ""]
    lines += [
        "| field | TP | FP | FN | precision | recall | F1 | macro F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in LIST_FIELDS:
        c = split.micro[name]
        lines.append(
            f"| {name} | {c.tp} | {c.fp} | {c.fn} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} "
            f"| {split.macro[name]:.3f} |"
        )
    lines += ["", "| accuracy | correct / total | value |", "|---|---:|---:|"]
    for name in ACCURACIES:
        r = split.accuracy[name]
        lines.append(f"| {name} | {r.correct} / {r.total} | {r.value:.3f} |")
    if split.name in HIDDEN_SPLITS:
        names = ", ".join(r.fixture.name for r in split.runs)
        return [*lines, "", f"Articles (scores per article not shown: a held-out split): {names}."]
    lines += _groups_markdown(split)
    header = " | ".join(f"{f} F1" for f in LIST_FIELDS)
    lines += [
        "",
        f"| article | live s | {header} | rejected | note |",
        "|---|---:|" + "---:|" * len(LIST_FIELDS) + "---:|---|",
    ]
    for run in split.runs:
        live = f"{run.live_seconds:.1f}" if run.live_seconds is not None else ""
        if run.score is None:
            lines.append(f"| {run.fixture.name} | {live} |" + " |" * len(LIST_FIELDS) + f" | {run.error} |")
            continue
        cells = " | ".join(f"{run.score.fields[f].f1:.2f}" for f in LIST_FIELDS)
        note = "" if run.score.spans_valid else "SPANS INVALID"
        lines.append(f"| {run.fixture.name} | {live} | {cells} | {run.score.rejected} | {note} |")
    return lines


def as_junit(report: EvalReport) -> ET.Element:
    suites = ET.Element("testsuites")
    for split in report.splits.values():
        _junit_articles(suites, split)
        _junit_metrics(suites, split)
    return suites


def _junit_articles(suites: ET.Element, split: SplitReport) -> None:
    suite = ET.SubElement(suites, "testsuite", name=f"eval.{split.name}.articles", tests=str(len(split.runs)))
    new = {r.fixture.name for r in split.new_failures}
    for run in split.runs:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"eval.{split.name}",
            name=run.fixture.name,
            time=f"{run.seconds:.3f}",
        )
        problem = run.error or (
            None if run.score is None or run.score.spans_valid else "evidence spans invalid"
        )
        if problem and run.fixture.name in new:
            ET.SubElement(case, "failure", message=problem)
        elif problem:
            ET.SubElement(case, "skipped", message=f"known failure: {problem}")
    suite.set("failures", str(len(new)))


def _junit_metrics(suites: ET.Element, split: SplitReport) -> None:
    name = f"eval.{split.name}.metrics"
    suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(split.headline)))
    regressed = {r.split(" ", 1)[0]: r for r in split.regressions}
    for metric, value in split.headline.items():
        case = ET.SubElement(suite, "testcase", classname=name, name=f"{metric}={value:.4f}")
        if metric in regressed:
            ET.SubElement(case, "failure", message=regressed[metric])
    suite.set("failures", str(len(regressed)))


def _groups_markdown(split: SplitReport) -> list[str]:
    """Each consolidation group: article pairs put together right or wrong, what was miscoded."""
    if not split.groups:
        return []
    lines = ["", "| consolidation group | pairs TP | FP | FN | problems |", "|---|---:|---:|---:|---|"]
    for g in split.groups:
        problems = "; ".join(g.notes) or "none"
        lines.append(f"| {g.name} | {g.pairs_tp} | {g.pairs_fp} | {g.pairs_fn} | {problems} |")
    return lines
