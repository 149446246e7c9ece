# Every target bootstraps .venv itself, so a fresh clone needs nothing but python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-console test test-fast lint bench soak audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tribe-sync demo

# The demo, then the staff console on its data (a one-time admin password is printed; Ctrl+C ends it).
demo-console: $(STAMP)
	$(BIN)/tribe-sync demo --console

test: $(STAMP)
	$(BIN)/pytest -q

# The pure and in-memory tests: no sandbox server, no PostgreSQL, no browser, no fault matrix; spread over
# every core (pytest-xdist), since its slowest tests wait on subprocesses.
test-fast: $(STAMP)
	$(BIN)/pytest -q -n auto -m "not sandbox and not postgres and not faults and not browser"

lint: $(STAMP)
	$(BIN)/ruff check tribe_sync tests $(wildcard bench)
	$(BIN)/ruff format --check tribe_sync tests $(wildcard bench)
	$(BIN)/mypy tribe_sync
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

# Needs a route to a vulnerability database (PyPI's JSON API or OSV); --strict fails rather than
# report "no known vulnerabilities" for packages it could not look up.
audit: $(STAMP)
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --strict --progress-spinner off

soak: $(STAMP)
	TRIBE_SYNC_SOAK=1 $(BIN)/pytest -q -s -m faults
	TRIBE_SYNC_SOAK=1 $(BIN)/pytest -q -s tests/jobs/test_crash_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
