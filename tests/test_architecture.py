"""The package's shape: public API, and the one-way flow of imports between stages."""

from __future__ import annotations

import ast
from pathlib import Path

import summarizer

PACKAGE = Path(summarizer.__file__).parent

# Each stage may import only what comes before it; the shells (cli, service and its job queue)
# and the composer (pipeline) sit on top, and nothing in the package imports them or the eval
# fixtures.
LEAVES = {"taxonomy", "errors", "contract", "config"}
SHELLS = {"cli", "service", "jobs", "__main__", "__init__"}


def project_imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("summarizer"):
            names.add(node.module.removeprefix("summarizer").lstrip(".") or "__init__")
        elif isinstance(node, ast.Import):
            names.update(
                a.name.removeprefix("summarizer.") for a in node.names if a.name.startswith("summarizer.")
            )
        if isinstance(node, (ast.ImportFrom, ast.Import)):
            mod = getattr(node, "module", None) or ""
            assert not mod.startswith("evals"), f"{module.name} imports the eval fixtures"
    return names


def test_public_api_is_exported() -> None:
    for name in summarizer.__all__:
        assert hasattr(summarizer, name), name
    assert callable(summarizer.summarize)
    assert callable(summarizer.asummarize)


def test_leaf_modules_import_only_leaves() -> None:
    for leaf in LEAVES:
        assert project_imports(PACKAGE / f"{leaf}.py") <= LEAVES, leaf


def test_no_stage_imports_a_shell_or_the_composer() -> None:
    for module in PACKAGE.glob("*.py"):
        if module.stem in SHELLS or module.stem == "pipeline":
            continue
        imported = project_imports(module)
        assert not imported & (SHELLS | {"pipeline"}), (module.name, imported)


def test_only_the_shells_import_the_eval_harness() -> None:
    for module in PACKAGE.glob("*.py"):
        if module.stem in SHELLS:
            continue
        assert not any(name.startswith("evaluation") for name in project_imports(module)), module.name
