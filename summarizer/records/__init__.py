"""The output contract (schema version 1) and the writers that render records.

In: events, rejections and tallies built by the stages above. Out: `ArticleSummary` objects and
their JSON, JSON Lines and Markdown forms. Other services, the eval harness and the shells read
exactly these models; this package depends only on `summarizer.core`.
"""
