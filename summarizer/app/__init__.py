"""The shells: the ``summarize`` command, the HTTP service and the eval run.

In: files, requests and fixtures. Out: records, HTTP answers, reports and exit codes. Each shell
is thin over `summarizer.pipeline.Summarizer`; the service and the eval run never import each
other, and only the command line knows about both.
"""
