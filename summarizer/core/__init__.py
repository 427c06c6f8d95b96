"""The leaf every stage may import: errors, settings, ACLED's vocabulary, the word lists, and
the value types passed between stages.

In: nothing from the rest of the package (import-linter keeps it so). Out: plain data and
exceptions, so that no stage has to import another stage just to name a type.
"""
