"""``check`` and ``stats``: read captures, print what the inspection found; ``export`` and
``query`` handed to :mod:`rtmsg.analytics.commands`, which is imported only when one runs."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, TextIO

import msgspec

from ..capture import DEFAULT_PROTOCOL, BadRecord, CaptureReader, Direction, Record
from ..inspection import (
    CheckReport,
    FrameStats,
    SessionsNotNumbered,
    SessionStats,
    check_records,
    sessions_stats,
)
from ._common import STDIN, os_error

__all__ = ["analytics", "check", "stats"]

_PROGRESS_MIN_BYTES = 1 << 20
_PROGRESS_EVERY = 4096


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


def _input(path: str) -> tuple[str, str]:
    """The path to open for a FILE argument, and the name to show: ``-`` is standard input."""
    if path != STDIN:
        return path, path
    if not os.path.exists(_DEV_STDIN):
        raise FileNotFoundError(errno.ENOENT, "standard input cannot be read as a file here", path)
    return _DEV_STDIN, "<stdin>"


_DEV_STDIN: Final = "/dev/stdin"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def check(args: argparse.Namespace) -> int:
    direction: Direction | None = args.direction
    inputs = [_input(path) for path in args.files]
    total = sum(os.path.getsize(path) for path, _ in inputs)
    report = CheckReport()
    done = 0
    with _progress(total, not args.no_progress) as update:
        for path, name in inputs:
            with CaptureReader(
                path, direction, max_frame_bytes=args.max_frame_bytes, protocol=args.protocol
            ) as reader:
                records = _tracked(reader, done, update)
                check_records(
                    records,
                    name,
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


def _print_json_list(
    reports: Sequence[msgspec.Struct], extra: Sequence[dict[str, Any]] | None = None
) -> None:
    data: list[Any] = msgspec.to_builtins(reports)
    for each, fields in zip(data, extra or [{}] * len(data), strict=True):
        each.update(fields)
    encoded = msgspec.json.encode(data)
    sys.stdout.write(msgspec.json.format(encoded, indent=2).decode() + "\n")


def _print_check(report: CheckReport, out: TextIO) -> None:
    files = ", ".join(report.files)
    frames = report.frames
    print(
        f"{files}: {frames} frame{_s(frames)}, {report.valid} valid, {report.invalid} invalid",
        file=out,
    )
    for empty in report.empty_files:
        print(f"{empty}: no frames", file=out)
    for direction in ("client", "server"):
        counts = report.counts[direction]
        if not counts:
            continue
        known = sum(counts.values())
        print(f"{direction} ({known} known event{_s(known)})", file=out)
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


def stats(args: argparse.Namespace) -> int:
    status = 0
    summaries: list[tuple[str, SessionStats]] = []
    for file in args.files:
        file_status, name, sessions = _file_stats(file, args)
        status = max(status, file_status)
        summaries.extend((name, stats) for stats in sessions)
    files = len(args.files)
    if args.json:
        if len(summaries) == 1 and files == 1:
            _print_json(summaries[0][1])
        elif summaries:
            extra = [{"file": name} if files > 1 else {} for name, _ in summaries]
            _print_json_list([stats for _, stats in summaries], extra)
        return status
    for index, (name, stats) in enumerate(summaries):
        if index:
            print()
        if files > 1:
            print(f"{'file':<15} {name}")
        if _shared(summaries, name):
            label = "(records without a number)" if stats.session is None else stats.session
            print(f"{'session':<15} {label}")
        _print_stats(stats, sys.stdout)
    return status


def _shared(summaries: Sequence[tuple[str, SessionStats]], name: str) -> bool:
    """Whether the file ``name`` holds more than one of the sessions summarised."""
    return sum(1 for each, _ in summaries if each == name) > 1


def _file_stats(file: str, args: argparse.Namespace) -> tuple[int, str, list[SessionStats]]:
    """The status, shown name and session summaries of one FILE; problems go to stderr."""
    try:
        path, name = _input(file)
    except OSError as exc:
        print(f"rtmsg stats: {os_error(exc)}", file=sys.stderr)
        return 2, file, []
    first_invalid: list[tuple[int, str]] = []

    def watch(frame: FrameStats) -> None:
        if not first_invalid and frame.event is None:
            record = frame.record
            message = record.message if isinstance(record, BadRecord) else str(frame.error)
            first_invalid.append((record.line, message))

    try:
        with (
            CaptureReader(
                path, args.direction, max_frame_bytes=args.max_frame_bytes, protocol=args.protocol
            ) as reader,
            _progress(reader.size, not args.no_progress, "reading") as update,
        ):
            sessions = sessions_stats(
                _tracked(reader, 0, update), max_frame_bytes=args.max_frame_bytes, on_frame=watch
            )
    except SessionsNotNumbered as exc:
        print(
            f"rtmsg stats: {name}: {exc}, so they cannot be told apart; record one "
            "file per session (--capture 'session-{session}.jsonl.gz')",
            file=sys.stderr,
        )
        return 1, name, []
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"rtmsg stats: {os_error(exc)}", file=sys.stderr)
        return 2, name, []
    if not _warn_stats(f"rtmsg stats: {name}", sessions, first_invalid, args.direction):
        return 2, name, []
    return 0, name, sessions


def _warn_stats(
    prefix: str,
    sessions: Sequence[SessionStats],
    first_invalid: Sequence[tuple[int, str]],
    direction: Direction | None,
) -> bool:
    """Say on stderr what ``stats`` could not read; ``False`` if there is nothing to summarise."""
    frames = sum(stats.frames for stats in sessions)
    invalid = sum(stats.invalid_frames for stats in sessions)
    unknown = sum(stats.unknown_frames for stats in sessions)
    if not frames:
        print(f"{prefix}: nothing to summarise: it holds no frames", file=sys.stderr)
        return False
    if first_invalid:
        line, message = first_invalid[0]
        if invalid == frames:
            lines = "its only line is not" if frames == 1 else f"none of its {frames} lines is"
            print(
                f"{prefix}: nothing to summarise: {lines} a valid frame (line {line}: {message})",
                file=sys.stderr,
            )
            return False
        print(
            f"{prefix}: warning: {invalid} invalid frame{_s(invalid)}, the first at line "
            f"{line}: {message}",
            file=sys.stderr,
        )
    if unknown and unknown == frames - invalid:
        read_as = f" as {direction} events: is --direction right?" if direction else ""
        print(
            f"{prefix}: warning: no frame is of an event type rtmsg knows{read_as}", file=sys.stderr
        )
    return True


def _seconds(value: float | None) -> str:
    return "n/a (no timestamps)" if value is None else f"{value:.3f} s"


def _frames(stats: SessionStats) -> str:
    return f"{stats.frames} ({stats.unknown_frames} unknown, {stats.invalid_frames} invalid)"


def _latency(stats: SessionStats) -> str:
    latency = stats.latency
    if latency is not None:
        return (
            f"median {latency.median_s * 1000:.1f} ms, p95 {latency.p95_s * 1000:.1f} ms, "
            f"max {latency.max_s * 1000:.1f} ms over {latency.turns} turn{_s(latency.turns)}"
        )
    if stats.duration_s is None:
        return "n/a (no timestamps)"
    return "n/a (no end of speech or commit was followed by audio)"


def _print_stats(stats: SessionStats, out: TextIO) -> None:
    """The summary's lines, each where the session has a figure for it, whatever its protocol:
    frames, time and audio always; turns and latency once a turn was seen or a response ended
    (a response no turn ended before has its latency say why there is none); responses and
    tokens once a response ended; transcripts once one was counted; usage once the server
    reported it. ``--json`` has every figure."""
    tokens = stats.tokens
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(stats.responses_by_status.items()))
    turns = bool(stats.turns or stats.responses) or stats.latency is not None
    rows = [
        *([("protocol", stats.protocol)] if stats.protocol != DEFAULT_PROTOCOL else []),
        *([("model", stats.model)] if stats.model is not None else []),
        ("frames", _frames(stats)),
        ("duration", _seconds(stats.duration_s)),
        ("audio sent", f"{stats.audio_sent_s:.3f} s"),
        ("audio received", f"{stats.audio_received_s:.3f} s"),
        *([("turns", str(stats.turns))] if turns else []),
    ]
    if stats.responses:
        rows += [
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
    if turns:
        rows.append(("latency", _latency(stats)))
    if stats.input_transcript_chars or stats.output_transcript_chars:
        rows += [
            ("transcript in", f"{stats.input_transcript_chars} chars"),
            ("transcript out", f"{stats.output_transcript_chars} chars"),
        ]
    if stats.usage_s is not None:
        rows.append(("usage", f"{stats.usage_s:.3f} s billed"))
    for name, value in rows:
        print(f"{name:<15} {value}", file=out)


def analytics(args: argparse.Namespace) -> int:
    try:
        from ..analytics import commands
    except ImportError as exc:
        print(f"rtmsg {args.command}: {exc}", file=sys.stderr)
        return 2
    return commands.run(args, _progress)
