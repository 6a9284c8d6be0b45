"""The adapter from msgspec's failures to rtmsg's error kinds: the only reader of msgspec's text.

msgspec reports every failure as an exception with a message and no structured
fields: the JSON path is the message's ``- at `$.path``` suffix, and the kind of a
validation failure is its wording. Both are read here, once, by :func:`failure`;
``tests/engine/test_msgspec_adapter.py`` pins every wording it relies on, on the oldest and
the newest msgspec that rtmsg allows. The models' own checks need no reading: they
raise :class:`SchemaError` with their code, and msgspec keeps it as the cause.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

import msgspec

from .errors import ErrorCode, SchemaError

__all__ = ["FAILURES", "Failure", "failure"]

FAILURES: Final = (msgspec.DecodeError, RecursionError, UnicodeError, BufferError)
"""What msgspec raises on bad input. Invalid UTF-8 and lone surrogates surface as
UnicodeError or as a DecodeError (by version), a ``memoryview`` that is not C-contiguous
as BufferError, nesting past the interpreter's limit as RecursionError."""


class Failure(NamedTuple):
    """One msgspec failure, classified: what to say, why, and where."""

    message: str
    code: ErrorCode
    path: str | None


_PATH_SUFFIX: Final = re.compile(r" - at `(\$[^`]*)`$")
_MISSING: Final = re.compile(r"^Object missing required field `([^`]*)`")
_UNKNOWN: Final = re.compile(r"^Object contains unknown field `([^`]*)`")
_WRONG_TYPE: Final = "Expected `"


def failure(exc: BaseException) -> Failure:
    """Classify an exception of :data:`FAILURES` that a msgspec decode raised.

    A ``DecodeError`` that is not a ``ValidationError`` is malformed JSON; the caller
    checks UTF-8 itself first, since msgspec versions differ in how they report it.
    """
    if isinstance(exc, RecursionError):
        return Failure("JSON is nested too deeply", ErrorCode.NESTING_TOO_DEEP, None)
    if isinstance(exc, UnicodeError):
        return Failure("Input is not valid UTF-8", ErrorCode.INVALID_UTF8, None)
    if isinstance(exc, BufferError):
        return Failure(f"Frame is not a contiguous buffer: {exc}", ErrorCode.INVALID_FRAME, None)
    text = str(exc)
    match = _PATH_SUFFIX.search(text)
    path = match.group(1) if match else None
    message = text[: match.start()] if match else text
    if not isinstance(exc, msgspec.ValidationError):
        return Failure(message, ErrorCode.INVALID_JSON, path)
    cause = exc.__cause__
    if isinstance(cause, SchemaError):
        return Failure(str(cause), cause.code, _join(path or "$", cause.field))
    if field := _MISSING.match(message):
        return Failure(message, ErrorCode.MISSING_REQUIRED_PARAMETER, _join(path, field[1]))
    if field := _UNKNOWN.match(message):
        return Failure(message, ErrorCode.UNKNOWN_PARAMETER, _join(path, field[1]))
    if message.startswith(_WRONG_TYPE):
        return Failure(message, ErrorCode.INVALID_TYPE, path)
    return Failure(message, ErrorCode.INVALID_VALUE, path)


def _join(path: str | None, field: str | None) -> str:
    """The path of ``field`` inside the object at ``path`` (the top level if ``None``)."""
    base = path or "$"
    return base if field is None else f"{base}.{field}"
