"""The decode function for a given ``max_frame_bytes``, shared by every reader of many frames.

The JSONL stream reader and the checks of recorded sessions take a frame limit; for the
default one they use the module-level decode functions, for another one a decoder built
with it, one per limit, so that readers with the same limit learn unknown types together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal

from ._limits import DEFAULT_MAX_FRAME_BYTES
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


def decoders(
    max_frame_bytes: int | None,
) -> dict[Literal["client", "server"], Callable[[Frame], ClientEvent | ServerEvent | Unknown]]:
    """The decoder of each direction, by who sends the frames."""
    return {"client": client_decoder(max_frame_bytes), "server": server_decoder(max_frame_bytes)}
