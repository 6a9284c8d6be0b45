"""The decoders' cold path: reading a failed frame's envelope and building its DecodeError.

Separate from :mod:`rtmsg.codec` because none of it runs for a valid event: it is
what a decoder does once msgspec has refused a frame, or a limit was broken.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import msgspec

from .checks import Frame, as_bytes, invalid_utf8
from .errors import DecodeError, ErrorCode
from .limits import frame_too_large
from .msgspec_adapter import FAILURES, failure

__all__ = [
    "Envelope",
    "duplicate_type",
    "envelope_decoder",
    "event_id_of",
    "invalid_event",
    "malformed",
    "not_a_frame",
    "short",
    "too_large",
]


class Envelope(msgspec.Struct):
    """The two fields every event frame may have, read when the typed decode fails."""

    type: str
    event_id: Any = None


envelope_decoder: Final = msgspec.json.Decoder(Envelope)


def _at(path: str | None) -> str:
    return f" - at `{path}`" if path is not None else ""


def invalid_event(event_type: str, event_id: str | None, exc: BaseException) -> DecodeError:
    """The error for a frame of a known type whose body msgspec refused."""
    message, code, path = failure(exc)
    return DecodeError(
        f"Invalid {event_type!r} event: {message}{_at(path)}",
        event_type=event_type,
        event_id=event_id,
        path=path,
        code=code,
    )


_SCHEMA_CODES: Final = frozenset(
    {ErrorCode.INVALID_TYPE, ErrorCode.INVALID_VALUE, ErrorCode.MISSING_REQUIRED_PARAMETER}
)


def malformed(frame: Frame, exc: BaseException) -> DecodeError:
    """The error for a frame whose envelope cannot be read: not JSON, not an event object."""
    try:
        raw = as_bytes(frame)
        if not isinstance(frame, str):
            raw.decode()
    except UnicodeError:
        return invalid_utf8(*_readable_envelope(frame))
    if _SURROGATE_ESCAPE.search(raw) is not None:
        lone = _lone_surrogate(raw)
        if lone is not None:
            return lone
    message, code, path = failure(exc)
    if path is None and code in _SCHEMA_CODES:
        # A top-level value that is not an object: not an event at all.
        code = ErrorCode.INVALID_JSON
    return DecodeError(f"{message}{_at(path)}", path=path, code=code)


# A ``\\u`` escape of a UTF-16 surrogate (D800-DFFF), paired or not: the cheap test first.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(raw: bytes) -> DecodeError | None:
    """The error for JSON text whose string escapes a lone surrogate, or ``None``.

    Such text is valid JSON, but its string is not Unicode: msgspec refuses it with a
    message about something else. The standard library reads it (into a ``str`` holding
    the surrogate), which tells where it is; this runs only after msgspec refused the frame.
    """
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    found = _find_surrogate(value, "$") if isinstance(value, dict) else None
    if found is None:  # another fault, or not an object: not an event at all
        return None
    char, path = found
    event_type, event_id = _unicode(value.get("type")), _unicode(value.get("event_id"))
    return DecodeError(
        f"Invalid string: the escape \\u{ord(char):04x} is a lone surrogate, which is not "
        f"Unicode text{_at(path)}",
        event_type=event_type,
        event_id=event_id,
        path=path,
        code=ErrorCode.INVALID_UTF8,
    )


def _unicode(value: object) -> str | None:
    return value if isinstance(value, str) and _SURROGATE.search(value) is None else None


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _find_surrogate(value: object, path: str) -> tuple[str, str] | None:
    """The first lone surrogate in ``value`` and its path; a key's is its object's path."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            match = _SURROGATE.search(item)
            if match is not None:
                return match.group(), where
        elif isinstance(item, dict):
            for key in item:
                match = _SURROGATE.search(key)
                if match is not None:
                    return match.group(), where
            stack.extend((child, f"{where}.{key}") for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{n}]") for n, child in reversed(list(enumerate(item))))
    return None


def _readable_envelope(frame: Frame) -> tuple[str | None, str | None]:
    """``type`` and ``event_id`` of a frame that is not UTF-8, where they are readable."""
    text = (
        frame.encode(errors="replace").decode()
        if isinstance(frame, str)
        else as_bytes(frame).decode(errors="replace")
    )
    try:
        envelope = envelope_decoder.decode(text)
    except FAILURES:
        return None, None
    event_type = envelope.type if "\ufffd" not in envelope.type else None
    event_id = envelope.event_id
    if not isinstance(event_id, str) or "\ufffd" in event_id:
        event_id = None
    return event_type, event_id


def too_large(size: int, limit: int) -> DecodeError:
    return DecodeError(frame_too_large(limit, size), code=ErrorCode.FRAME_TOO_LARGE)


def not_a_frame(frame: object) -> TypeError:
    """A caller's mistake, not bad input: a clear TypeError rather than msgspec's or len()'s."""
    return TypeError(
        f"frame must be bytes, bytearray, memoryview or str, not {type(frame).__name__}"
    )


def duplicate_type(event_id: str | None) -> DecodeError:
    """Two ``type`` keys: which one is the event's depends on the reader, so name neither."""
    return DecodeError(
        "Object has more than one `type` key - at `$.type`",
        event_id=event_id,
        path="$.type",
        code=ErrorCode.DUPLICATE_TYPE,
    )


def short(text: str, limit: int = 64) -> str:
    """``text`` cut for messages and reprs: a ``type`` may be as long as the frame."""
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"


def event_id_of(event: object) -> str | None:
    event_id = getattr(event, "event_id", None)
    return event_id if isinstance(event_id, str) else None
