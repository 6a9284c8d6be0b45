"""Decode whole streams, each peer on the same frames: what a server spends per event."""

from __future__ import annotations

import pytest

from bench.conftest import STREAM_BUDGET, Measure
from bench.corpus import Corpus
from bench.peers import DECODE_MIXES, DECODE_PEERS, RTMSG, SDK_PARSE, SDK_PYDANTIC, decode_run

CASES = [
    (mix, peer)
    for mix in DECODE_MIXES
    for peer in DECODE_PEERS
    # The SDK parses the frames it receives: server events; a mix with client frames has none.
    if not (
        peer == SDK_PARSE
        and mix in ("client stream", "control events", "translation stream", "live stream")
    )
    and not (peer == SDK_PYDANTIC and "unknown" in mix)
]


@pytest.mark.parametrize(("mix", "peer"), CASES)
def test_decode_stream(paired: Measure, corpus: Corpus, mix: str, peer: str) -> None:
    measured, baseline = decode_run(corpus, mix, peer), decode_run(corpus, mix, RTMSG)
    assert measured is not None
    assert baseline is not None
    run, n_frames, n_bytes = measured
    paired(
        run,
        baseline[0],
        group=f"decode {mix}",
        budget=STREAM_BUDGET,
        kind="decode",
        mix=mix,
        peer=peer,
        frames=n_frames,
        bytes=n_bytes,
        seconds=corpus.seconds,
    )
