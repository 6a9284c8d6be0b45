"""The old home of the errors, kept working: see :mod:`rtmsg.engine.errors` and
:mod:`rtmsg.common.errors` (the ``error`` event answering a bad frame)."""

from __future__ import annotations

from .common.errors import build_error, error_event
from .engine.errors import DecodeError, ErrorCode, SchemaError, StreamDecodeError

__all__ = [
    "DecodeError",
    "ErrorCode",
    "SchemaError",
    "StreamDecodeError",
    "build_error",
    "error_event",
]
