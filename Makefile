# Two commands for a fresh machine (Python 3.11+ and the package registries are all it needs):
#   make dev    run the whole application on embedded defaults (http://127.0.0.1:8000)
#   make test   lint, type-check and run the whole test suite
# Both create .venv from requirements.lock on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: dev test lint types pytest lock bench clean

$(BIN)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

dev: $(BIN)/.installed
	$(BIN)/wastectl dev $(ARGS)

test: lint types pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

types: $(BIN)/.installed
	$(BIN)/mypy

pytest: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-pin every dependency (direct and transitive) after editing pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	.venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^wastectl' > requirements.lock
	rm -rf .venv-lock

# All benchmarks then docs/benchmarks.md (`make bench ARGS=--quick` for a laptop-sized run).
bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.lock
	PYTHONPATH=. $(BIN)/python bench/run_all.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
