"""Writing captures into a Parquet dataset, one capture at a time, partitioned by day.

The dataset at ``out`` holds two tables in hive-style partitions::

    out/events/day=2025-09-12/<session>.parquet      the events rows of that session on that day
    out/sessions/day=2025-09-12/<session>.parquet    its sessions row, under the day it started

A capture's files are named after its session (:func:`~rtmsg.analytics.naming.file_stem`)
and nothing else, so the same captures always make the same files, byte for byte, whether
they are exported in one process or spread over a cluster, once or again. Re-exporting a
capture replaces its files: they are written under hidden temporary names, the session's
previous files are removed, then the new ones are renamed into place.

Rows without a timestamp (lines that are not records) go with their neighbours' day; a
capture with no timestamp at all (bare frames) goes to ``day=__HIVE_DEFAULT_PARTITION__``,
which every engine reads as a null ``day``. A day seen again after another (a clock set
back) gets a file of its own, ``<session>+1.parquet``, so only one file is open at a time.
"""

from __future__ import annotations

import glob
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Final

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from ..capture import Direction, Protocol
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from .naming import Paths, file_stem, plan
from .schema import Row
from .tables import (
    DEFAULT_BATCH_ROWS,
    EVENTS_SCHEMA,
    SESSIONS_SCHEMA,
    CaptureTables,
    day_name,
    to_batch,
)

__all__ = [
    "EVENTS_DIR",
    "NULL_DAY",
    "SESSIONS_DIR",
    "CaptureExport",
    "ExportReport",
    "export",
    "export_capture",
]

EVENTS_DIR: Final = "events"
SESSIONS_DIR: Final = "sessions"
NULL_DAY: Final = "__HIVE_DEFAULT_PARTITION__"
"""The partition of rows with no day: the Hive convention, read as null by every engine."""

# zstd: a third smaller than the default snappy on captures' columns, and every engine
# (DuckDB, Spark, Polars, pandas) reads it.
_COMPRESSION: Final = "zstd"


class CaptureExport(msgspec.Struct, kw_only=True):
    """What exporting one capture wrote: its rows, the unknown and invalid ones, its files.

    ``first_invalid_line`` and ``first_invalid_code`` are the line and the code of the first
    invalid row, for a warning that points at it; ``files`` are relative to the dataset,
    sorted; ``cpu_seconds`` is the CPU time of the export's thread.
    """

    path: str
    session: str
    bytes: int
    rows: int
    unknown: int
    invalid: int
    first_invalid_line: int | None
    first_invalid_code: str | None
    files: list[str]
    cpu_seconds: float


class ExportReport(msgspec.Struct, kw_only=True):
    """What an export wrote, capture by capture, in the order the captures were given."""

    out: str
    captures: list[CaptureExport]

    @property
    def rows(self) -> int:
        return sum(capture.rows for capture in self.captures)

    @property
    def invalid(self) -> int:
        return sum(capture.invalid for capture in self.captures)

    @property
    def unknown(self) -> int:
        return sum(capture.unknown for capture in self.captures)

    @property
    def bytes(self) -> int:
        return sum(capture.bytes for capture in self.captures)


class _Parts:
    """The files of one session in one table: one open at a time, committed all at once."""

    def __init__(self, root: Path, stem: str, schema: pa.Schema) -> None:
        self.root = root
        self.stem = stem
        self.schema = schema
        self.day: int | None = None
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[tuple[Path, Path]] = []
        self.per_day: Counter[int | None] = Counter()

    def write(self, day: int | None, rows: list[Row]) -> None:
        if not rows:
            return
        if self.writer is None or day != self.day:
            self._open(day)
        assert self.writer is not None
        self.writer.write_batch(to_batch(rows, self.schema))

    def _open(self, day: int | None) -> None:
        self.close()
        part = self.per_day[day]
        self.per_day[day] += 1
        name = f"{self.stem}.parquet" if part == 0 else f"{self.stem}+{part}.parquet"
        directory = self.root / f"day={NULL_DAY if day is None else day_name(day)}"
        directory.mkdir(parents=True, exist_ok=True)
        # Hidden and not ending in .parquet, so no reader takes a half-written file.
        temporary = directory / f".{name}.{os.getpid()}.tmp"
        self.pending.append((temporary, directory / name))
        self.day = day
        self.writer = pq.ParquetWriter(temporary, self.schema, compression=_COMPRESSION)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def commit(self) -> list[Path]:
        """Replace the session's previous files in this table with the new ones."""
        self.close()
        new = {final for _, final in self.pending}
        root = glob.escape(str(self.root))
        stem = glob.escape(self.stem)
        old = glob.glob(f"{root}/day=*/{stem}.parquet") + glob.glob(
            f"{root}/day=*/{stem}+[0-9]*.parquet"
        )
        for path in old:
            if Path(path) not in new:
                os.unlink(path)
        for temporary, final in self.pending:
            os.replace(temporary, final)
        return sorted(new)

    def abort(self) -> None:
        self.close()
        for temporary, _ in self.pending:
            temporary.unlink(missing_ok=True)


def export_capture(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    session: str,
    direction: Direction | None = None,
    protocol: Protocol | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_progress: Callable[[int], None] | None = None,
    file: str | None = None,
) -> CaptureExport:
    """Export the capture at ``path``, holding ``session``, into the dataset at ``out``.

    Bad lines and invalid frames become invalid rows: this raises only ``OSError``, when
    the capture cannot be opened or the dataset cannot be written. ``on_progress`` gets the
    bytes of the capture read so far. ``file`` is the capture's path as the ``sessions``
    table and the report name it (``path`` by default): a task on a cluster opens an
    absolute path and names the capture as the caller gave it.
    """
    start = time.thread_time()
    root = Path(out)
    stem = file_stem(session)
    tables = CaptureTables(
        path,
        session,
        direction=direction,
        protocol=protocol,
        max_frame_bytes=max_frame_bytes,
        on_progress=on_progress,
        file=file,
    )
    events = _Parts(root / EVENTS_DIR, stem, EVENTS_SCHEMA)
    sessions = _Parts(root / SESSIONS_DIR, stem, SESSIONS_SCHEMA)
    rows: list[Row] = []
    day: int | None = None
    dated = False  # whether ``day`` is a row's day yet: leading undated rows join the first
    try:
        for row_day, row in tables.rows():
            if row_day is not None and (row_day != day or not dated):
                if dated:
                    events.write(day, rows)
                    rows = []
                day, dated = row_day, True
            rows.append(row)
            if len(rows) >= batch_rows:
                events.write(day, rows)
                rows = []
                dated = True
        events.write(day, rows)
        sessions.write(tables.started_day, [tables.session_row()])
        files = events.commit() + sessions.commit()
    except BaseException:
        events.abort()
        sessions.abort()
        raise
    return CaptureExport(
        path=tables.file,
        session=session,
        bytes=tables.size,
        rows=tables.stats.frames,
        unknown=tables.unknown_frames,
        invalid=tables.stats.invalid_frames,
        first_invalid_line=tables.first_invalid_line,
        first_invalid_code=tables.first_invalid_code,
        files=sorted(file.relative_to(root).as_posix() for file in files),
        cpu_seconds=time.thread_time() - start,
    )


def prepare(out: str | os.PathLike[str]) -> Path:
    """Create the dataset's two table directories, so that an empty export is a dataset too."""
    root = Path(out)
    for table in (EVENTS_DIR, SESSIONS_DIR):
        (root / table).mkdir(parents=True, exist_ok=True)
    return root


def export(
    paths: Paths,
    out: str | os.PathLike[str],
    *,
    session: str | None = None,
    direction: Direction | None = None,
    protocol: Protocol | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Export the captures at ``paths`` into the dataset at ``out``, one after the other.

    ``session`` is a pattern naming each capture's session (see
    :func:`~rtmsg.analytics.naming.session_name`). ``on_progress`` gets the bytes of the
    captures read so far, all captures together.
    """
    planned = plan(paths, session)
    prepare(out)
    done = 0
    captures: list[CaptureExport] = []
    for path, name in planned:
        update = None
        if on_progress is not None:
            base = done

            def update(position: int, base: int = base) -> None:
                assert on_progress is not None
                on_progress(base + position)

        capture = export_capture(
            path,
            out,
            session=name,
            direction=direction,
            protocol=protocol,
            max_frame_bytes=max_frame_bytes,
            batch_rows=batch_rows,
            on_progress=update,
        )
        captures.append(capture)
        done += capture.bytes
    return ExportReport(out=os.fspath(out), captures=captures)
