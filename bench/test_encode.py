"""Encode whole streams: rtmsg events, plain dicts or SDK models back to JSON frames."""

from __future__ import annotations

import pytest

from bench.conftest import STREAM_BUDGET, Measure
from bench.corpus import Corpus
from bench.peers import ENCODE_MIXES, ENCODE_PEERS, RTMSG, encode_run


@pytest.mark.parametrize("peer", ENCODE_PEERS)
@pytest.mark.parametrize("mix", list(ENCODE_MIXES))
def test_encode_stream(paired: Measure, corpus: Corpus, mix: str, peer: str) -> None:
    run, n_events, n_bytes = encode_run(corpus, mix, peer)
    paired(
        run,
        encode_run(corpus, mix, RTMSG)[0],
        group=f"encode {mix}",
        budget=STREAM_BUDGET,
        kind="encode",
        mix=mix,
        peer=peer,
        frames=n_events,
        bytes=n_bytes,
        seconds=corpus.seconds,
    )
