"""The translation protocol's decoders, on the same engine as the conversation's.

Each decoder subclasses the codec's engine with the translation union and types,
so it has the same options, the same :class:`~rtmsg.Unknown` fallback and the
same errors; :func:`rtmsg.encode` encodes translation events as any other.
"""

from __future__ import annotations

from typing import Final

from ..engine.decoding import EventDecoder, Frame, Unknown
from .events import ClientEvent, ClientEventType, ServerEvent, ServerEventType

__all__ = [
    "ClientEventDecoder",
    "ServerEventDecoder",
    "decode_client_event",
    "decode_server_event",
]


class ClientEventDecoder(EventDecoder[ClientEvent]):
    """Decodes translation client frames, with the options of :class:`rtmsg.ClientEventDecoder`.

    ``ClientEventDecoder(max_frame_bytes=1 << 20).decode(frame)``: a
    ``session.update`` is read as the translation session's, a conversation event
    such as ``input_audio_buffer.append`` is an :class:`~rtmsg.Unknown`.
    """

    _union = ClientEvent
    _known = frozenset(ClientEventType)


class ServerEventDecoder(EventDecoder[ServerEvent]):
    """Decodes translation server frames, with the options of :class:`rtmsg.ClientEventDecoder`."""

    _union = ServerEvent
    _known = frozenset(ServerEventType)


_default_client: Final = ClientEventDecoder()
_default_server: Final = ServerEventDecoder()


def decode_client_event(frame: Frame) -> ClientEvent | Unknown:
    """Decode one translation client frame with the default options.

    Returns the typed event, or :class:`~rtmsg.Unknown` for a well-formed event
    of another type. Raises :class:`~rtmsg.DecodeError` for anything else.
    """
    return _default_client.decode(frame)


def decode_server_event(frame: Frame) -> ServerEvent | Unknown:
    """Decode one translation server frame; see :func:`decode_client_event`."""
    return _default_server.decode(frame)
