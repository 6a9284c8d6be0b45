"""The old home of the codec, kept working: the conversation's decoders and the engine's names.

The decoding engine is :mod:`rtmsg.engine.decoding`, the conversation's decoders
:mod:`rtmsg.conversation.codec`; ``import rtmsg`` exports all of these too.
"""

from __future__ import annotations

from .conversation.codec import (
    ClientEventDecoder,
    ServerEventDecoder,
    decode_client_event,
    decode_server_event,
)
from .engine.decoding import DEFAULT_MAX_FRAME_BYTES, Frame, Unknown, UnknownFields, encode
from .engine.errors import DecodeError

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "ClientEventDecoder",
    "DecodeError",
    "Frame",
    "ServerEventDecoder",
    "Unknown",
    "UnknownFields",
    "decode_client_event",
    "decode_server_event",
    "encode",
]
