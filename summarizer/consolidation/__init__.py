"""Many reports, one event: records of several articles grouped and merged (issue 13).

In: article records (contract v1). Out: consolidated events (`summarizer.records.consolidated`)
and ACLED rows. It reads records only, never a model: `summarizer.app.cli` summarises any
article given as text first.
"""
