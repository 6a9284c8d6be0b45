"""How much latency the relay adds: round trips to the mock server, direct and through the relay.

The mock server and the relay each run in their own process (``python -m rtmsg ...``), as a
user would run them; the clients run here. Each session repeats, every ``--interval-ms``:
send 100 ms of pcm16 audio (``input_audio_buffer.append``, 6.4 kB) and an
``input_audio_buffer.clear``, then wait for ``input_audio_buffer.cleared``. The round trip is
timed from the clear to the cleared. Through the relay a round trip crosses it twice (once each
way), so the relay's added latency per frame is about half the added round trip. The relay's
CPU time per relayed frame (both directions, session set-up included) comes from /proc.

    python bench/relay_latency.py                 # 1 session, then 100 concurrent sessions
    python bench/relay_latency.py --sessions 20 --rounds 100

Needs the ``relay`` extra (``pip install -e '.[relay]'``); ``make relay-bench`` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.metadata
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from websockets.asyncio.client import connect
from websockets.sync.client import connect as sync_connect

import rtmsg
from rtmsg.inspection import percentile

APPEND = rtmsg.encode(
    rtmsg.InputAudioBufferAppend(audio=base64.b64encode(b"\x00\x01" * 2400).decode())
).decode()
CLEAR = rtmsg.encode(rtmsg.InputAudioBufferClear()).decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_serving(port: int, timeout: float = 10.0) -> None:
    """Wait until a WebSocket session on ``port`` opens (a plain TCP probe would log errors)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with sync_connect(f"ws://127.0.0.1:{port}/v1/realtime", open_timeout=1) as ws:
                ws.recv(timeout=2)
                return
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (Linux), else ``None``."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _process(*args: str, port: int) -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-m", "rtmsg", *args])
    try:
        _wait_until_serving(port)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _session(url: str, rounds: int, interval: float, rtts: list[float]) -> int:
    """Run one session; return how many frames it sent and received."""
    frames = 0
    async with connect(url, max_size=None, compression=None) as ws:
        await ws.recv()  # session.created
        frames += 1
        for _ in range(rounds):
            next_round = time.perf_counter() + interval
            await ws.send(APPEND)
            started = time.perf_counter()
            await ws.send(CLEAR)
            frames += 2
            while True:
                frames += 1
                if b"input_audio_buffer.cleared" in await ws.recv(decode=False):
                    break
            rtts.append(time.perf_counter() - started)
            await asyncio.sleep(max(0.0, next_round - time.perf_counter()))
    return frames


async def _measure(
    url: str, sessions: int, rounds: int, interval: float
) -> tuple[list[float], int]:
    rtts: list[float] = []
    counts = await asyncio.gather(*(_session(url, rounds, interval, rtts) for _ in range(sessions)))
    return rtts, sum(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--interval-ms", type=float, default=100.0)
    args = parser.parse_args()
    mock_port, relay_port = _free_port(), _free_port()
    mock_url = f"ws://127.0.0.1:{mock_port}/v1/realtime?model=bench"
    relay_url = f"ws://127.0.0.1:{relay_port}/v1/realtime?model=bench"
    print(
        f"Python {platform.python_version()},"
        f" websockets {importlib.metadata.version('websockets')}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; one round = append 100 ms pcm16 + clear, "
        f"every {args.interval_ms:g} ms per session; times are clear -> cleared round trips (ms)"
    )
    with (
        _process("mock-server", "--listen", f"127.0.0.1:{mock_port}", port=mock_port),
        _process(
            "relay",
            "--listen",
            f"127.0.0.1:{relay_port}",
            "--upstream",
            f"ws://127.0.0.1:{mock_port}",
            port=relay_port,
        ) as relay_pid,
    ):
        print(
            f"{'sessions':>8}  {'rounds':>7}  {'direct p50':>10}  {'p99':>6}  "
            f"{'relay p50':>9}  {'p99':>6}  {'added p50':>9}  {'p99':>6}  {'relay CPU/frame':>15}"
        )
        for sessions in sorted({1, args.sessions}):
            interval = args.interval_ms / 1000
            asyncio.run(_measure(mock_url, sessions, 5, interval))  # warm up
            direct, _ = asyncio.run(_measure(mock_url, sessions, args.rounds, interval))
            cpu_before = _cpu_seconds(relay_pid)
            relayed, frames = asyncio.run(_measure(relay_url, sessions, args.rounds, interval))
            cpu_after = _cpu_seconds(relay_pid)
            d50, d99 = 1000 * statistics.median(direct), 1000 * percentile(sorted(direct), 99)
            r50, r99 = 1000 * statistics.median(relayed), 1000 * percentile(sorted(relayed), 99)
            cpu = "n/a"
            if cpu_before is not None and cpu_after is not None:
                cpu = f"{1e6 * (cpu_after - cpu_before) / frames:.0f} us"
            print(
                f"{sessions:>8}  {len(relayed):>7}  {d50:>10.2f}  {d99:>6.2f}  "
                f"{r50:>9.2f}  {r99:>6.2f}  {r50 - d50:>9.2f}  {r99 - d99:>6.2f}  {cpu:>15}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
