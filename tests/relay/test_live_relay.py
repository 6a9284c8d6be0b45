"""Live through the relay to the mock server: the three kinds of connection, on both transports.

A primary connection, a sideband attached to its session and a fork of it go through
``Relay`` in front of ``MockServer`` (in-process, where the mock's record proves that every
frame passed byte for byte) and through ``rtmsg relay`` in front of ``rtmsg mock-server``
(processes, where the logs and ``/metrics`` are the relay's own), and the official SDK's Live
client through those processes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import rtmsg
from rtmsg import live
from rtmsg.capture import Record, read_capture
from rtmsg.relay.proxy import Transport
from servers import ServeRelayPair, http_get, receiver, recv_until, run, started

_DECODERS: dict[str, Callable[[bytes], Any]] = {
    "primary": live.decode_server_event,
    "attach": live.decode_attach_server_event,
    "fork": live.decode_fork_server_event,
}

APPEND_100MS = live.SessionInputAudioAppend.from_pcm(b"\x00\x01" * 2400)
"""100 ms of 24 kHz pcm16: fifteen of them are one turn of the mock's caller (1500 ms)."""


def _text(event: Any) -> str:
    return rtmsg.encode(event).decode()


class _Leg:
    """One client connection: what it sent and what it received, in order, as bytes."""

    def __init__(self, ws: ClientConnection, kind: str) -> None:
        self.ws = ws
        self.recv = receiver(ws, timeout=10)
        self.decode = _DECODERS[kind]
        self.sent: list[bytes] = []
        self.received: list[bytes] = []

    async def send(self, frame: str) -> None:
        self.sent.append(frame.encode())
        await self.ws.send(frame)

    async def until(self, last_type: str) -> Any:
        """Receive up to the first event of ``last_type``; that event, decoded."""
        frames = await recv_until(self.recv, last_type, self.decode)
        self.received.extend(frames)
        return self.decode(frames[-1])

    async def closed(self) -> int | None:
        """Receive until the server closes (every frame on the way kept): the close code."""
        try:
            while True:
                self.received.append(await self.recv())
        except ConnectionClosed:
            pass
        return self.ws.close_code


async def _live_session(relay_url: str) -> dict[str, _Leg]:
    """A stored session, a sideband that updates it, sends a DTMF key and one invalid frame,
    a turn of the caller's, a fork started and closed, and the session closed."""
    async with connect(f"{relay_url}/v1/live/sessions") as ws:
        primary = _Leg(ws, "primary")
        config = live.SessionConfig(model="gpt-live-1", store=True)
        await primary.send(_text(live.SessionStart(session=config, event_id="c_start")))
        session_id = (await primary.until("session.started")).session.id
        async with connect(f"{relay_url}/v1/live/sessions/{session_id}/attach") as side_ws:
            sideband = _Leg(side_ws, "attach")
            update = live.SessionUpdate(
                session=live.SessionUpdateConfig(triggers=[]), event_id="side_1"
            )
            await sideband.send(_text(update))
            await sideband.until("session.updated")
            await primary.until("session.updated")
            await sideband.send('{"type":"session.update","event_id":"side_bad"}')
            await sideband.until("error")  # the relay's: the frame has no session
            for _ in range(15):
                await primary.send(_text(APPEND_100MS))
            await primary.until("session.usage.updated")
            await sideband.until("session.usage.updated")
            await sideband.send('{"type":"transport.dtmf.send","event":"5","event_id":"side_2"}')
            await sideband.until("error")  # the mock's: not a SIP call
            async with connect(f"{relay_url}/v1/live/sessions/{session_id}/fork") as fork_ws:
                fork = _Leg(fork_ws, "fork")
                await fork.send('{"type":"session.start","event_id":"f1","session":{}}')
                await fork.until("session.started")
                await fork.send(_text(live.SessionClose(event_id="f2")))
                await fork.until("session.closed")
                assert await fork.closed() == 1000
            await primary.send(_text(live.SessionClose(event_id="c_close")))
            await primary.until("session.closed")
            await sideband.until("session.closed")
            assert await primary.closed() == 1000
            assert await sideband.closed() == 1000
    return {"primary": primary, "attach": sideband, "fork": fork}


def _types(frames: list[bytes]) -> list[str]:
    return [json.loads(frame)["type"] for frame in frames]


def _samples(exposition: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(exposition.decode()):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_live_connections_pass_the_relay_byte_for_byte_and_are_recorded_as_live(
    tmp_path: Path, relay_pair: ServeRelayPair, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="rtmsg.relay")
    capture = tmp_path / "live.jsonl"

    async def scenario() -> tuple[Any, dict[str, _Leg], bytes]:
        async with relay_pair(capture=capture) as (mock, _, relay_url, relay):
            legs = await _live_session(relay_url)
            for _ in range(200):  # the relay folds a session's counts when both legs closed
                if not relay.open_sessions:
                    break
                await asyncio.sleep(0.01)
            return mock, legs, relay.metrics.render()

    mock, legs, exposition = run(scenario)
    primary, sideband, fork = (legs[kind] for kind in ("primary", "attach", "fork"))
    started = live.decode_server_event(primary.received[0])
    assert isinstance(started, live.SessionStarted)
    session_id = started.session.id
    by_path = {session.path: session for session in mock.sessions}
    on_mock = {
        "primary": by_path["/v1/live/sessions"],
        "attach": by_path[f"/v1/live/sessions/{session_id}/attach"],
        "fork": by_path[f"/v1/live/sessions/{session_id}/fork"],
    }
    # Every frame went through unchanged and in order, but the sideband's invalid one, which
    # the relay answered itself with Live's error event (naming it) and did not forward.
    [invalid] = [frame for frame in sideband.sent if b"side_bad" in frame]
    for kind, leg in legs.items():
        assert on_mock[kind].received == [frame for frame in leg.sent if frame != invalid]
    [answer] = [frame for frame in sideband.received if frame not in on_mock["attach"].sent]
    error = live.decode_attach_server_event(answer)
    assert isinstance(error, live.Error)
    assert (error.error.code, error.client_event_id) == ("missing_required_parameter", "side_bad")
    assert [f for f in sideband.received if f != answer] == on_mock["attach"].sent
    assert primary.received == on_mock["primary"].sent
    assert fork.received == on_mock["fork"].sent
    # The sideband saw the caller's audio and the model's, which the primary did not.
    assert "session.input_audio.append" in _types(sideband.received)
    assert "session.input_audio.append" not in _types(primary.received)
    # The capture: Live records, each connection's own, the session id on every record of a
    # sideband or a fork; the relay's answer recorded as what the sideband's client saw.
    records = [r for r in read_capture(capture) if isinstance(r, Record)]
    assert {r.protocol for r in records} == {"live"}
    by_connection: dict[str | None, list[Record]] = {}
    for record in records:
        by_connection.setdefault(record.connection, []).append(record)
    assert set(by_connection) == {None, "attach", "fork"}
    for connection, kind in ((None, "primary"), ("attach", "attach"), ("fork", "fork")):
        mine = by_connection[connection]
        assert {r.session_id for r in mine} == ({None} if connection is None else {session_id})
        assert len({r.session for r in mine}) == 1
        assert [r.frame for r in mine if r.direction == "server"] == legs[kind].received
        assert [r.frame for r in mine if r.direction == "client"] == legs[kind].sent
        assert not any(r.binary for r in mine)
    # The relay's log names the session the sideband and the fork joined, on every line.
    lines = [r.getMessage() for r in caplog.records if r.name == "rtmsg.relay"]
    for kind in ("attach", "fork"):
        named = [line for line in lines if f"live/{kind}" in line]
        assert any(line.endswith(f"(live/{kind}, session id {session_id})") for line in named)
        assert any(
            re.fullmatch(rf"session \d+ \(live/{kind} {session_id}\) closed: .*", line)
            for line in named
        ), lines
    [warning] = [line for line in lines if "invalid client event" in line]
    assert f"(live/attach {session_id}): invalid client event session.update" in warning
    # Metrics count sessions by endpoint name.
    samples = _samples(exposition)
    for name in ("live", "live/attach", "live/fork"):
        assert samples["rtmsg_relay_sessions_total", (("protocol", name),)] == 1
        assert samples["rtmsg_relay_sessions_open", (("protocol", name),)] == 0
    invalid_label = (("code", "missing_required_parameter"), ("direction", "client"))
    assert samples["rtmsg_relay_frames_total", (*invalid_label, ("outcome", "invalid"))] == 1


def test_an_attach_to_a_session_the_server_does_not_know_is_refused(
    relay_pair: ServeRelayPair, transport: Transport
) -> None:
    async def scenario() -> tuple[int, bytes | bytearray]:
        async with relay_pair() as (_, mock_url, relay_url, _):
            # The mock itself refuses it at the handshake.
            with pytest.raises(InvalidStatus) as direct:
                await connect(f"{mock_url}/v1/live/sessions/sess_gone/attach")
            body = direct.value.response.body
            assert direct.value.response.status_code == 404
            assert direct.value.response.headers.get_all("Content-Type") == ["application/json"]
            # Through the relay: the same status, or after picows' early 101, its close.
            url = f"{relay_url}/v1/live/sessions/sess_gone/attach"
            if transport == "websockets":
                with pytest.raises(InvalidStatus) as relayed:
                    await connect(url)
                assert relayed.value.response.body == body
                return relayed.value.response.status_code, body
            async with connect(url) as ws:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code is not None
                return ws.close_code, body

    status, body = run(scenario)
    assert status == (404 if transport == "websockets" else 4404)
    error = json.loads(body)["error"]
    assert (error["code"], error["type"]) == ("session_not_found", "invalid_request_error")


async def _exchange(url: str) -> tuple[str, list[str], list[str]]:
    """A primary and its sideband, on ``rtmsg``'s processes: the id, and what each received."""
    async with connect(f"{url}/v1/live/sessions") as ws:
        primary = _Leg(ws, "primary")
        start = live.SessionStart(session=live.SessionConfig(model="gpt-live-1"))
        await primary.send(_text(start))
        session_id = (await primary.until("session.started")).session.id
        async with connect(f"{url}/v1/live/sessions/{session_id}/attach") as side_ws:
            sideband = _Leg(side_ws, "attach")
            await sideband.send(_text(live.SessionInputAudioMute(event_id="s1")))
            await sideband.until("session.input_audio.muted")
            await primary.until("session.input_audio.muted")
            await sideband.send(_text(live.SessionInputAudioUnmute(event_id="s2")))
            await primary.until("session.input_audio.unmuted")
            await sideband.until("session.input_audio.unmuted")
            await sideband.send("{not json")
            await sideband.until("error")
            for _ in range(15):
                await primary.send(_text(APPEND_100MS))
            await sideband.until("session.usage.updated")
            await primary.until("session.usage.updated")
            await primary.send(_text(live.SessionClose()))
            await sideband.until("session.closed")
            await primary.closed()
            await sideband.closed()
    return session_id, _types(primary.received), _types(sideband.received)


def test_live_through_rtmsg_relay_to_rtmsg_mock_server(
    tmp_path: Path, transport: Transport
) -> None:
    mock_args = ["mock-server", "--listen", "127.0.0.1:0", "--transport", transport]
    capture = tmp_path / "capture-{session}.jsonl"
    with started(mock_args, tmp_path / "mock.log") as mock:
        relay_args = [
            *("relay", "--listen", "127.0.0.1:0", "--upstream", mock.url),
            *("--transport", transport, "--capture", str(capture), "-v"),
        ]
        with started(relay_args, tmp_path / "relay.log") as relay:
            session_id, heard, seen = run(lambda: _exchange(relay.url))
            # A fork of a session that was not stored: refused by the mock, through the relay.
            fork_url = f"{relay.url}/v1/live/sessions/{session_id}/fork"

            async def refused_fork() -> None:
                with pytest.raises((InvalidStatus, ConnectionClosed)):
                    async with connect(fork_url) as ws:
                        await asyncio.wait_for(ws.recv(), 10)

            run(refused_fork)
            status, body = http_get(relay.port, "/metrics")
            log = relay.text()
    assert status == 200
    samples = _samples(body)
    for name in ("live", "live/attach"):
        assert samples["rtmsg_relay_sessions_total", (("protocol", name),)] == 1, name
    refused = ("rtmsg_relay_handshake_failures_total", (("cause", "upstream_refused"),))
    assert samples[refused] == 1
    assert heard[:2] == ["session.started", "session.input_audio.muted"]
    assert "session.output_audio.delta" in heard
    assert seen[:2] == ["session.input_audio.muted", "session.input_audio.unmuted"]
    assert "session.input_audio.append" in seen
    assert seen[-1] == "session.closed"
    assert f"session 2 opened: /v1/live/sessions/{session_id}/attach" in log
    assert f"session 2 (live/attach {session_id}) closed" in log
    assert "Traceback" not in log
    sideband_records = [
        r for r in read_capture(tmp_path / "capture-2.jsonl") if isinstance(r, Record)
    ]
    assert {(r.protocol, r.connection, r.session_id) for r in sideband_records} == {
        ("live", "attach", session_id)
    }


def test_the_sdk_live_client_through_rtmsg_relay_to_rtmsg_mock_server(
    tmp_path: Path, transport: Transport
) -> None:
    """The official SDK's Live client runs a session through the commands as an operator runs
    them: start, a turn of the caller's audio in, audio and transcripts out, close; the
    capture holds every frame, as Live, in the order the SDK sent and received them."""
    capture = tmp_path / "live.jsonl"
    mock_args = ["mock-server", "--listen", "127.0.0.1:0", "--transport", transport]
    audio = base64.b64encode(APPEND_100MS.pcm()).decode()

    async def session(url: str) -> list[Any]:
        client = openai.AsyncOpenAI(api_key="sk-test", websocket_base_url=f"{url}/v1")
        async with client.live.connect() as connection:
            await connection.session.start(session={"model": "gpt-live-1"}, event_id="c1")
            got = [await connection.recv()]
            for _ in range(15):  # 1.5 s: one turn of the mock's caller
                await connection.session.input_audio.append(audio=audio)
            while got[-1].type != "session.usage.updated":
                got.append(await connection.recv())
            await connection.session.close(event_id="c2")
            got += [event async for event in connection]
        return got

    with started(mock_args, tmp_path / "mock.log") as mock:
        relay_args = [
            *("relay", "--listen", "127.0.0.1:0", "--upstream", mock.url),
            *("--transport", transport, "--capture", str(capture)),
        ]
        with started(relay_args, tmp_path / "relay.log") as relay:
            got = run(lambda: session(relay.url))
            log = relay.text()
    assert "Traceback" not in log
    types = [event.type for event in got]
    assert (types[0], types[-1]) == ("session.started", "session.closed")
    assert got[0].client_event_id == "c1"
    assert got[0].session.model == "gpt-live-1"
    assert got[-1].client_event_id == "c2"
    heard = "".join(e.delta for e in got if e.type == "session.input_transcript.delta")
    said = "".join(e.delta for e in got if e.type == "session.output_transcript.delta")
    assert heard
    assert said
    assert "session.output_audio.delta" in types
    records = [r for r in read_capture(capture) if isinstance(r, Record)]
    assert {(r.protocol, r.connection) for r in records} == {("live", None)}  # a primary
    sent = [json.loads(r.frame)["type"] for r in records if r.direction == "client"]
    assert sent == ["session.start", *["session.input_audio.append"] * 15, "session.close"]
    assert [json.loads(r.frame)["type"] for r in records if r.direction == "server"] == types
