# The everyday tasks. Each target builds the .venv it needs from nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test check lint types fmt fuzz bench bench-quick bench-export relay-bench clean

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

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

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

# What `rtmsg export` costs: MB/s and events/s per core for one process and for 1 and 2 dask
# workers, next to plain decoding of the same captures, and peak memory on a 1 GiB capture.
# Writes docs/export-benchmark.md; about a minute and a half on two cores, plus 1.3 GiB of files.
bench-export: $(VENV)/.test-installed
	$(BIN)/python -m bench.export --output docs/export-benchmark.md

# The relay's added latency, mock server and relay in their own processes (see the README).
relay-bench: $(VENV)/.test-installed
	$(BIN)/python bench/relay_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .benchmarks
