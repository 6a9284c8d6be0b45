"""Reading captures: one record per line, streamed, each line bounded, a cut reported as such.

Separate from the writer, which runs on a relay's hot path; this side runs in the commands
(``rtmsg check``, ``stats``, ``export``) and in scripts. It reads with the standard library.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterator
from typing import Final

from ..engine.limits import DEFAULT_MAX_FRAME_BYTES, NO_LIMIT, check_limit, frame_too_large
from ..engine.lines import content_length, lines, skip_rest
from .records import (
    DEFAULT_PROTOCOL,
    BadRecord,
    Direction,
    Protocol,
    Record,
    parse_record,
    record_line_limit,
)

__all__ = ["CaptureReader", "StrPath", "read_capture"]

StrPath = str | os.PathLike[str]

_GZIP_MAGIC: Final = b"\x1f\x8b"


class CaptureReader:
    """Streams the records of one capture file, line by line; memory stays flat.

    With ``direction`` the file holds bare frames, one event per line, all sent by
    ``direction``; without it every line must be a capture record. Blank lines are skipped.
    ``protocol`` is that of bare frames and of records that do not name theirs
    (``conversation`` by default).
    :attr:`position` and :attr:`size` (bytes of the file on disk, compressed for ``.gz``)
    let a caller show progress.

    A frame longer than ``max_frame_bytes`` is a :class:`BadRecord` (``frame_too_large``).
    No line is held longer than a frame of that size takes, plus
    :data:`~rtmsg.capture.ENVELOPE_BYTES` for a record: the rest of a longer line is
    skipped without being kept. ``None``: no limit.

    A file cut short (a writer killed in the middle of a record, a ``.gz`` without its end)
    gives every record before the cut, then one :class:`BadRecord` with code
    ``truncated_file``. For records, that is a last line without a line end that starts
    like a record (``{``) and is not a whole one; a bare frame needs no line end. A file
    named ``.gz`` that does not start as gzip data does is one :class:`BadRecord`,
    ``not_gzip``.
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
        self._frame_limit = frame_limit
        self._limit = frame_limit
        if direction is None and frame_limit < NO_LIMIT:
            self._limit = record_line_limit(frame_limit)
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
        """The records in file order; a file cut short ends with a ``truncated_file``."""
        direction = self.direction
        protocol = self.protocol
        limit = self._limit
        frame_limit = self._frame_limit
        number = 0
        head = self._raw.peek(2)[:2] if self._lines is not self._raw else b""
        if not _GZIP_MAGIC.startswith(head):  # a cut after one byte is a cut, not another file
            message = "not a gzip file, though its name ends in .gz"
            yield BadRecord(line=1, message=message, code="not_gzip")
            return
        try:
            for number, line in enumerate(lines(self._lines, limit), 1):
                if len(line) > limit and content_length(line) > limit:
                    message = frame_too_large(self.max_frame_bytes)
                    yield BadRecord(line=number, message=message, code="frame_too_large")
                    skip_rest(self._lines, line)
                    continue
                content = line.rstrip(b"\r\n")
                if not content.strip():
                    continue
                if direction is not None:
                    yield Record(
                        line=number, t=None, direction=direction, frame=content, protocol=protocol
                    )
                    continue
                record = parse_record(number, content, protocol, frame_limit)
                if isinstance(record, BadRecord) and not line.endswith(b"\n"):
                    record = _cut(record, content)
                yield record
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            # A .gz cut short, e.g. by a writer killed while it wrote; or corrupt.
            message = f"the file is truncated or corrupt: {exc}"
            yield BadRecord(line=number + 1, message=message, code="truncated_file")

    def close(self) -> None:
        self._lines.close()
        self._raw.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _cut(record: BadRecord, content: bytes) -> BadRecord:
    """The last line, not a whole record but the start of one: the writer stopped in the middle."""
    if record.code != "invalid_record" or not content.startswith(b"{"):
        return record
    message = f"the file ends in the middle of a record: {record.message}"
    return BadRecord(line=record.line, message=message, code="truncated_file")


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
