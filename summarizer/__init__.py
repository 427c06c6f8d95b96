"""Grounded event summaries of news articles: every field tied to spans of the source text.

>>> from summarizer import summarize
>>> record = summarize(text)                    # doctest: +SKIP
>>> record.events[0].casualties[0].evidence[0]  # doctest: +SKIP
"""

import logging

from summarizer.core.config import Settings
from summarizer.core.errors import ConfigError, InputError, ModelError, SummarizerError
from summarizer.pipeline import Summarizer, asummarize, summarize
from summarizer.records.contract import SCHEMA_VERSION, ArticleSummary, Evidence
from summarizer.text.ingest import Article, make_article, read_article

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "ArticleSummary",
    "ConfigError",
    "Evidence",
    "InputError",
    "ModelError",
    "Settings",
    "Summarizer",
    "SummarizerError",
    "asummarize",
    "make_article",
    "read_article",
    "summarize",
]

# A library does not print: without a handler of the caller's, log records go nowhere (the CLI
# prints its own one-line messages; the service configures logging for its operators).
logging.getLogger("summarizer").addHandler(logging.NullHandler())
