"""The decoding engine: a frame into its typed event (or :class:`Unknown`), an event to JSON.

It knows no protocol: a protocol subclasses :class:`EventDecoder` with its tagged union of
events and the set of its type strings (see :mod:`rtmsg.conversation.codec`), and gets the
options, the :class:`Unknown` fallback and the errors from here.

Each direction has one msgspec ``Decoder`` over its tagged union, so a known
event is decoded in a single C pass after a ``len()`` check. Only when that
fails does a second, cheap decode read the envelope (``type`` and ``event_id``)
to tell an unknown event type, which is data, from an invalid frame, which is
an error. Whatever the frame, decoding returns an event or an :class:`Unknown`,
or raises :class:`DecodeError`; no other exception escapes.

A proxy facing a newer server sees the same few unknown types over and over, so
each decoder adds the unknown types it meets to its union as bodiless Structs (up
to a bound): their next frames decode in one pass and become an :class:`Unknown`
without an exception, after the same checks as the first one.

The checks of the JSON structure live in :mod:`.checks`, the reading of msgspec's
failures in :mod:`.msgspec_adapter`, the building of errors in :mod:`.failures`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar, Final, Generic, Literal, TypeVar, Union, get_args

import msgspec
import msgspec.inspect as mi

from .base import Event, _Shown
from .checks import (
    as_bytes,
    conflicting_type,
    invalid_utf8,
    nesting_exceeds,
    repeats_type,
    schema_depth,
    utf8_bytes,
)
from .errors import DecodeError, ErrorCode
from .failures import (
    duplicate_type,
    envelope_decoder,
    event_id_of,
    invalid_event,
    malformed,
    not_a_frame,
    short,
    too_large,
)
from .limits import DEFAULT_MAX_FRAME_BYTES, check_limit
from .msgspec_adapter import FAILURES
from .redact import redact
from .strict import strict_type

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "DecodeFunction",
    "EventDecoder",
    "Frame",
    "Unknown",
    "UnknownFields",
    "encode",
]

Frame = bytes | bytearray | memoryview | str
"""What a WebSocket hands over: a text frame as ``str`` or as UTF-8 bytes."""

UnknownFields = Literal["ignore", "reject"]
"""What a decoder does with a field no reference knows: drop it, or refuse the frame."""

DecodeFunction = Callable[[Frame], Any]
"""A decoder's ``decode``: one frame in, its event or an :class:`Unknown` out."""


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
        fields = [f"type={short(redact(self.type))!r}", f"raw=<{len(self.raw)} bytes>"]
        if self.event_id is not None:
            fields.append(f"event_id={short(redact(self.event_id))!r}")
        if self.error is not None:
            fields.append(f"error={self.error!r}")
        return f"Unknown({', '.join(fields)})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        fields: list[tuple[str, Any]] = [
            ("type", short(redact(self.type))),
            ("raw", _Shown(f"<{len(self.raw)} bytes>")),
        ]
        if self.event_id is not None:
            fields.append(("event_id", short(redact(self.event_id))))
        if self.error is not None:
            fields.append(("error", self.error))
        return fields


_encoder: Final = msgspec.json.Encoder()


class _Seen(msgspec.Struct, tag_field="type", gc=False):
    """Base of the Structs standing for unknown types already seen: only ``event_id`` is read."""

    event_id: Any = None
    wire_type: ClassVar[str]


# A peer inventing types cannot grow a decoder's union without bound.
_MAX_SEEN: Final = 64
_MAX_SEEN_LENGTH: Final = 128

_E = TypeVar("_E")


class EventDecoder(Generic[_E]):
    """The decoder of one direction of one protocol, with its options.

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
    - ``unknown_fields``: ``"ignore"`` (the default) drops a field no reference
      knows; ``"reject"`` refuses the frame with code ``unknown_parameter`` and the
      field's path, as the service does. For servers that implement the protocol;
      each known event is then checked by a second decode.
    - ``lenient``: a known type with an invalid body becomes an :class:`Unknown`
      whose ``error`` is the :class:`DecodeError`, instead of raising it.

    A protocol subclasses it with ``_union`` (its tagged union of events) and ``_known``
    (its type strings: a frame of another type is an :class:`Unknown`).
    """

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
        unknown_fields: UnknownFields = "ignore",
        lenient: bool = False,
    ) -> None:
        # One comparison on the hot path whether or not a limit is set.
        self._size_limit = check_limit(max_frame_bytes)
        if max_depth is not None and max_depth < 1:
            raise ValueError("max_depth must be >= 1 or None")
        if unknown_fields not in ("ignore", "reject"):
            raise ValueError("unknown_fields must be 'ignore' or 'reject'")
        self.max_frame_bytes = max_frame_bytes
        self.max_depth = max_depth
        self.reject_duplicate_type = reject_duplicate_type
        self.unknown_fields = unknown_fields
        self.lenient = lenient
        self._decoder: msgspec.json.Decoder[_E] = msgspec.json.Decoder(self._union)
        self._strict_decoder: msgspec.json.Decoder[Any] | None = (
            msgspec.json.Decoder(strict_type(self._union)) if unknown_fields == "reject" else None
        )
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
            if max_depth is not None and schema_depth(mi.type_info(cls)) > max_depth
        )
        self._checked = (
            reject_duplicate_type or bool(self._deep_events) or self._strict_decoder is not None
        )
        self._bind()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_frame_bytes={self.max_frame_bytes!r},"
            f" max_depth={self.max_depth!r}, reject_duplicate_type={self.reject_duplicate_type!r},"
            f" unknown_fields={self.unknown_fields!r}, lenient={self.lenient!r})"
        )

    def _bind(self) -> None:
        """Build ``decode`` as a closure over what it reads: no attribute lookups per call."""
        plain, self._retarget = _decode_function(
            self._decoder.decode, self._size_limit, self._seen_classes, self._fallback,
            self._seen_unknown,
        )  # fmt: skip
        self.decode = self._checked_function(plain) if self._checked else plain

    def _checked_function(self, plain: Callable[[Frame], Any]) -> Callable[[Frame], Any]:
        def decode(frame: Frame) -> Any:
            event = plain(frame)
            cls = event.__class__
            if cls is Unknown:
                return event  # the fallback has checked it already
            if self.reject_duplicate_type and repeats_type(as_bytes(frame)):
                raise duplicate_type(event_id_of(event))
            if cls in self._deep_events:
                self._check_depth(as_bytes(frame), event.event_type, event_id_of(event))
            if self._strict_decoder is not None:
                return self._check_fields(frame, event)
            return event

        return decode

    def _check_fields(self, frame: Frame, event: Any) -> Any:
        """``event``, once its frame has passed the strict twin of the union."""
        assert self._strict_decoder is not None
        try:
            self._strict_decoder.decode(frame)
        except FAILURES as exc:
            error = invalid_event(event.event_type, event_id_of(event), exc)
            if not self.lenient:
                raise error from None
            return Unknown(event.event_type, as_bytes(frame), event_id_of(event), error)
        return event

    def _fallback(self, frame: Frame, exc: Exception) -> Unknown:
        """Turn a failed typed decode into an :class:`Unknown` or a :class:`DecodeError`."""
        try:
            envelope = envelope_decoder.decode(frame)
        except FAILURES as envelope_exc:
            raise malformed(frame, envelope_exc) from None
        event_type = envelope.type
        event_id = envelope.event_id if isinstance(envelope.event_id, str) else None
        raw = utf8_bytes(frame, event_type, event_id)
        if event_type not in self._known:
            if conflicting_type(raw):
                raise duplicate_type(event_id)
            self._learn(event_type)
            return self._checked_unknown(raw, event_type, event_id, None)
        error = invalid_event(event_type, event_id, exc)
        if error.code is not ErrorCode.NESTING_TOO_DEEP and conflicting_type(raw):
            # A single known ``type`` always selects its class: msgspec read another one.
            raise duplicate_type(event_id)
        if not self.lenient or error.code is ErrorCode.NESTING_TOO_DEEP:
            raise error from None
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
                raise invalid_utf8(event_type, event_id) from None
            raw = frame
        else:
            raw = utf8_bytes(frame, event_type, event_id)
        if self.reject_duplicate_type or self.max_depth is not None:
            return self._checked_unknown(raw, event_type, event_id, None)
        return Unknown(event_type, raw, event_id, None)

    def _checked_unknown(
        self, raw: bytes, event_type: str, event_id: str | None, error: DecodeError | None
    ) -> Unknown:
        if self.reject_duplicate_type and repeats_type(raw):
            raise duplicate_type(event_id)
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
            decoder = msgspec.json.Decoder(Union[(self._union, *self._seen.values(), seen)])
            if not _matches(decoder, seen):
                return  # msgspec cannot select this tag: its frames keep the slow path
            self._seen[event_type] = seen
            # The new decoder is in place before its class is announced to the hot path.
            self._decoder = decoder
            self._retarget(decoder.decode)
            self._seen_classes.add(seen)
            self._relearned()

    def _relearned(self) -> None:
        """Called after the union grew; the default decoders rebind the module's fast path."""

    def _check_depth(self, raw: bytes, event_type: str, event_id: str | None) -> None:
        assert self.max_depth is not None
        if nesting_exceeds(raw, self.max_depth):
            raise DecodeError(
                f"JSON is nested deeper than max_depth={self.max_depth}",
                event_type=event_type,
                event_id=event_id,
                code=ErrorCode.NESTING_TOO_DEEP,
            )


def _decode_function(
    decode_typed: Callable[[Frame], Any],
    limit: int,
    seen_classes: set[type],
    fallback: Callable[[Frame, Exception], Unknown],
    seen_unknown: Callable[[Frame, Any], Unknown],
) -> tuple[Callable[[Frame], Any], Callable[[Callable[[Frame], Any]], None]]:
    """The hot path of a decoder object, with all it reads in its closure, and its retargeting.

    The function stays the same object when the union grows, so that a caller who kept
    ``decoder.decode`` gets the learned types too.
    """

    def decode(frame: Frame) -> Any:
        try:
            if len(frame) > limit:
                raise too_large(len(frame), limit)
            event = decode_typed(frame)
        except FAILURES as exc:
            return fallback(frame, exc)
        except TypeError:
            raise not_a_frame(frame) from None
        if seen_classes and event.__class__ in seen_classes:
            return seen_unknown(frame, event)
        return event

    def retarget(new: Callable[[Frame], Any]) -> None:
        nonlocal decode_typed
        decode_typed = new

    return decode, retarget


def _matches(decoder: msgspec.json.Decoder[Any], seen: type[msgspec.Struct]) -> bool:
    """Whether ``decoder`` selects ``seen`` for a frame of its type.

    msgspec does not match every tag it accepts: a lone tagged Struct never matches
    a non-ASCII tag (msgspec 0.22 and 0.23), though a union of several does.
    """
    probe = _encoder.encode({"type": seen.__struct_config__.tag})
    try:
        return decoder.decode(probe).__class__ is seen
    except msgspec.DecodeError:
        return False


def encode(event: Event | Unknown) -> bytes:
    """Encode an event as compact JSON; an :class:`Unknown` gives back its original bytes."""
    if event.__class__ is Unknown:
        return event.raw
    return _encoder.encode(event)
