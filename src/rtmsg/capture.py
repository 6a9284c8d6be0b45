"""The capture format: a recorded session as JSON Lines, one record per WebSocket frame.

A record is ``{"t": <unix time, float seconds>, "dir": "client" | "server", "frame": ...}``,
with ``"protocol": "translation"`` before ``frame`` for a frame of a translation session
(``/v1/realtime/translations``); a record without it, as every record written before the
field existed, is of the conversation protocol (``/v1/realtime``).
``frame`` is the frame's JSON object embedded unchanged, byte for byte, so a reader gets back
exactly the bytes that went over the wire. A frame that cannot be embedded that way is stored
as a JSON string holding its exact text instead:

- a frame with a raw line feed: inside a valid JSON object that can only be whitespace between
  tokens, but one line per record is what keeps reading streaming, and rewriting the whitespace
  would change the frame's bytes;
- a frame that is not a single well-formed JSON object (malformed JSON, another JSON value,
  whitespace around the object): such frames are exactly what a capture is for finding.

Readers treat the two forms alike: :attr:`Record.frame` is always the frame's exact bytes.
Files of bare frames (one event per line, no envelope) are read too, given their direction.
Files ending in ``.gz`` are gzip-compressed, when writing and when reading.
A reader never holds a line longer than its limit (``max_frame_bytes``, plus
:data:`ENVELOPE_BYTES` for a record): such a line is reported and skipped without being kept.

This module does file I/O with the standard library only; it knows nothing of WebSockets.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import time
import zlib
from collections.abc import Iterator
from typing import Final, Literal

import msgspec

from .engine.limits import DEFAULT_MAX_FRAME_BYTES, check_limit, frame_too_large
from .engine.lines import content_length, lines, skip_rest
from .engine.registry import Direction

__all__ = [
    "DEFAULT_PROTOCOL",
    "ENVELOPE_BYTES",
    "BadRecord",
    "BadRecordCode",
    "CaptureReader",
    "CaptureWriter",
    "Direction",
    "Protocol",
    "Record",
    "encode_record",
    "read_capture",
]

Protocol = str
"""Which protocol a session spoke, by the name it is registered under (``conversation``,
``translation``, ...): see :mod:`rtmsg.protocols`."""

DEFAULT_PROTOCOL: Final = "conversation"
"""The protocol of a record that names none: every record written before the field existed."""


BadRecordCode = Literal["invalid_record", "frame_too_large", "truncated_file", "not_gzip"]
"""Why a line is not a record; ``frame_too_large`` is also the decoders' code for that."""

StrPath = str | os.PathLike[str]

ENVELOPE_BYTES: Final = 1024
"""What a record line may hold beyond its frame: ``t``, ``dir`` and the frame's escapes.

The envelope itself takes under 96 bytes; the rest is room for a frame stored as a JSON
string, whose quotes, backslashes and line feeds are escaped (one more byte each).
"""


_GZIP_MAGIC: Final = b"\x1f\x8b"


class Record(msgspec.Struct, frozen=True):
    """One frame of a capture: where it is in the file, when it was sent, by whom, its bytes.

    ``t`` is ``None`` for files of bare frames, which carry no time.
    """

    line: int
    t: float | None
    direction: Direction
    frame: bytes
    protocol: Protocol = DEFAULT_PROTOCOL


class BadRecord(msgspec.Struct, frozen=True):
    """A line of a capture file that is not a capture record, and why.

    ``code`` sorts the reasons: ``invalid_record`` (not a record), ``frame_too_large``
    (longer than the reader's limit), ``truncated_file`` (the rest of the file is unreadable)
    or ``not_gzip`` (a file named ``.gz`` that does not start as gzip data does).
    """

    line: int
    message: str
    code: BadRecordCode = "invalid_record"


class _StoredRecord(msgspec.Struct, frozen=True):
    """A capture record as stored; ``frame`` is kept raw so its bytes are never re-encoded."""

    t: float
    dir: Direction
    frame: msgspec.Raw
    protocol: Protocol | msgspec.UnsetType = msgspec.UNSET


_record_decoder: Final = msgspec.json.Decoder(_StoredRecord)
_raw_decoder: Final = msgspec.json.Decoder(msgspec.Raw)
_str_decoder: Final = msgspec.json.Decoder(str)
_encoder: Final = msgspec.json.Encoder()


@functools.lru_cache(maxsize=64)
def _prefix(direction: Direction, protocol: Protocol) -> bytes:
    """What a record holds between its time and its frame."""
    named = b"" if protocol == DEFAULT_PROTOCOL else b',"protocol":' + _encoder.encode(protocol)
    return b',"dir":' + _encoder.encode(direction) + named + b',"frame":'


def _embeddable(frame: bytes) -> bool:
    """Whether ``frame`` is one well-formed JSON object on one line, with nothing around it."""
    if not (frame.startswith(b"{") and frame.endswith(b"}")) or b"\n" in frame:
        return False
    try:
        _raw_decoder.decode(frame)
    except msgspec.DecodeError:
        return False
    return True


def encode_record(
    t: float, direction: Direction, frame: bytes | str, protocol: Protocol = DEFAULT_PROTOCOL
) -> bytes:
    """One capture line (ending in ``\\n``) for ``frame``, sent at ``t`` by ``direction``."""
    data = frame.encode() if isinstance(frame, str) else frame
    if not _embeddable(data):
        # errors="replace" only matters for a binary frame that is not UTF-8, which the
        # protocol never sends; a text frame is valid UTF-8 by the WebSocket rules.
        data = _encoder.encode(data.decode("utf-8", errors="replace"))
    return b"".join((b'{"t":', _encoder.encode(t), _prefix(direction, protocol), data, b"}\n"))


class CaptureWriter:
    """Appends records to a capture file; ``.gz`` paths are gzip-compressed.

    Writes are buffered; :meth:`close` (or leaving the ``with`` block) flushes them.
    """

    def __init__(self, path: StrPath) -> None:
        self.path = os.fspath(path)
        self._file: io.BufferedIOBase
        if self.path.endswith(".gz"):
            self._file = gzip.open(self.path, "wb")  # noqa: SIM115  # closed by close()
        else:
            self._file = open(self.path, "wb")  # noqa: SIM115  # closed by close()

    def write(
        self,
        direction: Direction,
        frame: bytes | str,
        t: float | None = None,
        *,
        protocol: Protocol = DEFAULT_PROTOCOL,
    ) -> None:
        """Record ``frame``, sent by ``direction`` at ``t`` (now by default) in ``protocol``."""
        now = time.time() if t is None else t
        self._file.write(encode_record(now, direction, frame, protocol))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class CaptureReader:
    """Streams the records of one capture file, line by line; memory stays flat.

    With ``direction`` the file holds bare frames, one event per line, all sent by
    ``direction``; without it every line must be a capture record. Blank lines are skipped.
    ``protocol`` is that of bare frames and of records that do not name theirs
    (``conversation`` by default).
    :attr:`position` and :attr:`size` (bytes of the file on disk, compressed for ``.gz``)
    let a caller show progress.

    A bare frame longer than ``max_frame_bytes``, or a record line longer than
    ``max_frame_bytes + ENVELOPE_BYTES`` (line ends not counted), is a :class:`BadRecord`;
    at most that many bytes (plus 2) of it are read before it is reported, and the rest is
    skipped without being kept. ``None``: no limit.
    """

    def __init__(
        self,
        path: StrPath,
        direction: Direction | None = None,
        *,
        max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
        protocol: Protocol | None = None,
    ) -> None:
        frame_limit = check_limit(max_frame_bytes)
        self.path = os.fspath(path)
        self.direction = direction
        self.protocol: Protocol = protocol or DEFAULT_PROTOCOL
        self.max_frame_bytes = max_frame_bytes
        self._limit = frame_limit
        if direction is None and max_frame_bytes is not None:
            self._limit = frame_limit + ENVELOPE_BYTES
        self.size = os.path.getsize(self.path)
        self._raw: io.BufferedReader = open(self.path, "rb")  # noqa: SIM115  # closed by close()
        self._lines: io.BufferedIOBase = self._raw
        if self.path.endswith(".gz"):
            self._lines = gzip.GzipFile(fileobj=self._raw, mode="rb")

    @property
    def position(self) -> int:
        """How many bytes of the file on disk have been read so far."""
        return self._raw.tell()

    def __iter__(self) -> Iterator[Record | BadRecord]:
        """The records in file order; a cut-short or corrupt ``.gz`` ends with a BadRecord."""
        direction = self.direction
        protocol = self.protocol
        limit = self._limit
        number = 0
        if self._lines is not self._raw and self._raw.peek(2)[:2] not in (b"", _GZIP_MAGIC):
            message = "not a gzip file, though its name ends in .gz"
            yield BadRecord(line=1, message=message, code="not_gzip")
            return
        try:
            for number, line in enumerate(lines(self._lines, limit), 1):
                if len(line) > limit and content_length(line) > limit:
                    yield BadRecord(line=number, message=self._too_long(), code="frame_too_large")
                    skip_rest(self._lines, line)
                    continue
                content = line.rstrip(b"\r\n")
                if not content.strip():
                    continue
                if direction is not None:
                    yield Record(
                        line=number, t=None, direction=direction, frame=content, protocol=protocol
                    )
                else:
                    yield _parse_record(number, content, protocol)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            # A capture cut short, e.g. a relay killed before it could close its gzip stream.
            message = f"the file is truncated or corrupt: {exc}"
            yield BadRecord(line=number + 1, message=message, code="truncated_file")

    def _too_long(self) -> str:
        if self.direction is not None:
            return frame_too_large(self.max_frame_bytes)
        return frame_too_large(self.max_frame_bytes, envelope=ENVELOPE_BYTES)

    def close(self) -> None:
        self._lines.close()
        self._raw.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _parse_record(number: int, line: bytes, protocol: Protocol) -> Record | BadRecord:
    try:
        stored = _record_decoder.decode(line)
    except msgspec.DecodeError as exc:
        hint = ""
        if b'"dir"' not in line:
            hint = " (for a file of bare frames, give the direction: --direction client|server)"
        return BadRecord(line=number, message=f"not a capture record: {exc}{hint}")
    raw = bytes(stored.frame)
    if raw.startswith(b'"'):
        raw = _str_decoder.decode(raw).encode()
    return Record(
        line=number,
        t=stored.t,
        direction=stored.dir,
        frame=raw,
        protocol=protocol if stored.protocol is msgspec.UNSET else stored.protocol,
    )


def read_capture(
    path: StrPath,
    direction: Direction | None = None,
    *,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    protocol: Protocol | None = None,
) -> Iterator[Record | BadRecord]:
    """Iterate the records of a capture file (see :class:`CaptureReader`), closing it at the end."""
    with CaptureReader(
        path, direction, max_frame_bytes=max_frame_bytes, protocol=protocol
    ) as reader:
        yield from reader
