"""The decode function for a given ``max_frame_bytes``, shared by every reader of many frames.

The JSONL stream reader and the checks of recorded sessions take a frame limit; for the
default one they use the module-level decode functions, for another one a decoder built
with it, one per limit, so that readers with the same limit learn unknown types together.
Each protocol has its own: the conversation's (``/v1/realtime``) and the translation
session's (``/v1/realtime/translations``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import translation
from ._limits import DEFAULT_MAX_FRAME_BYTES
from .capture import Direction, Protocol
from .client_events import ClientEvent
from .codec import (
    ClientEventDecoder,
    Frame,
    ServerEventDecoder,
    Unknown,
    decode_client_event,
    decode_server_event,
)
from .server_events import ServerEvent

__all__ = ["client_decoder", "decoders", "server_decoder"]

DecodeFunction = Callable[[Frame], Any]


@functools.lru_cache(maxsize=8)
def _client(max_frame_bytes: int | None) -> ClientEventDecoder:
    return ClientEventDecoder(max_frame_bytes=max_frame_bytes)


@functools.lru_cache(maxsize=8)
def _server(max_frame_bytes: int | None) -> ServerEventDecoder:
    return ServerEventDecoder(max_frame_bytes=max_frame_bytes)


def client_decoder(max_frame_bytes: int | None) -> Callable[[Frame], ClientEvent | Unknown]:
    """Decodes client frames, refusing those longer than ``max_frame_bytes``."""
    if max_frame_bytes == DEFAULT_MAX_FRAME_BYTES:
        return decode_client_event
    return _client(max_frame_bytes).decode


def server_decoder(max_frame_bytes: int | None) -> Callable[[Frame], ServerEvent | Unknown]:
    """Decodes server frames, refusing those longer than ``max_frame_bytes``."""
    if max_frame_bytes == DEFAULT_MAX_FRAME_BYTES:
        return decode_server_event
    return _server(max_frame_bytes).decode


@functools.lru_cache(maxsize=8)
def _translation_client(max_frame_bytes: int | None) -> translation.ClientEventDecoder:
    return translation.ClientEventDecoder(max_frame_bytes=max_frame_bytes)


@functools.lru_cache(maxsize=8)
def _translation_server(max_frame_bytes: int | None) -> translation.ServerEventDecoder:
    return translation.ServerEventDecoder(max_frame_bytes=max_frame_bytes)


def _translation_decoders(max_frame_bytes: int | None) -> dict[Direction, DecodeFunction]:
    if max_frame_bytes == DEFAULT_MAX_FRAME_BYTES:
        return {
            "client": translation.decode_client_event,
            "server": translation.decode_server_event,
        }
    return {
        "client": _translation_client(max_frame_bytes).decode,
        "server": _translation_server(max_frame_bytes).decode,
    }


def decoders(max_frame_bytes: int | None) -> dict[tuple[Protocol, Direction], DecodeFunction]:
    """The decoder of each protocol and direction, by the protocol and who sends the frames."""
    translation_decoders = _translation_decoders(max_frame_bytes)
    return {
        ("conversation", "client"): client_decoder(max_frame_bytes),
        ("conversation", "server"): server_decoder(max_frame_bytes),
        ("translation", "client"): translation_decoders["client"],
        ("translation", "server"): translation_decoders["server"],
    }
