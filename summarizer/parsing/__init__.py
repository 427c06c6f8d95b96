"""Stage 3, drafts turned into contract objects: `Drafts` + `Document` → events and problems.

In: what the model chose and the document it chose from. Out: contract `Event` objects whose
every span comes from the program, and a `Problem` for each value that could not be placed in
the text. Nothing here decides whether a value is *supported*; that is grounding's job.
"""

from summarizer.parsing.events import build_events

__all__ = ["build_events"]
