# The everyday tasks. Each target builds the .venv it needs from nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test test-oldest test-pythons check lint types fmt fuzz bench bench-quick bench-publish \
	bench-msgspec bench-export relay-bench relay-bench-quick relay-bench-publish clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

$(VENV)/.relay-bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench,relay]'
	touch $@

install: $(VENV)/.test-installed $(VENV)/.bench-installed

# The whole suite on every core (pytest-xdist; a stream's differential tests share a worker),
# with the branch coverage of the whole package, each part held to its floor
# ([tool.rtmsg.coverage-floors] in pyproject.toml: the engine and the protocols at 100 %).
PARALLEL := -n auto --dist loadgroup
# pytest keeps the test modules it rewrites (their asserts) as bytecode; where the environment
# forbids bytecode (PYTHONDONTWRITEBYTECODE), every worker would rewrite them all, every run.
test test-oldest: export PYTHONDONTWRITEBYTECODE :=
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PARALLEL) --cov --cov-report=term-missing
	$(BIN)/python tests/coverage_floors.py

# The same suite on the lowest release every range in pyproject.toml allows (msgspec 0.22.0,
# pytest 8.0, ...: constraints/oldest.txt), in a venv of its own. Coverage is measured once,
# by `make test`: what the tests reach does not depend on the releases they run on.
OLDEST := .venv-oldest
$(OLDEST)/.installed: pyproject.toml constraints/oldest.txt
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -c constraints/oldest.txt -e '.[test]'
	touch $@

test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python -m pytest $(PARALLEL)

# Newest and oldest releases on every CPython found here (3.11 to 3.14, on PATH or under
# pyenv), one venv each; PYTHONS="..." to choose.
PYTHONS ?= $(or $(sort $(wildcard $(HOME)/.pyenv/versions/3.1[1-4].*/bin/python3.1[1-4])), \
	$(foreach v,11 12 13 14,$(shell command -v python3.$(v) >/dev/null 2>&1 && \
	python3.$(v) -c 'import sys' >/dev/null 2>&1 && command -v python3.$(v))))
test-pythons:
	@for py in $(PYTHONS); do \
		name=$$(basename $$py); \
		echo "== $$py ($$($$py --version)), newest"; \
		$(MAKE) --no-print-directory test PYTHON=$$py VENV=.venv-$$name || exit 1; \
		echo "== $$py, oldest"; \
		$(MAKE) --no-print-directory test-oldest PYTHON=$$py OLDEST=.venv-$$name-oldest || exit 1; \
	done

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(VENV)/.test-installed
	$(BIN)/mypy

check: lint types test

# FUZZ_N mutated frames (default 10^6) through every decoder; fails on any contract break.
fuzz: $(VENV)/.test-installed
	$(BIN)/python tests/fuzz.py $(FUZZ_N)

fmt: $(VENV)/.test-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The main job: the pytest-benchmark suite in bench/ on the embedded corpus, then the report
# (targets and figures as paired ratios), printed and written to .benchmarks/report.md with
# the run's JSON (.benchmarks/ is ignored by git: the checkout stays clean). About three
# minutes on two quiet cores (nearer five on busy ones), plus a 1 GiB temporary file.
bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench

# The same code on a short corpus and small captures, in seconds; no timing is asserted.
bench-quick: $(VENV)/.bench-installed
	$(BIN)/python -m bench --quick

# The last full run's report into docs/benchmarks.md and the README's "Latest run" block,
# re-rendered from .benchmarks/latest.json without running anything; commit the result.
bench-publish: $(VENV)/.bench-installed
	$(BIN)/python -m bench.report --publish

# rtmsg's decode on msgspec 0.22.0 and on the newest msgspec, in alternating rounds; builds
# a venv for each under .benchmarks/ (the first time, from PyPI). About a minute.
bench-msgspec: | $(BIN)/python
	$(BIN)/python -m bench.msgspec_versions

# What `rtmsg export` costs: MB/s and events/s per core for one process and for 1 and 2 dask
# workers, next to plain decoding of the same captures, and peak memory on a 1 GiB capture.
# Writes docs/export-benchmark.md; about a minute and a half on two cores, plus 1.3 GiB of files.
bench-export: $(VENV)/.test-installed
	$(BIN)/python -m bench.export --output docs/export-benchmark.md

# What the relay costs: `rtmsg relay` on each transport it offers, with and without a capture,
# beside raw-forward relays (the floors), each in its own process with an upstream sink and
# load generators in others; CPU per frame from /proc, medians of 3 interleaved passes, the
# targets judged. Prints the report and writes it to .benchmarks/relay-report.md with the
# results (.benchmarks/relay.json). About five minutes on two cores.
relay-bench: $(VENV)/.relay-bench-installed
	$(BIN)/python -m bench.relay

# Every load through every relay on tiny counts, in about twenty seconds; nothing is judged.
relay-bench-quick: $(VENV)/.relay-bench-installed
	$(BIN)/python -m bench.relay --quick

# The last full relay-bench run into docs/relay-benchmark.md and the README's "What the relay
# costs" block, re-rendered from .benchmarks/relay.json without running anything.
relay-bench-publish: $(VENV)/.relay-bench-installed
	$(BIN)/python -m bench.relay.report --publish

clean:
	rm -rf $(VENV) $(OLDEST) .venv-python3.* .pytest_cache .mypy_cache .ruff_cache .benchmarks .coverage
