"""The official SDK's Live client through ``Relay`` to ``MockServer``, on both transports.

``client.live.connect()`` runs a session (start, audio in, audio and transcripts out, a
turn delegated to a Responses backend, close) while ``client.live.sideband.connect()``
watches it and ``client.live.forks.connect()`` forks it; the test checks what the SDK
received against what the mock sent, and what the relay's capture holds. The short path
(``recv_bytes()`` into rtmsg, ``send_raw()`` out) runs against the same servers.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import openai
import pytest

import rtmsg
from rtmsg import cli, live
from rtmsg.capture import Record, read_capture
from rtmsg.relay import MockServer
from rtmsg.relay.live_mock import LiveSession
from rtmsg.relay.mock import MockSession
from servers import ServeRelayPair, run

API_KEY = "sk-test-live-0123456789abcdef"
PCM_100MS = b"\x00\x01" * 2400
"""100 ms of 24 kHz pcm16: thirty of them are two turns of the mock's caller (1500 ms each)."""


def _type(frame: bytes) -> str:
    kind: str = json.loads(frame)["type"]
    return kind


async def _until_usage(connection: Any, count: int) -> list[Any]:
    """The SDK's events up to its ``count``-th ``session.usage.updated``."""
    events: list[Any] = []
    while sum(event.type == "session.usage.updated" for event in events) < count:
        events.append(await connection.recv())
    return events


async def _rest(connection: Any) -> list[Any]:
    """The SDK's events until the server closes the connection."""
    return [event async for event in connection]


def test_the_sdk_live_client_runs_a_session_through_the_relay(
    tmp_path: Path, relay_pair: ServeRelayPair, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "live.jsonl"
    got: dict[str, list[Any]] = {}

    async def scenario() -> MockServer:
        async with relay_pair(capture=capture) as (mock, _, relay_url, _):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.live.connect() as connection:
                await connection.session.start(
                    session={
                        "model": "gpt-live-1",
                        "instructions": "Be brief.",
                        "store": True,
                        "delegation": {"type": "responses", "responses": {"model": "gpt-5.5"}},
                    },
                    event_id="c_start",
                )
                started = await connection.recv()
                session_id = started.session.id
                got["primary"] = [started]
                async with client.live.sideband.connect(session_id=session_id) as sideband:
                    # Its first command is answered once it has joined: then audio flows.
                    await sideband.transport.dtmf.send(event="5", event_id="d1")
                    got["attach"] = [await sideband.recv()]
                    for _ in range(30):
                        audio = base64.b64encode(PCM_100MS).decode()
                        await connection.session.input_audio.append(audio=audio)
                    got["primary"] += await _until_usage(connection, 2)
                    got["attach"] += await _until_usage(sideband, 2)
                    async with client.live.forks.connect(session_id=session_id) as fork:
                        await fork.session.start(session={}, event_id="f1")
                        got["fork"] = [await fork.recv()]
                        await fork.session.close()
                        got["fork"] += await _rest(fork)
                    await connection.session.close(event_id="c_close")
                    got["primary"] += await _rest(connection)
                    got["attach"] += await _rest(sideband)
        return mock

    mock = run(scenario)
    sessions: dict[str, MockSession] = {}
    for session in mock.sessions:
        sessions[session.path.rsplit("/", 1)[-1].replace("sessions", "primary")] = session
    # The SDK received every event the mock sent, in order, each as the class of its type.
    for kind in ("primary", "attach", "fork"):
        assert [event.type for event in got[kind]] == [
            _type(frame) for frame in sessions[kind].sent
        ], kind
        for event, frame in zip(got[kind], sessions[kind].sent, strict=True):
            assert event.to_dict() == json.loads(frame)
            assert type(event).__module__.startswith("openai.types.live"), event
    primary = got["primary"]
    started, closed = primary[0], primary[-1]
    assert (started.type, started.client_event_id, started.session.model) == (
        "session.started",
        "c_start",
        "gpt-live-1",
    )
    assert (closed.type, closed.reason, closed.client_event_id) == (
        "session.closed",
        "close_requested",
        "c_close",
    )
    assert closed.usage.seconds == 3.0
    heard = "".join(e.delta for e in primary if e.type == "session.input_transcript.delta")
    said = "".join(e.delta for e in primary if e.type == "session.output_transcript.delta")
    assert heard.startswith("could you check")
    assert said.endswith("A table for two is free at seven tonight.")
    audio = [e for e in primary if e.type == "session.output_audio.delta"]
    assert audio
    assert {len(base64.b64decode(e.delta)) for e in audio} == {100 * 48}
    # The delegated turn: its nested Responses stream, whose text the model then speaks.
    [delegation] = [e for e in primary if e.type == "session.delegation.created"]
    wrapped = [e for e in primary if e.type == "response.event"]
    assert {e.delegation_id for e in wrapped} == {delegation.delegation.id}
    nested = [e.event for e in wrapped]
    assert [n["type"] for n in nested][:2] == ["response.created", "response.in_progress"]
    assert nested[-1]["type"] == "response.completed"
    assert nested[-1]["response"]["usage"]["total_tokens"] == 64 + 9
    text = "".join(n["delta"] for n in nested if n["type"] == "response.output_text.delta")
    assert text == "A table for two is free at seven tonight."
    # The sideband: the mock's refusal of DTMF outside a SIP call, reflections, timed audio.
    attach = got["attach"]
    assert (attach[0].type, attach[0].error.code, attach[0].client_event_id) == (
        "error",
        "invalid_request",
        "d1",
    )
    reflected = [e for e in attach if e.type == "session.input_audio.append"]
    assert [base64.b64decode(e.audio) for e in reflected] == [PCM_100MS] * 30
    timed = [e for e in attach if e.type == "session.output_audio.delta"]
    assert [e.delta for e in timed] == [e.delta for e in audio]
    assert all(e.end_ms - e.start_ms == 100 for e in timed)
    assert attach[-1].type == "session.closed"
    # The fork: a new session, the stored one's model.
    forked = got["fork"][0]
    assert forked.type == "session.started"
    assert forked.session.id != started.session.id
    assert (forked.session.model, forked.client_event_id) == ("gpt-live-1", "f1")
    assert [e.type for e in got["fork"][1:]] == ["session.closed"]
    # The capture holds the three connections' frames, both ways, as Live records.
    records = [r for r in read_capture(capture) if isinstance(r, Record)]
    for kind, connection in (("primary", None), ("attach", "attach"), ("fork", "fork")):
        mine = [r for r in records if r.connection == connection]
        assert {r.protocol for r in mine} == {"live"}
        assert [r.frame for r in mine if r.direction == "client"] == sessions[kind].received
        assert [r.frame for r in mine if r.direction == "server"] == sessions[kind].sent
        assert {r.session_id for r in mine} == {None if connection is None else started.session.id}
    assert cli.main(["check", str(capture)]) == 0
    assert "session.output_audio.delta" in capsys.readouterr().out


class _Newer(LiveSession):
    """A Live session that also sends an event of a type no one knows yet, after its start."""

    FUTURE = b'{"type":"session.future_event","event_id":"e_new","delta":"AAAA"}'

    def handle(self, event: Any) -> list[Any]:
        answer = super().handle(event)
        if isinstance(event, live.SessionStart):
            answer.append(live.decode_server_event(self.FUTURE))
        return answer


def test_the_short_path_over_the_sdk_live_connection_through_the_relay(
    tmp_path: Path, relay_pair: ServeRelayPair
) -> None:
    capture = tmp_path / "short.jsonl"

    async def scenario() -> tuple[list[Any], list[bytes], Any]:
        async with relay_pair(capture=capture) as (mock, _, relay_url, _):
            mock.session_kinds["/v1/live/sessions"] = lambda _: _Newer(turn_ms=300)
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            events: list[Any] = []
            frames: list[bytes] = []
            async with client.live.connect() as connection:
                start = live.SessionStart(session=live.SessionConfig(model="gpt-live-1"))
                await connection.send_raw(rtmsg.encode(start).decode())  # str: a text frame
                append = live.SessionInputAudioAppend.from_pcm(PCM_100MS * 3)
                await connection.send_raw(rtmsg.encode(append))  # bytes: a binary frame
                while not events or not isinstance(events[-1], live.SessionUsageUpdated):
                    frames.append(await connection.recv_bytes())
                    events.append(live.decode_server_event(frames[-1]))
                sdk_view = connection.parse_event(_Newer.FUTURE)
                await connection.send_raw(rtmsg.encode(live.SessionClose()).decode())
                while not isinstance(events[-1], live.SessionClosed):
                    frames.append(await connection.recv_bytes())
                    events.append(live.decode_server_event(frames[-1]))
            return events, frames, sdk_view

    events, frames, sdk_view = run(scenario)
    assert isinstance(events[0], live.SessionStarted)
    # The event no model knows: rtmsg keeps it whole; the SDK's parse calls it the first class
    # of its union, a session.started without a session.
    [unknown] = [event for event in events if isinstance(event, rtmsg.Unknown)]
    assert (unknown.type, unknown.raw) == ("session.future_event", _Newer.FUTURE)
    assert type(sdk_view).__name__ == "SessionStartedEvent"
    assert sdk_view.session is None
    kinds = {type(event) for event in events}
    assert {live.SessionInputTranscriptDelta, live.SessionOutputAudioDelta} <= kinds
    for event, frame in zip(events, frames, strict=True):
        assert rtmsg.encode(event) == frame
    # What went out: the exact bytes rtmsg encoded, as a text frame when given as a str.
    client = [r for r in read_capture(capture) if isinstance(r, Record) and r.direction == "client"]
    assert [(_type(r.frame), r.binary) for r in client] == [
        ("session.start", False),
        ("session.input_audio.append", True),
        ("session.close", False),
    ]
    assert client[1].frame == rtmsg.encode(live.SessionInputAudioAppend.from_pcm(PCM_100MS * 3))
