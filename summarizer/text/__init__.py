"""Stage 1, the article read by the program: article → `Document`.

In: a checked `Article` (``ingest``). Out: a `Document` with numbered sentences and the
candidates the model will choose among (casualty figures, dates, quotations, the sources named
in reporting frames), plus the text tools later stages reuse to find names in the article
(``alignment``, ``names``). Nothing here calls a model, so the same article always yields the
same candidates.
"""
