"""Decoding and encoding from many threads at once gives what one thread gives."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import rtmsg
from fuzz import Stream, decoders, mutate, valid_frames
from rtmsg import translation

_DECODERS: dict[Stream, list[Callable[[rtmsg.Frame], Any]]] = {
    ("conversation", "client"): [
        rtmsg.decode_client_event,
        rtmsg.ClientEventDecoder(lenient=True).decode,
        rtmsg.ClientEventDecoder(max_depth=16, reject_duplicate_type=True).decode,
    ],
    ("conversation", "server"): [
        rtmsg.decode_server_event,
        rtmsg.ServerEventDecoder(lenient=True).decode,
        rtmsg.ServerEventDecoder(max_depth=16, reject_duplicate_type=True).decode,
    ],
    ("translation", "client"): [
        translation.decode_client_event,
        translation.ClientEventDecoder(lenient=True).decode,
        translation.ClientEventDecoder(max_depth=16, reject_duplicate_type=True).decode,
    ],
    ("translation", "server"): [
        translation.decode_server_event,
        translation.ServerEventDecoder(lenient=True).decode,
        translation.ServerEventDecoder(max_depth=16, reject_duplicate_type=True).decode,
    ],
    # Live's connections and nested events: the default, lenient and checked decoders of fuzz.py
    **{stream: funcs for stream, funcs in decoders().items() if stream[0].startswith("live")},
}


def _corpus() -> list[tuple[Stream, bytes]]:
    """Valid frames of every class, unknown ones, and mutated (mostly invalid) ones."""
    rng = random.Random(7)
    frames = valid_frames()
    frames += [(stream, mutate(frame, rng)) for stream, frame in frames * 8]
    return frames


def _outcome(stream: Stream, frame: bytes) -> list[Any]:
    """What every decoder makes of ``frame``, in a form that compares across threads."""
    results: list[Any] = []
    for decode in _DECODERS[stream]:
        try:
            event = decode(frame)
        except rtmsg.DecodeError as exc:
            results.append(("error", str(exc), exc.event_type, exc.event_id, exc.path, exc.code))
            continue
        if isinstance(event, rtmsg.Unknown):
            error = None if event.error is None else str(event.error)
            results.append(("unknown", event.type, event.raw, event.event_id, error))
        else:
            results.append(("event", event, rtmsg.encode(event), repr(event)))
    return results


def test_many_threads_give_the_results_of_one() -> None:
    corpus = _corpus()
    expected = [_outcome(stream, frame) for stream, frame in corpus]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            for _ in range(4):
                got = list(pool.map(lambda item: _outcome(*item), corpus))
                assert got == expected
    finally:
        sys.setswitchinterval(switch)
    kinds = {result[0] for results in expected for result in results}
    assert kinds == {"event", "unknown", "error"}


def test_types_learned_from_many_threads_all_take_the_one_pass_path() -> None:
    # A fresh decoder learns its unknown types while 16 threads decode them; every type it
    # says it has learned must then be in its union, or that type stays on the slow path.
    frames = [b'{"type":"x.learned.%d","event_id":"e"}' % n for n in range(48)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            decoder = rtmsg.ServerEventDecoder()
            with ThreadPoolExecutor(max_workers=16) as pool:
                results = list(pool.map(decoder.decode, frames * 4))
            assert all(isinstance(event, rtmsg.Unknown) for event in results)
            for frame in frames:
                decoder._decoder.decode(frame)  # raises if the type is not in the union
    finally:
        sys.setswitchinterval(switch)
