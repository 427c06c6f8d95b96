"""Greedy decoding under a JSON grammar that asks the grammar about one token, not all of them.

llama-cpp-python samples through llama.cpp's sampler chain, which applies the grammar to every
one of the vocabulary's 151,936 tokens at each step before the greedy pick: on 2 cores that is
about a quarter of the time of an answer token. At temperature 0 the chosen token is the
highest-scoring token the grammar admits. When the highest-scoring token of all is admitted,
which is nearly always (the model follows the JSON it is writing), that is the same token; the
grammar only has to look at every token when it refuses that one. So this sampler picks exactly
the tokens the stock chain picks (`tests/test_live_sampling.py` compares them on the real
model), only sooner.

`llama_class` is llama-cpp-python's ``Llama`` with this sampler for greedy, grammar-constrained,
unpenalised calls (what the pipeline asks); any other call keeps the stock chain.
"""

from __future__ import annotations

import ctypes
import functools
import weakref
from typing import Any

import numpy as np

from summarizer.core.errors import InternalError

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
"""llama.cpp's ``llama_token_data``: three 4-byte fields, no padding."""


class GreedyGrammarSampler:
    """Stands in for llama-cpp-python's ``LlamaSampler`` (only ``sample`` is called on it)."""

    def __init__(self, llama_cpp: Any, vocab: Any, grammar: Any, n_vocab: int) -> None:
        self._c = llama_cpp
        self._n_vocab = n_vocab
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise InternalError("llama.cpp could not parse the grammar made from an answer's schema")
        weakref.finalize(self, llama_cpp.llama_sampler_free, self._grammar)
        self._one = (llama_cpp.llama_token_data * 1)()
        self._every: np.ndarray[Any, Any] | None = None
        self.checked_every_token = 0
        """How many steps the best token was refused and every token had to be checked."""

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = np.ctypeslib.as_array(self._c.llama_get_logits_ith(ctx.ctx, idx), shape=(self._n_vocab,))
        best = int(np.argmax(logits))  # the first of equal maxima, as llama.cpp's greedy pick
        token = best if self._admits(best, float(logits[best])) else self._best_admitted(logits)
        self._c.llama_sampler_accept(self._grammar, token)
        return token

    def _admits(self, token: int, logit: float) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = token, logit, 0.0
        self._apply(ctypes.cast(self._one, ctypes.POINTER(self._c.llama_token_data)), 1)
        return bool(self._one[0].logit != float("-inf"))

    def _best_admitted(self, logits: np.ndarray[Any, Any]) -> int:
        """What the stock chain does at every step: the grammar over all tokens, then argmax."""
        self.checked_every_token += 1
        if self._every is None:
            self._every = np.zeros(self._n_vocab, dtype=_TOKEN_DATA)
            self._every["id"] = np.arange(self._n_vocab, dtype=np.int32)
        self._every["logit"] = logits
        self._every["p"] = 0.0
        self._apply(self._every.ctypes.data_as(ctypes.POINTER(self._c.llama_token_data)), self._n_vocab)
        return int(np.argmax(self._every["logit"]))

    def _apply(self, data: Any, size: int) -> None:
        candidates = self._c.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        self._c.llama_sampler_apply(self._grammar, ctypes.byref(candidates))


def _takes_fast_path(options: dict[str, Any]) -> bool:
    return (
        options.get("temp") == 0.0
        and options.get("grammar") is not None
        and options.get("logits_processor") is None
        and options.get("repeat_penalty", 1.0) == 1.0
        and options.get("frequency_penalty", 0.0) == 0.0
        and options.get("presence_penalty", 0.0) == 0.0
    )


@functools.cache
def llama_class() -> type[Any]:
    """``llama_cpp.Llama`` with `GreedyGrammarSampler` where it gives the same tokens. Built on
    first use: importing llama_cpp takes a second, and the replayed paths never need it."""
    import llama_cpp

    class GreedyGrammarLlama(llama_cpp.Llama):
        def _init_sampler(self, **options: Any) -> Any:  # type: ignore[override]
            if not _takes_fast_path(options):
                return super()._init_sampler(**options)
            return GreedyGrammarSampler(llama_cpp, self._model.vocab, options["grammar"], self.n_vocab())

    return GreedyGrammarLlama
