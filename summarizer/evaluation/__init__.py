"""Scoring records against hand-labelled gold: reads outputs only.

In: records (`summarizer.records`) and gold files. Out: per-article scores, micro and macro
figures, the comparison with the baseline, and the JSON, Markdown and JUnit reports. It never
runs the pipeline or a model (import-linter keeps it so): `summarizer.app.evals` produces the
records and hands them here.
"""
