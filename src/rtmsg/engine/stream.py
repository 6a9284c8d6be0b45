"""Decode a stream of frames, one per line (JSONL): captures, logs and replays of any size.

It pulls lines from a binary file or a byte stream and hands each to a protocol's decode
function, one at a time, so memory stays flat whatever the size of the capture. The line
splitting runs in C (:class:`io.BufferedReader`); a known event costs one decode call on
the line as it was read, with no copy. No line is read whole if it is longer than
``max_frame_bytes``: a file with no line end cannot make the reader buffer it. It reads
whatever file object it is given and opens nothing itself.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Protocol, TypeVar, runtime_checkable

import msgspec

from .decoding import Frame, Unknown
from .errors import DecodeError, ErrorCode, StreamDecodeError
from .limits import DEFAULT_MAX_FRAME_BYTES, check_limit, frame_too_large
from .lines import LineReader, content_length, lines, skip_rest

__all__ = ["ErrorHandler", "LineSource", "StreamDecodeError", "iter_events"]

_E = TypeVar("_E")


@runtime_checkable
class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


_Bytes = bytes | bytearray | memoryview

LineSource = IO[bytes] | _Readable | Iterable[_Bytes] | _Bytes
"""Where the lines come from: a binary file (anything with ``read``), an iterable of byte
chunks cut anywhere (e.g. an HTTP body), or the whole content as one bytes object."""


ErrorHandler = Callable[[StreamDecodeError], None]
"""Called with each bad line's error when decoding should go on past it."""

_BUFFER_SIZE = 1 << 16


def iter_events(
    source: LineSource,
    decode: Callable[[Frame], _E | Unknown],
    *,
    on_error: ErrorHandler | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> Iterator[_E | Unknown]:
    """Decode the events of ``source``, one frame per line, lazily, with ``decode``.

    Lines end with ``\\n`` or ``\\r\\n``; blank lines are skipped. A bad line raises
    :class:`StreamDecodeError` and ends the iteration, unless ``on_error`` is given:
    then it is called with the error (it may raise it, log it or count it) and the
    line is skipped. An :class:`Unknown`'s ``raw`` is its line without the line end.

    A line longer than ``max_frame_bytes`` (not counting its line end; ``None`` for no
    limit) is a bad line with ``code=ErrorCode.FRAME_TOO_LARGE``; at most ``max_frame_bytes + 2``
    bytes of it are read before it is reported, and the rest is skipped without being kept.
    ``decode`` must refuse frames over the same limit.
    """
    return _iter_events(source, decode, check_limit(max_frame_bytes), on_error)


def _iter_events(
    source: LineSource,
    decode: Callable[[Frame], _E | Unknown],
    limit: int,
    on_error: ErrorHandler | None,
) -> Iterator[_E | Unknown]:
    reader = _reader(source)
    # msgspec skips the trailing line end as whitespace, so a line is decoded as it was read.
    for line_number, line in enumerate(lines(reader, limit), 1):
        if len(line) > limit:
            if content_length(line) > limit:
                error = StreamDecodeError(
                    f"line {line_number}: {frame_too_large(limit)}",
                    line_number=line_number,
                    code=ErrorCode.FRAME_TOO_LARGE,
                )
                if on_error is None:
                    raise error
                on_error(error)
                skip_rest(reader, line)
                continue
            # Only the line end is over the limit: the frame alone is not, and the decoder
            # measures the frame. A copy, on lines within two bytes of the limit only.
            line = line[: content_length(line)]
        try:
            event = decode(line)
        except DecodeError as exc:
            if not line.strip():
                continue
            error = StreamDecodeError(
                f"line {line_number}: {exc}",
                line_number=line_number,
                event_type=exc.event_type,
                event_id=exc.event_id,
                path=exc.path,
                code=exc.code,
            )
            if on_error is None:
                raise error from None
            on_error(error)
            continue
        if isinstance(event, Unknown):
            event = _without_line_end(event, line)
        yield event


def _without_line_end(event: Unknown, line: bytes) -> Unknown:
    end = content_length(line)
    if end == len(line):
        return event
    return msgspec.structs.replace(event, raw=line[:end])


def _reader(source: LineSource) -> LineReader:
    """A reader of the lines of ``source``, a C-level buffered one whenever it is not one yet."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    if isinstance(source, io.BufferedIOBase):
        return source
    if isinstance(source, io.RawIOBase):
        return io.BufferedReader(source, buffer_size=_BUFFER_SIZE)
    if isinstance(source, str | io.TextIOBase):
        raise TypeError("a stream of frames is read as bytes: open files in binary mode")
    if isinstance(source, _Readable):
        return io.BufferedReader(_ReadableRaw(source), buffer_size=_BUFFER_SIZE)
    return io.BufferedReader(_ChunksRaw(source), buffer_size=_BUFFER_SIZE)


class _ChunksRaw(io.RawIOBase):
    """A raw reader over an iterable of byte chunks, so that line splitting runs in C."""

    def __init__(self, chunks: Iterable[_Bytes]) -> None:
        self._chunks = iter(chunks)
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # bytes-like
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            if isinstance(chunk, str):
                raise TypeError("a stream of frames is read as bytes, got a str chunk")
            self._rest = memoryview(chunk).cast("B")
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


class _ReadableRaw(io.RawIOBase):
    """A raw reader over any object with ``read(size)``, e.g. a socket or a gzip file."""

    def __init__(self, source: _Readable) -> None:
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # bytes-like
        data = self._source.read(len(buffer))
        if isinstance(data, str):
            raise TypeError("a stream of frames is read as bytes: open files in binary mode")
        size = len(data)
        buffer[:size] = data
        return size
