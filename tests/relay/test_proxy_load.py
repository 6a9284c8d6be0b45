"""The relay under load: many concurrent sessions, and a client that stops reading.

Frames must not be lost, duplicated or reordered, and a slow reader must hold back its sender
(the server, or the client) rather than fill the relay's memory.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import statistics
import time

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import rtmsg
from rtmsg.inspection import percentile
from rtmsg.relay import MockServer, Relay
from rtmsg.relay.proxy import Transport
from servers import ServeRelayPair, port_of, receiver, recv_until, run, until_still

LOAD_SESSIONS = int(os.environ.get("RTMSG_LOAD_SESSIONS", "100"))


def _type(frame: bytes) -> str:
    kind: str = json.loads(frame)["type"]
    return kind


def _pcm(ms: int) -> str:
    return base64.b64encode(b"\x00\x01" * (24 * ms)).decode()


APPENDS = 20
ROUND_TRIPS = 10


async def _session(url: str, index: int, rtts: list[float]) -> tuple[list[bytes], list[bytes]]:
    """One scripted session; returns (frames sent, frames received) in order."""
    sent: list[bytes] = []
    received: list[bytes] = []
    async with connect(f"{url}/v1/realtime?model=m&session={index}", max_size=None) as ws:
        recv = receiver(ws)

        async def send(event: rtmsg.Event) -> None:
            frame = rtmsg.encode(event)
            sent.append(frame)
            await ws.send(frame.decode())

        received.extend(await recv_until(recv, "session.created"))
        audio = _pcm(100)
        for k in range(ROUND_TRIPS):
            for j in range(APPENDS // ROUND_TRIPS):
                await send(rtmsg.InputAudioBufferAppend(audio=audio, event_id=f"a{index}.{k}.{j}"))
            await send(rtmsg.InputAudioBufferCommit(event_id=f"commit{index}.{k}"))
            received.extend(await recv_until(recv, "conversation.item.done"))
            started = time.perf_counter()
            await send(rtmsg.InputAudioBufferClear(event_id=f"c{index}.{k}"))
            received.extend(await recv_until(recv, "input_audio_buffer.cleared"))
            rtts.append(time.perf_counter() - started)
        await send(rtmsg.ResponseCreate(event_id=f"r{index}"))
        received.extend(await recv_until(recv, "response.done"))
    return sent, received


async def _load(url: str, mock: MockServer, rtts: list[float]) -> None:
    results = await asyncio.gather(*(_session(url, i, rtts) for i in range(LOAD_SESSIONS)))
    by_index = {int(s.query["session"]): s for s in mock.sessions}
    assert len(by_index) == LOAD_SESSIONS
    for index, (sent, received) in enumerate(results):
        # Nothing lost, duplicated or reordered, in either direction.
        assert by_index[index].received == sent
        assert by_index[index].sent[: len(received)] == received
        assert _type(received[-1]) == "response.done"


def _ms(samples: list[float], percent: int) -> float:
    return 1000 * percentile(sorted(samples), percent)


def test_load_concurrent_sessions_through_the_relay(
    capsys: pytest.CaptureFixture[str], relay_pair: ServeRelayPair
) -> None:
    direct: list[float] = []
    relayed: list[float] = []

    async def scenario() -> None:
        async with relay_pair() as (mock, mock_url, relay_url, _):
            await _load(mock_url, mock, direct)
            mock.sessions.clear()
            await _load(relay_url, mock, relayed)

    started = time.perf_counter()
    run(scenario, timeout=60)
    elapsed = time.perf_counter() - started
    assert len(relayed) == LOAD_SESSIONS * ROUND_TRIPS
    median = statistics.median(relayed) - statistics.median(direct)
    with capsys.disabled():
        print(
            f"\n{LOAD_SESSIONS} concurrent sessions, {elapsed:.1f} s; round trip "
            f"clear->cleared direct median {_ms(direct, 50):.2f} ms p99 {_ms(direct, 99):.2f} ms; "
            f"through the relay median {_ms(relayed, 50):.2f} ms p99 {_ms(relayed, 99):.2f} ms; "
            f"added per round trip (two relay hops) median {1000 * median:.2f} ms"
        )


def test_a_client_that_does_not_read_holds_back_the_server(relay_pair: ServeRelayPair) -> None:
    """Backpressure: the relay buffers a bounded amount, then the server's sends wait."""
    frames = 600  # 600 s of audio in 1 s deltas: about 38 MB of frames

    async def scenario() -> tuple[int, int, list[bytes], MockServer]:
        async with relay_pair(audio_ms=frames * 1000, chunk_ms=1000) as (mock, _, relay_url, _):
            # A small receive buffer, so the kernel does not hide the backpressure.
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
            sock.connect(("127.0.0.1", int(relay_url.rsplit(":", 1)[1])))
            sock.setblocking(False)
            ws = await connect(f"{relay_url}/v1/realtime", max_size=None, sock=sock)
            await ws.recv()
            await ws.send(rtmsg.encode(rtmsg.ResponseCreate()).decode())
            # Not reading, until the server's sends stop.
            stalled, still = await until_still(lambda: len(mock.sessions[0].sent))
            received: list[bytes] = []
            received.extend(await recv_until(receiver(ws), "response.done"))
            await ws.close()
        return stalled, still, received, mock

    stalled, still, received, mock = run(scenario)
    total = len(mock.sessions[0].sent)
    print(f"server held back after {stalled} of {total} frames")
    assert stalled == still < total - 100, (stalled, still, total)
    assert received == mock.sessions[0].sent[1:]


def test_an_upstream_that_does_not_read_holds_back_the_client(transport: Transport) -> None:
    """Backpressure the other way: the relay buffers a bounded amount, then the client's
    sends wait; once the upstream reads again, every message reaches it, in order."""
    frames = 600  # 600 appends of 1 s of audio: about 38 MB of frames
    messages = [
        rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(bytes([i % 256]) * 48_000)).decode()
        for i in range(frames)
    ]
    reading = asyncio.Event()
    received: list[str] = []

    async def upstream(connection: ServerConnection) -> None:
        await reading.wait()
        with contextlib.suppress(ConnectionClosed):
            async for message in connection:
                assert isinstance(message, str)
                received.append(message)

    async def scenario() -> tuple[int, int]:
        # Small socket buffers at both ends, so that the kernel does not hide the backpressure.
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        listener.bind(("127.0.0.1", 0))
        async with serve(upstream, sock=listener, max_size=None, max_queue=1) as server:
            relay = Relay(f"ws://127.0.0.1:{port_of(server)}", transport=transport)
            async with relay.serve("127.0.0.1", 0) as relay_server:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
                sock.connect(("127.0.0.1", port_of(relay_server)))
                sock.setblocking(False)
                url = f"ws://127.0.0.1:{port_of(relay_server)}/v1/realtime"
                async with connect(url, max_size=None, sock=sock) as ws:
                    sent = 0

                    async def send_all() -> None:
                        nonlocal sent
                        for message in messages:
                            await ws.send(message)
                            sent += 1

                    sending = asyncio.ensure_future(send_all())
                    stalled, still = await until_still(lambda: sent)  # the client's sends stop
                    reading.set()
                    await asyncio.wait_for(sending, 30)
                    while len(received) < frames:
                        await asyncio.sleep(0.05)
        return stalled, still

    stalled, still = run(scenario, timeout=60)
    print(f"client held back after {stalled} of {frames} messages")
    assert stalled == still < frames - 100, (stalled, still, frames)
    assert received == messages  # all of them, whole and in order
