"""The ``rtmsg`` command: check and summarise captures, run the relay and the mock server.

``main(argv)`` parses the arguments, does the work and returns the exit status, so tests call it
directly. The checking and summarising live in :mod:`rtmsg.inspection`, the WebSocket side in
:mod:`rtmsg.relay`; this module only reads files, prints and wires things together. Optional
libraries (rich for the progress bar, websockets for the servers) are imported when used.

Exit status: 0 on success, 1 when ``check`` found an invalid frame or a file without frames
(or ``export --strict`` an invalid row, or ``stats`` a file of sessions it cannot tell
apart), 2 for a usage error or a file that cannot be read. ``export`` and ``query``
live in :mod:`rtmsg.analytics.commands`, imported only when one of them runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TextIO

import msgspec

from .capture import DEFAULT_PROTOCOL, BadRecord, CaptureReader, Direction, Record
from .capture.writer import DEFAULT_COMPRESSLEVEL, DEFAULT_FLUSH_INTERVAL
from .engine.limits import DEFAULT_MAX_FRAME_BYTES
from .inspection import (
    CheckReport,
    SessionsNotNumbered,
    SessionStats,
    check_records,
    sessions_stats,
)

__all__ = ["main"]

_PROGRESS_MIN_BYTES = 1 << 20
_PROGRESS_EVERY = 4096


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rtmsg`` command with ``argv`` (``sys.argv[1:]`` by default)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return exc.code if isinstance(exc.code, int) else 2
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except OSError as exc:
        print(f"rtmsg {args.command}: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rtmsg", description="Tools for OpenAI Realtime sessions, built on the rtmsg codec."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    direction = argparse.ArgumentParser(add_help=False)
    direction.add_argument(
        "--direction",
        choices=("client", "server"),
        help="the files hold bare frames (one event per line) sent by this side",
    )
    direction.add_argument(
        "--protocol",
        choices=("conversation", "translation"),
        help="the protocol of bare frames and of records that do not name theirs "
        "(default: conversation, /v1/realtime; translation: /v1/realtime/translations)",
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print a JSON report")
    frame_limit = argparse.ArgumentParser(add_help=False)
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
    check.add_argument("files", nargs="+", metavar="FILE", help="capture files (.gz too)")
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.add_argument(
        "--max-invalid",
        type=int,
        default=1000,
        metavar="N",
        help="list at most N invalid frames (all are counted; default 1000)",
    )
    check.set_defaults(run=_check)

    stats = commands.add_parser(
        "stats",
        parents=[direction, as_json, frame_limit],
        help="summarise a recorded session, or each session of a shared capture",
        description="Duration, audio seconds sent and received, turns, responses, token usage "
        "and the latency from the end of speech to the first audio of the answer; one summary "
        "per session for a capture of several sessions.",
    )
    stats.add_argument("file", metavar="FILE", help="a capture file (.gz too)")
    stats.set_defaults(run=_stats)

    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log every session (-vv: and debug details, never a secret)",
    )
    verbose.add_argument(
        "--duration",
        type=float,
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
    relay.set_defaults(run=_relay)

    mock = commands.add_parser(
        "mock-server",
        parents=[verbose],
        help="a stand-in Realtime server for tests and demos",
        description="Answers like the Realtime service: session events, and for a committed "
        "audio buffer and response.create a full response with a synthetic tone.",
    )
    mock.add_argument(
        "--audio-ms", type=int, default=600, metavar="MS", help="audio per response (600)"
    )
    mock.add_argument(
        "--first-audio-delay-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="simulated thinking time before the first audio delta (0)",
    )
    mock.set_defaults(run=_mock_server)
    _analytics_parsers(commands, direction, frame_limit)
    return parser


def _analytics_parsers(
    commands: Any, direction: argparse.ArgumentParser, frame_limit: argparse.ArgumentParser
) -> None:
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
        "--workers", type=int, metavar="N", help="one task per capture on N local processes"
    )
    export.set_defaults(run=_analytics)

    query = commands.add_parser(
        "query",
        help="run SQL (DuckDB) over an exported dataset",
        description="Run SQL over the views events and sessions of a dataset made by export. "
        "SQL may be the name of a ready query; without SQL, list them.",
    )
    query.add_argument("dataset", metavar="DIR", help="a dataset made by rtmsg export")
    query.add_argument("sql", nargs="?", metavar="SQL", help="a query or a ready query's name")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.set_defaults(run=_analytics)


def _byte_count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of bytes, got {value!r}")
    return int(value)


def _seconds_option(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {value!r}")
    return seconds


def _host_port(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (an IPv6 host in brackets) as a host and a port from 0 to 65535."""
    host, sep, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        bracketed = True
    else:
        bracketed = False
    if (
        not sep
        or not host
        or not port.isascii()
        or not port.isdigit()
        or int(port) > 65535
        or (":" in host and not bracketed)
    ):
        raise ValueError(f"expected HOST:PORT with a port from 0 to 65535, got {value!r}")
    return host, int(port)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --- check and stats ---------------------------------------------------------


@contextlib.contextmanager
def _progress(
    total: int, enabled: bool, label: str = "checking"
) -> Iterator[Callable[[int], None]]:
    """A callback taking bytes done so far; a rich bar on a terminal for big inputs."""
    if not enabled or total < _PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield lambda done: None
        return
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )
    except ImportError:  # the cli extra is not installed: no bar, same results
        yield lambda done: None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("check", total=total)
        yield lambda done: progress.update(task, completed=done)


def _tracked(
    reader: CaptureReader, base: int, update: Callable[[int], None]
) -> Iterator[Record | BadRecord]:
    for count, record in enumerate(reader, 1):
        if count % _PROGRESS_EVERY == 0:
            update(base + reader.position)
        yield record
    update(base + reader.size)


def _check(args: argparse.Namespace) -> int:
    direction: Direction | None = args.direction
    total = sum(os.path.getsize(path) for path in args.files)
    report = CheckReport()
    done = 0
    with _progress(total, not args.no_progress) as update:
        for path in args.files:
            with CaptureReader(
                path, direction, max_frame_bytes=args.max_frame_bytes, protocol=args.protocol
            ) as reader:
                records = _tracked(reader, done, update)
                check_records(
                    records,
                    path,
                    report,
                    max_invalid=args.max_invalid,
                    max_frame_bytes=args.max_frame_bytes,
                )
                done += reader.size
    if args.json:
        _print_json(report, ok=report.ok)
    else:
        _print_check(report, sys.stdout)
    return 0 if report.ok else 1


def _verdict(report: CheckReport) -> str:
    if report.invalid:
        return "INVALID"
    return "NO FRAMES" if report.empty_files else "OK"


def _print_json(report: msgspec.Struct, **extra: Any) -> None:
    data = msgspec.to_builtins(report)
    data.update(extra)
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n")


def _print_json_list(reports: Sequence[msgspec.Struct]) -> None:
    data = msgspec.json.encode(reports)
    sys.stdout.write(msgspec.json.format(data, indent=2).decode() + "\n")


def _print_check(report: CheckReport, out: TextIO) -> None:
    files = ", ".join(report.files)
    print(
        f"{files}: {report.frames} frames, {report.valid} valid, {report.invalid} invalid",
        file=out,
    )
    for empty in report.empty_files:
        print(f"{empty}: no frames", file=out)
    for direction in ("client", "server"):
        counts = report.counts[direction]
        if not counts:
            continue
        print(f"{direction} ({sum(counts.values())} known events)", file=out)
        for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {count:>8}  {kind}", file=out)
    unknown = [
        (direction, kind, count)
        for direction in ("client", "server")
        for kind, count in sorted(report.unknown_types[direction].items())
    ]
    if unknown:
        print("unknown event types (kept as Unknown, forwarded unchanged)", file=out)
        for direction, kind, count in unknown:
            print(f"  {count:>8}  {kind} ({direction})", file=out)
    if report.invalid:
        print(f"invalid frames ({report.invalid})", file=out)
        for bad in report.invalid_frames:
            where = f"{bad.file}:{bad.line}"
            what = " ".join(
                part
                for part in (
                    None if bad.session is None else f"session {bad.session}",
                    None if bad.protocol == DEFAULT_PROTOCOL else bad.protocol,
                    bad.direction,
                    bad.event_type,
                    f"(event_id {bad.event_id})" if bad.event_id else None,
                )
                if part
            )
            print(f"  {where}: {what + ': ' if what else ''}{bad.message}", file=out)
        hidden = report.invalid - len(report.invalid_frames)
        if hidden:
            print(f"  ... and {hidden} more", file=out)
    print(_verdict(report), file=out)


def _stats(args: argparse.Namespace) -> int:
    with CaptureReader(
        args.file, args.direction, max_frame_bytes=args.max_frame_bytes, protocol=args.protocol
    ) as reader:
        try:
            sessions = sessions_stats(reader, max_frame_bytes=args.max_frame_bytes)
        except SessionsNotNumbered as exc:
            print(
                f"rtmsg stats: {args.file}: {exc}, so they cannot be told apart; record one "
                "file per session (--capture 'session-{session}.jsonl.gz')",
                file=sys.stderr,
            )
            return 1
    if args.json:
        if len(sessions) == 1:
            _print_json(sessions[0])
        else:
            _print_json_list(sessions)
        return 0
    for number, stats in enumerate(sessions):
        if len(sessions) > 1:
            if number:
                print()
            name = "(records without a number)" if stats.session is None else stats.session
            print(f"{'session':<15} {name}")
        _print_stats(stats, sys.stdout)
    return 0


def _seconds(value: float | None) -> str:
    return "n/a (no timestamps)" if value is None else f"{value:.3f} s"


def _print_stats(stats: SessionStats, out: TextIO) -> None:
    if stats.protocol == "translation":
        _print_translation_stats(stats, out)
        return
    tokens = stats.tokens
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(stats.responses_by_status.items()))
    rows = [
        ("frames", f"{stats.frames} ({stats.invalid_frames} invalid)"),
        ("duration", _seconds(stats.duration_s)),
        ("audio sent", f"{stats.audio_sent_s:.3f} s"),
        ("audio received", f"{stats.audio_received_s:.3f} s"),
        ("turns", str(stats.turns)),
        ("responses", f"{stats.responses}" + (f" ({by_status})" if by_status else "")),
        (
            "input tokens",
            f"{tokens.input_tokens} (audio {tokens.input_audio_tokens}, text "
            f"{tokens.input_text_tokens}, cached {tokens.input_cached_tokens})",
        ),
        (
            "output tokens",
            f"{tokens.output_tokens} (audio {tokens.output_audio_tokens}, text "
            f"{tokens.output_text_tokens})",
        ),
        ("total tokens", str(tokens.total_tokens)),
    ]
    latency = stats.latency
    if latency is None:
        rows.append(("latency", "n/a (no speech_stopped followed by audio)"))
    else:
        rows.append(
            (
                "latency",
                f"median {latency.median_s * 1000:.1f} ms, p95 {latency.p95_s * 1000:.1f} ms, "
                f"max {latency.max_s * 1000:.1f} ms over {latency.turns} "
                f"turn{'' if latency.turns == 1 else 's'}",
            )
        )
    for name, value in rows:
        print(f"{name:<15} {value}", file=out)


def _print_translation_stats(stats: SessionStats, out: TextIO) -> None:
    rows = [
        ("protocol", "translation"),
        ("frames", f"{stats.frames} ({stats.invalid_frames} invalid)"),
        ("duration", _seconds(stats.duration_s)),
        ("audio sent", f"{stats.audio_sent_s:.3f} s"),
        ("audio received", f"{stats.audio_received_s:.3f} s"),
        ("transcript in", f"{stats.input_transcript_chars} chars"),
        ("transcript out", f"{stats.output_transcript_chars} chars"),
    ]
    for name, value in rows:
        print(f"{name:<15} {value}", file=out)


# --- export and query ----------------------------------------------------------


def _analytics(args: argparse.Namespace) -> int:
    try:
        from .analytics import commands
    except ImportError as exc:
        print(f"rtmsg {args.command}: {exc}", file=sys.stderr)
        return 2
    return commands.run(args, _progress)


# --- servers -------------------------------------------------------------------


def _relay_missing() -> int:
    print(
        "rtmsg: the relay and the mock server need the 'relay' extra: pip install 'rtmsg[relay]'",
        file=sys.stderr,
    )
    return 2


def _logging(verbose: int) -> None:
    level = logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _listen(args: argparse.Namespace) -> tuple[str, int] | None:
    try:
        return _host_port(args.listen)
    except ValueError as exc:
        print(f"rtmsg {args.command}: --listen: {exc}", file=sys.stderr)
        return None


def _relay(args: argparse.Namespace) -> int:
    try:
        from .relay import Relay
    except ImportError:
        return _relay_missing()
    listen = _listen(args)
    if listen is None:
        return 2
    _logging(args.verbose)
    try:
        relay = Relay(
            args.upstream,
            capture=args.capture,
            flush_interval=args.flush_interval,
            capture_level=args.capture_level,
            forward_invalid=args.forward_invalid,
            transport=args.transport,
        )
    except ValueError as exc:
        print(f"rtmsg relay: {exc}", file=sys.stderr)
        return 2
    host, port = listen
    try:
        return _run_server(
            lambda: relay.serve(host, port),
            args,
            f" -> {args.upstream}",
            drain=relay.drain,
            close=relay.close_sessions,
        )
    finally:
        relay.close()


def _mock_server(args: argparse.Namespace) -> int:
    try:
        from .relay import MockServer
    except ImportError:
        return _relay_missing()
    listen = _listen(args)
    if listen is None:
        return 2
    _logging(args.verbose)
    mock = MockServer(
        audio_ms=args.audio_ms,
        first_audio_delay_s=args.first_audio_delay_ms / 1000,
        transport=args.transport,
    )
    host, port = listen
    return _run_server(lambda: mock.serve(host, port), args, "")


def _run_server(
    server: Callable[[], AbstractAsyncContextManager[Any]],
    args: argparse.Namespace,
    target: str,
    *,
    drain: Callable[[float], Awaitable[int]] | None = None,
    close: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Serve until ``--duration`` ends or a signal comes.

    SIGTERM or a first SIGINT drains (when the server can): new sessions are refused and open
    ones get ``--drain-timeout`` seconds; a second SIGINT closes them at once.
    """

    async def run() -> None:
        stop, hurry = asyncio.Event(), asyncio.Event()
        interrupts = 0

        def on_signal(signum: int) -> None:
            nonlocal interrupts
            interrupts += signum == signal.SIGINT
            if stop.is_set() and interrupts >= 2:
                hurry.set()
            stop.set()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, on_signal, signum)
        async with server() as running:
            for sock in running.sockets:
                host, port = sock.getsockname()[:2]
                print(
                    f"rtmsg {args.command} listening on ws://{_url_host(host)}:{port}{target}"
                    f" ({args.transport})",
                    file=sys.stderr,
                    flush=True,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.duration)
            if drain is not None and close is not None and stop.is_set():
                draining = asyncio.ensure_future(drain(args.drain_timeout))
                hurrying = asyncio.ensure_future(hurry.wait())
                await asyncio.wait((draining, hurrying), return_when=asyncio.FIRST_COMPLETED)
                hurrying.cancel()
                if not draining.done():
                    draining.cancel()
                    await close()

    with contextlib.suppress(KeyboardInterrupt):
        if args.transport == "picows":
            try:
                import uvloop
            except ImportError:  # no uvloop where it does not build (Windows): asyncio's loop
                asyncio.run(run())
            else:
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    runner.run(run())
        else:
            asyncio.run(run())
    return 0
