"""Encode whole streams: rtmsg events, plain dicts or SDK models back to JSON frames."""

from __future__ import annotations

from typing import Any

import pytest

from bench.corpus import Corpus
from bench.peers import ENCODE_MIXES, ENCODE_PEERS, encode_run


@pytest.mark.parametrize("peer", ENCODE_PEERS)
@pytest.mark.parametrize("mix", list(ENCODE_MIXES))
def test_encode_stream(benchmark: Any, corpus: Corpus, mix: str, peer: str) -> None:
    run, n_events, n_bytes = encode_run(corpus, mix, peer)
    benchmark.group = f"encode {mix}"
    benchmark.extra_info.update(
        kind="encode", mix=mix, peer=peer, frames=n_events, bytes=n_bytes, seconds=corpus.seconds
    )
    benchmark(run)
