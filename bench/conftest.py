"""Shared fixtures of the benchmark suite: the corpus, and the size of the quick run."""

from __future__ import annotations

import pytest

from bench.corpus import Corpus, build_corpus

FULL_SECONDS = 30.0
QUICK_SECONDS = 6.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rtmsg bench")
    group.addoption(
        "--quick",
        action="store_true",
        help="a short corpus and small captures: proves the harness works, in seconds",
    )
    group.addoption(
        "--capture-mb",
        default=None,
        help="comma-separated sizes in MiB of the JSONL captures (default 100,1024; quick 2,8)",
    )


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--quick"))


@pytest.fixture(scope="session")
def corpus(quick: bool) -> Corpus:
    return build_corpus(QUICK_SECONDS if quick else FULL_SECONDS)
