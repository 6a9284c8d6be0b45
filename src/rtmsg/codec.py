"""The codec: decode a frame into its typed event (or :class:`Unknown`), encode an event to JSON.

Each direction has one msgspec ``Decoder`` over its tagged union, so a known
event is decoded in a single C pass after a ``len()`` check. Only when that
fails does a second, cheap decode read the envelope (``type`` and ``event_id``)
to tell an unknown event type, which is data, from an invalid frame, which is
an error. Whatever the frame, decoding returns an event or an :class:`Unknown`,
or raises :class:`DecodeError`; no other exception escapes.

A failed decode costs a raised exception, several times the decode of a small
event. A proxy facing a newer server sees the same few unknown types over and
over, so each decoder adds the unknown types it meets to its union as bodiless
Structs (up to a bound): their next frames decode in one pass and become an
:class:`Unknown` without an exception, after the same checks as the slow path.

:class:`ClientEventDecoder` and :class:`ServerEventDecoder` hold the options
(frame size and depth limits, duplicate ``type`` policy, lenient mode); the
module-level functions are their default instances.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Final, Generic, TypeVar, Union, get_args

import msgspec
import msgspec.inspect as mi

from ._base import DecodeError, Event, _Shown, redact
from ._limits import DEFAULT_MAX_FRAME_BYTES, check_limit, frame_too_large
from .client_events import ClientEvent, ClientEventType
from .server_events import ServerEvent, ServerEventType

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "ClientEventDecoder",
    "DecodeError",
    "Frame",
    "ServerEventDecoder",
    "Unknown",
    "decode_client_event",
    "decode_server_event",
    "encode",
]

Frame = bytes | bytearray | memoryview | str
"""What a WebSocket hands over: a text frame as ``str`` or as UTF-8 bytes."""


class Unknown(msgspec.Struct, frozen=True):
    """An event whose ``type`` this version of rtmsg does not know, kept as its exact bytes.

    In lenient mode, an event of a known type whose body is invalid is an
    ``Unknown`` too, and ``error`` holds the :class:`DecodeError` it raised.
    """

    type: str
    raw: bytes
    event_id: str | None = None
    error: DecodeError | None = None

    @property
    def event_type(self) -> str:
        """The wire ``type`` string, as for every known event."""
        return self.type

    def __repr__(self) -> str:
        # ``raw`` may hold audio or credentials: logs get its size, never its bytes.
        fields = [f"type={_short(redact(self.type))!r}", f"raw=<{len(self.raw)} bytes>"]
        if self.event_id is not None:
            fields.append(f"event_id={_short(redact(self.event_id))!r}")
        if self.error is not None:
            fields.append(f"error={self.error!r}")
        return f"Unknown({', '.join(fields)})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        fields: list[tuple[str, Any]] = [
            ("type", _short(redact(self.type))),
            ("raw", _Shown(f"<{len(self.raw)} bytes>")),
        ]
        if self.event_id is not None:
            fields.append(("event_id", _short(redact(self.event_id))))
        if self.error is not None:
            fields.append(("error", self.error))
        return fields


class _Envelope(msgspec.Struct):
    """The two fields every event frame may have, read when the typed decode fails."""

    type: str
    event_id: Any = None


_FAILURES: Final = (msgspec.DecodeError, RecursionError, UnicodeError, BufferError)
"""What msgspec raises on bad input: invalid UTF-8 and lone surrogates surface as UnicodeError,
a ``memoryview`` that is not C-contiguous as BufferError."""

_envelope_decoder: Final = msgspec.json.Decoder(_Envelope)
_encoder: Final = msgspec.json.Encoder()


class _Seen(msgspec.Struct, tag_field="type", gc=False):
    """Base of the Structs standing for unknown types already seen: only ``event_id`` is read."""

    event_id: Any = None
    wire_type: ClassVar[str]


# A peer inventing types cannot grow a decoder's union without bound.
_MAX_SEEN: Final = 64
_MAX_SEEN_LENGTH: Final = 128

_E = TypeVar("_E")


class _EventDecoder(Generic[_E]):
    """The decoder of one direction; see :class:`ClientEventDecoder` for the options."""

    _union: ClassVar[Any]
    """The direction's tagged union of events."""
    _known: ClassVar[frozenset[str]]
    """The direction's event types: a frame of another type is an :class:`Unknown`."""

    decode: Callable[[Frame], _E | Unknown]
    """Decode one frame into its typed event or an :class:`Unknown`; raise :class:`DecodeError`."""

    def __init__(
        self,
        *,
        max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
        max_depth: int | None = None,
        reject_duplicate_type: bool = False,
        lenient: bool = False,
    ) -> None:
        # One comparison on the hot path whether or not a limit is set.
        self._size_limit = check_limit(max_frame_bytes)
        if max_depth is not None and max_depth < 1:
            raise ValueError("max_depth must be >= 1 or None")
        self.max_frame_bytes = max_frame_bytes
        self.max_depth = max_depth
        self.reject_duplicate_type = reject_duplicate_type
        self.lenient = lenient
        self._decoder: msgspec.json.Decoder[_E] = msgspec.json.Decoder(self._union)
        # The unknown types met so far, each decoded by a bodiless Struct in the union;
        # the set of their classes is what the hot path tests (an empty set while none).
        self._seen: dict[str, type[_Seen]] = {}
        self._seen_classes: set[type] = set()
        self._learning = threading.Lock()
        # Events whose decoded value may nest deeper than max_depth: those with free-form
        # JSON fields (tool parameters, schemas, metadata), or a deeper schema than allowed.
        self._deep_events: frozenset[type] = frozenset(
            cls
            for cls in get_args(self._union)
            if max_depth is not None and _schema_depth(mi.type_info(cls)) > max_depth
        )
        checked = reject_duplicate_type or bool(self._deep_events)
        self.decode = self._decode_checked if checked else self._decode

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_frame_bytes={self.max_frame_bytes!r},"
            f" max_depth={self.max_depth!r}, reject_duplicate_type={self.reject_duplicate_type!r},"
            f" lenient={self.lenient!r})"
        )

    def _decode(self, frame: Frame) -> _E | Unknown:
        try:
            if len(frame) > self._size_limit:
                raise _frame_too_large(len(frame), self._size_limit)
            event = self._decoder.decode(frame)
        except _FAILURES as exc:
            return self._fallback(frame, exc)
        except TypeError:
            raise _not_a_frame(frame) from None
        if self._seen_classes and event.__class__ in self._seen_classes:
            return self._seen_unknown(frame, event)  # type: ignore[arg-type]  # a _Seen
        return event

    def _decode_checked(self, frame: Frame) -> _E | Unknown:
        event = self._decode(frame)
        cls = event.__class__
        if cls is Unknown:
            return event  # the fallback has checked it already
        if self.reject_duplicate_type and _repeats_type(frame):
            raise _duplicate_type(_event_id(event))
        if cls in self._deep_events:
            assert isinstance(event, Event)
            self._check_depth(_as_bytes(frame), event.event_type, _event_id(event))
        return event

    def _fallback(self, frame: Frame, exc: Exception) -> Unknown:
        """Turn a failed typed decode into an :class:`Unknown` or a :class:`DecodeError`."""
        try:
            envelope = _envelope_decoder.decode(frame)
        except _FAILURES as envelope_exc:
            raise DecodeError(
                _message(envelope_exc), path=_path(envelope_exc), code=_code(envelope_exc)
            ) from None
        event_type = envelope.type
        event_id = envelope.event_id if isinstance(envelope.event_id, str) else None
        error = None
        if event_type in self._known:
            if isinstance(exc, RecursionError | UnicodeError):
                raise DecodeError(
                    _message(exc), event_type=event_type, event_id=event_id, code=_code(exc)
                ) from None
            path = _path(exc)
            if path == "$.type":
                # A single known ``type`` always selects its class: msgspec read another one.
                raise _duplicate_type(event_id)
            error = DecodeError(
                f"Invalid {event_type!r} event: {_message(exc)}",
                event_type=event_type,
                event_id=event_id,
                path=path or "$",
            )
            if not self.lenient:
                raise error from None
            raw = _utf8_bytes(frame, event_type, event_id)
        else:
            raw = _utf8_bytes(frame, event_type, event_id)
            if _conflicting_type(raw, event_type):
                raise _duplicate_type(event_id)
            if event_type not in self._seen:
                self._learn(event_type)
        return self._checked_unknown(raw, event_type, event_id, error)

    def _seen_unknown(self, frame: Frame, seen: _Seen) -> Unknown:
        """The :class:`Unknown` for a frame of a type already seen, decoded in one pass.

        msgspec has checked that every top-level ``type`` key holds that type.
        """
        event_type = seen.wire_type
        event_id = seen.event_id if type(seen.event_id) is str else None
        if type(frame) is bytes:  # the common case, inlined: this path runs per frame
            try:
                frame.decode()
            except UnicodeError:
                raise _invalid_utf8(event_type, event_id) from None
            raw = frame
        else:
            raw = _utf8_bytes(frame, event_type, event_id)
        if self.reject_duplicate_type or self.max_depth is not None:
            return self._checked_unknown(raw, event_type, event_id, None)
        return Unknown(event_type, raw, event_id, None)

    def _checked_unknown(
        self, raw: bytes, event_type: str, event_id: str | None, error: DecodeError | None
    ) -> Unknown:
        if self.reject_duplicate_type and _repeats_type(raw):
            raise _duplicate_type(event_id)
        if self.max_depth is not None:
            self._check_depth(raw, event_type, event_id)
        return Unknown(event_type, raw, event_id, error)

    def _learn(self, event_type: str) -> None:
        """Add ``event_type`` to the union, so that its next frames decode without an error."""
        # Two threads learning at once must not swap in decoders missing each other's type.
        with self._learning:
            if (
                event_type in self._seen
                or len(self._seen) >= _MAX_SEEN
                or len(event_type) > _MAX_SEEN_LENGTH
            ):
                return
            seen: type[_Seen] = msgspec.defstruct(  # type: ignore[assignment]  # bases=(_Seen,)
                "Seen", [], bases=(_Seen,), tag=event_type, namespace={"wire_type": event_type}
            )
            self._seen[event_type] = seen
            # The new decoder is in place before its class is announced to the hot path.
            self._decoder = msgspec.json.Decoder(Union[(self._union, *self._seen.values())])
            self._seen_classes.add(seen)
            self._relearned()

    def _relearned(self) -> None:
        """Called after the union grew; the default decoders rebind the module's fast path."""

    def _check_depth(self, raw: bytes, event_type: str, event_id: str | None) -> None:
        assert self.max_depth is not None
        if _nesting_exceeds(raw, self.max_depth):
            raise DecodeError(
                f"JSON is nested deeper than max_depth={self.max_depth}",
                event_type=event_type,
                event_id=event_id,
                code="nesting_too_deep",
            )


class ClientEventDecoder(_EventDecoder[ClientEvent]):
    """Decodes client event frames: ``ClientEventDecoder(max_frame_bytes=1 << 20).decode(frame)``.

    - ``max_frame_bytes``: longer frames are rejected by ``len()`` before any
      parsing (a ``str`` frame counts characters, a ``memoryview`` its items: pass
      a contiguous byte view, as WebSocket libraries do); ``None`` for no limit.
    - ``max_depth``: reject frames nested deeper than this (the top-level object
      is depth 1) whose decoded value could be that deep: an :class:`Unknown` or
      an event with free-form JSON. ``None``: only the interpreter's recursion
      guard applies, and hitting it is a :class:`DecodeError` too.
    - ``reject_duplicate_type``: reject any frame whose top-level ``type`` key
      appears twice, even with the same value. Without it, two ``type`` keys
      with different values are rejected already, at no cost to valid frames.
    - ``lenient``: a known type with an invalid body becomes an :class:`Unknown`
      whose ``error`` is the :class:`DecodeError`, instead of raising it.
    """

    _union = ClientEvent
    _known = frozenset(ClientEventType)


class ServerEventDecoder(_EventDecoder[ServerEvent]):
    """Decodes server event frames; the options are those of :class:`ClientEventDecoder`."""

    _union = ServerEvent
    _known = frozenset(ServerEventType)


class _DefaultClientDecoder(ClientEventDecoder):
    """The decoder behind :func:`decode_client_event`: keeps the module's fast path current."""

    def _relearned(self) -> None:
        global _client_decoder
        _client_decoder = self._decoder


class _DefaultServerDecoder(ServerEventDecoder):
    """The decoder behind :func:`decode_server_event`: keeps the module's fast path current."""

    def _relearned(self) -> None:
        global _server_decoder
        _server_decoder = self._decoder


_default_client: Final = _DefaultClientDecoder()
_default_server: Final = _DefaultServerDecoder()

# Module-level names, read directly by the decode functions (a global lookup is cheaper
# than an attribute); the decoders are rebound when their default instance learns a type.
_client_decoder: msgspec.json.Decoder[Any] = _default_client._decoder
_server_decoder: msgspec.json.Decoder[Any] = _default_server._decoder
_client_seen: Final = _default_client._seen_classes
_server_seen: Final = _default_server._seen_classes


def decode_client_event(frame: Frame) -> ClientEvent | Unknown:
    """Decode one client event frame with the default options of :class:`ClientEventDecoder`.

    Returns the typed event, or :class:`Unknown` for a well-formed event of a
    type rtmsg does not know. Raises :class:`DecodeError` for anything else.
    """
    try:
        if len(frame) > DEFAULT_MAX_FRAME_BYTES:
            raise _frame_too_large(len(frame), DEFAULT_MAX_FRAME_BYTES)
        event = _client_decoder.decode(frame)
    except _FAILURES as exc:
        return _default_client._fallback(frame, exc)
    except TypeError:
        raise _not_a_frame(frame) from None
    if _client_seen and event.__class__ in _client_seen:
        return _default_client._seen_unknown(frame, event)  # type: ignore[arg-type]  # a _Seen
    return event  # type: ignore[no-any-return]  # a ClientEvent: the seen types were caught


def decode_server_event(frame: Frame) -> ServerEvent | Unknown:
    """Decode one server event frame; see :func:`decode_client_event`."""
    try:
        if len(frame) > DEFAULT_MAX_FRAME_BYTES:
            raise _frame_too_large(len(frame), DEFAULT_MAX_FRAME_BYTES)
        event = _server_decoder.decode(frame)
    except _FAILURES as exc:
        return _default_server._fallback(frame, exc)
    except TypeError:
        raise _not_a_frame(frame) from None
    if _server_seen and event.__class__ in _server_seen:
        return _default_server._seen_unknown(frame, event)  # type: ignore[arg-type]  # a _Seen
    return event  # type: ignore[no-any-return]  # a ServerEvent: the seen types were caught


def encode(event: Event | Unknown) -> bytes:
    """Encode an event as compact JSON; an :class:`Unknown` gives back its original bytes."""
    if event.__class__ is Unknown:
        return event.raw
    return _encoder.encode(event)


# --- the cold path: building errors and checking limits -----------------------


def _frame_too_large(size: int, limit: int) -> DecodeError:
    return DecodeError(frame_too_large(limit, size), code="frame_too_large")


def _not_a_frame(frame: object) -> TypeError:
    """A caller's mistake, not bad input: a clear TypeError rather than msgspec's or len()'s."""
    return TypeError(
        f"frame must be bytes, bytearray, memoryview or str, not {type(frame).__name__}"
    )


def _duplicate_type(event_id: str | None) -> DecodeError:
    """Two ``type`` keys: which one is the event's depends on the reader, so name neither."""
    return DecodeError(
        "Object has more than one `type` key - at `$.type`",
        event_id=event_id,
        path="$.type",
        code="duplicate_type",
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "JSON is nested too deeply"
    if isinstance(exc, UnicodeError):
        return "Input is not valid UTF-8"
    if isinstance(exc, BufferError):
        return f"Frame is not a contiguous buffer: {exc}"
    return str(exc)


def _code(exc: Exception) -> str | None:
    if isinstance(exc, RecursionError):
        return "nesting_too_deep"
    if isinstance(exc, UnicodeError):
        return "invalid_utf8"
    return None


_PATH_SUFFIX: Final = re.compile(r" - at `(\$[^`]*)`$")


def _path(exc: Exception) -> str | None:
    """The JSON path msgspec appends to a validation message, if any."""
    match = _PATH_SUFFIX.search(str(exc))
    return match.group(1) if match else None


def _short(text: str, limit: int = 64) -> str:
    """``text`` cut for messages and reprs: a ``type`` may be as long as the frame."""
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"


def _event_id(event: object) -> str | None:
    event_id = getattr(event, "event_id", None)
    return event_id if isinstance(event_id, str) else None


def _may_repeat_type(data: bytes) -> bool:
    """Cheap pre-check: a second ``type`` key needs a second ``"type"`` or a ``\\u`` escape."""
    # find() of one byte is a memchr; ``\\u`` is only looked for when a backslash is there.
    return data.count(b'"type"') > 1 or (data.find(b"\\") >= 0 and b"\\u" in data)


def _as_bytes(frame: Frame) -> bytes:
    if type(frame) is bytes:
        return frame
    return frame.encode() if isinstance(frame, str) else bytes(frame)


def _utf8_bytes(frame: Frame, event_type: str, event_id: str | None) -> bytes:
    """The frame as bytes, checked to be UTF-8: msgspec does not check the values it skips.

    A ``str`` is checked by encoding it (a lone surrogate fails), bytes by decoding them.
    """
    try:
        raw = _as_bytes(frame)
        if not isinstance(frame, str):
            raw.decode()
    except UnicodeError:
        raise _invalid_utf8(event_type, event_id) from None
    return raw


def _invalid_utf8(event_type: str, event_id: str | None) -> DecodeError:
    return DecodeError(
        "Input is not valid UTF-8", event_type=event_type, event_id=event_id, code="invalid_utf8"
    )


def _build_type_checker(event_type: str) -> msgspec.json.Decoder[Any]:
    """A decoder that rejects any top-level ``type`` other than ``event_type``."""
    tagged = msgspec.defstruct("_TypeOnce", [], tag_field="type", tag=event_type)
    return msgspec.json.Decoder(tagged)


_cached_type_checker: Final = functools.lru_cache(maxsize=64)(_build_type_checker)


def _type_checker(event_type: str) -> msgspec.json.Decoder[Any]:
    if len(event_type) > 256:  # keeps an attacker's long types out of the cache
        return _build_type_checker(event_type)
    return _cached_type_checker(event_type)


def _conflicting_type(raw: bytes, event_type: str) -> bool:
    """Whether ``raw`` has a top-level ``type`` key whose value is not ``event_type``.

    The envelope decode keeps the last ``type``; a reader that keeps the first
    would see another event, so such a frame is an error, never an Unknown.
    """
    if not _may_repeat_type(raw):
        return False  # one plain key: nothing to disagree with
    try:
        _type_checker(event_type).decode(raw)
    except msgspec.DecodeError:
        return True
    return False


def _keep_pairs(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return pairs


def _ignore_number(text: str) -> None:
    return None


def _repeats_type(frame: Frame) -> bool:
    """Whether the top-level object has ``type`` more than once, whatever the values."""
    data = _as_bytes(frame)
    if not _may_repeat_type(data):
        return False
    try:
        pairs = json.loads(
            data.decode(errors="replace"),
            object_pairs_hook=_keep_pairs,
            parse_int=_ignore_number,
            parse_float=_ignore_number,
            parse_constant=_ignore_number,
        )
    except RecursionError:
        return True  # too deep to tell: refuse rather than guess
    return sum(1 for key, _ in pairs if key == "type") > 1


_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TO_SIGNS: Final = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS: Final = bytes(set(range(256)) - set(b"[]{}"))


def _nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON in ``raw`` (already known to be well formed) nests deeper than ``limit``.

    Strings are dropped and every bracket becomes +1 or -1; the depth is the
    highest running sum, found in one linear pass by C iterators.
    """
    signs = _STRING.sub(b"", raw).translate(_TO_SIGNS, _NOT_BRACKETS)
    if len(signs) <= 2 * limit:
        return False  # at most ``limit`` opening brackets in all
    return max(itertools.accumulate(memoryview(signs).cast("b"))) > limit


def _schema_depth(info: mi.Type, seen: frozenset[int] = frozenset()) -> float:
    """How deep a value of this type may nest; infinite where it holds free-form JSON."""
    if isinstance(info, mi.AnyType | mi.CustomType):  # ``object`` fields are CustomType
        return float("inf")
    if id(info) in seen:
        return float("inf")
    seen = seen | {id(info)}
    if isinstance(info, mi.StructType):
        return 1 + max((_schema_depth(f.type, seen) for f in info.fields), default=0)
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return 1 + _schema_depth(info.item_type, seen)
    if isinstance(info, mi.DictType):
        return 1 + _schema_depth(info.value_type, seen)
    if isinstance(info, mi.UnionType):
        return max(_schema_depth(t, seen) for t in info.types)
    return 0
