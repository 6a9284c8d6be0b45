"""What writing a capture costs: the CPU of the caller per frame, and of each flush policy.

Run as ``python -m bench.capture write [--seconds S] [--rounds N] [--quick] [--json]``.
The frames are the corpus' four sessions, as text frames (``str``, as websockets hands them
to the relay), each session recorded to a file of its own as the relay does with
``--capture 'session-{session}.jsonl.gz'``: a flush a second is then a flush every
"frames per second of one session" frames, the most often any file is flushed.

Caller, in µs of CPU of the calling thread (``time.thread_time``) per frame:

- ``threaded``: :meth:`rtmsg.capture.CaptureWriter.write`; the flusher thread compresses and
  writes, woken once per interval; ``close`` (the last interval's flush) counted apart;
- ``inline``: the same records compressed and written by the caller at every interval: what
  the event loop would pay without the flusher thread;
- ``0.1``: rtmsg 0.1's writer, a ``gzip.open`` file (level 9) or a buffered file, written
  frame by frame.

``all threads`` is the CPU of the caller and the flusher thread for the same work, close
included (the process's CPU for the writers without a thread).

Flush policies, in µs of CPU per frame to compress and write one session's records, and the
bytes on disk per byte of records: plain, once at the end or once per interval; gzip, one
stream finished at the end, one stream with a ``Z_SYNC_FLUSH`` per interval, or one gzip
member per interval (what :class:`~rtmsg.capture.CaptureWriter` does).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.corpus import build_corpus
from rtmsg.capture import CaptureWriter, Direction, encode_record
from rtmsg.capture import writer as capture_writer
from rtmsg.capture.records import envelope, record_line

__all__ = ["main", "measure"]

Frames = list[tuple[Direction, str]]
INTERVAL_S = 1.0
LEVEL = capture_writer.DEFAULT_COMPRESSLEVEL


def _sessions(seconds: float) -> list[tuple[str, int, Frames]]:
    """``(name, frames per flush, frames)`` of each corpus session."""
    sessions = []
    for session in build_corpus(seconds).sessions:
        frames = [(direction, frame.decode()) for direction, frame in session.frames]
        per_flush = max(1, round(len(frames) / session.seconds * INTERVAL_S))
        sessions.append((session.name, per_flush, frames))
    return sessions


# --- the caller -----------------------------------------------------------------------------


def _flusher_cpu() -> float:
    """CPU seconds the flusher thread has used so far (0 before it starts)."""
    thread = capture_writer._flusher._thread
    if thread is None or thread.ident is None or not thread.is_alive():
        return 0.0
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def _threaded(path: Path, frames: Frames, per_flush: int) -> tuple[float, float, float]:
    """Caller CPU of the writes, caller CPU of ``close``, CPU of both threads: seconds.

    The caller waits for the flusher between intervals, as frames arriving in real time
    would let it; that wait is no one's work, so it is not counted.
    """
    flusher_start = _flusher_cpu()
    writer = CaptureWriter(path, flush_interval=0)
    writes = 0.0
    start = time.thread_time()
    for number, (direction, frame) in enumerate(frames, 1):
        writer.write(direction, frame, 1764081134.0 + number, session=1)
        if number % per_flush == 0:
            capture_writer._flusher.hurry(writer)  # what its timer does, once an interval
            writes += time.thread_time() - start
            # Frames come in real time: the flusher takes an interval's batch long before
            # the next interval's frames are in. Waiting for it is not the caller's CPU.
            while writer._pending:
                time.sleep(0.0005)
            start = time.thread_time()
    writes += time.thread_time() - start
    start = time.thread_time()
    writer.close()
    closing = time.thread_time() - start
    return writes, closing, writes + closing + _flusher_cpu() - flusher_start


def _inline(path: Path, frames: Frames, per_flush: int) -> tuple[float, float, float]:
    """The same records, compressed and written by the caller itself at every interval."""
    start_total = time.process_time()
    file = capture_writer.open_file(str(path))
    heads: dict[tuple[Direction, int], bytes] = {}
    pending: list[bytes] = []
    start = time.thread_time()
    for number, (direction, frame) in enumerate(frames, 1):
        head = heads.get((direction, 1))
        if head is None:
            head = heads[direction, 1] = envelope(direction, session=1)
        pending.append(record_line(1764081134.0 + number, head, frame))
        if number % per_flush == 0:
            file.write(b"".join(pending))
            pending.clear()
    writes = time.thread_time() - start
    start = time.thread_time()
    file.write(b"".join(pending))
    file.close()
    closing = time.thread_time() - start
    return writes, closing, time.process_time() - start_total


def _v01(path: Path, frames: Frames, per_flush: int) -> tuple[float, float, float]:
    """rtmsg 0.1: a gzip.open (level 9) or buffered file, written frame by frame."""
    start_total = time.process_time()
    gz = path.suffix == ".gz"
    # closed below, timed apart
    file: io.BufferedIOBase = gzip.open(path, "wb") if gz else open(path, "wb")  # noqa: SIM115
    start = time.thread_time()
    for number, (direction, frame) in enumerate(frames, 1):
        file.write(encode_record(1764081134.0 + number, direction, frame))
    writes = time.thread_time() - start
    start = time.thread_time()
    file.close()
    closing = time.thread_time() - start
    return writes, closing, time.process_time() - start_total


WRITERS: dict[str, Callable[[Path, Frames, int], tuple[float, float, float]]] = {
    "threaded": _threaded,
    "inline": _inline,
    "0.1": _v01,
}


# --- the flush policies -------------------------------------------------------------------


def _end_only(batches: list[bytes], gz: bool) -> bytes:
    data = b"".join(batches)
    if not gz:
        return data
    stream = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    return stream.compress(data) + stream.flush()


def _per_interval(batches: list[bytes], gz: bool) -> bytes:
    return b"".join(batches)


def _sync_flush(batches: list[bytes], gz: bool) -> bytes:
    stream = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    out = [stream.compress(batch) + stream.flush(zlib.Z_SYNC_FLUSH) for batch in batches]
    return b"".join(out) + stream.flush()


def _members(batches: list[bytes], gz: bool) -> bytes:
    out = []
    for batch in batches:
        member = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
        out.append(member.compress(batch) + member.flush())
    return b"".join(out)


POLICIES: dict[str, tuple[bool, Callable[[list[bytes], bool], bytes]]] = {
    "jsonl, at the end": (False, _end_only),
    "jsonl, every interval": (False, _per_interval),
    "gz, one stream at the end": (True, _end_only),
    "gz, Z_SYNC_FLUSH every interval": (True, _sync_flush),
    "gz, a member every interval": (True, _members),
}


def _policy_cost(
    policy: Callable[[list[bytes], bool], bytes], gz: bool, batches: list[bytes], path: Path
) -> tuple[float, int]:
    """CPU of compressing the batches as ``policy`` does and writing them: seconds, bytes."""
    start = time.process_time()
    data = policy(batches, gz)
    with path.open("wb", buffering=0) as file:
        file.write(data)
    return time.process_time() - start, len(data)


# --- the run ----------------------------------------------------------------------------------


def measure(seconds: float, rounds: int) -> dict[str, Any]:
    """Every figure, as the medians over ``rounds`` of µs per frame (and sizes per byte)."""
    sessions = _sessions(seconds)
    frame_count = sum(len(frames) for _, _, frames in sessions)
    caller: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="rtmsg-bench-") as tmp:
        for suffix in (".jsonl", ".jsonl.gz"):
            for name, writer in WRITERS.items():
                samples: list[tuple[float, float, float]] = []
                for _ in range(rounds):
                    sums = [0.0, 0.0, 0.0]
                    for index, (_, per_flush, frames) in enumerate(sessions):
                        costs = writer(Path(tmp) / f"{index}{suffix}", frames, per_flush)
                        sums = [a + b for a, b in zip(sums, costs, strict=True)]
                    samples.append((sums[0], sums[1], sums[2]))
                caller.setdefault(suffix, {})[name] = {
                    "write_us": _median_us([s[0] for s in samples], frame_count),
                    "close_us": _median_us([s[1] for s in samples], frame_count),
                    "total_us": _median_us([s[2] for s in samples], frame_count),
                }
        policies: dict[str, dict[str, float]] = {}
        for label, (gz, policy) in POLICIES.items():
            times: list[float] = []
            size = raw = 0
            for _ in range(rounds):
                spent = 0.0
                size = raw = 0
                for index, (_, per_flush, frames) in enumerate(sessions):
                    lines = [
                        encode_record(1764081134.0 + n, direction, frame, session=1)
                        for n, (direction, frame) in enumerate(frames)
                    ]
                    batches = [
                        b"".join(lines[i : i + per_flush]) for i in range(0, len(lines), per_flush)
                    ]
                    cost, written = _policy_cost(policy, gz, batches, Path(tmp) / f"p{index}")
                    spent += cost
                    size += written
                    raw += sum(map(len, lines))
                times.append(spent)
            policies[label] = {"us": _median_us(times, frame_count), "ratio": size / raw}
    return {
        "frames": frame_count,
        "sessions": [
            {"name": name, "frames": len(frames), "frames_per_flush": per_flush}
            for name, per_flush, frames in sessions
        ],
        "rounds": rounds,
        "caller": caller,
        "policies": policies,
    }


def _median_us(seconds: list[float], frames: int) -> float:
    return statistics.median(seconds) / frames * 1e6


def render(result: dict[str, Any]) -> str:
    """The figures as two Markdown tables, with the ratios the writer's design rests on."""
    lines = [
        f"{result['frames']} frames of {len(result['sessions'])} sessions, one file each, "
        f"a flush every {INTERVAL_S:g} s of each; median of {result['rounds']} rounds.",
        "",
        "| file | writer | write, caller µs/frame | close, caller µs/frame | "
        "all threads µs/frame | write vs threaded |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for suffix, writers in result["caller"].items():
        base = writers["threaded"]["write_us"]
        for name, figures in writers.items():
            lines.append(
                f"| {suffix} | {name} | {figures['write_us']:.2f} | {figures['close_us']:.2f} | "
                f"{figures['total_us']:.2f} | {figures['write_us'] / base:.1f}× |"
            )
    lines += [
        "",
        "| flush policy | µs/frame | vs at the end | bytes on disk per byte |",
        "| --- | ---: | ---: | ---: |",
    ]
    policies = result["policies"]
    for label, figures in policies.items():
        base = policies[
            "gz, one stream at the end" if label.startswith("gz") else "jsonl, at the end"
        ]
        lines.append(
            f"| {label} | {figures['us']:.2f} | {figures['us'] / base['us']:.2f}× | "
            f"{figures['ratio']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capture write", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="per session (30)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="6 s sessions, one round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    seconds, rounds = (6.0, 1) if args.quick else (args.seconds, args.rounds)
    result = measure(seconds, rounds)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0
