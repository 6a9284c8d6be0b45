"""Every error rtmsg raises, the codes that classify them, and the ``error`` event answering them.

The hierarchy::

    ValueError
    ├── DecodeError            a frame that is not a valid event; ``code`` says why
    │   └── StreamDecodeError  the same, for one line of a JSONL stream (``line_number``)
    └── SchemaError            raised by the models' own checks (``__post_init__``), with its
                               code; a decode turns it into a DecodeError with that code

Every :class:`DecodeError` carries an :class:`ErrorCode`, set where the failure is
caught (the limits, the UTF-8 check and the msgspec adapter in :mod:`rtmsg._msgspec`),
never recovered later from a message. :func:`error_event` builds the server's
``invalid_request_error`` from it, the way the Realtime service answers a bad client frame.
"""

from __future__ import annotations

import enum
import secrets
from typing import TYPE_CHECKING, Final

from ._redact import redact

if TYPE_CHECKING:
    from .server_events import Error

__all__ = [
    "DecodeError",
    "ErrorCode",
    "SchemaError",
    "StreamDecodeError",
    "build_error",
    "error_event",
]


class ErrorCode(enum.StrEnum):
    """Why a frame was refused; the values are the ``code`` of the service's ``error`` event."""

    INVALID_JSON = "invalid_json"
    """Not JSON, or JSON that is not an object with a string ``type``."""
    INVALID_UTF8 = "invalid_utf8"
    """Bytes that are not UTF-8, or a ``str`` holding a lone surrogate."""
    INVALID_FRAME = "invalid_frame"
    """A buffer msgspec cannot read (a ``memoryview`` that is not C-contiguous)."""
    FRAME_TOO_LARGE = "frame_too_large"
    """Longer than the decoder's ``max_frame_bytes``."""
    NESTING_TOO_DEEP = "nesting_too_deep"
    """Nested deeper than ``max_depth``, or than the interpreter's recursion limit."""
    DUPLICATE_TYPE = "duplicate_type"
    """Two top-level ``type`` keys: with different values, or any with ``reject_duplicate_type``."""
    MISSING_REQUIRED_PARAMETER = "missing_required_parameter"
    """A required field is absent."""
    INVALID_TYPE = "invalid_type"
    """A value of the wrong JSON type (a string where a number goes, a null where none may be)."""
    INVALID_VALUE = "invalid_value"
    """A value of the right JSON type that the protocol does not allow there."""
    UNKNOWN_PARAMETER = "unknown_parameter"
    """A field the protocol does not have (only with ``unknown_fields="reject"``)."""


class DecodeError(ValueError):
    """A frame that is not a valid event: malformed JSON, or a body that breaks the schema.

    ``code`` (an :class:`ErrorCode`) says what is wrong; ``path`` is the JSON path of
    the offending value (``$.session.audio.output.speed``, or the absent or unknown
    field's own path) when there is one; ``event_type`` and ``event_id`` hold the
    frame's ``type`` and ``event_id`` when they could be read, so that a server can
    name the offending event in its answer.
    """

    def __init__(
        self,
        message: str,
        *,
        event_type: str | None = None,
        event_id: str | None = None,
        path: str | None = None,
        code: ErrorCode = ErrorCode.INVALID_VALUE,
    ) -> None:
        super().__init__(message)
        self.event_type = event_type
        self.event_id = event_id
        self.path = path
        self.code = code

    def _key(self) -> tuple[object, ...]:
        return (type(self), self.args, self.event_type, self.event_id, self.path, self.code)

    # A value, not an identity: the same bad frame gives equal errors, so the Unknown of a
    # lenient decode, which carries its error, equals the one the same frame gave before.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecodeError):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        # The message may quote the offending value: a log must not get a key from it.
        return f"{type(self).__name__}({redact(str(self))!r})"


class StreamDecodeError(DecodeError):
    """A line that is not a valid frame; ``line_number`` (from 1) says which line.

    ``event_type``, ``event_id``, ``path`` and ``code`` are those of the line's
    :class:`DecodeError`; a line longer than the limit has ``code="frame_too_large"``.
    """

    def __init__(
        self,
        message: str,
        *,
        line_number: int = 0,
        event_type: str | None = None,
        event_id: str | None = None,
        path: str | None = None,
        code: ErrorCode = ErrorCode.INVALID_VALUE,
    ) -> None:
        super().__init__(message, event_type=event_type, event_id=event_id, path=path, code=code)
        self.line_number = line_number


class SchemaError(ValueError):
    """A model's own check failed; ``field`` is the offending field, relative to the model.

    Raised from ``__post_init__``: msgspec reports it with the model's path and keeps
    it as the cause, from which the decoder takes ``code`` and ``field``.
    """

    def __init__(self, message: str, *, code: ErrorCode, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


for _cls in (DecodeError, StreamDecodeError, SchemaError, ErrorCode):
    _cls.__module__ = "rtmsg"  # where users import them from, and where pickle finds them


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
    param = exc.path.removeprefix("$").removeprefix(".") if exc.path is not None else None
    return build_error(
        _WIRE_CODES[exc.code],
        str(exc),
        param=param or None,
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
    # The server events import this module's DecodeError through the models' helpers.
    from .server_events import Error, RealtimeError

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
