"""One event at a time: the most frequent and the largest events, and Unknown at equal size."""

from __future__ import annotations

from typing import Any

import pytest

from bench.corpus import SEED, build_corpus
from bench.peers import DECODE_PEERS, ENCODE_PEERS, FLOOR, RTMSG, decoder, encode_inputs, encoder

# The micro frames do not depend on the corpus length, so a short corpus names them.
_MICRO = build_corpus(6.0, SEED).micro
KNOWN = [name for name in _MICRO if not name.endswith("as Unknown")]
UNKNOWN = [name for name in _MICRO if name.endswith("as Unknown")]

DECODE_CASES = [
    (name, peer)
    for name in KNOWN
    for peer in DECODE_PEERS
    if decoder(peer, _MICRO[name][0]) is not None
] + [(name, peer) for name in UNKNOWN for peer in (RTMSG, FLOOR)]

ENCODE_CASES = [(name, peer) for name in KNOWN for peer in ENCODE_PEERS if peer != FLOOR]


@pytest.mark.parametrize(("event", "peer"), DECODE_CASES)
def test_decode_event(benchmark: Any, event: str, peer: str) -> None:
    direction, frame = _MICRO[event]
    decode = decoder(peer, direction)
    assert decode is not None
    benchmark.group = f"decode {event}"
    benchmark.extra_info.update(
        kind="micro-decode", mix=event, peer=peer, frames=1, bytes=len(frame)
    )
    benchmark(decode, frame)


@pytest.mark.parametrize(("event", "peer"), ENCODE_CASES)
def test_encode_event(benchmark: Any, event: str, peer: str) -> None:
    direction, frame = _MICRO[event]
    (value,) = encode_inputs(peer, direction, [frame])
    benchmark.group = f"encode {event}"
    benchmark.extra_info.update(
        kind="micro-encode", mix=event, peer=peer, frames=1, bytes=len(frame)
    )
    benchmark(encoder(peer), value)
