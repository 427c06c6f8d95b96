"""Stage 2, the questions put to the model: `Document` → `Drafts`.

In: a `Document`. Out: `Drafts`, the model's choices among the document's candidates, keyed
back to them. ``prompting`` renders the templates, ``drafts`` defines the small schemas the
model fills, ``extraction`` asks the questions, ``interface`` is the structured-output call
every backend sits behind (retries, re-asks, deadlines), ``transports`` are the backends that
implement it (llama.cpp in process, OpenAI-compatible HTTP), ``files`` assembles the embedded
model, and ``recording`` replays recorded responses.
"""
