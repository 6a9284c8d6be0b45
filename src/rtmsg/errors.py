"""Turning a :class:`DecodeError` into the ``error`` event a Realtime server sends back.

A server or proxy that rejects a client frame answers the way the service does:
an ``invalid_request_error`` whose ``event_id`` names the offending client event.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

from ._base import DecodeError
from .server_events import Error, RealtimeError

__all__ = ["build_error", "error_event"]

_MISSING_FIELD: Final = re.compile(r"missing required field `([^`]+)`")


def error_event(exc: DecodeError, *, event_id: str | None = None) -> Error:
    """The server ``error`` event answering the frame that raised ``exc``.

    ``event_id`` is the new server event's own id; a fresh ``event_…`` id by default.
    """
    message = str(exc)
    param = _param(exc, message)
    if exc.code is not None:
        code = exc.code
    elif exc.event_type is None:
        code = "invalid_json" if exc.path is None else "invalid_value"
    elif _MISSING_FIELD.search(message):
        code = "missing_required_parameter"
    elif "Expected `" in message:
        code = "invalid_type"
    else:
        code = "invalid_value"
    return build_error(code, message, param=param, client_event_id=exc.event_id, event_id=event_id)


def _param(exc: DecodeError, message: str) -> str | None:
    """``session.audio.input.format`` from ``$.session.audio.input`` and the message."""
    if exc.path is None:
        return None
    param = exc.path.removeprefix("$").removeprefix(".")
    missing = _MISSING_FIELD.search(message)
    if missing:
        param = f"{param}.{missing.group(1)}" if param else missing.group(1)
    return param or None


def build_error(
    code: str,
    message: str,
    *,
    param: str | None = None,
    client_event_id: str | None = None,
    event_id: str | None = None,
) -> Error:
    """The server ``error`` event: an ``invalid_request_error`` with ``code`` and ``message``.

    ``param`` names the offending field, ``client_event_id`` the client event it answers;
    ``event_id`` is the new server event's own id, a fresh ``event_…`` id by default.
    """
    return Error(
        event_id=event_id if event_id is not None else f"event_{secrets.token_hex(12)}",
        error=RealtimeError(
            type="invalid_request_error",
            code=code,
            message=message,
            param=param,
            event_id=client_event_id,
        ),
    )
