# The everyday tasks. Each target builds the .venv it needs from nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test check lint types fmt fuzz bench bench-quick relay-bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

install: $(VENV)/.test-installed $(VENV)/.bench-installed

# The whole suite, with the branch coverage of the codec and its modules (floor in pyproject).
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest --cov --cov-report=term-missing

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.test-installed
	$(BIN)/mypy

check: lint types test

# FUZZ_N mutated frames (default 10^6) through every decoder; fails on any contract break.
fuzz: $(VENV)/.test-installed
	$(BIN)/python tests/fuzz.py $(FUZZ_N)

fmt: $(VENV)/.test-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The main job: the pytest-benchmark suite in bench/ on the embedded corpus (JSON kept in
# .benchmarks/ for --benchmark-compare), then the ratios table, printed and written to
# docs/benchmarks.md. About two minutes on two cores, plus a 1 GiB temporary file.
bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench

# The same code on a short corpus and small captures, in seconds; no timing is asserted.
bench-quick: $(VENV)/.bench-installed
	$(BIN)/python -m bench --quick

# The relay's added latency, mock server and relay in their own processes (see the README).
relay-bench: $(VENV)/.test-installed
	$(BIN)/python bench/relay_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .benchmarks .coverage
