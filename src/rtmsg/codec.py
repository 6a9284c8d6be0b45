"""The codec: decode a frame into its typed event (or :class:`Unknown`), encode an event to JSON.

Each direction has one module-level msgspec ``Decoder`` over its tagged union,
so a known event is decoded in a single C pass. Only when that fails does a
second, cheap decode read the envelope (``type`` and ``event_id``) to tell an
unknown event type, which is data, from an invalid frame, which is an error.
"""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from ._base import DecodeError, Event
from .client_events import ClientEvent, ClientEventType
from .server_events import ServerEvent, ServerEventType

__all__ = [
    "DecodeError",
    "Frame",
    "Unknown",
    "decode_client_event",
    "decode_server_event",
    "encode",
]

Frame = bytes | bytearray | memoryview | str
"""What a WebSocket hands over: a text frame as ``str`` or as UTF-8 bytes."""


class Unknown(msgspec.Struct, frozen=True):
    """An event whose ``type`` this version of rtmsg does not know, kept as its exact bytes."""

    type: str
    raw: bytes
    event_id: str | None = None

    @property
    def event_type(self) -> str:
        """The wire ``type`` string, as for every known event."""
        return self.type


class _Envelope(msgspec.Struct):
    """The two fields every event frame may have, read when the typed decode fails."""

    type: str
    event_id: Any = None


_client_decoder: Final[msgspec.json.Decoder[ClientEvent]] = msgspec.json.Decoder(ClientEvent)
_server_decoder: Final[msgspec.json.Decoder[ServerEvent]] = msgspec.json.Decoder(ServerEvent)
_envelope_decoder: Final = msgspec.json.Decoder(_Envelope)
_encoder: Final = msgspec.json.Encoder()

_CLIENT_TYPES: Final = frozenset(ClientEventType)
_SERVER_TYPES: Final = frozenset(ServerEventType)


def decode_client_event(frame: Frame) -> ClientEvent | Unknown:
    """Decode one client event frame.

    Returns the typed event, or :class:`Unknown` for a well-formed event of a
    type rtmsg does not know. Raises :class:`DecodeError` for anything else.
    """
    try:
        return _client_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _fallback(frame, exc, _CLIENT_TYPES)


def decode_server_event(frame: Frame) -> ServerEvent | Unknown:
    """Decode one server event frame; see :func:`decode_client_event`."""
    try:
        return _server_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _fallback(frame, exc, _SERVER_TYPES)


def encode(event: Event | Unknown) -> bytes:
    """Encode an event as compact JSON; an :class:`Unknown` gives back its original bytes."""
    if event.__class__ is Unknown:
        return event.raw
    return _encoder.encode(event)


def _fallback(frame: Frame, exc: Exception, known: frozenset[str]) -> Unknown:
    """Turn a failed typed decode into an :class:`Unknown` or a :class:`DecodeError`."""
    try:
        envelope = _envelope_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError) as envelope_exc:
        raise DecodeError(_message(envelope_exc), path=_path(envelope_exc)) from None
    event_id = envelope.event_id if isinstance(envelope.event_id, str) else None
    if envelope.type in known:
        raise DecodeError(
            f"Invalid {envelope.type!r} event: {_message(exc)}",
            event_type=envelope.type,
            event_id=event_id,
            path=_path(exc) or "$",
        ) from None
    raw = frame.encode() if isinstance(frame, str) else bytes(frame)
    return Unknown(type=envelope.type, raw=raw, event_id=event_id)


def _message(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "JSON is nested too deeply"
    return str(exc)


_PATH_SUFFIX: Final = re.compile(r" - at `(\$[^`]*)`$")


def _path(exc: Exception) -> str | None:
    """The JSON path msgspec appends to a validation message, if any."""
    match = _PATH_SUFFIX.search(str(exc))
    return match.group(1) if match else None
