"""The relay end to end over loopback: the official SDK client -> relay -> mock server.

The servers come from the ``relay_pair`` fixture, run inside each test's bounded event loop.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

import rtmsg
from rtmsg import cli, translation
from rtmsg.capture import Record, read_capture
from rtmsg.protocols import route
from rtmsg.relay import MockServer, Relay
from rtmsg.relay._core import Config, RelayCore
from rtmsg.relay._handshake import Upgrade
from rtmsg.relay.conversation import Output, Sleep
from rtmsg.relay.mock import MockSession
from rtmsg.relay.proxy import Transport
from sdk_oracle import sdk_validate
from servers import ServeRelayPair, port_of, receiver, recv_until, run

API_KEY = "sk-test-relay-0123456789abcdef"

_TRANSLATION = translation.decode_server_event
"""How ``recv_until`` reads the frames of a translation session."""


def _type(frame: bytes) -> str:
    kind: str = json.loads(frame)["type"]
    return kind


def _pcm(ms: int) -> str:
    return base64.b64encode(b"\x00\x01" * (24 * ms)).decode()


# --- the SDK's realtime client through the relay ------------------------------


def test_sdk_voice_turn_through_the_relay(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    relay_pair: ServeRelayPair,
    transport: Transport,
) -> None:
    caplog.set_level(logging.DEBUG)
    capture_path = tmp_path / "session-1.jsonl"
    received: list[bytes] = []

    async def scenario() -> MockServer:
        template = tmp_path / "session-{session}.jsonl"
        async with relay_pair(capture=template, first_audio_delay_s=0.02) as (
            mock,
            _,
            relay_url,
            _,
        ):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.realtime.connect(model="gpt-realtime") as connection:
                received.extend(await recv_until(connection.recv_bytes, "session.created"))
                await connection.session.update(
                    session={
                        "type": "realtime",
                        "instructions": "Be brief.",
                        "audio": {"output": {"voice": "marin"}},
                    }
                )
                received.extend(await recv_until(connection.recv_bytes, "session.updated"))
                for _ in range(5):
                    await connection.input_audio_buffer.append(audio=_pcm(100))
                await connection.input_audio_buffer.commit()
                await connection.response.create(
                    response={"metadata": {"mock_unknown_event": "response.future_event"}}
                )
                received.extend(await recv_until(connection.recv_bytes, "response.done"))
                for frame in received:  # the SDK parses every one of them
                    assert connection.parse_event(frame) is not None
        return mock

    mock = run(scenario)
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
    if transport == "websockets":  # it logs every header at DEBUG, secret ones redacted
        assert any("Authorization" in message and "[redacted]" in message for message in ours)
    assert not [message for message in ours if API_KEY in message]
    output = capsys.readouterr()
    assert API_KEY not in output.out + output.err


def test_sdk_translation_session_through_the_relay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relay_pair: ServeRelayPair
) -> None:
    capture_path = tmp_path / "translation.jsonl"
    received: list[bytes] = []

    async def scenario() -> MockServer:
        async with relay_pair(capture=capture_path) as (mock, _, relay_url, _):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.realtime.translations.connect(
                model="gpt-realtime-translate", max_retries=0
            ) as connection:
                received.extend(
                    await recv_until(connection.recv_bytes, "session.created", _TRANSLATION)
                )
                await connection.session.update(
                    session={
                        "audio": {
                            "input": {"transcription": {"model": "gpt-realtime-whisper"}},
                            "output": {"language": "fr"},
                        }
                    }
                )
                received.extend(
                    await recv_until(connection.recv_bytes, "session.updated", _TRANSLATION)
                )
                for _ in range(5):
                    await connection.session.input_audio_buffer.append(audio=_pcm(100))
                await connection.session.close()
                received.extend(
                    await recv_until(connection.recv_bytes, "session.closed", _TRANSLATION)
                )
        return mock

    mock = run(scenario)
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


def test_the_path_picks_the_protocol_the_relay_checks(relay_pair: ServeRelayPair) -> None:
    # Valid for a translation session, invalid for a conversation (its session needs a type).
    update = '{"type":"session.update","event_id":"c1","session":{"audio":{}}}'

    async def scenario() -> tuple[MockServer, list[bytes], list[bytes]]:
        conversation: list[bytes] = []
        translated: list[bytes] = []
        async with relay_pair() as (mock, _, relay_url, _):
            async with connect(f"{relay_url}/v1/realtime") as ws:
                conversation.extend(await recv_until(receiver(ws), "session.created"))
                await ws.send(update)
                conversation.extend(await recv_until(receiver(ws), "error"))
            async with connect(f"{relay_url}/v1/realtime/translations?model=m") as ws:
                translated.extend(await recv_until(receiver(ws), "session.created", _TRANSLATION))
                await ws.send(update)
                translated.extend(await recv_until(receiver(ws), "session.updated", _TRANSLATION))
                await ws.send('{"type":"session.update","event_id":"c2"}')
                translated.extend(await recv_until(receiver(ws), "error", _TRANSLATION))
                # A conversation event is Unknown here: forwarded, and refused by the server.
                await ws.send('{"type":"input_audio_buffer.commit","event_id":"c3"}')
                translated.extend(await recv_until(receiver(ws), "error", _TRANSLATION))
        return mock, conversation, translated

    mock, conversation, translated = run(scenario)
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


def test_invalid_client_frames_are_answered_and_not_forwarded(
    tmp_path: Path, relay_pair: ServeRelayPair
) -> None:
    capture_path = tmp_path / "invalid.jsonl"
    received: list[bytes] = []

    async def scenario() -> MockServer:
        async with relay_pair(capture=capture_path) as (mock, _, relay_url, _):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{relay_url}/v1")
            async with client.realtime.connect(model="gpt-realtime") as connection:
                received.extend(await recv_until(connection.recv_bytes, "session.created"))
                await connection.send_raw('{"type":"session.update", "session": ')
                received.extend(await recv_until(connection.recv_bytes, "error"))
                await connection.send_raw(
                    '{"type":"conversation.item.truncate","event_id":"evt_bad_1","item_id":"x"}'
                )
                received.extend(await recv_until(connection.recv_bytes, "error"))
                await connection.input_audio_buffer.clear(event_id="evt_ok_2")
                received.extend(
                    await recv_until(connection.recv_bytes, "input_audio_buffer.cleared")
                )
        return mock

    mock = run(scenario)
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


def test_forward_invalid_forwards_and_still_answers(relay_pair: ServeRelayPair) -> None:
    async def scenario() -> tuple[MockServer, list[bytes]]:
        received: list[bytes] = []
        async with relay_pair(forward_invalid=True) as (mock, _, relay_url, _):
            ws = await connect(f"{relay_url}/v1/realtime")
            received.extend(await recv_until(receiver(ws), "session.created"))
            await ws.send('{"type":"conversation.item.delete","event_id":"evt_3"}')
            received.extend(await recv_until(receiver(ws), "error"))  # from the relay
            received.extend(await recv_until(receiver(ws), "error"))  # from the server
            await ws.close()
        return mock, received

    mock, received = run(scenario)
    assert mock.sessions[0].received == [b'{"type":"conversation.item.delete","event_id":"evt_3"}']
    errors = [rtmsg.decode_server_event(frame) for frame in received[1:]]
    assert all(isinstance(e, rtmsg.Error) and e.error.event_id == "evt_3" for e in errors)


class _BadServer:
    """A server session that opens with an invalid event: ``response.done`` without its body."""

    def __init__(self, log: MockSession) -> None:
        pass

    def start(self) -> list[Output]:
        return [rtmsg.Unknown("response.done", b'{"type":"response.done","event_id":"s1"}')]

    def receive(self, frame: bytes | str) -> list[Output]:
        return []

    def take_response(self) -> Iterator[Output | Sleep] | None:
        return None

    closed = False


def test_invalid_server_frames_are_logged_and_forwarded(
    relay_pair: ServeRelayPair, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rtmsg.relay")

    async def scenario() -> bytes:
        async with relay_pair() as (mock, _, relay_url, _):
            mock.session_kinds["/v1/bad"] = _BadServer
            async with connect(f"{relay_url}/v1/bad") as ws:
                return await receiver(ws, timeout=5)()

    assert run(scenario) == b'{"type":"response.done","event_id":"s1"}'
    [warning] = [r.getMessage() for r in caplog.records if r.name == "rtmsg.relay"]
    assert warning.startswith("session 1: invalid server event response.done (event_id s1):")


# --- handshake and close ---------------------------------------------------------


def test_close_codes_propagate_both_ways(relay_pair: ServeRelayPair) -> None:
    async def scenario() -> tuple[int | None, str | None, int | None]:
        async with relay_pair() as (mock, _, relay_url, _):
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

    upstream_code, upstream_reason, client_code = run(scenario)
    assert (upstream_code, upstream_reason) == (4001, "client says bye")
    assert client_code == 1001


def test_upstream_refusals_reach_the_client(
    relay_pair: ServeRelayPair, transport: Transport
) -> None:
    """websockets answers with the upstream's status; picows, whose 101 went out before the
    upstream answered, closes with 4000 + the status (1014 when unreachable)."""

    async def refused_as(url: str) -> tuple[int, str]:
        if transport == "websockets":
            with pytest.raises(InvalidStatus) as refused:
                await connect(url)
            return refused.value.response.status_code, ""
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code is not None
        return ws.close_code, ws.close_reason or ""

    async def scenario() -> tuple[tuple[int, str], tuple[int, str], str]:
        async with relay_pair(require_api_key=True) as (_, _, relay_url, _):
            refused = await refused_as(f"{relay_url}/v1/realtime")
            auth = {"Authorization": f"Bearer {API_KEY}"}
            async with connect(f"{relay_url}/v1/realtime", additional_headers=auth) as ws:
                first = await ws.recv()
            assert isinstance(first, str)
        relay = Relay("ws://127.0.0.1:9", transport=transport)  # discard port: nothing listens
        async with relay.serve("127.0.0.1", 0) as server:
            unreachable = await refused_as(f"ws://127.0.0.1:{port_of(server)}/v1/realtime")
        failures = relay.metrics.handshake_failures
        assert failures == {"upstream_unreachable": 1}, failures
        return refused, unreachable, _type(first.encode())

    refused, unreachable, first = run(scenario)
    assert first == "session.created"
    if transport == "websockets":
        assert (refused[0], unreachable[0]) == (401, 502)
    else:
        assert refused == (4401, "upstream refused the handshake: HTTP 401")
        assert unreachable[0] == 1014


def test_subprotocols_are_negotiated_with_upstream_and_never_logged(
    caplog: pytest.LogCaptureFixture, relay_pair: ServeRelayPair, transport: Transport
) -> None:
    caplog.set_level(logging.DEBUG)
    offered = [Subprotocol("realtime"), Subprotocol(f"openai-insecure-api-key.{API_KEY}")]

    async def scenario() -> tuple[str | None, MockServer]:
        async with (
            relay_pair() as (mock, _, relay_url, _),
            connect(f"{relay_url}/v1/realtime", subprotocols=offered) as ws,
        ):
            await ws.recv()
            return ws.subprotocol, mock

    chosen, mock = run(scenario)
    assert chosen == "realtime"
    assert API_KEY in mock.sessions[0].headers["Sec-WebSocket-Protocol"]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("rtmsg")]
    if transport == "websockets":
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


@pytest.mark.parametrize("protocol", ["conversation", "translation"])
def test_the_relay_decodes_with_its_own_frame_limit(protocol: str) -> None:
    core = RelayCore(Config("ws://127.0.0.1:9", max_size=1000))
    path = "/v1/realtime" if protocol == "conversation" else "/v1/realtime/translations"
    session = core.start(Upgrade(path, path, (), ()))
    assert session.protocol == protocol
    event = (
        rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 1000)
        if protocol == "conversation"
        else translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 1000)
    )
    frame = rtmsg.encode(event)
    assert len(frame) > 1000
    verdict = session.from_client(frame, False)
    assert verdict is not None
    assert verdict.answer is not None
    answer = rtmsg.decode_server_event(verdict.answer)
    assert isinstance(answer, rtmsg.Error)
    assert answer.error.code == "frame_too_large"
    assert session.from_server(frame, False) is None  # logged, forwarded
    assert core.metrics.invalid == {
        ("client", "frame_too_large"): 1,
        ("server", "frame_too_large"): 1,
    }
    # A translation event, not an Unknown: the session decodes with its protocol's union.
    close = rtmsg.encode(translation.SessionClose(event_id="c1"))
    assert session.from_client(close, False) is None
    assert (session.client_known, session.client_unknown) == (
        (1, 0) if protocol == "translation" else (0, 1)
    )


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
    assert route(path).endpoint.protocol == protocol


@pytest.mark.parametrize(("level", "xfl"), [(None, 4), (6, 0), (9, 2)])
def test_a_gzip_capture_is_compressed_at_the_relays_level(
    tmp_path: Path, level: int | None, xfl: int
) -> None:
    # XFL, the gzip header's 9th byte, says how hard zlib worked: 4 for level 1, 2 for 9.
    capture = str(tmp_path / "s-{session}.jsonl.gz")
    config = Config("ws://127.0.0.1:9", capture=capture)
    core = RelayCore(config if level is None else dataclasses.replace(config, capture_level=level))
    session = core.start(Upgrade("/v1/realtime", "/v1/realtime", (), ()))
    frame = rtmsg.encode(rtmsg.InputAudioBufferClear(event_id="evt_1"))
    assert session.from_client(frame, False) is None
    session.end()
    core.close()
    data = (tmp_path / "s-1.jsonl.gz").read_bytes()
    assert data[:2] == b"\x1f\x8b"
    assert data[8] == xfl
    records = list(read_capture(tmp_path / "s-1.jsonl.gz"))
    assert [getattr(record, "frame", None) for record in records] == [frame]


def test_the_capture_level_is_checked_and_passed_on_by_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="capture level must be from 0 to 9, not 10"):
        Relay("ws://127.0.0.1:9", capture_level=10)
    seen: dict[str, int] = {}

    def relay(upstream: str, **options: Any) -> None:
        seen["capture_level"] = options["capture_level"]
        raise ValueError("stop here")

    monkeypatch.setattr(rtmsg.relay, "Relay", relay)
    argv = ["relay", "--listen", "127.0.0.1:0", "--upstream", "ws://127.0.0.1:9"]
    assert cli.main([*argv, "--capture-level", "9"]) == 2
    assert seen["capture_level"] == 9
    assert "rtmsg relay: stop here" in capsys.readouterr().err
    del seen["capture_level"]
    assert cli.main(argv) == 2
    assert seen == {"capture_level": 1}
    assert cli.main([*argv, "--capture-level", "10"]) == 2
    assert "invalid choice: 10" in capsys.readouterr().err
