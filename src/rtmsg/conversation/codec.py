"""The conversation protocol's decoders (``/v1/realtime``) and its module-level decode functions.

Each decoder subclasses the engine's :class:`~rtmsg.engine.EventDecoder` with the
conversation's unions. :func:`decode_client_event` and :func:`decode_server_event` are the
hot path of most users, so they read their default decoder's msgspec ``Decoder`` from a
module global (cheaper than an attribute) that the default instance rebinds when it learns
an unknown type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..engine.decoding import EventDecoder, Frame, Unknown
from ..engine.failures import not_a_frame, too_large
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..engine.msgspec_adapter import FAILURES
from .client_events import ClientEvent, ClientEventType
from .server_events import ServerEvent, ServerEventType

__all__ = [
    "ClientEventDecoder",
    "ServerEventDecoder",
    "decode_client_event",
    "decode_server_event",
]


class ClientEventDecoder(EventDecoder[ClientEvent]):
    """Decodes client event frames: ``ClientEventDecoder(max_frame_bytes=1 << 20).decode(frame)``.

    The options (limits, duplicate ``type`` policy, ``unknown_fields``, ``lenient``) are
    those of :class:`rtmsg.engine.EventDecoder`.
    """

    _union = ClientEvent
    _known = frozenset(ClientEventType)


class ServerEventDecoder(EventDecoder[ServerEvent]):
    """Decodes server event frames; the options are those of :class:`ClientEventDecoder`."""

    _union = ServerEvent
    _known = frozenset(ServerEventType)


class _DefaultClientDecoder(ClientEventDecoder):
    """The decoder behind :func:`decode_client_event`: keeps the module's fast path current."""

    def _relearned(self) -> None:
        global _client_decoder
        _client_decoder = self._decoder.decode


class _DefaultServerDecoder(ServerEventDecoder):
    """The decoder behind :func:`decode_server_event`: keeps the module's fast path current."""

    def _relearned(self) -> None:
        global _server_decoder
        _server_decoder = self._decoder.decode


_default_client: Final = _DefaultClientDecoder()
_default_server: Final = _DefaultServerDecoder()

# Module-level names, read directly by the decode functions (a global lookup is cheaper
# than an attribute); the decoders are rebound when their default instance learns a type.
_client_decoder: Callable[[Frame], Any] = _default_client._decoder.decode
_server_decoder: Callable[[Frame], Any] = _default_server._decoder.decode
_client_seen: Final = _default_client._seen_classes
_server_seen: Final = _default_server._seen_classes
_client_fallback: Final = _default_client._fallback
_server_fallback: Final = _default_server._fallback


def decode_client_event(frame: Frame) -> ClientEvent | Unknown:
    """Decode one client event frame with the default options of :class:`ClientEventDecoder`.

    Returns the typed event, or :class:`Unknown` for a well-formed event of a
    type rtmsg does not know. Raises :class:`DecodeError` for anything else.
    """
    try:
        if len(frame) > DEFAULT_MAX_FRAME_BYTES:
            raise too_large(len(frame), DEFAULT_MAX_FRAME_BYTES)
        event = _client_decoder(frame)
    except FAILURES as exc:
        return _client_fallback(frame, exc)
    except TypeError:
        raise not_a_frame(frame) from None
    if _client_seen and event.__class__ in _client_seen:
        return _default_client._seen_unknown(frame, event)  # type: ignore[arg-type]  # a _Seen
    return event  # type: ignore[no-any-return]  # a ClientEvent: the seen types were caught


def decode_server_event(frame: Frame) -> ServerEvent | Unknown:
    """Decode one server event frame; see :func:`decode_client_event`."""
    try:
        if len(frame) > DEFAULT_MAX_FRAME_BYTES:
            raise too_large(len(frame), DEFAULT_MAX_FRAME_BYTES)
        event = _server_decoder(frame)
    except FAILURES as exc:
        return _server_fallback(frame, exc)
    except TypeError:
        raise not_a_frame(frame) from None
    if _server_seen and event.__class__ in _server_seen:
        return _default_server._seen_unknown(frame, event)  # type: ignore[arg-type]  # a _Seen
    return event  # type: ignore[no-any-return]  # a ServerEvent: the seen types were caught
