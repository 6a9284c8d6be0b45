"""The engine every protocol is built on; it knows no protocol by name.

- :mod:`.base`: the Struct bases (``Model``, ``Tagged``, ``Event``), the log-safe repr and
  the base64 audio helpers;
- :mod:`.errors`: ``DecodeError`` and its codes;
- :mod:`.decoding`: the decoder engine (known event, then ``Unknown``, then ``DecodeError``)
  and ``encode``; with :mod:`.limits`, :mod:`.checks`, :mod:`.failures`,
  :mod:`.msgspec_adapter` and :mod:`.strict`, the parts it is made of;
- :mod:`.reading`: what an event means for its session, the vocabulary of the tools;
- :mod:`.registry`: the declarations of the protocols, and their lookup by path and name.
"""

from __future__ import annotations

from .base import Event, Model, Tagged
from .decoding import (
    DEFAULT_MAX_FRAME_BYTES,
    DecodeFunction,
    EventDecoder,
    Frame,
    Unknown,
    UnknownFields,
    encode,
)
from .errors import DecodeError, ErrorCode, SchemaError, StreamDecodeError
from .reading import NOTHING, Reading, SessionReader, TokenTotals
from .registry import Direction, Endpoint, Route, endpoint, endpoints, register, route

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "NOTHING",
    "DecodeError",
    "DecodeFunction",
    "Direction",
    "Endpoint",
    "ErrorCode",
    "Event",
    "EventDecoder",
    "Frame",
    "Model",
    "Reading",
    "Route",
    "SchemaError",
    "SessionReader",
    "StreamDecodeError",
    "Tagged",
    "TokenTotals",
    "Unknown",
    "UnknownFields",
    "encode",
    "endpoint",
    "endpoints",
    "register",
    "route",
]
