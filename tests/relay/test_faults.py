"""What the relay promises at the edges, on both transports, with the servers in-process.

Deep and oversized messages, fragments, text and binary, UTF-8, pings, a reader that stalls
then vanishes, an error inside the relay, a capture that fails, and the headers it forwards.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

import rtmsg
from rtmsg.capture import Record, read_capture
from rtmsg.relay import Relay
from rtmsg.relay.conversation import Output, Sleep
from rtmsg.relay.mock import MockSession
from rtmsg.relay.proxy import Transport
from servers import ServeRelayPair, port_of, receiver, recv_until, run, until_still

NESTED = '{"type":"vendor.x","x":' + "[" * 1000 + "]" * 1000 + "}"


def _closed_code(mock_session: MockSession) -> int | None:
    return mock_session.close_code


async def _until(condition: Any, timeout: float = 5.0) -> float:
    """Wait until ``condition()`` holds; how long it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


# --- deep and big messages ---------------------------------------------------------------


class _DeepServer:
    """Opens with a nested unknown event, then answers nothing."""

    def __init__(self, log: MockSession) -> None:
        pass

    def start(self) -> list[Output]:
        return [rtmsg.Unknown("vendor.x", NESTED.encode())]

    def receive(self, frame: bytes | str) -> list[Output]:
        return []

    def take_response(self) -> Iterator[Output | Sleep] | None:
        return None

    closed = False


@pytest.mark.parametrize("captured", [False, True], ids=["no-capture", "capture"])
def test_a_nested_frame_is_answered_with_nesting_too_deep_and_the_session_goes_on(
    tmp_path: Path, relay_pair: ServeRelayPair, captured: bool
) -> None:
    capture = tmp_path / "deep.jsonl" if captured else None

    async def scenario() -> tuple[list[bytes], bytes, int | None]:
        async with relay_pair(capture=capture) as (mock, _, relay_url, _):
            mock.session_kinds["/v1/deep"] = _DeepServer
            async with connect(f"{relay_url}/v1/realtime") as ws:
                recv = receiver(ws, timeout=5)
                frames = await recv_until(recv, "session.created")
                await ws.send(NESTED)
                frames += await recv_until(recv, "error")
                await ws.send(rtmsg.encode(rtmsg.InputAudioBufferClear()).decode())
                frames += await recv_until(recv, "input_audio_buffer.cleared")
            async with connect(f"{relay_url}/v1/deep") as ws:
                deep = await receiver(ws, timeout=5)()
            return frames, deep, ws.close_code

    frames, deep, code = run(scenario)
    answer = rtmsg.decode_server_event(frames[1])
    assert isinstance(answer, rtmsg.Error)
    assert answer.error.code == "nesting_too_deep"
    assert deep == NESTED.encode()  # the server's nested frame is forwarded, as it is
    assert code == 1000
    if capture is not None:
        # The nested frame is recorded byte for byte, the relay's answer right after it.
        records = list(read_capture(capture))
        assert [(r.session, r.direction, r.frame) for r in records if isinstance(r, Record)] == [
            (1, "server", frames[0]),
            (1, "client", NESTED.encode()),
            (1, "server", frames[1]),
            (1, "client", rtmsg.encode(rtmsg.InputAudioBufferClear())),
            (1, "server", frames[2]),
            (2, "server", NESTED.encode()),
        ]
        assert all(isinstance(r, Record) for r in records)


@pytest.mark.parametrize("captured", [False, True], ids=["no-capture", "capture"])
def test_a_message_over_the_limit_closes_its_sender_with_1009(
    tmp_path: Path, relay_pair: ServeRelayPair, captured: bool
) -> None:
    limit = 10_000
    big = rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * limit)).decode()
    fitting = rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 6000))
    clear = rtmsg.encode(rtmsg.InputAudioBufferClear())
    capture = tmp_path / "limit.jsonl" if captured else None

    async def send_fragments(ws: Any, text: str, size: int) -> None:
        await ws.send(text[i : i + size] for i in range(0, len(text), size))

    async def scenario() -> tuple[list[int | None], list[int | None], bytes, list[list[bytes]]]:
        options = {"max_size": limit}
        async with relay_pair(capture=capture, relay_options=options) as (mock, _, relay_url, _):
            codes: list[int | None] = []
            seen: list[list[bytes]] = []  # what each session's client received
            # A fragmented message under the limit is reassembled and goes on byte for byte.
            async with connect(f"{relay_url}/v1/realtime", max_size=None) as ws:
                recv = receiver(ws, timeout=5)
                seen.append(await recv_until(recv, "session.created"))
                await send_fragments(ws, fitting.decode(), 1000)
                await ws.send(clear.decode())
                seen[-1] += await recv_until(recv, "input_audio_buffer.cleared")
            received = mock.sessions[0].received[0]
            for send in (ws_send_whole, ws_send_fragmented):
                async with connect(f"{relay_url}/v1/realtime", max_size=None) as ws:
                    seen.append(await recv_until(receiver(ws, timeout=5), "session.created"))
                    await send(ws, big)
                    with pytest.raises(ConnectionClosed):
                        await asyncio.wait_for(ws.recv(), 5)
                    codes.append(ws.close_code)
            await _until(lambda: all(s.close_code is not None for s in mock.sessions))
            return codes, [s.close_code for s in mock.sessions[1:]], received, seen

    async def ws_send_whole(ws: Any, text: str) -> None:
        await ws.send(text)

    async def ws_send_fragmented(ws: Any, text: str) -> None:
        await send_fragments(ws, text, 4000)

    codes, upstream_codes, received, seen = run(scenario)
    assert received == fitting
    assert codes == [1009, 1009]
    assert upstream_codes == [1001, 1001]
    if capture is not None:
        # The capture reads back whole: each session as its client saw it, the reassembled
        # message as one record, and nothing of the messages refused.
        records = list(read_capture(capture, max_frame_bytes=limit))
        assert [r for r in records if not isinstance(r, Record)] == []
        frames: dict[tuple[int | None, str], list[bytes]] = {}
        for r in records:
            assert isinstance(r, Record)
            frames.setdefault((r.session, r.direction), []).append(r.frame)
        assert frames == {
            (1, "server"): seen[0],
            (1, "client"): [fitting, clear],
            (2, "server"): seen[1],
            (3, "server"): seen[2],
        }


def _delta(pcm_bytes: int) -> bytes:
    return rtmsg.encode(
        rtmsg.ResponseOutputAudioDelta(
            event_id="event_1",
            response_id="resp_1",
            item_id="item_1",
            output_index=0,
            content_index=0,
            delta=base64.b64encode(bytes(range(256)) * (pcm_bytes // 256)).decode(),
        )
    )


@pytest.mark.parametrize("fragment", [None, 1000], ids=["whole", "fragmented"])
def test_a_server_message_over_the_limit_is_neither_forwarded_nor_recorded(
    tmp_path: Path, transport: Transport, fragment: int | None
) -> None:
    """The upstream sends a message under the limit, then one over it, each in one frame or
    in fragments: the first reaches the client whole, decoded and recorded once; the second
    closes the upstream with 1009 and the client with 1014, as a client's would the other
    way, and neither reaches the client nor the capture (picows closes at the frame's header
    but still hands the frame over once it has arrived)."""
    limit = 10_000
    hello, big = _delta(6144), _delta(10_240)
    assert len(hello) < limit < len(big)
    upstream_closed: list[int | None] = []

    def pieces(message: bytes) -> str | Iterator[str]:
        if fragment is None:
            return message.decode()
        return (message[i : i + fragment].decode() for i in range(0, len(message), fragment))

    async def upstream(connection: ServerConnection) -> None:
        await connection.send(pieces(hello))
        with contextlib.suppress(ConnectionClosed):
            await connection.recv()  # the client's go-ahead
            await connection.send(pieces(big))
            await connection.wait_closed()
        upstream_closed.append(connection.close_code)

    capture = tmp_path / "big.jsonl"

    async def scenario() -> tuple[list[bytes], int | None, dict[tuple[str, str], int]]:
        async with serve(upstream, "127.0.0.1", 0, max_size=None) as server:
            relay = Relay(
                f"ws://127.0.0.1:{port_of(server)}",
                transport=transport,
                max_size=limit,
                capture=str(capture),
            )
            received: list[bytes] = []
            try:
                async with relay.serve("127.0.0.1", 0) as relay_server:
                    url = f"ws://127.0.0.1:{port_of(relay_server)}/v1/realtime"
                    async with connect(url, max_size=None) as ws:
                        recv = receiver(ws, timeout=5)
                        received.append(await recv())
                        await ws.send(rtmsg.encode(rtmsg.InputAudioBufferClear()).decode())
                        with contextlib.suppress(ConnectionClosed):
                            while True:
                                received.append(await recv())
                    await _until(lambda: bool(upstream_closed) and not relay.open_sessions)
                    frames = dict(relay.metrics.frames)
            finally:
                relay.close()
            return received, ws.close_code, frames

    received, client_code, frames = run(scenario)
    assert received == [hello]
    assert client_code == 1014
    assert upstream_closed == [1009]
    assert frames[("server", "known")] == 1
    records = [r for r in read_capture(capture) if isinstance(r, Record)]
    assert [(r.direction, r.frame) for r in records] == [
        ("server", hello),
        ("client", rtmsg.encode(rtmsg.InputAudioBufferClear())),
    ]


def test_what_a_client_sends_before_the_upstream_opens_is_held_then_forwarded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """picows sends the client its 101 before the upstream is open: what the client sends
    meanwhile is held, in order, up to ``_EARLY_BYTES`` (1 MiB; the relay then stops reading
    it, and TCP pushes back until the client's sends wait), and forwarded once the upstream
    opens."""
    from rtmsg.relay import _picows

    cap = _picows._EARLY_BYTES
    opened = asyncio.Event()
    held: list[int] = []
    messages = [
        rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(bytes([i]) * 196_608)).decode()
        for i in range(64)
    ]  # 256 KiB of base64 each: 16 MiB in all, more than the kernel buffers on the way
    assert sum(map(len, messages)) > 8 * cap
    received: list[str] = []

    async def upstream(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in connection:
                assert isinstance(message, str)
                received.append(message)

    async def slow_handshake(connection: ServerConnection, request: Any) -> None:
        await opened.wait()  # the upstream's 101 waits for the test

    original = _picows.Link.early

    def early(self: _picows.Link, leg: Any, kind: Any, data: bytes) -> None:
        original(self, leg, kind, data)
        held.append(sum(len(message) for _, _, message in self.early_messages))

    monkeypatch.setattr(_picows.Link, "early", early)

    async def scenario() -> tuple[int, int]:
        async with serve(
            upstream, "127.0.0.1", 0, max_size=None, process_request=slow_handshake
        ) as server:
            url = f"ws://127.0.0.1:{port_of(server)}"
            async with _relay_to(url, "picows") as relay_url:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
                sock.connect(("127.0.0.1", int(relay_url.rsplit(":", 1)[1])))
                sock.setblocking(False)
                async with connect(f"{relay_url}/v1/realtime", max_size=None, sock=sock) as ws:
                    sent = 0

                    async def send_all() -> None:
                        nonlocal sent
                        for message in messages:
                            await ws.send(message)
                            sent += 1

                    sending = asyncio.ensure_future(send_all())
                    await _until(lambda: sum(held[-1:]) > cap)
                    _, still = await until_still(lambda: sent)  # the client's sends stop
                    relay_read = len(held)
                    opened.set()
                    await asyncio.wait_for(sending, 20)
                    await _until(lambda: len(received) == len(messages), timeout=20)
        return relay_read, still

    relay_read, client_sent = run(scenario, timeout=60)
    print(f"relay read {relay_read}, client sent {client_sent} of {len(messages)}")
    assert relay_read < len(messages)  # the relay stopped reading the client...
    assert client_sent < len(messages)  # ... and the client's sends waited
    assert max(held) <= cap + len(messages[0])  # the cap, and the message that passed it
    assert received == messages  # all of them, whole and in order


def _handshake_failures(relay: Relay) -> dict[str, float]:
    """``rtmsg_relay_handshake_failures_total`` as the relay's ``/metrics`` gives it, by cause."""
    failures = {}
    for family in text_string_to_metric_families(relay.metrics.render().decode()):
        for sample in family.samples:
            if sample.name == "rtmsg_relay_handshake_failures_total":
                failures[sample.labels["cause"]] = sample.value
    return failures


def test_an_upstream_choosing_another_subprotocol_closes_the_client_with_1014(
    transport: Transport,
) -> None:
    """The client offers ``realtime``; the upstream answers ``other``, which nobody offered.

    picows sent the client its 101 (with ``realtime``) before the upstream answered: the
    client is closed with 1014. websockets opens the upstream inside the client's handshake:
    the client gets HTTP 502 instead of a 101. Either way the failure is counted as
    ``upstream_subprotocol``, no session opens and the upstream connection is closed.
    """
    upstream_closed: list[int | None] = []

    def other(connection: ServerConnection, offered: Any) -> Subprotocol:
        return Subprotocol("other")

    async def upstream(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await connection.wait_closed()
        upstream_closed.append(connection.close_code)

    async def scenario() -> tuple[str | None, int | None, int | None, dict[str, float], int]:
        async with serve(upstream, "127.0.0.1", 0, select_subprotocol=other) as server:
            relay = Relay(f"ws://127.0.0.1:{port_of(server)}", transport=transport)
            async with relay.serve("127.0.0.1", 0) as relay_server:
                url = f"ws://127.0.0.1:{port_of(relay_server)}/v1/realtime"
                chosen = code = status = None
                try:
                    async with connect(url, subprotocols=[Subprotocol("realtime")]) as ws:
                        chosen = ws.subprotocol
                        with pytest.raises(ConnectionClosed):
                            await asyncio.wait_for(ws.recv(), 5)
                    code = ws.close_code
                except InvalidStatus as exc:
                    status = exc.response.status_code
                await _until(lambda: bool(upstream_closed))
                return chosen, code, status, _handshake_failures(relay), relay.sessions

    chosen, code, status, failures, sessions = run(scenario)
    if transport == "picows":
        assert (chosen, code, status) == ("realtime", 1014, None)
    else:
        assert (chosen, code, status) == (None, None, 502)
    assert failures == {"upstream_subprotocol": 1}
    assert sessions == 0
    assert len(upstream_closed) == 1


# --- frames: text and binary, UTF-8, pings ---------------------------------------------


@contextlib.asynccontextmanager
async def _echo_upstream() -> AsyncIterator[tuple[str, list[tuple[bool, bytes]], dict[str, Any]]]:
    """A WebSocket server that echoes each message as it came (text or binary) and records
    them and the request's headers."""
    seen: list[tuple[bool, bytes]] = []
    request: dict[str, Any] = {}

    async def echo(connection: ServerConnection) -> None:
        assert connection.request is not None
        request["headers"] = list(connection.request.headers.raw_items())
        request["path"] = connection.request.path
        with contextlib.suppress(ConnectionClosed):
            async for message in connection:
                data = message.encode() if isinstance(message, str) else message
                seen.append((isinstance(message, bytes), data))
                await connection.send(message)

    async with serve(echo, "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{port_of(server)}", seen, request


@contextlib.asynccontextmanager
async def _relay_to(url: str, transport: Transport, **options: Any) -> AsyncIterator[str]:
    relay = Relay(url, transport=transport, **options)
    async with relay.serve("127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{port_of(server)}"
    relay.close()  # its capture, if any, whole


def test_text_and_binary_messages_keep_their_type_both_ways(transport: Transport) -> None:
    text = '{"type":"input_audio_buffer.clear","event_id":"é"}'
    binary = b'{"type":"vendor.binary","data":"\xc3\xa9"}'

    async def scenario() -> tuple[list[Any], list[tuple[bool, bytes]]]:
        async with _echo_upstream() as (url, seen, _), _relay_to(url, transport) as relay_url:
            async with connect(f"{relay_url}/v1/realtime") as ws:
                await ws.send(text)
                back = [await ws.recv()]
                await ws.send(binary)
                back.append(await ws.recv())
            return back, seen

    back, seen = run(scenario)
    assert back == [text, binary]
    assert seen == [(False, text.encode()), (True, binary)]


def test_a_text_frame_that_is_not_utf8_closes_its_sender_with_1007(
    relay_pair: ServeRelayPair,
) -> None:
    async def scenario() -> tuple[int | None, int | None]:
        async with relay_pair() as (mock, _, relay_url, _):
            async with connect(f"{relay_url}/v1/realtime") as ws:
                await recv_until(receiver(ws, timeout=5), "session.created")
                await ws.send(b'{"type":"input_audio_buffer.clear","x":"\xff"}', text=True)
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
            await _until(lambda: mock.sessions[0].close_code is not None)
            return ws.close_code, mock.sessions[0].close_code

    assert run(scenario) == (1007, 1001)


def test_pings_are_answered_and_a_silent_peer_is_cut(transport: Transport) -> None:
    async def scenario() -> tuple[float, bytes, bool, list[tuple[bool, bytes]]]:
        async with (
            _echo_upstream() as (url, seen, _),
            _relay_to(url, transport, ping_interval=0.2, ping_timeout=0.2) as relay_url,
        ):
            async with connect(f"{relay_url}/v1/realtime", ping_interval=None) as ws:
                rtt = await asyncio.wait_for(await ws.ping(), 5)
            # A client that completes its handshake and then never answers a ping.
            port = int(relay_url.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"GET /v1/realtime HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            )
            data = await asyncio.wait_for(reader.read(), 5)  # until the relay cuts it
            writer.close()
            return rtt, data, reader.at_eof(), seen

    rtt, data, eof, seen = run(scenario, timeout=20)
    assert rtt >= 0
    _, _, frames = data.partition(b"\r\n\r\n")
    assert frames.startswith(b"\x89")  # a ping
    assert b"\x88" in frames  # then a close
    assert eof
    assert seen == []  # pings and pongs are the relay's, never forwarded


# --- a reader that stalls, then vanishes -------------------------------------------------


def test_a_stalled_reader_that_vanishes_releases_the_upstream_at_once(
    relay_pair: ServeRelayPair,
) -> None:
    async def scenario() -> tuple[float, int | None]:
        async with relay_pair(audio_ms=600_000, chunk_ms=1000) as (mock, _, relay_url, _):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
            sock.connect(("127.0.0.1", int(relay_url.rsplit(":", 1)[1])))
            sock.setblocking(False)
            ws = await connect(f"{relay_url}/v1/realtime", max_size=None, sock=sock)
            await ws.recv()
            await ws.send(rtmsg.encode(rtmsg.ResponseCreate()).decode())
            await until_still(lambda: len(mock.sessions[0].sent))  # the server's sends stop
            ws.transport.abort()  # gone, with the relay's buffers full
            took = await _until(lambda: mock.sessions[0].close_code is not None, timeout=15)
            return took, mock.sessions[0].close_code

    took, code = run(scenario, timeout=60)
    assert code == 1001
    assert took < 1.0


# --- the relay's own failures --------------------------------------------------------------


def test_an_error_inside_the_relay_closes_with_1011_and_says_so(
    relay_pair: ServeRelayPair, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rtmsg.relay import _session

    caplog.set_level(logging.WARNING, logger="rtmsg.relay")
    planted = RuntimeError("planted")
    original = _session.Session.from_client

    def failing(self: _session.Session, data: Any, binary: bool) -> Any:
        if b"planted" in bytes(data if not isinstance(data, str) else data.encode()):
            raise planted
        return original(self, data, binary)

    monkeypatch.setattr(_session.Session, "from_client", failing)

    async def scenario() -> tuple[int | None, int | None, int]:
        async with relay_pair() as (mock, _, relay_url, pair_relay):
            async with connect(f"{relay_url}/v1/realtime") as ws:
                await recv_until(receiver(ws, timeout=5), "session.created")
                await ws.send('{"type":"planted"}')
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
            await _until(lambda: mock.sessions[0].close_code is not None)
            return ws.close_code, mock.sessions[0].close_code, pair_relay.metrics.internal_errors

    assert run(scenario) == (1011, 1011, 1)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["session 1: internal error (RuntimeError), closing with 1011"]


def test_a_capture_that_fails_never_ends_a_session(
    tmp_path: Path, relay_pair: ServeRelayPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rtmsg import capture as capture_module

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(capture_module.CaptureWriter, "write", broken)
    missing = tmp_path / "no-such-dir" / "session-{session}.jsonl"

    async def scenario(path: Path) -> tuple[list[bytes], int]:
        async with relay_pair(capture=path) as (_, _, relay_url, pair_relay):
            async with connect(f"{relay_url}/v1/realtime") as ws:
                recv = receiver(ws, timeout=5)
                frames = await recv_until(recv, "session.created")
                await ws.send(rtmsg.encode(rtmsg.InputAudioBufferClear()).decode())
                frames += await recv_until(recv, "input_audio_buffer.cleared")
            await _until(lambda: pair_relay.open_sessions == 0)
            return frames, pair_relay.metrics.capture_errors

    for path in (tmp_path / "writes-fail.jsonl", missing):
        frames, errors = run(lambda path=path: scenario(path))  # type: ignore[misc]
        assert len(frames) == 2
        assert errors >= 1


# --- headers --------------------------------------------------------------------------------


def test_end_to_end_headers_and_the_query_are_forwarded_hop_by_hop_ones_are_not(
    transport: Transport,
) -> None:
    headers = [
        ("Authorization", "Bearer sk-test-0123456789"),
        ("OpenAI-Beta", "realtime=v1"),
        ("X-Trace", "a"),
        ("X-Trace", "b"),
        ("Keep-Alive", "timeout=5"),
        ("X-Hop", "dropped"),
        ("Connection", "Upgrade, X-Hop"),
        ("User-Agent", "test-agent/1"),
    ]

    async def scenario() -> dict[str, Any]:
        async with _echo_upstream() as (url, _, request), _relay_to(url, transport) as relay_url:
            uri = f"{relay_url}/v1/realtime?model=m&x=%2F"
            async with connect(uri, additional_headers=headers, user_agent_header=None):
                await asyncio.sleep(0.05)
            return request

    request = run(scenario)
    names = [name.lower() for name, _ in request["headers"]]
    forwarded = [(n, v) for n, v in request["headers"] if n.lower() in ("x-trace", "openai-beta")]
    assert request["path"] == "/v1/realtime?model=m&x=%2F"
    assert ("Authorization", "Bearer sk-test-0123456789") in request["headers"]
    assert forwarded == [("OpenAI-Beta", "realtime=v1"), ("X-Trace", "a"), ("X-Trace", "b")]
    assert ("User-Agent", "test-agent/1") in request["headers"]
    assert "keep-alive" not in names
    assert "x-hop" not in names
    assert names.count("host") == 1
    assert names.count("upgrade") == 1


def test_what_a_client_sends_and_closes_before_the_upstream_opens_still_goes_on(
    tmp_path: Path,
) -> None:
    """picows sends the client its 101 before the upstream is open: a client that sends its
    messages and closes at once (the README's translation example does) has said what it had
    to say. The upstream still gets every message, then the client's close; the capture has
    them. A client that drops its connection without a close frame leaves nothing open
    (``test_a_client_gone_during_the_handshake_leaves_no_upstream_open``)."""
    opened = asyncio.Event()
    received: list[str] = []
    closes: list[int | None] = []
    messages = [
        rtmsg.encode(rtmsg.InputAudioBufferClear(event_id=f"c{n}")).decode() for n in range(3)
    ]
    capture = tmp_path / "capture.jsonl"

    async def upstream(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in connection:
                assert isinstance(message, str)
                received.append(message)
        closes.append(connection.close_code)

    async def slow_handshake(connection: ServerConnection, request: Any) -> None:
        await opened.wait()

    async def scenario() -> None:
        async with serve(upstream, "127.0.0.1", 0, process_request=slow_handshake) as server:
            url = f"ws://127.0.0.1:{port_of(server)}"
            async with _relay_to(url, "picows", capture=str(capture)) as relay_url:
                async with connect(f"{relay_url}/v1/realtime") as ws:
                    for message in messages:
                        await ws.send(message)
                    await ws.close(1000, "done")
                await asyncio.sleep(0.1)  # the relay has seen the close before the upstream opens
                opened.set()
                await _until(lambda: bool(closes))

    run(scenario)
    assert received == messages
    assert closes == [1000]
    frames = [r.frame for r in read_capture(capture) if isinstance(r, Record)]
    assert [f.decode() if isinstance(f, bytes) else f for f in frames] == messages


def test_a_relay_stopping_lets_go_of_a_closed_client_whose_upstream_still_opens() -> None:
    """The relay stops while the upstream of a client that already closed is still opening:
    the connect is given up, and nothing of the session is left to wait for."""
    opened = asyncio.Event()

    async def upstream(connection: ServerConnection) -> None:
        await connection.wait_closed()

    async def slow_handshake(connection: ServerConnection, request: Any) -> None:
        await opened.wait()  # never, in this test

    async def scenario() -> int:
        async with serve(upstream, "127.0.0.1", 0, process_request=slow_handshake) as server:
            relay = Relay(f"ws://127.0.0.1:{port_of(server)}", transport="picows", close_timeout=30)
            async with relay.serve("127.0.0.1", 0) as listening:
                async with connect(f"ws://127.0.0.1:{port_of(listening)}/v1/realtime") as ws:
                    await ws.send(rtmsg.encode(rtmsg.InputAudioBufferClear()).decode())
                await asyncio.sleep(0.1)
            links = len(relay._adapter.links)
            opened.set()
        return links

    assert run(scenario) == 0
