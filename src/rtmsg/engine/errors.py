"""Every error rtmsg raises, the codes that classify them, and the ``error`` event answering them.

The hierarchy::

    ValueError
    ├── DecodeError            a frame that is not a valid event; ``code`` says why
    │   └── StreamDecodeError  the same, for one line of a JSONL stream (``line_number``)
    └── SchemaError            raised by the models' own checks (``__post_init__``), with its
                               code; a decode turns it into a DecodeError with that code

Every :class:`DecodeError` carries an :class:`ErrorCode`, set where the failure is
caught (the limits, the UTF-8 check and the msgspec adapter in :mod:`.msgspec_adapter`),
never recovered later from a message. The ``error`` event that answers a bad client frame
is built from it in :mod:`rtmsg.common.errors`, with the wire models it is made of.
"""

from __future__ import annotations

import enum

from .redact import redact

__all__ = ["DecodeError", "ErrorCode", "SchemaError", "StreamDecodeError"]


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

    @property
    def param(self) -> str | None:
        """The offending value's path without its ``$.`` root (``session.audio``), if any."""
        if self.path is None:
            return None
        return self.path.removeprefix("$").removeprefix(".") or None

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
