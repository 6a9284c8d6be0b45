"""The two tables of a capture, ``events`` and ``sessions``: their Arrow schemas and their rows.

A capture is read once, through :func:`rtmsg.inspection.iter_frame_stats` (the loop behind
``rtmsg stats``), so an event row's audio seconds and latency and a session row's summary are
the figures ``rtmsg stats`` prints. Rows are built as tuples in schema order and turned into
Arrow record batches of at most ``batch_rows`` rows, so memory does not grow with the capture.
The schemas are declared in :mod:`.schema`, and re-exported here.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Final

import msgspec
import pyarrow as pa

from ..capture import BadRecord, CaptureReader, Direction, Protocol, Record
from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..engine.reading import TokenTotals
from ..inspection import FrameStats, SessionStats, iter_frame_stats
from .naming import Paths, plan, utf8
from .schema import (
    EVENTS_SCHEMA,
    INVALID,
    KNOWN,
    SESSIONS_SCHEMA,
    TOKEN_COLUMNS,
    UNKNOWN,
    Row,
)

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "EVENTS_SCHEMA",
    "SESSIONS_SCHEMA",
    "CaptureTables",
    "events",
    "sessions",
]

DEFAULT_BATCH_ROWS: Final = 16_384
"""Rows per record batch and per Parquet row group.

What export holds at a time is one batch: about 40 MiB of peak memory with this size, on a
capture of any size (``make bench-export`` measures it); 65 536 rows take 110 MiB.
"""

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
# The dates Python (and so every reader's date type) can hold: years 1 to 9999.
_MIN_T: Final = -62_135_596_800.0
_MAX_T: Final = 253_402_300_800.0
_US_PER_DAY: Final = 86_400_000_000
_EPOCH: Final = datetime.date(1970, 1, 1)

_NO_TOKENS: Final[Row] = (None,) * len(TOKEN_COLUMNS)


class _Ids(msgspec.Struct):
    """The ids an event of a type rtmsg does not know may carry, read from its raw bytes."""

    response_id: object = None
    item_id: object = None


_ids_decoder: Final = msgspec.json.Decoder(_Ids)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _clean(value: str | None) -> str | None:
    return None if value is None else utf8(value)


def _int64(value: int) -> int | None:
    """``value`` if a 64-bit column can hold it; the protocol allows larger integers."""
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _tokens(totals: TokenTotals) -> Row:
    return tuple(_int64(getattr(totals, name)) for name in TOKEN_COLUMNS)


def day_name(day: int) -> str:
    """The ISO date (``2025-09-12``) of a day counted from the epoch, as partitions name it."""
    return (_EPOCH + datetime.timedelta(days=day)).isoformat()


def _checked(records: Iterable[Record | BadRecord]) -> Iterator[Record | BadRecord]:
    """The records, with a time no date can hold (NaN, year 10000) made a bad line."""
    for record in records:
        t = record.t if isinstance(record, Record) else None
        if t is not None and not _MIN_T <= t < _MAX_T:
            message = f"not a capture record: t={t!r} is not a time between the years 1 and 9999"
            yield BadRecord(line=record.line, message=message)
        else:
            yield record


class CaptureTables:
    """The rows of one capture: :meth:`rows` for its ``events``, then :meth:`session_row`.

    Rows are tuples in schema order; ``t`` is in microseconds since the epoch. ``file`` is
    the capture's path as the ``sessions`` row names it (``path`` by default).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        session: str,
        *,
        direction: Direction | None = None,
        protocol: Protocol | None = None,
        max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
        on_progress: Callable[[int], None] | None = None,
        file: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.file = self.path if file is None else file
        self.session = session
        self.direction = direction
        self.protocol = protocol
        self.max_frame_bytes = max_frame_bytes
        self.on_progress = on_progress
        self.stats = SessionStats()
        self.first_t_us: int | None = None
        self.first_invalid_line: int | None = None
        self.first_invalid_code: str | None = None
        self.last_t_us: int | None = None
        self.size = 0

    def rows(self) -> Iterator[tuple[int | None, Row]]:
        """``(day, row)`` for each line: the row, and its UTC day in days since the epoch."""
        session = self.session
        on_progress = self.on_progress
        with CaptureReader(
            self.path, self.direction, max_frame_bytes=self.max_frame_bytes, protocol=self.protocol
        ) as reader:
            self.size = reader.size
            frames = iter_frame_stats(
                _checked(reader), self.stats, max_frame_bytes=self.max_frame_bytes
            )
            for seq, frame in enumerate(frames, 1):
                row = self._row(session, seq, frame)
                t_us = row[3]
                day = None
                if isinstance(t_us, int):
                    day = t_us // _US_PER_DAY
                    if self.first_t_us is None or t_us < self.first_t_us:
                        self.first_t_us = t_us
                    if self.last_t_us is None or t_us > self.last_t_us:
                        self.last_t_us = t_us
                if on_progress is not None and seq % 4096 == 0:
                    on_progress(reader.position)
                yield day, row
            if on_progress is not None:
                on_progress(reader.size)

    def _row(self, session: str, seq: int, frame: FrameStats) -> Row:
        record = frame.record
        model = None if frame.model is None else utf8(frame.model)
        if frame.event is None and self.first_invalid_line is None:
            self.first_invalid_line = record.line
            if isinstance(record, BadRecord):
                self.first_invalid_code = record.code
            elif frame.error is not None:
                self.first_invalid_code = str(frame.error.code)
        if isinstance(record, BadRecord):
            return (
                session, seq, record.line, None, None, None, model, None, INVALID, None, None,
                None, None, None, None, None, None, None, *_NO_TOKENS,
                record.code, None, _clean(record.message),
            )  # fmt: skip
        t_us = None if record.t is None else round(record.t * 1_000_000)
        event = frame.event
        if event is None:
            assert frame.error is not None  # a record that did not decode
            return _invalid_row(session, seq, record, t_us, model, frame.error)
        event_type = event.event_type
        outcome = KNOWN
        if isinstance(event, Unknown):
            outcome = UNKNOWN
            event_id = event.event_id
            response_id = item_id = text = status = code = param = message = None
            tokens = _NO_TOKENS
            try:
                ids = _ids_decoder.decode(event.raw)
            except msgspec.DecodeError:  # an id of an unexpected shape: only the ids are lost
                pass
            else:
                response_id, item_id = _str(ids.response_id), _str(ids.item_id)
        else:
            reading = frame.reading
            event_id, response_id, item_id = reading.event_id, reading.response_id, reading.item_id
            text, status, code = reading.text, reading.status, reading.code
            param, message = reading.param, reading.message
            tokens = _NO_TOKENS if reading.tokens is None else _tokens(reading.tokens)
        return (
            session, seq, record.line, t_us, record.direction, record.protocol, model,
            event_type, outcome, event_id, response_id, item_id, len(record.frame),
            frame.audio_bytes, frame.audio_seconds, frame.latency_s, text, status, *tokens, code,
            param, message,
        )  # fmt: skip

    def session_row(self) -> Row:
        """The ``sessions`` row, in :data:`SESSIONS_SCHEMA` order, once :meth:`rows` is done."""
        stats = self.stats
        latency = stats.latency
        return (
            self.session,
            utf8(self.file),
            stats.protocol,
            None if stats.model is None else utf8(stats.model),
            self.first_t_us,
            self.last_t_us,
            stats.duration_s,
            stats.frames,
            stats.unknown_frames,
            stats.invalid_frames,
            stats.audio_sent_s,
            stats.audio_received_s,
            stats.turns,
            stats.responses,
            sorted(stats.responses_by_status.items()),
            *_tokens(stats.tokens),
            0 if latency is None else latency.turns,
            None if latency is None else latency.median_s,
            None if latency is None else latency.p95_s,
            None if latency is None else latency.max_s,
            stats.input_transcript_chars,
            stats.output_transcript_chars,
            stats.usage_s,
        )

    @property
    def unknown_frames(self) -> int:
        """Frames of a type rtmsg does not know, so far."""
        return self.stats.unknown_frames

    @property
    def started_day(self) -> int | None:
        """The UTC day (days since the epoch) of the first timestamp, ``None`` without one."""
        return None if self.first_t_us is None else self.first_t_us // _US_PER_DAY


def _invalid_row(
    session: str, seq: int, record: Record, t_us: int | None, model: str | None, exc: DecodeError
) -> Row:
    return (
        session, seq, record.line, t_us, record.direction, record.protocol, model,
        _clean(exc.event_type), INVALID, _clean(exc.event_id), None, None, len(record.frame),
        None, None, None, None, None, *_NO_TOKENS, str(exc.code), _clean(exc.param),
        _clean(str(exc)),
    )  # fmt: skip


def to_batch(rows: list[Row], schema: pa.Schema) -> pa.RecordBatch:
    """The record batch of ``rows``, tuples in ``schema`` order."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    count = len(rows)
    arrays = [
        # Most columns are null on most rows, and a column of nulls needs no conversion.
        pa.nulls(count, field.type) if column.count(None) == count else pa.array(column, field.type)
        for column, field in zip(columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _event_batches(tables: CaptureTables, batch_rows: int) -> Iterator[pa.RecordBatch]:
    rows: list[Row] = []
    for _, row in tables.rows():
        rows.append(row)
        if len(rows) >= batch_rows:
            yield to_batch(rows, EVENTS_SCHEMA)
            rows = []
    if rows:
        yield to_batch(rows, EVENTS_SCHEMA)


def events(
    paths: Paths,
    *,
    session: str | None = None,
    direction: Direction | None = None,
    protocol: Protocol | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> pa.RecordBatchReader:
    """The ``events`` rows of the captures at ``paths``, streamed as Arrow record batches.

    Nothing is read before the first batch is asked for, and each capture is read once, a
    batch at a time. ``session`` is a pattern naming each capture's session (see
    :func:`rtmsg.analytics.session_name`); sessions must be distinct.
    """
    planned = plan(paths, session)

    def batches() -> Iterator[pa.RecordBatch]:
        for path, name in planned:
            tables = CaptureTables(
                path, name, direction=direction, protocol=protocol, max_frame_bytes=max_frame_bytes
            )
            yield from _event_batches(tables, batch_rows)

    return pa.RecordBatchReader.from_batches(EVENTS_SCHEMA, batches())


def session_rows(
    planned: Iterable[tuple[str, str]],
    *,
    direction: Direction | None = None,
    protocol: Protocol | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> Iterator[Row]:
    """The ``sessions`` row of each ``(path, session)``."""
    for path, name in planned:
        tables = CaptureTables(
            path, name, direction=direction, protocol=protocol, max_frame_bytes=max_frame_bytes
        )
        for _ in tables.rows():
            pass
        yield tables.session_row()


def sessions(
    paths: Paths,
    *,
    session: str | None = None,
    direction: Direction | None = None,
    protocol: Protocol | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    batch_rows: int = 1024,
) -> pa.RecordBatchReader:
    """The ``sessions`` rows of the captures at ``paths``, one per capture, as record batches."""
    planned = plan(paths, session)

    def batches() -> Iterator[pa.RecordBatch]:
        rows: list[Row] = []
        for row in session_rows(
            planned, direction=direction, protocol=protocol, max_frame_bytes=max_frame_bytes
        ):
            rows.append(row)
            if len(rows) >= batch_rows:
                yield to_batch(rows, SESSIONS_SCHEMA)
                rows = []
        if rows:
            yield to_batch(rows, SESSIONS_SCHEMA)

    return pa.RecordBatchReader.from_batches(SESSIONS_SCHEMA, batches())
