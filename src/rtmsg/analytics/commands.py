"""``rtmsg export`` and ``rtmsg query``: the command-line side of :mod:`rtmsg.analytics`.

:mod:`rtmsg.cli` declares the arguments and calls :func:`run` only when one of these two
commands runs, so the other commands never import pyarrow or DuckDB.

Exit status of ``export``: 0 when everything was exported, and also when some lines or
frames were invalid (they are rows with ``outcome = 'invalid'``, and a warning on stderr
names each file); 1 in that case with ``--strict``; 2 when nothing could be done (a missing
file, two captures with one session, a dataset that cannot be written).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import difflib
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final, TextIO

import msgspec

from .dataset import CaptureExport, ExportReport, export
from .naming import plan
from .query import QUERIES, connect

__all__ = ["run"]

Progress = Callable[[int, bool, str], AbstractContextManager[Callable[[int], None]]]

_MAX_WARNINGS: Final = 20

# A word with a dash, as the ready queries are named: never an SQL statement.
_READY_NAME: Final = re.compile(r"[A-Za-z0-9_]+(-[A-Za-z0-9_]+)+")


def run(args: argparse.Namespace, progress: Progress) -> int:
    """Run ``rtmsg export`` or ``rtmsg query``; ``progress`` draws the CLI's progress bar."""
    try:
        if args.command == "export":
            return _export(args, progress)
        return _query(args)
    except (_MissingExtra, _Unreachable) as exc:
        print(f"rtmsg {args.command}: {exc}", file=sys.stderr)
        return 2


# --- export -------------------------------------------------------------------


def _export(args: argparse.Namespace, progress: Progress) -> int:
    for path in args.files:
        problem = _not_a_capture_file(path)
        if problem is not None:
            print(f"rtmsg export: {path}: {problem}", file=sys.stderr)
            return 2
    try:
        planned = plan(args.files, args.session)
    except ValueError as exc:
        print(f"rtmsg export: {exc}", file=sys.stderr)
        return 2
    total = sum(os.path.getsize(path) for path, _ in planned)
    options: dict[str, Any] = {
        "session": args.session,
        "direction": args.direction,
        "protocol": args.protocol,
        "max_frame_bytes": args.max_frame_bytes,
    }
    with progress(total, not args.no_progress, "exporting") as update:
        if args.scheduler is None and args.workers is None:
            report = export(args.files, args.out, on_progress=update, **options)
        else:
            with _client(args.scheduler, args.workers) as client:
                from .cluster import export_many  # needs the dask extra

                report = export_many(args.files, args.out, client, on_progress=update, **options)
    _warn(report.captures, sys.stderr)
    print(_summary(report), file=sys.stdout)
    if args.strict and report.invalid:
        print(
            f"rtmsg export: {report.invalid} invalid row{_s(report.invalid)} (--strict)",
            file=sys.stderr,
        )
        return 1
    return 0


def _not_a_capture_file(path: str) -> str | None:
    """What keeps ``path`` from being exported, or ``None``."""
    if path == "-":
        return (
            "export reads capture files, not standard input: a capture's session is named "
            "after its file"
        )
    if not os.path.exists(path):
        return "no such file"
    if os.path.isdir(path):
        return "is a directory; give the captures in it (e.g. DIR/*.jsonl.gz)"
    if not os.path.isfile(path):
        return "not a regular file"
    return None


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``scheduler``, or of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster  # the dask extra
    except ImportError as exc:
        raise _MissingExtra("dask") from exc
    if scheduler is not None:
        import dask

        timeout = dask.config.get("distributed.comm.timeouts.connect")
        print(
            f"rtmsg export: connecting to the dask scheduler at {scheduler} (for up to "
            f"{timeout}, dask's distributed.comm.timeouts.connect)",
            file=sys.stderr,
        )
        try:
            connected = Client(scheduler)
        except OSError as exc:
            raise _Unreachable(f"no dask scheduler answered at {scheduler} in {timeout}") from exc
        with connected as client:
            yield client
        return
    # Any free port for the dashboard: the default one may be another cluster's.
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with cluster, Client(cluster) as client:
        yield client


class _Unreachable(Exception):
    """The scheduler given did not answer."""


class _MissingExtra(ImportError):
    def __init__(self, extra: str) -> None:
        super().__init__(f"this needs the {extra!r} extra: pip install 'rtmsg[{extra}]'")


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _warn(captures: Sequence[CaptureExport], out: TextIO) -> None:
    """One warning per capture that is empty or has invalid rows, at most ``_MAX_WARNINGS``."""
    problems = [capture for capture in captures if capture.invalid or not capture.rows]
    for capture in problems[:_MAX_WARNINGS]:
        if not capture.rows:
            what = "empty, no frames"
        elif capture.first_invalid_code == "not_gzip":
            what = "not a gzip file, though its name ends in .gz"
        elif capture.first_invalid_code == "truncated_file" and capture.rows == 1:
            what = "a gzip file cut short or corrupt before its first line"
        elif capture.invalid == capture.rows:
            lines = (
                "its only line is not"
                if capture.rows == 1
                else f"none of its {capture.rows} lines is"
            )
            hint = " (a file of bare frames needs --direction)"
            if capture.first_invalid_code != "invalid_record":
                hint = ""
            what = f"not a capture: {lines} a valid frame{hint}"
        else:
            what = (
                f"{capture.invalid} invalid row{_s(capture.invalid)}, the first at line "
                f"{capture.first_invalid_line}"
            )
        print(f"rtmsg export: warning: {capture.path}: {what}", file=out)
    hidden = len(problems) - _MAX_WARNINGS
    if hidden > 0:
        print(f"rtmsg export: warning: ... and {hidden} more file{_s(hidden)}", file=out)


def _summary(report: ExportReport) -> str:
    captures = len(report.captures)
    return (
        f"{report.out}: {captures} capture{_s(captures)} ({report.bytes / 1e6:.1f} MB), "
        f"{report.rows} row{_s(report.rows)} ({report.unknown} unknown, {report.invalid} invalid)"
    )


# --- query --------------------------------------------------------------------


def _query(args: argparse.Namespace) -> int:
    import duckdb  # with the connection, not before the arguments are read

    if args.sql is None:
        for name, sql in QUERIES.items():
            print(f"{name}:\n{_indent(sql)}\n")
        return 0
    sql = QUERIES.get(args.sql, args.sql)
    if sql is args.sql and _READY_NAME.fullmatch(sql):
        near = difflib.get_close_matches(sql, QUERIES, n=1)
        guess = f"; did you mean {near[0]!r}?" if near else ""
        print(
            f"rtmsg query: no ready query is named {sql!r}{guess} The ready queries: "
            f"{', '.join(QUERIES)} (rtmsg query DIR lists them with their SQL)",
            file=sys.stderr,
        )
        return 2
    con = connect(args.dataset)
    try:
        cursor = con.execute(sql)
        columns = [column[0] for column in cursor.description or ()]
        rows = iter(lambda: cursor.fetchmany(4096), [])
        if args.format == "csv":
            _write_csv(columns, rows, sys.stdout)
        elif args.format == "json":
            _write_json(columns, rows, sys.stdout)
        else:
            _write_table(columns, [row for chunk in rows for row in chunk], sys.stdout)
    except duckdb.Error as exc:
        print(f"rtmsg query: {exc}", file=sys.stderr)
        return 2
    return 0


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _enc_hook(value: object) -> object:
    return str(value)


_json: Final = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="number")


def _write_json(columns: list[str], chunks: Iterator[list[Any]], out: TextIO) -> None:
    """JSON Lines: one object per row."""
    for chunk in chunks:
        for row in chunk:
            out.write(_json.encode(dict(zip(columns, row, strict=True))).decode() + "\n")


def _write_csv(columns: list[str], chunks: Iterator[list[Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for chunk in chunks:
        writer.writerows([_cell(value, exact=True) for value in row] for row in chunk)


def _cell(value: object, *, exact: bool = False) -> str:
    if value is None:
        return "" if exact else "NULL"
    if isinstance(value, float) and not exact:
        return f"{value:.6g}"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _json.encode(value).decode()
    return str(value)


def _write_table(columns: list[str], rows: list[Any], out: TextIO) -> None:
    """Aligned columns, numbers to the right; floats to 6 significant digits."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max([len(column), *(len(row[i]) for row in cells)]) for i, column in enumerate(columns)
    ]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    print(line(columns), file=out)
    print(line(["-" * width for width in widths]), file=out)
    for row in cells:
        print(line(row), file=out)
    print(f"({len(rows)} row{_s(len(rows))})", file=out)
