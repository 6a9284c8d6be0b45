"""Captures: what decoding a big one costs, and what writing one costs the relay's event loop.

``python -m bench.capture PATH [--peer rtmsg|msgspec]`` decodes a JSONL capture in a fresh
process and prints one JSON object: throughput and memory growth. A fresh process has its
own high-water mark of resident memory, so the peak after the run minus the peak before it
is what decoding the file added to the process's peak memory. Times are CPU times of the
decode loop, so other processes on the machine do not count.

``python -m bench.capture write [--quick] [--json]`` measures the writer on the corpus'
sessions (see :mod:`bench.capture_write`): the CPU one ``CaptureWriter.write`` takes on the
caller's thread, against a writer that compresses and writes on that thread itself, and what
each flush policy costs for ``.jsonl`` and ``.jsonl.gz``.

``python -m bench.capture level [--quick] [--json]`` measures each gzip level on voice
sessions of noise, of the mock's tone and of silence (see :mod:`bench.capture_level`): the
flusher's CPU per frame and the bytes on disk.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import msgspec

import rtmsg

__all__ = ["main", "peak_rss", "write_capture"]


def peak_rss() -> int:
    """This process's peak resident memory, in bytes.

    Linux's ``ru_maxrss`` keeps the parent's peak across ``fork`` and ``exec``, so read
    the process's own high-water mark (``VmHWM``) where there is one.
    """
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def write_capture(path: Path, frames: list[bytes], size: int) -> int:
    """Write ``frames`` as JSONL, over and over, until the file holds ``size`` bytes or more."""
    block = b"\n".join(frames) + b"\n"
    written = 0
    with path.open("wb") as fp:
        while written < size:
            fp.write(block)
            written += len(block)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["write"]:
        from bench import capture_write

        return capture_write.main(args_list[1:])
    if args_list[:1] == ["level"]:
        from bench import capture_level

        return capture_level.main(args_list[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.capture", description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--peer", choices=["rtmsg", "msgspec"], default="rtmsg")
    args = parser.parse_args(args_list)
    before = peak_rss()
    events = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    with args.path.open("rb") as fp:
        if args.peer == "rtmsg":
            for _ in rtmsg.iter_server_events(fp):
                events += 1
        else:
            decode = msgspec.json.decode
            for line in fp:
                decode(line)
                events += 1
    cpu_seconds = time.process_time() - start_cpu
    seconds = time.perf_counter() - start
    after = peak_rss()
    result = {
        "peer": args.peer,
        "bytes": args.path.stat().st_size,
        "events": events,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_before": before,
        "peak_rss_after": after,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
