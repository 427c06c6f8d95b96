"""Stage 1, the article read by the program: article → `Document`.

In: a checked `Article` (``ingest``). Out: a `Document` with numbered sentences and the
candidates the model will choose among (casualty figures, dates, quotations, the sources named
in reporting frames, names of places, groups and people found by spaCy's NER in ``entities``),
plus the text tools later stages reuse to find names in the article (``alignment``, ``names``).
Nothing here calls the language model (the NER model is deterministic), so the same article
always yields the same candidates.
"""
