"""One event at a time: the most frequent and the largest events, and Unknown at equal size.

A round decodes (or encodes) the same frame ``CALLS`` times, so that the timer's own cost
does not count; the figures are per call. An Unknown is paired with rtmsg decoding the known
event it was renamed from, so its ratio is what an Unknown costs against a known event of
the same size.
"""

from __future__ import annotations

import pytest

from bench.conftest import Measure
from bench.corpus import LIVE_FLAT, SEED, build_corpus
from bench.peers import (
    DECODE_PEERS,
    DECODER_OBJECT,
    ENCODE_PEERS,
    FLOOR,
    NESTED,
    RTMSG,
    STRICT_DECODER,
    decoder,
    encode_inputs,
    encoder,
    frame_run,
    value_run,
)

CALLS = 200

# The micro frames do not depend on the corpus length, so a short corpus names them.
_MICRO = build_corpus(6.0, SEED).micro
KNOWN = [name for name in _MICRO if not name.endswith("as Unknown")]
UNKNOWN = [name for name in _MICRO if name.endswith("as Unknown")]

DECODE_CASES = [
    (name, peer)
    for name in KNOWN
    for peer in DECODE_PEERS
    if peer not in (DECODER_OBJECT, STRICT_DECODER) and decoder(peer, _MICRO[name][0]) is not None
] + [(name, peer) for name in UNKNOWN for peer in (RTMSG, FLOOR)]

ENCODE_CASES = [(name, peer) for name in KNOWN for peer in ENCODE_PEERS if peer != FLOOR]


@pytest.mark.parametrize(("event", "peer"), DECODE_CASES)
def test_decode_event(paired: Measure, event: str, peer: str) -> None:
    direction, frame = _MICRO[event]
    known = event.removesuffix(" as Unknown")
    paired(
        frame_run(frame, direction, peer, CALLS),
        frame_run(_MICRO[known][1], direction, RTMSG, CALLS),
        group=f"decode {event}",
        kind="micro-decode",
        mix=event,
        peer=peer,
        frames=CALLS,
        bytes=len(frame),
    )


@pytest.mark.parametrize(("event", "peer"), ENCODE_CASES)
def test_encode_event(paired: Measure, event: str, peer: str) -> None:
    direction, frame = _MICRO[event]
    (value,) = encode_inputs(peer, direction, [frame])
    (event_value,) = encode_inputs(RTMSG, direction, [frame])
    paired(
        value_run(encoder(peer), value, CALLS),
        value_run(encoder(RTMSG), event_value, CALLS),
        group=f"encode {event}",
        kind="micro-encode",
        mix=event,
        peer=peer,
        frames=CALLS,
        bytes=len(frame),
    )


def test_live_response_event_against_a_flat_event(paired: Measure) -> None:
    """What a ``response.event`` costs a proxy that does not look inside, against a flat event."""
    direction, frame = _MICRO["live response.event"]
    paired(
        frame_run(frame, direction, RTMSG, CALLS),
        frame_run(_MICRO[LIVE_FLAT][1], direction, RTMSG, CALLS),
        group="decode live response.event, against a flat event",
        kind="micro-decode",
        mix="live response.event, against a flat event",
        peer=RTMSG,
        frames=CALLS,
        bytes=len(frame),
    )


def test_live_response_event_and_its_nested_event(paired: Measure) -> None:
    """What reading the nested Responses event too costs, against the ``response.event`` alone."""
    direction, frame = _MICRO["live response.event"]
    paired(
        frame_run(frame, direction, NESTED, CALLS),
        frame_run(frame, direction, RTMSG, CALLS),
        group="decode live response.event",
        kind="micro-decode",
        mix="live response.event",
        peer=NESTED,
        frames=CALLS,
        bytes=len(frame),
    )
