"""llama-cpp-python's OpenAI-compatible server with the greedy grammar sampler of `sampling`.

The service runs its local model as this child process (`child.llama_server_spec`), so that its
answers are the CLI's, token for token, and as fast. It takes the stock server's arguments.
"""

from __future__ import annotations


def main() -> None:
    import llama_cpp
    from llama_cpp.server.__main__ import main as serve

    from summarizer.model.sampling import llama_class

    llama_cpp.Llama = llama_class()  # type: ignore[misc]  # the server builds its model from it
    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
