"""Paired ratios: the arithmetic behind every figure of the benchmark reports, in one place.

A benchmark times a peer and a baseline in alternation, one round of each in turn, so round
``i`` gives the ratio ``peer[i] / baseline[i]`` of two timings taken a few milliseconds apart.
On a shared machine a slow spell usually lasts longer than a round: it slows both sides of
the rounds it covers, and cancels out of their ratios. The reports judge on the **median** of
those per-round ratios, which the rounds hit on one side only cannot move far. Beside it they
give the ratio of the two **minimums** (each side's least disturbed round, possibly from
different moments), and the **noise**: the same median for the same code timed against itself
in the same alternation, which would be exactly 1 on a quiet machine.

Standard library only: the msgspec comparison's interpreters import it too.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Paired", "paired"]


@dataclass(frozen=True)
class Paired:
    """One side's times over the other's: per-round median, ratio of minimums, round count."""

    median: float
    minimum: float
    rounds: int


def paired(times: Sequence[float], baseline: Sequence[float]) -> Paired:
    """``times`` over ``baseline``, where ``times[i]`` and ``baseline[i]`` are round ``i``.

    For the inverse ratio (baseline over times), swap the arguments: the median of the
    inverted per-round ratios, not the inverse of the median, which differ for an even count.
    """
    if len(times) != len(baseline):
        raise ValueError(f"{len(times)} rounds against {len(baseline)}: not paired")
    if not times:
        raise ValueError("no rounds")
    if min(baseline) <= 0 or min(times) <= 0:
        raise ValueError("a round took no time: the timer cannot resolve it")
    ratios = [t / b for t, b in zip(times, baseline, strict=True)]
    return Paired(
        median=statistics.median(ratios),
        minimum=min(times) / min(baseline),
        rounds=len(times),
    )
