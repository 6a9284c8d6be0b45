"""The command line's options: the parser of every command and the checks of their values."""

from __future__ import annotations

import argparse
import math
from importlib import metadata
from typing import Any, NoReturn

import msgspec

from ..capture.writer import DEFAULT_COMPRESSLEVEL, DEFAULT_FLUSH_INTERVAL
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..protocols import endpoints
from . import _inspect, _servers
from ._common import EXIT_STATUS

__all__ = ["parser"]


class _Parser(argparse.ArgumentParser):
    """A usage error is one line, ``rtmsg check: argument --max-invalid: ...``, and status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _version() -> str:
    # The installed distribution's, as pip shows it: importing the package's facade from here
    # would run back up the layers.
    return f"rtmsg {metadata.version('rtmsg')} (msgspec {msgspec.__version__})"


def parser() -> argparse.ArgumentParser:
    """The parser of the ``rtmsg`` command and of each of its commands."""
    command = _Parser(
        prog="rtmsg",
        description="Tools for OpenAI Realtime sessions, built on the rtmsg codec.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--version", action="version", version=_version())
    commands = command.add_subparsers(dest="command", required=True, metavar="COMMAND")

    direction = _Parser(add_help=False)
    direction.add_argument(
        "--direction",
        choices=("client", "server"),
        help="the files hold bare frames (one event per line) sent by this side",
    )
    direction.add_argument(
        "--protocol",
        choices=sorted(each.name for each in endpoints()),
        metavar="NAME",
        help="the protocol of bare frames and of records that do not name theirs, by its "
        "endpoint's name: %(choices)s (default: conversation; live/attach: a Live sideband's)",
    )
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print a JSON report")
    frame_limit = _Parser(add_help=False)
    frame_limit.add_argument(
        "--max-frame-bytes",
        type=_byte_count,
        default=DEFAULT_MAX_FRAME_BYTES,
        metavar="N",
        help=f"a longer frame is invalid and is not read whole (default {DEFAULT_MAX_FRAME_BYTES})",
    )

    check = commands.add_parser(
        "check",
        parents=[direction, as_json, frame_limit],
        help="decode every frame of captures; exit 1 if any is invalid or a file has none",
        description="Decode every frame; print counts per direction and type, the Unknown "
        "types seen and every invalid frame. Exit status 1 if any frame is invalid (the cut "
        "of a file cut short counts as one) or a file holds no frame.",
    )
    check.add_argument(
        "files", nargs="+", metavar="FILE", help="capture files (.gz too; - reads stdin)"
    )
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.add_argument(
        "--max-invalid",
        type=_count,
        default=1000,
        metavar="N",
        help="list at most N invalid frames (all are counted; default 1000)",
    )
    check.set_defaults(run=_inspect.check)

    stats = commands.add_parser(
        "stats",
        parents=[direction, as_json, frame_limit],
        help="summarise recorded sessions: each file, and each session of a shared capture",
        description="Duration, audio seconds sent and received, turns, responses, token usage "
        "and the latency from the end of speech to the first audio of the answer; one summary "
        "per file, and per session for a capture of several sessions.",
    )
    stats.add_argument(
        "files", nargs="+", metavar="FILE", help="capture files (.gz too; - reads stdin)"
    )
    stats.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    stats.set_defaults(run=_inspect.stats)

    verbose = _Parser(add_help=False)
    verbose.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log every session (-vv: and debug details, never a secret)",
    )
    verbose.add_argument(
        "--duration",
        type=_duration,
        metavar="SECONDS",
        help="stop after this many seconds (default: run until interrupted)",
    )
    verbose.add_argument(
        "--listen", required=True, metavar="HOST:PORT", help="e.g. 127.0.0.1:8765 or [::1]:8765"
    )
    verbose.add_argument(
        "--transport",
        choices=("picows", "websockets"),
        default="picows",
        help="the WebSocket library (default picows, on uvloop: a third of the CPU per "
        "message; websockets is the reference)",
    )

    relay = commands.add_parser(
        "relay",
        parents=[verbose],
        help="relay Realtime sessions to a server, validating and recording every frame",
        description="For each client connection, open one to UPSTREAM with the client's path, "
        "query and headers, and forward every frame both ways unchanged. An invalid client "
        "frame is answered with an 'error' event and not forwarded.",
    )
    relay.add_argument("--upstream", required=True, metavar="URL", help="e.g. wss://api.openai.com")
    relay.add_argument(
        "--capture",
        metavar="FILE",
        help="record every frame; '{session}' in FILE makes one file per session "
        "(numbered from 1); .gz compresses",
    )
    relay.add_argument(
        "--flush-interval",
        type=_seconds_option,
        default=DEFAULT_FLUSH_INTERVAL,
        metavar="SECONDS",
        help=f"write the capture to disk this often: what a crash may lose "
        f"(default {DEFAULT_FLUSH_INTERVAL:g}; 0: when a MiB waits and at the end)",
    )
    relay.add_argument(
        "--capture-level",
        type=int,
        choices=range(10),
        default=DEFAULT_COMPRESSLEVEL,
        metavar="0-9",
        help=f"gzip level of a .gz capture (default {DEFAULT_COMPRESSLEVEL}: base64 audio "
        "shrinks little more at higher levels, for up to three times the CPU)",
    )
    relay.add_argument(
        "--forward-invalid",
        action="store_true",
        help="forward invalid client frames too (they are still answered with an error)",
    )
    relay.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM (or a first Ctrl-C), refuse new sessions and let open ones run this "
        "long before closing them with 1001 (default 30; a second Ctrl-C stops at once)",
    )
    relay.set_defaults(run=_servers.relay)

    mock = commands.add_parser(
        "mock-server",
        parents=[verbose],
        help="a stand-in Realtime server for tests and demos",
        description="Answers like the Realtime service: session events, and for a committed "
        "audio buffer and response.create a full response with a synthetic tone. The path "
        "picks the protocol: /v1/realtime/translations a translation session, "
        "/v1/live/sessions a Live session, .../{id}/attach and .../{id}/fork its sideband "
        "and its fork.",
    )
    mock.add_argument(
        "--audio-ms", type=_count, default=600, metavar="MS", help="audio per response (600)"
    )
    mock.add_argument(
        "--first-audio-delay-ms",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="simulated thinking time before the first audio of an answer (0)",
    )
    mock.set_defaults(run=_servers.mock_server)
    _analytics_parsers(commands, direction, frame_limit)
    return command


def _analytics_parsers(commands: Any, direction: _Parser, frame_limit: _Parser) -> None:
    export = commands.add_parser(
        "export",
        parents=[direction, frame_limit],
        help="write captures to a Parquet dataset: an events and a sessions table",
        description="Write one row per frame (events) and one per capture (sessions) to "
        "Parquet files under DIR, partitioned by day. Invalid lines and frames are rows too "
        "(outcome 'invalid') and a warning; --strict makes them exit status 1.",
    )
    export.add_argument("files", nargs="+", metavar="CAPTURE", help="capture files (.gz too)")
    export.add_argument("--out", required=True, metavar="DIR", help="the dataset's directory")
    export.add_argument(
        "--session",
        metavar="PATTERN",
        help="name each capture's session after what {session} matches at the end of its "
        "path, e.g. 'session-{session}.jsonl.gz' (default: the file name without extensions)",
    )
    export.add_argument(
        "--strict", action="store_true", help="exit 1 if any line or frame was invalid"
    )
    export.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    where = export.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="one task per capture on this dask scheduler"
    )
    where.add_argument(
        "--workers", type=_workers, metavar="N", help="one task per capture on N local processes"
    )
    export.set_defaults(run=_inspect.analytics)

    query = commands.add_parser(
        "query",
        help="run SQL (DuckDB) over an exported dataset",
        description="Run SQL over the views events and sessions of a dataset made by export. "
        "SQL may be the name of a ready query; without SQL, list them.",
    )
    query.add_argument("dataset", metavar="DIR", help="a dataset made by rtmsg export")
    query.add_argument("sql", nargs="?", metavar="SQL", help="a query or a ready query's name")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.set_defaults(run=_inspect.analytics)


def _byte_count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of bytes, got {value!r}")
    return int(value)


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, got {value!r}")
    return int(value)


def _workers(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of workers, 1 or more, got {value!r}")
    return int(value)


def _number(value: str, positive: bool) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        least = "more than 0" if positive else "0 or more"
        raise argparse.ArgumentTypeError(f"expected a number, {least}, got {value!r}")
    return number


def _duration(value: str) -> float:
    return _number(value, positive=True)


def _milliseconds(value: str) -> float:
    return _number(value, positive=False)


def _seconds_option(value: str) -> float:
    return _number(value, positive=False)
