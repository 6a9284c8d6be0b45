"""The service's ``error`` event, and the one answering a frame that raised a DecodeError.

:func:`error_event` builds the server's ``invalid_request_error`` from a
:class:`~rtmsg.DecodeError`, the way the Realtime service answers a bad client frame.
"""

from __future__ import annotations

import secrets
from typing import Final

from msgspec import UNSET, UnsetType

from ..engine.base import Event, Model
from ..engine.errors import DecodeError, ErrorCode

__all__ = ["Error", "RealtimeError", "build_error", "error_event"]


class RealtimeError(Model):
    """What went wrong, and which client event caused it if any."""

    type: str
    message: str
    code: str | None | UnsetType = UNSET
    event_id: str | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET


class Error(Event, tag="error"):
    """An error occurred; ``error.event_id`` names the client event that caused it, if any."""

    event_id: str
    error: RealtimeError


_WIRE_CODES: Final[dict[ErrorCode, str]] = {
    ErrorCode.INVALID_JSON: "invalid_json",
    ErrorCode.INVALID_UTF8: "invalid_utf8",
    ErrorCode.INVALID_FRAME: "invalid_frame",
    ErrorCode.FRAME_TOO_LARGE: "frame_too_large",
    ErrorCode.NESTING_TOO_DEEP: "nesting_too_deep",
    ErrorCode.DUPLICATE_TYPE: "duplicate_type",
    ErrorCode.MISSING_REQUIRED_PARAMETER: "missing_required_parameter",
    ErrorCode.INVALID_TYPE: "invalid_type",
    ErrorCode.INVALID_VALUE: "invalid_value",
    ErrorCode.UNKNOWN_PARAMETER: "unknown_parameter",
}
"""The ``code`` of the ``error`` event for each kind: the service's own code where it has one."""


def error_event(exc: DecodeError, *, event_id: str | None = None) -> Error:
    """The server ``error`` event answering the frame that raised ``exc``.

    ``event_id`` is the new server event's own id; a fresh ``event_…`` id by default.
    ``param`` is the offending value's path without its ``$.`` root.
    """
    return build_error(
        _WIRE_CODES[exc.code],
        str(exc),
        param=exc.param,
        client_event_id=exc.event_id,
        event_id=event_id,
    )


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
