"""The target ratios, each measured as a pair with interleaved rounds.

Other processes on a shared machine slow a benchmark down for seconds at a time, so two
benchmarks run one after the other can disagree by more than the ratio between them. Here
the two sides of each target ratio alternate round by round (A B B A ...) for the same
time budget, and the ratio is taken between the two minimums: a slow spell hits both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from bench.corpus import Corpus
from bench.peers import (
    FLOOR,
    RTMSG,
    SDK_PARSE,
    SDK_PYDANTIC,
    Run,
    decode_run,
    encode_run,
    frame_run,
)

FULL_BUDGET = 3.0
QUICK_BUDGET = 0.05
MICRO_REPEAT = 500


@dataclass(frozen=True)
class Pair:
    """``top`` time over ``bottom`` time, each a (kind, mix, peer) run."""

    name: str
    kind: str
    mix: str
    top: str
    bottom: str


PAIRS = [
    Pair("client stream: rtmsg / untyped floor", "decode", "client stream", RTMSG, FLOOR),
    Pair("control events: rtmsg / untyped floor", "decode", "control events", RTMSG, FLOOR),
    Pair("server stream: rtmsg / untyped floor", "decode", "server stream", RTMSG, FLOOR),
    Pair("control events: SDK pydantic / rtmsg", "decode", "control events", SDK_PYDANTIC, RTMSG),
    Pair("server stream: SDK parse path / rtmsg", "decode", "server stream", SDK_PARSE, RTMSG),
    *(
        Pair(f"encode {mix}: json.dumps / rtmsg", "encode", mix, "json", RTMSG)
        for mix in ("client stream", "server stream", "control events")
    ),
    *(
        Pair(f"encode {mix}: SDK pydantic / rtmsg", "encode", mix, SDK_PYDANTIC, RTMSG)
        for mix in ("client stream", "server stream", "control events")
    ),
    *(
        Pair(f"Unknown / known, same size: {event}", "unknown", event, "Unknown", "known")
        for event in ("audio_transcript.delta", "output_audio.delta 200 ms")
    ),
]


def _run(corpus: Corpus, pair: Pair, side: str) -> Run:
    if pair.kind == "decode":
        measured = decode_run(corpus, pair.mix, side)
        assert measured is not None
        return measured[0]
    if pair.kind == "encode":
        return encode_run(corpus, pair.mix, side)[0]
    name = f"{pair.mix} as Unknown" if side == "Unknown" else pair.mix
    direction, frame = corpus.micro[name]
    return frame_run(frame, direction, RTMSG, MICRO_REPEAT)


def _timed(run: Run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.name for pair in PAIRS])
def test_target_pair(benchmark: Any, corpus: Corpus, quick: bool, pair: Pair) -> None:
    top, bottom = _run(corpus, pair, pair.top), _run(corpus, pair, pair.bottom)
    tops, bottoms = [_timed(top)], [_timed(bottom)]  # warm-up, kept out of the minimums
    budget = QUICK_BUDGET if quick else FULL_BUDGET
    rounds = max(3, min(200, int(budget / (tops[0] + bottoms[0]))))
    tops, bottoms = [], []

    def interleaved() -> None:
        for i in range(rounds):
            if i % 2:
                tops.append(_timed(top))
                bottoms.append(_timed(bottom))
            else:
                bottoms.append(_timed(bottom))
                tops.append(_timed(top))

    benchmark.pedantic(interleaved, rounds=1, iterations=1)
    benchmark.group = "targets"
    benchmark.extra_info.update(
        kind="target",
        mix=pair.name,
        peer=f"{pair.top} / {pair.bottom}",
        rounds=rounds,
        top=min(tops),
        bottom=min(bottoms),
        ratio=min(tops) / min(bottoms),
    )
