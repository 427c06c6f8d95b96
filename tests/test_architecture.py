"""The package's shape: the public API, and every module placed in a stage that the
import-linter contracts in pyproject.toml govern (`make lint` runs them)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import summarizer

PACKAGE = Path(summarizer.__file__).parent
ROOT = PACKAGE.parent


def layered_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    return {name.strip() for layer in layers for name in layer.split("|")}


def test_public_api_is_exported() -> None:
    for name in summarizer.__all__:
        assert hasattr(summarizer, name), name
    assert callable(summarizer.summarize)
    assert callable(summarizer.asummarize)
    assert {"summarize", "asummarize", "ArticleSummary", "Settings"} <= set(summarizer.__all__)


def test_every_module_belongs_to_a_layered_stage() -> None:
    """A module outside the layers would escape the contracts; only the package's own entry
    files (``__init__``, ``__main__``) stand above them."""
    layered = layered_packages()
    for module in PACKAGE.rglob("*.py"):
        parts = module.relative_to(ROOT).with_suffix("").parts
        if parts in (("summarizer", "__init__"), ("summarizer", "__main__")):
            continue
        stage = ".".join(parts[:2])
        assert stage in layered, f"{module.relative_to(ROOT)} is in no layer of the import contracts"


def test_each_stage_package_says_what_comes_in_and_goes_out() -> None:
    for package in PACKAGE.iterdir():
        init = package / "__init__.py"
        if package.is_dir() and init.is_file():
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
            assert "In:" in doc, f"{package.name}/__init__.py"
            assert "Out:" in doc, f"{package.name}/__init__.py"


def test_the_package_never_imports_the_eval_fixtures() -> None:
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("evals"), module
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("evals") for a in node.names), module
