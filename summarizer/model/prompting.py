"""Prompt templates: files under ``prompts/``, rendered with Jinja2, versioned by their hash.

Every message starts with the same system text and the same numbered article, and only then the
question. llama.cpp keeps the evaluated prefix between calls, so an article shared by several
questions is read once; on a CPU that is most of the time saved.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from summarizer.core.errors import ConfigError
from summarizer.text.document import Document

Messages = list[dict[str, str]]

_PACKAGE = Path(__file__).resolve().parents[1]
_CANDIDATE_DIRS = (_PACKAGE / "_prompts", _PACKAGE.parent / "prompts")


def prompts_dir() -> Path:
    """Templates ship inside the wheel as ``summarizer/_prompts``; a checkout uses ``prompts/``."""
    for folder in _CANDIDATE_DIRS:
        if (folder / "system.j2").is_file():
            return folder
    raise ConfigError("prompt templates not found (expected a prompts/ folder with system.j2)")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(prompts_dir()),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["oneline"] = _oneline
    env.filters["truncate_words"] = _truncate_words
    return env


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """A short hash of the extraction templates: any wording change gives a new version (and a
    new eval cache key). Templates named ``_*.j2`` (the service's self-test) shape no answer."""
    digest = hashlib.sha256()
    for path in sorted(prompts_dir().glob("[!_]*.j2")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def render(template: str, **variables: Any) -> str:
    return _environment().get_template(template).render(**variables).strip()


def article_messages(doc: Document, question: str, **variables: Any) -> Messages:
    """System text, then the numbered article, then one question: the shared-prefix layout."""
    article = render(
        "article.j2",
        sentences=doc.visible,
        title=doc.article.title,
        published=doc.article.published.isoformat() if doc.article.published else None,
    )
    asked = render(question, **variables)
    return [
        {"role": "system", "content": render("system.j2")},
        {"role": "user", "content": f"{article}\n\n{asked}"},
    ]


def _oneline(text: str) -> str:
    return " ".join(str(text).split())


def _truncate_words(text: str, limit: int) -> str:
    words = str(text).split()
    return " ".join(words) if len(words) <= limit else " ".join(words[:limit]) + " …"
