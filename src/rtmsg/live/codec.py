"""The Live protocol's decoders: one per kind of connection and direction, on the shared engine.

Each decoder subclasses the codec's engine with its connection's union and types,
so it has the same options (limits, duplicate ``type`` policy, ``unknown_fields``,
lenient mode), the same :class:`~rtmsg.Unknown` fallback and the same errors;
:func:`rtmsg.encode` encodes Live events as any other. A type string that names
one event on a connection and another (or none) on the next is read as its own
connection says: ``transport.dtmf.send`` from a sideband's client is the command,
from a primary's client an :class:`~rtmsg.Unknown`.

:func:`error_event` is the server's answer to an invalid client frame: Live's
``error`` event, which names the offending command by its ``client_event_id``.
"""

from __future__ import annotations

import secrets
from typing import Final

from msgspec import UNSET

from ..engine.decoding import EventDecoder, Frame, Unknown
from ..engine.errors import DecodeError
from .events import (
    AttachClientEvent,
    AttachClientEventType,
    AttachServerEvent,
    AttachServerEventType,
    ClientEvent,
    ClientEventType,
    Error,
    ErrorDetail,
    ForkClientEvent,
    ForkClientEventType,
    ForkServerEvent,
    ForkServerEventType,
    ServerEvent,
    ServerEventType,
)

__all__ = [
    "AttachClientEventDecoder",
    "AttachServerEventDecoder",
    "ClientEventDecoder",
    "ForkClientEventDecoder",
    "ForkServerEventDecoder",
    "ServerEventDecoder",
    "decode_attach_client_event",
    "decode_attach_server_event",
    "decode_client_event",
    "decode_fork_client_event",
    "decode_fork_server_event",
    "decode_server_event",
    "error_event",
]


class ClientEventDecoder(EventDecoder[ClientEvent]):
    """Decodes the client frames of a primary connection (``/v1/live/sessions``).

    The options are those of :class:`rtmsg.ClientEventDecoder`:
    ``ClientEventDecoder(max_frame_bytes=1 << 20, unknown_fields="reject").decode(frame)``.
    """

    _union = ClientEvent
    _known = frozenset(ClientEventType)


class ServerEventDecoder(EventDecoder[ServerEvent]):
    """Decodes the server frames of a primary connection."""

    _union = ServerEvent
    _known = frozenset(ServerEventType)


class AttachClientEventDecoder(EventDecoder[AttachClientEvent]):
    """Decodes the client frames of a sideband (``/v1/live/sessions/{id}/attach``)."""

    _union = AttachClientEvent
    _known = frozenset(AttachClientEventType)


class AttachServerEventDecoder(EventDecoder[AttachServerEvent]):
    """Decodes the server frames of a sideband."""

    _union = AttachServerEvent
    _known = frozenset(AttachServerEventType)


class ForkClientEventDecoder(EventDecoder[ForkClientEvent]):
    """Decodes the client frames of a fork (``/v1/live/sessions/{id}/fork``)."""

    _union = ForkClientEvent
    _known = frozenset(ForkClientEventType)


class ForkServerEventDecoder(EventDecoder[ForkServerEvent]):
    """Decodes the server frames of a fork."""

    _union = ForkServerEvent
    _known = frozenset(ForkServerEventType)


_client: Final = ClientEventDecoder()
_server: Final = ServerEventDecoder()
_attach_client: Final = AttachClientEventDecoder()
_attach_server: Final = AttachServerEventDecoder()
_fork_client: Final = ForkClientEventDecoder()
_fork_server: Final = ForkServerEventDecoder()


def decode_client_event(frame: Frame) -> ClientEvent | Unknown:
    """Decode one client frame of a primary connection with the default options.

    Returns the typed event, or :class:`~rtmsg.Unknown` for a well-formed event
    of another type. Raises :class:`~rtmsg.DecodeError` for anything else.
    """
    return _client.decode(frame)


def decode_server_event(frame: Frame) -> ServerEvent | Unknown:
    """Decode one server frame of a primary connection; see :func:`decode_client_event`."""
    return _server.decode(frame)


def decode_attach_client_event(frame: Frame) -> AttachClientEvent | Unknown:
    """Decode one client frame of a sideband; see :func:`decode_client_event`."""
    return _attach_client.decode(frame)


def decode_attach_server_event(frame: Frame) -> AttachServerEvent | Unknown:
    """Decode one server frame of a sideband; see :func:`decode_client_event`."""
    return _attach_server.decode(frame)


def decode_fork_client_event(frame: Frame) -> ForkClientEvent | Unknown:
    """Decode one client frame of a fork; see :func:`decode_client_event`."""
    return _fork_client.decode(frame)


def decode_fork_server_event(frame: Frame) -> ForkServerEvent | Unknown:
    """Decode one server frame of a fork; see :func:`decode_client_event`."""
    return _fork_server.decode(frame)


def error_event(exc: DecodeError, *, event_id: str | None = None) -> Error:
    """Live's ``error`` event answering the client frame that raised ``exc``.

    An ``invalid_request_error`` with the code of ``exc``; ``param`` is the offending
    value's path without its ``$.`` root, and ``client_event_id`` (in the error and
    on the event) the frame's ``event_id``, each absent when there is none. ``event_id`` is the
    new server event's own id, a fresh ``event_…`` id by default.
    """
    param = exc.path.removeprefix("$").removeprefix(".") if exc.path is not None else ""
    client_event_id = exc.event_id if exc.event_id is not None else UNSET
    return Error(
        event_id=event_id if event_id is not None else f"event_{secrets.token_hex(12)}",
        error=ErrorDetail(
            code=exc.code.value,
            message=str(exc),
            type="invalid_request_error",
            param=param or UNSET,
            client_event_id=client_event_id,
        ),
        client_event_id=client_event_id,
    )
