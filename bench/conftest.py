"""Shared fixtures of the benchmark suite: the corpus, the quick switch, paired measurement.

Every benchmark is paired with a baseline (rtmsg on the same frames, or rtmsg on a known
event for an Unknown): pytest-benchmark times the peer round by round, and before each
round the baseline runs twice, untimed then timed. The two alternate, so a slow spell on a
shared machine hits both sides of the rounds it covers; the report takes the median of the
per-round ratios (:mod:`bench.stats`). The baseline's round times go to ``extra_info``, the
peer's are pytest-benchmark's own ``stats.data``, in the same order.

Both sides are timed in CPU time of the thread (``time.thread_time``), not wall time: on a
shared machine the scheduler takes the core away in the middle of some rounds, and more
often from a short round that follows a long one (the baseline after a slow peer), which
would bias the pairing; CPU time does not count the time the process was not running.

The run also records what it ran on (versions, CPU) in the JSON's ``machine_info`` and
the load average at its start and end beside it (``rtmsg_bench_run``), so that a report
rendered from it later tells the truth about it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bench import machine
from bench.corpus import Corpus, build_corpus
from bench.peers import Run

TIMER = time.thread_time
"""The clock of both sides of every pair (pytest-benchmark's ``--benchmark-timer`` too)."""

FULL_SECONDS = 30.0
QUICK_SECONDS = 6.0

# Seconds of peer + baseline rounds per benchmark: whole streams get more, as their ratios
# are the targets and a round of a stream lasts milliseconds.
STREAM_BUDGET = 2.0
EVENT_BUDGET = 0.75
QUICK_BUDGET = 0.01
MAX_ROUNDS = 500

Measure = Callable[..., None]

# The packages whose versions a figure depends on, in the order the report names them.
VERSIONED = ("rtmsg", "msgspec", "openai", "pydantic", "pydantic-core", "orjson")

_load_at_start: tuple[float, float, float] | None = None

RUN_INFO = "rtmsg_bench_run"
"""The key of the JSON's record of this run's load (``machine_info`` holds the machine's)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rtmsg bench")
    group.addoption(
        "--quick",
        action="store_true",
        help="a short corpus, few rounds and small captures: proves the harness works",
    )
    group.addoption(
        "--capture-mb",
        default=None,
        help="comma-separated sizes in MiB of the JSONL captures (default 100,1024; quick 2,8)",
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark reads its options
def pytest_configure(config: pytest.Config) -> None:
    config.option.benchmark_timer = f"{TIMER.__module__}.{TIMER.__name__}"


def pytest_sessionstart(session: pytest.Session) -> None:
    global _load_at_start
    _load_at_start = machine.load_average()


def pytest_benchmark_update_machine_info(
    config: pytest.Config, machine_info: dict[str, Any]
) -> None:
    # Only what stays the same from run to run on one machine: pytest-benchmark compares
    # this with a saved run's and warns at length about any difference.
    described = machine.describe(VERSIONED)
    machine_info["rtmsg_bench"] = {
        "quick": bool(config.getoption("--quick")),
        "timer": config.getoption("benchmark_timer"),
        **{key: described[key] for key in ("cpu", "logical_cores", "os", "versions")},
    }


def pytest_benchmark_update_json(
    config: pytest.Config, benchmarks: list[Any], output_json: dict[str, Any]
) -> None:
    # What changes from run to run goes beside machine_info, where no comparison looks.
    output_json[RUN_INFO] = {
        "load_average_start": _load_at_start,
        "load_average_end": machine.load_average(),
    }


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--quick"))


@pytest.fixture(scope="session")
def corpus(quick: bool) -> Corpus:
    return build_corpus(QUICK_SECONDS if quick else FULL_SECONDS)


def _timed(run: Run) -> float:
    start = TIMER()
    run()
    return TIMER() - start


@pytest.fixture
def paired(benchmark: Any, quick: bool) -> Measure:
    """``paired(run, baseline, group=..., **info)``: time ``run``, each round after ``baseline``.

    ``budget`` (seconds, full runs only) bounds the rounds; ``info`` goes to ``extra_info``.
    """

    def measure(
        run: Run, baseline: Run, *, group: str, budget: float = EVENT_BUDGET, **info: Any
    ) -> None:
        one_run, one_baseline = _timed(run), _timed(baseline)  # also warms both up
        round_cost = one_run + 2 * one_baseline  # the baseline runs twice a round, see below
        budget = QUICK_BUDGET if quick else budget
        rounds = max(3, min(MAX_ROUNDS, int(budget / round_cost)))
        baseline_times: list[float] = []

        def before_round() -> None:
            # The untimed run first: the timed one must not pay for the caches the peer's
            # previous round filled with its own code and data, while the peer follows a
            # run of the (usually far lighter) baseline. For rtmsg against itself, the
            # noise benchmark, both sides then run right after the same code.
            baseline()
            baseline_times.append(_timed(baseline))

        benchmark.pedantic(run, setup=before_round, rounds=rounds, iterations=1)
        benchmark.group = group
        benchmark.extra_info.update(info, baseline_times=baseline_times)

    return measure
