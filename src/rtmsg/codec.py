"""The codec: decode a frame into its typed event (or :class:`Unknown`), encode an event to JSON.

Each direction has one module-level msgspec ``Decoder`` over its tagged union,
so a known event is decoded in a single C pass. Only when that fails does a
second, cheap decode read the envelope (``type`` and ``event_id``) to tell an
unknown event type, which is data, from an invalid frame, which is an error.

A failed decode costs a raised exception, several times the decode of a small
event. A proxy facing a newer server sees the same few unknown types over and
over, so each unknown type seen is added to the union as a bodiless Struct
(up to a bound): its next frames decode in one pass, and become an
:class:`Unknown` without an exception.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final, Union

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


class _Seen(msgspec.Struct, tag_field="type", gc=False):
    """Base of the Structs standing for unknown types already seen: only ``event_id`` is read."""

    event_id: Any = None
    wire_type: ClassVar[str]


class _Direction:
    """The decoder of one direction, over its events and the unknown types it has seen."""

    __slots__ = ("classes", "decoder", "events", "known", "name", "seen")

    def __init__(self, name: str, known: frozenset[str], classes: set[Any]) -> None:
        self.name = name  # of the module-level decoder, read by the decode functions
        self.decoder: msgspec.json.Decoder[Any] = globals()[name]
        self.events = self.decoder.type
        self.known = known
        self.seen: dict[str, type[msgspec.Struct]] = {}
        self.classes = classes

    def see(self, event_type: str) -> None:
        """Add ``event_type`` to the union, so that its next frames decode without an error."""
        if len(self.seen) >= _MAX_SEEN or len(event_type) > _MAX_SEEN_LENGTH:
            return
        seen = msgspec.defstruct(
            "Seen", [], bases=(_Seen,), tag=event_type, namespace={"wire_type": event_type}
        )
        self.seen[event_type] = seen
        self.classes.add(seen)
        old = self.decoder
        self.decoder = msgspec.json.Decoder(
            Union[(self.events, *self.seen.values())],  # built at run time from a tuple
            strict=old.strict,
            dec_hook=old.dec_hook,
            float_hook=old.float_hook,
        )
        globals()[self.name] = self.decoder


# A peer inventing types cannot grow the union without bound.
_MAX_SEEN: Final = 64
_MAX_SEEN_LENGTH: Final = 128

# The classes of the types seen, by direction: module-level sets, so that a decode checks
# them in a few nanoseconds (an empty set, or a set lookup of the class; isinstance()
# against a Struct class costs several times more).
_CLIENT_SEEN: Final[set[Any]] = set()
_SERVER_SEEN: Final[set[Any]] = set()

# Module-level names, read directly on the hot path; rebound when an unknown type is seen.
_client_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(ClientEvent)
_server_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(ServerEvent)
_envelope_decoder: Final = msgspec.json.Decoder(_Envelope)
_encoder: Final = msgspec.json.Encoder()

_CLIENT_TYPES: Final = frozenset(ClientEventType)
_SERVER_TYPES: Final = frozenset(ServerEventType)

_client: Final = _Direction("_client_decoder", _CLIENT_TYPES, _CLIENT_SEEN)
_server: Final = _Direction("_server_decoder", _SERVER_TYPES, _SERVER_SEEN)


def decode_client_event(frame: Frame) -> ClientEvent | Unknown:
    """Decode one client event frame.

    Returns the typed event, or :class:`Unknown` for a well-formed event of a
    type rtmsg does not know. Raises :class:`DecodeError` for anything else.
    """
    try:
        event = _client_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _fallback(frame, exc, _client)
    if _CLIENT_SEEN and type(event) in _CLIENT_SEEN:
        return _unknown(frame, event)
    return event  # type: ignore[no-any-return]  # the union of ClientEvent and _Seen


def decode_server_event(frame: Frame) -> ServerEvent | Unknown:
    """Decode one server event frame; see :func:`decode_client_event`."""
    try:
        event = _server_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _fallback(frame, exc, _server)
    if _SERVER_SEEN and type(event) in _SERVER_SEEN:
        return _unknown(frame, event)
    return event  # type: ignore[no-any-return]  # the union of ServerEvent and _Seen


def encode(event: Event | Unknown) -> bytes:
    """Encode an event as compact JSON; an :class:`Unknown` gives back its original bytes."""
    if event.__class__ is Unknown:
        return event.raw
    return _encoder.encode(event)


def _unknown(frame: Frame, seen: _Seen) -> Unknown:
    """The :class:`Unknown` for a frame of an unknown type already seen.

    On the path of every such frame: exact type tests and positional arguments cost half
    of ``isinstance`` and keywords.
    """
    event_id = seen.event_id
    if type(frame) is bytes:
        raw = frame
    else:
        raw = frame.encode() if isinstance(frame, str) else bytes(frame)
    return Unknown(seen.wire_type, raw, event_id if type(event_id) is str else None)


def _fallback(frame: Frame, exc: Exception, direction: _Direction) -> Unknown:
    """Turn a failed typed decode into an :class:`Unknown` or a :class:`DecodeError`."""
    try:
        envelope = _envelope_decoder.decode(frame)
    except msgspec.DecodeError as envelope_exc:
        raise DecodeError(_message(envelope_exc)) from None
    except RecursionError:
        raise DecodeError("JSON is nested too deeply") from None
    event_id = envelope.event_id if isinstance(envelope.event_id, str) else None
    if envelope.type in direction.known:
        raise DecodeError(
            f"Invalid {envelope.type!r} event: {_message(exc)}",
            event_type=envelope.type,
            event_id=event_id,
        ) from None
    if envelope.type not in direction.seen:
        direction.see(envelope.type)
    raw = frame.encode() if isinstance(frame, str) else bytes(frame)
    return Unknown(type=envelope.type, raw=raw, event_id=event_id)


def _message(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "JSON is nested too deeply"
    return str(exc)
