"""Shared assertions: the round trip every valid frame must survive, in either protocol."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import rtmsg
from rtmsg import live, translation
from rtmsg.capture import Direction

Protocol = Literal[
    "conversation", "translation", "live", "live/attach", "live/fork", "live/response"
]
"""A stream of frames: a protocol, a Live connection (``live/attach``, ``live/fork``), or the
nested Responses events of Live's ``response.event`` (``live/response``, server only)."""

__all__ = [
    "DECODERS",
    "UNIONS",
    "Direction",
    "Protocol",
    "assert_round_trip",
    "contract_outcome",
    "decode",
    "same_json",
]

DECODERS: dict[tuple[Protocol, Direction], Callable[[rtmsg.Frame], Any]] = {
    ("conversation", "client"): rtmsg.decode_client_event,
    ("conversation", "server"): rtmsg.decode_server_event,
    ("translation", "client"): translation.decode_client_event,
    ("translation", "server"): translation.decode_server_event,
    ("live", "client"): live.decode_client_event,
    ("live", "server"): live.decode_server_event,
    ("live/attach", "client"): live.decode_attach_client_event,
    ("live/attach", "server"): live.decode_attach_server_event,
    ("live/fork", "client"): live.decode_fork_client_event,
    ("live/fork", "server"): live.decode_fork_server_event,
    ("live/response", "server"): live.responses.decode_response_event,
}
UNIONS: dict[tuple[Protocol, Direction], Any] = {
    ("conversation", "client"): rtmsg.ClientEvent,
    ("conversation", "server"): rtmsg.ServerEvent,
    ("translation", "client"): translation.ClientEvent,
    ("translation", "server"): translation.ServerEvent,
    ("live", "client"): live.ClientEvent,
    ("live", "server"): live.ServerEvent,
    ("live/attach", "client"): live.AttachClientEvent,
    ("live/attach", "server"): live.AttachServerEvent,
    ("live/fork", "client"): live.ForkClientEvent,
    ("live/fork", "server"): live.ForkServerEvent,
    ("live/response", "server"): live.responses.ResponseStreamEvent,
}


def decode(
    frame: rtmsg.Frame, direction: Direction, protocol: Protocol = "conversation"
) -> rtmsg.ClientEvent | rtmsg.ServerEvent | rtmsg.Unknown:
    # Typed as the conversation's events: the translation ones are read through isinstance.
    return DECODERS[protocol, direction](frame)  # type: ignore[no-any-return]


def _strict(value: Any) -> Any:
    """JSON value with booleans made distinct from numbers, so ``true`` never equals ``1``."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v) for v in value]
    return value


def same_json(a: bytes | str, b: bytes | str) -> bool:
    """Same keys and values; ``1`` equals ``1.0``, ``true`` never equals ``1``."""
    return bool(_strict(json.loads(a)) == _strict(json.loads(b)))


def assert_round_trip(
    frame: bytes | str, direction: Direction, protocol: Protocol = "conversation"
) -> Any:
    """Decode, re-encode, and check the JSON is the same; return the decoded event."""
    event = decode(frame, direction, protocol)
    assert not isinstance(event, rtmsg.Unknown), f"decoded as Unknown: {event.type}"
    encoded = rtmsg.encode(event)
    assert same_json(encoded, frame), (
        f"round trip changed the frame:\n in: {frame!r}\nout: {encoded!r}"
    )
    again = decode(encoded, direction, protocol)
    assert again == event
    return event


Outcome = Literal["event", "unknown", "error"]


def contract_outcome(
    frame: rtmsg.Frame, direction: Direction, protocol: Protocol = "conversation"
) -> Outcome:
    """Decode ``frame`` and check the result is one the contract allows; return which.

    A typed event must survive encode → decode unchanged; an Unknown must give back
    the frame's exact UTF-8 bytes. Any exception other than DecodeError propagates.
    """
    try:
        event = decode(frame, direction, protocol)
    except rtmsg.DecodeError as exc:
        error: rtmsg.DecodeError | None = exc
    else:
        error = None
    if error is not None:
        assert isinstance(error.code, rtmsg.ErrorCode), f"no code: {error!r}"
        return "error"
    raw = frame.encode() if isinstance(frame, str) else bytes(frame)
    if isinstance(event, rtmsg.Unknown):
        assert event.raw == raw, "an Unknown must keep the exact bytes"
        assert rtmsg.encode(event) == raw
        return "unknown"
    again = decode(rtmsg.encode(event), direction, protocol)
    assert again == event, f"re-encoding changed the event: {event!r}"
    return "event"
