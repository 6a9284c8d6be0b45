"""The relay end to end over loopback: the official SDK client -> relay -> mock server.

Every test runs its own servers on ephemeral 127.0.0.1 ports inside ``asyncio.run`` with a
deadline, so nothing outlives a test and nothing waits forever.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import openai
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

import rtmsg
from rtmsg import cli, translation
from rtmsg.capture import Record, read_capture
from rtmsg.relay import MockServer, Relay
from rtmsg.relay._protocols import protocol_of
from sdk_oracle import sdk_validate

API_KEY = "sk-test-relay-0123456789abcdef"
DEADLINE_S = 30.0
LOAD_SESSIONS = int(os.environ.get("RTMSG_LOAD_SESSIONS", "100"))

T = TypeVar("T")


def _run(scenario: Callable[[], Awaitable[T]], timeout: float = DEADLINE_S) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), timeout)

    return asyncio.run(bounded())


def _port(server: Any) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


@asynccontextmanager
async def _servers(
    *, capture: Path | None = None, forward_invalid: bool = False, **mock_options: Any
) -> AsyncIterator[tuple[MockServer, str, str]]:
    """A recording mock and a relay in front of it; yields (mock, mock URL, relay URL)."""
    mock = MockServer(record=True, **mock_options)
    async with mock.serve("127.0.0.1", 0) as mock_server:
        mock_url = f"ws://127.0.0.1:{_port(mock_server)}"
        path = None if capture is None else str(capture)
        relay = Relay(mock_url, capture=path, forward_invalid=forward_invalid)
        try:
            async with relay.serve("127.0.0.1", 0) as relay_server:
                yield mock, mock_url, f"ws://127.0.0.1:{_port(relay_server)}"
        finally:
            relay.close()


def _type(frame: bytes) -> str:
    kind: str = json.loads(frame)["type"]
    return kind


def _pcm(ms: int) -> str:
    return base64.b64encode(b"\x00\x01" * (24 * ms)).decode()


async def _recv_until(
    recv: Callable[[], Awaitable[bytes]], last_type: str, into: list[bytes]
) -> None:
    while True:
        frame = await recv()
        into.append(frame)
        if _type(frame) == last_type:
            return


# --- the SDK's realtime client through the relay ------------------------------


def test_sdk_voice_turn_through_the_relay(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    capture_path = tmp_path / "session-1.jsonl"
    received: list[bytes] = []

    async def scenario() -> MockServer:
        template = tmp_path / "session-{session}.jsonl"
        async with _servers(capture=template, first_audio_delay_s=0.02) as (mock, _, relay_url):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.realtime.connect(model="gpt-realtime") as connection:
                await _recv_until(connection.recv_bytes, "session.created", received)
                await connection.session.update(
                    session={
                        "type": "realtime",
                        "instructions": "Be brief.",
                        "audio": {"output": {"voice": "marin"}},
                    }
                )
                await _recv_until(connection.recv_bytes, "session.updated", received)
                for _ in range(5):
                    await connection.input_audio_buffer.append(audio=_pcm(100))
                await connection.input_audio_buffer.commit()
                await connection.response.create(
                    response={"metadata": {"mock_unknown_event": "response.future_event"}}
                )
                await _recv_until(connection.recv_bytes, "response.done", received)
                for frame in received:  # the SDK parses every one of them
                    assert connection.parse_event(frame) is not None
        return mock

    mock = _run(scenario)
    [session] = mock.sessions
    # The client received every event the server sent, byte for byte and in order.
    assert received == session.sent
    types = [_type(frame) for frame in received]
    assert types[:2] == ["session.created", "session.updated"]
    assert types[2:] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "response.future_event",
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        *["response.output_audio.delta", "response.output_audio_transcript.delta"] * 6,
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
    ]
    # The unknown event is forwarded unchanged, odd spacing and all.
    [future] = [frame for frame in received if b"response.future_event" in frame]
    assert b'"ratio": 1.50}' in future
    assert isinstance(rtmsg.decode_server_event(future), rtmsg.Unknown)
    # Path, query and headers reached the server.
    assert session.path == "/v1/realtime?model=gpt-realtime"
    assert session.headers["Authorization"] == f"Bearer {API_KEY}"
    assert [_type(frame) for frame in session.received] == [
        "session.update",
        *["input_audio_buffer.append"] * 5,
        "input_audio_buffer.commit",
        "response.create",
    ]

    # The capture holds exactly the frames of both directions.
    records = [r for r in read_capture(capture_path) if isinstance(r, Record)]
    assert [r.frame for r in records if r.direction == "client"] == session.received
    assert [r.frame for r in records if r.direction == "server"] == session.sent
    assert API_KEY.encode() not in capture_path.read_bytes()

    assert cli.main(["check", str(capture_path)]) == 0
    assert "response.future_event (server)" in capsys.readouterr().out
    assert cli.main(["stats", "--json", str(capture_path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    done = rtmsg.decode_server_event(session.sent[-1])
    assert isinstance(done, rtmsg.ResponseDone)
    assert isinstance(done.response.usage, rtmsg.Usage)
    assert stats["audio_sent_s"] == pytest.approx(0.5)
    assert stats["audio_received_s"] == pytest.approx(0.6)
    assert stats["turns"] == 1
    assert stats["responses"] == 1
    assert stats["tokens"]["total_tokens"] == done.response.usage.total_tokens
    assert stats["tokens"]["total_tokens"] > 0
    assert stats["tokens"]["input_tokens"] == done.response.usage.input_tokens
    assert stats["latency"]["turns"] == 1
    # The mock waits 20 ms before its first delta; as seen at the relay it may look shorter.
    assert 0 < stats["latency"]["median_s"] < 5

    # The key was never logged, by the relay, the mock or the command.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("rtmsg")]
    assert any("session 1 opened" in message for message in ours)
    assert any("Authorization" in message and "[redacted]" in message for message in ours)
    assert not [message for message in ours if API_KEY in message]
    output = capsys.readouterr()
    assert API_KEY not in output.out + output.err


def test_sdk_translation_session_through_the_relay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture_path = tmp_path / "translation.jsonl"
    received: list[bytes] = []

    async def scenario() -> MockServer:
        async with _servers(capture=capture_path) as (mock, _, relay_url):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.realtime.translations.connect(
                model="gpt-realtime-translate", max_retries=0
            ) as connection:
                await _recv_until(connection.recv_bytes, "session.created", received)
                await connection.session.update(
                    session={
                        "audio": {
                            "input": {"transcription": {"model": "gpt-realtime-whisper"}},
                            "output": {"language": "fr"},
                        }
                    }
                )
                await _recv_until(connection.recv_bytes, "session.updated", received)
                for _ in range(5):
                    await connection.session.input_audio_buffer.append(audio=_pcm(100))
                await connection.session.close()
                await _recv_until(connection.recv_bytes, "session.closed", received)
        return mock

    mock = _run(scenario)
    [session] = mock.sessions
    assert session.path == "/v1/realtime/translations?model=gpt-realtime-translate"
    assert received == session.sent
    assert [_type(frame) for frame in session.received] == [
        "session.update",
        *["session.input_audio_buffer.append"] * 5,
        "session.close",
    ]
    # 500 ms of audio: two 200 ms frames, and the last 100 ms flushed by the close.
    types = [_type(frame) for frame in received]
    frame_deltas = [
        "session.input_transcript.delta",
        "session.output_transcript.delta",
        "session.output_audio.delta",
    ]
    assert types == ["session.created", "session.updated", *frame_deltas * 3, "session.closed"]
    events = [translation.decode_server_event(frame) for frame in received]
    for frame, event in zip(received, events, strict=True):
        sdk_validate(frame, "server", "translation")
        assert not isinstance(event, rtmsg.Unknown)
        assert rtmsg.encode(event) == frame
    output = "".join(
        e.delta for e in events if isinstance(e, translation.SessionOutputTranscriptDelta)
    )
    assert output == "ceci est la"

    records = [r for r in read_capture(capture_path) if isinstance(r, Record)]
    assert {r.protocol for r in records} == {"translation"}
    assert [r.frame for r in records if r.direction == "server"] == session.sent
    assert cli.main(["check", str(capture_path)]) == 0
    assert "session.output_audio.delta" in capsys.readouterr().out
    assert cli.main(["stats", "--json", str(capture_path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["protocol"] == "translation"
    assert stats["audio_sent_s"] == pytest.approx(0.5)
    assert stats["audio_received_s"] == pytest.approx(0.5)
    assert stats["output_transcript_chars"] == len(output)
    assert stats["input_transcript_chars"] == len("this is the")


def test_the_path_picks_the_protocol_the_relay_checks() -> None:
    # Valid for a translation session, invalid for a conversation (its session needs a type).
    update = '{"type":"session.update","event_id":"c1","session":{"audio":{}}}'

    async def scenario() -> tuple[MockServer, list[bytes], list[bytes]]:
        conversation: list[bytes] = []
        translated: list[bytes] = []
        async with _servers() as (mock, _, relay_url):
            async with connect(f"{relay_url}/v1/realtime") as ws:
                await _recv_until(_recv(ws), "session.created", conversation)
                await ws.send(update)
                await _recv_until(_recv(ws), "error", conversation)
            async with connect(f"{relay_url}/v1/realtime/translations?model=m") as ws:
                await _recv_until(_recv(ws), "session.created", translated)
                await ws.send(update)
                await _recv_until(_recv(ws), "session.updated", translated)
                await ws.send('{"type":"session.update","event_id":"c2"}')
                await _recv_until(_recv(ws), "error", translated)
                # A conversation event is Unknown here: forwarded, and refused by the server.
                await ws.send('{"type":"input_audio_buffer.commit","event_id":"c3"}')
                await _recv_until(_recv(ws), "error", translated)
        return mock, conversation, translated

    mock, conversation, translated = _run(scenario)
    first, second = mock.sessions
    assert first.received == []  # the relay answered the invalid conversation update itself
    assert [_type(f) for f in second.received] == ["session.update", "input_audio_buffer.commit"]
    relayed = rtmsg.decode_server_event(conversation[-1])
    assert isinstance(relayed, rtmsg.Error)
    assert relayed.error.event_id == "c1"
    missing, refused = (translation.decode_server_event(f) for f in translated[-2:])
    assert isinstance(missing, rtmsg.Error)
    assert (missing.error.code, missing.error.event_id) == ("missing_required_parameter", "c2")
    assert isinstance(refused, rtmsg.Error)
    assert (refused.error.param, refused.error.event_id) == ("type", "c3")


def test_invalid_client_frames_are_answered_and_not_forwarded(tmp_path: Path) -> None:
    capture_path = tmp_path / "invalid.jsonl"
    received: list[bytes] = []

    async def scenario() -> MockServer:
        async with _servers(capture=capture_path) as (mock, _, relay_url):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.realtime.connect(model="gpt-realtime") as connection:
                await _recv_until(connection.recv_bytes, "session.created", received)
                await connection.send_raw('{"type":"session.update", "session": ')
                await _recv_until(connection.recv_bytes, "error", received)
                await connection.send_raw(
                    '{"type":"conversation.item.truncate","event_id":"evt_bad_1","item_id":"x"}'
                )
                await _recv_until(connection.recv_bytes, "error", received)
                await connection.input_audio_buffer.clear(event_id="evt_ok_2")
                await _recv_until(connection.recv_bytes, "input_audio_buffer.cleared", received)
        return mock

    mock = _run(scenario)
    [session] = mock.sessions
    assert [_type(frame) for frame in session.received] == ["input_audio_buffer.clear"]
    malformed = rtmsg.decode_server_event(received[1])
    truncate = rtmsg.decode_server_event(received[2])
    assert isinstance(malformed, rtmsg.Error)
    assert malformed.error.code == "invalid_json"
    assert isinstance(truncate, rtmsg.Error)
    assert truncate.error.type == "invalid_request_error"
    assert truncate.error.code == "missing_required_parameter"
    assert truncate.error.event_id == "evt_bad_1"
    assert received[1:3] not in [session.sent[i : i + 2] for i in range(len(session.sent))]
    # The capture shows what the client saw: its invalid frames and the relay's answers.
    assert cli.main(["check", "--json", str(capture_path)]) == 1


def test_forward_invalid_forwards_and_still_answers() -> None:
    async def scenario() -> tuple[MockServer, list[bytes]]:
        received: list[bytes] = []
        async with _servers(forward_invalid=True) as (mock, _, relay_url):
            ws = await connect(f"{relay_url}/v1/realtime")
            await _recv_until(_recv(ws), "session.created", received)
            await ws.send('{"type":"conversation.item.delete","event_id":"evt_3"}')
            await _recv_until(_recv(ws), "error", received)  # from the relay
            await _recv_until(_recv(ws), "error", received)  # from the server
            await ws.close()
        return mock, received

    mock, received = _run(scenario)
    assert mock.sessions[0].received == [b'{"type":"conversation.item.delete","event_id":"evt_3"}']
    errors = [rtmsg.decode_server_event(frame) for frame in received[1:]]
    assert all(isinstance(e, rtmsg.Error) and e.error.event_id == "evt_3" for e in errors)


def _recv(ws: ClientConnection) -> Callable[[], Awaitable[bytes]]:
    async def recv() -> bytes:
        frame = await ws.recv(decode=False)
        assert isinstance(frame, bytes)
        return frame

    return recv


# --- handshake and close ---------------------------------------------------------


def test_close_codes_propagate_both_ways() -> None:
    async def scenario() -> tuple[int | None, str | None, int | None]:
        async with _servers() as (mock, _, relay_url):
            async with connect(f"{relay_url}/v1/realtime") as ws:
                await ws.recv()
                await ws.close(4001, "client says bye")
            for _ in range(100):
                if mock.sessions[0].close_code is not None:
                    break
                await asyncio.sleep(0.01)
            client_side = mock.sessions[0]
            ws = await connect(f"{relay_url}/v1/realtime")
            await ws.recv()
        # Leaving the block shut the mock down (1001, going away) while ws was open.
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        return client_side.close_code, client_side.close_reason, ws.close_code

    upstream_code, upstream_reason, client_code = _run(scenario)
    assert (upstream_code, upstream_reason) == (4001, "client says bye")
    assert client_code == 1001


def test_upstream_refusals_reach_the_client() -> None:
    async def scenario() -> tuple[int, int, str]:
        async with _servers(require_api_key=True) as (_, _, relay_url):
            with pytest.raises(InvalidStatus) as refused:
                await connect(f"{relay_url}/v1/realtime")
            auth = {"Authorization": f"Bearer {API_KEY}"}
            async with connect(f"{relay_url}/v1/realtime", additional_headers=auth) as ws:
                first = await ws.recv()
            assert isinstance(first, str)
        relay = Relay("ws://127.0.0.1:9")  # discard port: nothing listens
        async with relay.serve("127.0.0.1", 0) as server:
            with pytest.raises(InvalidStatus) as unreachable:
                await connect(f"ws://127.0.0.1:{_port(server)}/v1/realtime")
        return (
            refused.value.response.status_code,
            unreachable.value.response.status_code,
            _type(first.encode()),
        )

    assert _run(scenario) == (401, 502, "session.created")


def test_subprotocols_are_negotiated_with_upstream_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    offered = [Subprotocol("realtime"), Subprotocol(f"openai-insecure-api-key.{API_KEY}")]

    async def scenario() -> tuple[str | None, MockServer]:
        async with (
            _servers() as (mock, _, relay_url),
            connect(f"{relay_url}/v1/realtime", subprotocols=offered) as ws,
        ):
            await ws.recv()
            return ws.subprotocol, mock

    chosen, mock = _run(scenario)
    assert chosen == "realtime"
    assert API_KEY in mock.sessions[0].headers["Sec-WebSocket-Protocol"]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("rtmsg")]
    assert any("Sec-WebSocket-Protocol: [redacted]" in message for message in ours)
    assert not [message for message in ours if API_KEY in message]


def test_relay_rejects_a_bad_upstream_url() -> None:
    for url in ("http://example.com", "ws://example.com/?key=1", "example.com"):
        with pytest.raises(ValueError, match="upstream"):
            Relay(url)
    relay = Relay("wss://api.example.com/base/")
    assert (
        relay.upstream_url("/v1/realtime?model=m")
        == "wss://api.example.com/base/v1/realtime?model=m"
    )


# --- load ----------------------------------------------------------------------------

APPENDS = 20
ROUND_TRIPS = 10


async def _session(url: str, index: int, rtts: list[float]) -> tuple[list[bytes], list[bytes]]:
    """One scripted session; returns (frames sent, frames received) in order."""
    sent: list[bytes] = []
    received: list[bytes] = []
    async with connect(f"{url}/v1/realtime?model=m&session={index}", max_size=None) as ws:
        recv = _recv(ws)

        async def send(event: rtmsg.Event) -> None:
            frame = rtmsg.encode(event)
            sent.append(frame)
            await ws.send(frame.decode())

        await _recv_until(recv, "session.created", received)
        audio = _pcm(100)
        for k in range(ROUND_TRIPS):
            for j in range(APPENDS // ROUND_TRIPS):
                await send(rtmsg.InputAudioBufferAppend(audio=audio, event_id=f"a{index}.{k}.{j}"))
            await send(rtmsg.InputAudioBufferCommit(event_id=f"commit{index}.{k}"))
            await _recv_until(recv, "conversation.item.done", received)
            started = time.perf_counter()
            await send(rtmsg.InputAudioBufferClear(event_id=f"c{index}.{k}"))
            await _recv_until(recv, "input_audio_buffer.cleared", received)
            rtts.append(time.perf_counter() - started)
        await send(rtmsg.ResponseCreate(event_id=f"r{index}"))
        await _recv_until(recv, "response.done", received)
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
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, len(ordered) * percent // 100)]


def test_load_concurrent_sessions_through_the_relay(capsys: pytest.CaptureFixture[str]) -> None:
    direct: list[float] = []
    relayed: list[float] = []

    async def scenario() -> None:
        async with _servers() as (mock, mock_url, relay_url):
            await _load(mock_url, mock, direct)
            mock.sessions.clear()
            await _load(relay_url, mock, relayed)

    started = time.perf_counter()
    _run(scenario, timeout=60)
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


def test_a_client_that_does_not_read_holds_back_the_server() -> None:
    """Backpressure: the relay buffers a bounded amount, then the server's sends wait."""
    frames = 600  # 600 s of audio in 1 s deltas: about 38 MB of frames

    async def scenario() -> tuple[int, int, list[bytes], MockServer]:
        async with _servers(audio_ms=frames * 1000, chunk_ms=1000) as (mock, _, relay_url):
            # A small receive buffer, so the kernel does not hide the backpressure.
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
            sock.connect(("127.0.0.1", int(relay_url.rsplit(":", 1)[1])))
            sock.setblocking(False)
            ws = await connect(f"{relay_url}/v1/realtime", max_size=None, sock=sock)
            await ws.recv()
            await ws.send(rtmsg.encode(rtmsg.ResponseCreate()).decode())
            await asyncio.sleep(1.0)  # not reading
            stalled = len(mock.sessions[0].sent)
            await asyncio.sleep(0.5)
            still = len(mock.sessions[0].sent)
            received: list[bytes] = []
            await _recv_until(_recv(ws), "response.done", received)
            await ws.close()
        return stalled, still, received, mock

    stalled, still, received, mock = _run(scenario)
    total = len(mock.sessions[0].sent)
    print(f"server held back after {stalled} of {total} frames")
    assert stalled == still < total - 100, (stalled, still, total)
    assert received == mock.sessions[0].sent[1:]


@pytest.mark.parametrize(
    ("path", "protocol"),
    [
        ("/v1/realtime?model=gpt-realtime", "conversation"),
        ("/v1/realtime/translations?model=gpt-realtime-translate", "translation"),
        ("/openai/v1/realtime/translations/", "translation"),
        ("/v1/realtime/translationsx", "conversation"),
        ("/v1/realtime?next=/realtime/translations", "conversation"),
        ("", "conversation"),
    ],
)
def test_the_protocol_of_a_path(path: str, protocol: str) -> None:
    assert protocol_of(path) == protocol
