"""Checks of a frame's JSON structure that msgspec's typed decode does not make.

The decoders call these off the hot path only: when the typed decode failed, when a
frame is an :class:`~rtmsg.Unknown`, or when an option asks for them. Each answers
one question: is the frame UTF-8, which ``type`` keys does its top-level object
have, how deep does it nest, how deep may a value of a given schema nest.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, Final

import msgspec.inspect as mi

from .errors import DecodeError, ErrorCode

__all__ = [
    "as_bytes",
    "conflicting_type",
    "invalid_utf8",
    "nesting_exceeds",
    "repeats_type",
    "schema_depth",
    "utf8_bytes",
]

Frame = bytes | bytearray | memoryview | str


def as_bytes(frame: Frame) -> bytes:
    """The frame as a ``bytes`` object (a ``str`` is encoded; a lone surrogate fails)."""
    if type(frame) is bytes:
        return frame
    return frame.encode() if isinstance(frame, str) else bytes(frame)


def utf8_bytes(frame: Frame, event_type: str | None, event_id: str | None) -> bytes:
    """The frame as bytes, checked to be UTF-8: msgspec does not check the values it skips."""
    try:
        raw = as_bytes(frame)
        if not isinstance(frame, str):
            raw.decode()
    except UnicodeError:
        raise invalid_utf8(event_type, event_id) from None
    return raw


def invalid_utf8(event_type: str | None, event_id: str | None) -> DecodeError:
    """The error for a frame that is not UTF-8, naming its event where that was readable."""
    return DecodeError(
        "Input is not valid UTF-8",
        event_type=event_type,
        event_id=event_id,
        code=ErrorCode.INVALID_UTF8,
    )


def _may_repeat_type(data: bytes) -> bool:
    """Cheap pre-check: a second ``type`` key needs a second ``"type"`` or a ``\\u`` escape."""
    # find() of one byte is a memchr; ``\\u`` is only looked for when a backslash is there.
    return data.count(b'"type"') > 1 or (data.find(b"\\") >= 0 and b"\\u" in data)


def _keep_pairs(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return pairs


def _ignore_number(text: str) -> None:
    return None


def _type_values(raw: bytes) -> list[object] | None:
    """The values of the top-level object's ``type`` keys, in order; ``None`` if at most one.

    The usual answer costs a count of ``"type"``; only a frame that may hold a second key
    is parsed, by the standard library, which keeps repeated keys. A frame too deep for it
    gives two distinct values: nobody can tell what it holds, so callers refuse it.
    """
    if not _may_repeat_type(raw):
        return None
    try:
        pairs = json.loads(
            raw.decode(errors="replace"),
            object_pairs_hook=_keep_pairs,
            parse_int=_ignore_number,
            parse_float=_ignore_number,
            parse_constant=_ignore_number,
        )
    except RecursionError:
        return [RecursionError, None]
    return [value for key, value in pairs if key == "type"]


def repeats_type(raw: bytes) -> bool:
    """Whether the top-level object of a well-formed frame has ``type`` more than once."""
    values = _type_values(raw)
    return values is not None and len(values) > 1


def conflicting_type(raw: bytes) -> bool:
    """Whether a well-formed frame's top-level ``type`` keys disagree.

    Readers differ in which of two keys they keep, so such a frame would be one event
    to rtmsg and another to the next reader: it is an error, never an Unknown.
    """
    values = _type_values(raw)
    return values is not None and any(value != values[0] for value in values[1:])


_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TO_SIGNS: Final = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS: Final = bytes(set(range(256)) - set(b"[]{}"))


def nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON in ``raw`` (already known to be well formed) nests deeper than ``limit``.

    Strings are dropped and every bracket becomes +1 or -1; the depth is the
    highest running sum, found in one linear pass by C iterators.
    """
    signs = _STRING.sub(b"", raw).translate(_TO_SIGNS, _NOT_BRACKETS)
    if len(signs) <= 2 * limit:
        return False  # at most ``limit`` opening brackets in all
    return max(itertools.accumulate(memoryview(signs).cast("b"))) > limit


def schema_depth(info: mi.Type, seen: frozenset[int] = frozenset()) -> float:
    """How deep a value of this type may nest; infinite where it holds free-form JSON."""
    if isinstance(info, mi.AnyType | mi.CustomType):  # ``object`` fields are CustomType
        return float("inf")
    if id(info) in seen:
        return float("inf")
    seen = seen | {id(info)}
    if isinstance(info, mi.StructType):
        return 1 + max((schema_depth(f.type, seen) for f in info.fields), default=0)
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return 1 + schema_depth(info.item_type, seen)
    if isinstance(info, mi.DictType):
        return 1 + schema_depth(info.value_type, seen)
    if isinstance(info, mi.UnionType):
        return max(schema_depth(t, seen) for t in info.types)
    return 0
