"""``kill -9`` of a recording relay loses at most the frames of its last flush interval.

The real ``rtmsg relay`` and ``rtmsg mock-server`` run as processes on loopback, on each
transport; a client streams through the relay, which is killed with SIGKILL mid-stream.
Every frame the relay had recorded one flush interval (and a margin for a loaded machine)
before it died must be in the capture, and the capture must read to its end with at most
one ``truncated_file``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import rtmsg
from rtmsg import cli
from rtmsg.capture import BadRecord, Record, read_capture
from rtmsg.relay.proxy import Transport
from servers import run

FLUSH_INTERVAL_S = 0.2
MARGIN_S = 0.5
"""How late a flush may run on a machine that other jobs keep busy."""
STREAM_S = 1.5
START_TIMEOUT_S = 30.0

_LISTENING = re.compile(r"listening on ws://127\.0\.0\.1:(\d+)")


@contextlib.contextmanager
def _command(*argv: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``python -m rtmsg ARGV`` listening on an ephemeral port; killed on the way out."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rtmsg", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            found = _LISTENING.search(line)
            if found:
                break
        yield process, int(found.group(1))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _append(number: int) -> bytes:
    event = rtmsg.InputAudioBufferAppend.from_pcm(
        bytes([number % 256]) * 960, event_id=f"a{number}"
    )
    return rtmsg.encode(event)


def _clear(number: int) -> bytes:
    return rtmsg.encode(rtmsg.InputAudioBufferClear(event_id=f"c{number}"))


@pytest.mark.parametrize("name", ["capture.jsonl", "capture.jsonl.gz"])
def test_kill_9_loses_at_most_the_last_flush_interval(
    tmp_path: Path, name: str, transport: Transport
) -> None:
    capture = tmp_path / name
    sent: list[bytes] = []
    received: list[tuple[float, bytes]] = []
    transport_args = ("--transport", transport)
    with (
        _command("mock-server", "--listen", "127.0.0.1:0", *transport_args) as (_, mock_port),
        _command(
            "relay",
            "--listen",
            "127.0.0.1:0",
            *transport_args,
            "--upstream",
            f"ws://127.0.0.1:{mock_port}",
            "--capture",
            str(capture),
            "--flush-interval",
            str(FLUSH_INTERVAL_S),
        ) as (relay, relay_port),
    ):

        async def scenario() -> float:
            async with connect(f"ws://127.0.0.1:{relay_port}/v1/realtime") as ws:

                async def receive() -> None:
                    with contextlib.suppress(ConnectionClosed):
                        while True:
                            frame = await ws.recv(decode=False)
                            received.append((time.monotonic(), frame))

                receiving = asyncio.create_task(receive())
                start = time.monotonic()
                number = 0
                while time.monotonic() < start + STREAM_S:
                    for frame in (_append(number), _clear(number)):
                        await ws.send(frame.decode())
                        sent.append(frame)
                    number += 1
                    await asyncio.sleep(0.004)
                killed_at = time.monotonic()
                os.kill(relay.pid, signal.SIGKILL)
                await asyncio.wait_for(receiving, 10)
                return killed_at

        killed_at = run(scenario)
        assert relay.wait(timeout=10) == -signal.SIGKILL

    records = list(read_capture(capture))
    bad = [r for r in records if isinstance(r, BadRecord)]
    assert bad in ([], records[-1:]), bad
    assert all(r.code == "truncated_file" for r in bad)
    kept = [r for r in records if isinstance(r, Record)]
    assert {r.session for r in kept} == {1}
    kept_client = [r.frame for r in kept if r.direction == "client"]
    kept_server = [r.frame for r in kept if r.direction == "server"]
    # What the file holds is what went through, in order: a prefix of each direction.
    assert kept_client == sent[: len(kept_client)]
    frames_received = [frame for _, frame in received]
    common = min(len(kept_server), len(frames_received))
    assert kept_server[:common] == frames_received[:common]
    # The relay recorded a server frame before the client got it, and a clear before the
    # client got its cleared: all of that, up to one interval before the kill, is on disk.
    cutoff = killed_at - FLUSH_INTERVAL_S - MARGIN_S
    due = [frame for at, frame in received if at <= cutoff]
    assert len(due) > 20, "the stream was too short to tell"
    assert kept_server[: len(due)] == due
    cleared = sum(b"input_audio_buffer.cleared" in frame for frame in due)
    assert sum(b"input_audio_buffer.clear" in frame for frame in kept_client) >= cleared
    assert len(kept_client) >= 2 * cleared - 1

    # check reads it to the cut: every frame before it is valid, the cut (if any) is not.
    assert cli.main(["check", "--no-progress", str(capture)]) == (1 if bad else 0)
