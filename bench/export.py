"""``python -m bench.export [--quick]``: what ``rtmsg export`` costs, next to plain decoding.

The captures are the benchmark corpus's sessions (:mod:`bench.corpus`), each written over
and over as capture records, 20 ms apart, until it holds ``--capture-mb`` MiB; one capture
per session and round, so that two workers have as many tasks each. Every measurement runs
in a fresh process, on the same files, read from the page cache:

- ``decode``: every record of every capture decoded (``read_capture`` and the decoders: what
  ``rtmsg check`` does), the floor;
- ``stats``: :func:`rtmsg.inspection.session_stats`, the loop the export reuses;
- ``export``: :func:`rtmsg.analytics.export`, one process;
- ``export on N workers``: :func:`rtmsg.analytics.export_many` on a ``LocalCluster`` of N
  processes of one thread (started before the clock runs).

Per core figures divide by CPU seconds (the decode loop's, or the sum of the export tasks'
threads), so other processes on a shared machine count less than in wall-clock figures.
Then one capture of ``--rss-mb`` MiB (1 GiB by default) is exported, and decoded, in a fresh
process each, and the growth of the peak resident memory (``VmHWM``) is reported: it must
not depend on the capture's size. The table goes to stdout and to ``--output``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.capture import peak_rss
from bench.corpus import build_corpus

__all__ = ["main", "measure", "render", "write_captures"]

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20
START = 1_757_030_400.0  # 2025-09-05 00:00 UTC
STEP = 0.02


def write_captures(directory: Path, count: int, size: int, seconds: float) -> list[Path]:
    """``count`` captures of ``size`` bytes or more, cycling through the corpus's sessions."""
    from rtmsg.capture import encode_record

    sessions = build_corpus(seconds).sessions
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        session = sessions[n % len(sessions)]
        path = directory / f"session-{n + 1}.jsonl"
        t = START + n * 7200
        written = 0
        with path.open("wb") as file:
            while written < size:
                for direction, frame in session.frames:
                    record = encode_record(t, direction, frame)
                    file.write(record)
                    written += len(record)
                    t += STEP
        paths.append(path)
    return paths


def _child(args: argparse.Namespace) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    import rtmsg
    from rtmsg import analytics
    from rtmsg.capture import BadRecord, read_capture
    from rtmsg.inspection import session_stats

    paths = [Path(path) for path in args.paths]
    client = cluster = None
    if args.mode == "export" and args.workers:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client = Client(cluster)
    before = peak_rss()
    events = 0
    task_cpu: float | None = None
    start, start_cpu = time.perf_counter(), time.process_time()
    if args.mode == "decode":
        decoders = {"client": rtmsg.decode_client_event, "server": rtmsg.decode_server_event}
        for path in paths:
            for record in read_capture(path):
                events += 1
                if isinstance(record, BadRecord):
                    continue
                with contextlib.suppress(rtmsg.DecodeError):
                    decoders[record.direction](record.frame)
    elif args.mode == "stats":
        for path in paths:
            events += session_stats(read_capture(path)).frames
    elif client is not None:
        report = analytics.export_many(paths, args.out, client)
        events = report.rows
        task_cpu = sum(capture.cpu_seconds for capture in report.captures)
    else:
        report = analytics.export(paths, args.out)
        events = report.rows
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - start_cpu if task_cpu is None else task_cpu
    after = peak_rss()
    if client is not None and cluster is not None:
        client.close()
        cluster.close()
    return {
        "mode": args.mode,
        "workers": args.workers or 1,
        "cluster": client is not None,
        "bytes": sum(path.stat().st_size for path in paths),
        "events": events,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        # A cluster's workers are other processes: their memory is not this one's.
        "peak_rss_before": before,
        "peak_rss_after": None if client is not None else after,
    }


def measure(
    mode: str, paths: Sequence[Path], out: Path | None = None, workers: int = 0
) -> dict[str, Any]:
    """Run one measurement in a fresh process and return what it printed."""
    command = [sys.executable, "-m", "bench.export", "--child", mode, *map(str, paths)]
    if out is not None:
        shutil.rmtree(out, ignore_errors=True)
        command += ["--out", str(out)]
    if workers:
        command += ["--workers", str(workers)]
    result = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    data: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return data


def _versions() -> str:
    from importlib.metadata import version

    names = ["msgspec", "pyarrow", "duckdb", "dask", "distributed"]
    packages = ", ".join(f"{name} {version(name)}" for name in names)
    return (
        f"{platform.python_implementation()} {platform.python_version()}; "
        f"rtmsg {version('rtmsg')}; {packages}"
    )


def _mib(value: float) -> str:
    return f"{value / MIB:.1f} MiB"


def render(throughput: list[dict[str, Any]], memory: list[dict[str, Any]], note: str) -> str:
    """The markdown report of a run."""
    (decode,) = [row for row in throughput if row["mode"] == "decode"]
    decode_cpu_per_byte = decode["cpu_seconds"] / decode["bytes"]
    lines = [
        "# rtmsg export benchmark",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} logical cores, "
        f"{platform.system()} {platform.release()} (shared: other processes ran too)",
        f"- {_versions()}",
        f"- Run: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}; {note}",
        "",
        "| run | workers | captures | events | wall s | MB/s | events/s | MB/s per core "
        "| events/s per core | CPU ÷ decode |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in throughput:
        name = {"decode": "plain decode", "stats": "rtmsg stats loop"}.get(row["mode"], "")
        if row["mode"] == "export":
            name = "export_many, dask" if row["cluster"] else "export, in process"
        ratio = row["cpu_seconds"] / row["bytes"] / decode_cpu_per_byte
        lines.append(
            f"| {name} | {row['workers']} | {_mib(row['bytes'])} | {row['events']:,} "
            f"| {row['seconds']:.2f} | {row['bytes'] / row['seconds'] / 1e6:.1f} "
            f"| {row['events'] / row['seconds']:,.0f} "
            f"| {row['bytes'] / row['cpu_seconds'] / 1e6:.1f} "
            f"| {row['events'] / row['cpu_seconds']:,.0f} | {ratio:.2f}× |"
        )
    lines += [
        "",
        "Peak memory, one capture in a fresh process (growth of `VmHWM` over the run):",
        "",
        "| run | capture | events | CPU s | MB/s per core | peak RSS growth | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in memory:
        name = "plain decode" if row["mode"] == "decode" else "export"
        lines.append(
            f"| {name} | {_mib(row['bytes'])} | {row['events']:,} | {row['cpu_seconds']:.2f} "
            f"| {row['bytes'] / row['cpu_seconds'] / 1e6:.1f} "
            f"| {_mib(row['peak_rss_after'] - row['peak_rss_before'])} "
            f"| {_mib(row['peak_rss_after'])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small captures, in seconds")
    parser.add_argument("--captures", type=int, default=8, help="captures per run (8)")
    parser.add_argument("--capture-mb", type=int, help="MiB per capture (32; quick 1)")
    parser.add_argument("--rss-mb", type=int, help="MiB of the memory run's capture (1024)")
    parser.add_argument("--output", type=Path, help="also write the report here")
    parser.add_argument("--child", metavar="MODE", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.mode = args.child
        print(json.dumps(_child(args)))
        return 0
    capture_mb = args.capture_mb or (1 if args.quick else 32)
    rss_mb = args.rss_mb or (8 if args.quick else 1024)
    seconds = 6.0 if args.quick else 30.0
    with tempfile.TemporaryDirectory(prefix="rtmsg-bench-export-") as tmp:
        work = Path(tmp)
        needed = (args.captures * capture_mb + rss_mb) * MIB * 1.2
        if shutil.disk_usage(work).free < needed:
            print(f"not enough free space in {work}: {needed / MIB:.0f} MiB needed")
            return 2
        paths = write_captures(work / "captures", args.captures, capture_mb * MIB, seconds)
        out = work / "dataset"
        throughput = [
            measure("decode", paths),
            measure("stats", paths),
            measure("export", paths, out),
            measure("export", paths, out, workers=1),
            measure("export", paths, out, workers=2),
        ]
        for path in paths:
            path.unlink()
        (big,) = write_captures(work / "big", 1, rss_mb * MIB, seconds)
        memory = [measure("decode", [big]), measure("export", [big], out)]
    note = (
        f"{args.captures} captures of {capture_mb} MiB (plain JSONL, corpus seed sessions); "
        f"memory run on {rss_mb} MiB"
    )
    text = render(throughput, memory, note)
    print(text)
    output = args.output or (ROOT / ".benchmarks" / "export-quick.md" if args.quick else None)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
