"""Stage 4, the validator: events → only supported values, every refusal, and the tallies.

In: contract events (from parsing, or from anyone), the `Document` and the parse problems.
Out: the events with only values their evidence supports, a `Rejection` for everything else,
and the grounding counts. ``support`` holds the pure checks, one per kind of value;
``validator`` applies them to a record and runs the re-ask of fixable fields.
"""
