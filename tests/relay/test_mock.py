"""The mock server over a real socket: it sends what its session answers, paced as it says.

What the mock answers is tested without a socket in ``test_conversation.py``; these tests
cover what only the server does: the connection's path and query, the pauses of a response,
frames kept byte for byte, the session kind chosen by path, and the API key check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedOK, InvalidStatus

import rtmsg
from rtmsg import translation
from rtmsg.relay.audio import tone
from rtmsg.relay.conversation import Output, Sleep
from rtmsg.relay.mock import MockSession
from servers import ServeMock, receiver, recv_until, run


def _events(frames: list[bytes]) -> list[rtmsg.ServerEvent | rtmsg.Unknown]:
    return [rtmsg.decode_server_event(frame) for frame in frames]


def test_session_created_then_updated_with_merged_config(mock_server: ServeMock) -> None:
    async def scenario() -> list[bytes]:
        async with (
            mock_server(record=True) as (mock, url),
            connect(f"{url}/v1/realtime?model=gpt-realtime-mini") as ws,
        ):
            recv = receiver(ws, timeout=5)
            frames = [await recv()]
            update = rtmsg.SessionUpdate(session=rtmsg.Session(instructions="Be brief."))
            await ws.send(rtmsg.encode(update).decode())
            frames += await recv_until(recv, "session.updated")
            assert mock.sessions[0].sent == frames
            assert mock.sessions[0].received == [rtmsg.encode(update)]
            return frames

    created, updated = _events(run(scenario))
    assert isinstance(created, rtmsg.SessionCreated)
    assert isinstance(created.session, rtmsg.Session)
    assert created.session.model == "gpt-realtime-mini"
    assert isinstance(updated, rtmsg.SessionUpdated)
    assert isinstance(updated.session, rtmsg.Session)
    assert updated.session.instructions == "Be brief."
    assert updated.session.model == "gpt-realtime-mini"  # kept from before the update


def test_a_response_in_g711_carries_the_tone_and_usage(mock_server: ServeMock) -> None:
    async def scenario() -> list[bytes]:
        async with (
            mock_server(audio_ms=300, first_audio_delay_s=0.01) as (_, url),
            connect(f"{url}/v1/realtime", max_size=None) as ws,
        ):
            recv = receiver(ws, timeout=5)
            await recv()
            output = rtmsg.AudioConfigOutput(format=rtmsg.AudioFormat(type="audio/pcma"))
            session = rtmsg.Session(audio=rtmsg.AudioConfig(output=output))
            for event in (
                rtmsg.SessionUpdate(session=session),
                rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800),
                rtmsg.InputAudioBufferCommit(),
                rtmsg.ResponseCreate(),
            ):
                await ws.send(rtmsg.encode(event).decode())
            return await recv_until(recv, "response.done")

    events = _events(run(scenario))
    audio = b"".join(e.pcm() for e in events if isinstance(e, rtmsg.ResponseOutputAudioDelta))
    assert audio == tone("audio/pcma", 300)
    done = events[-1]
    assert isinstance(done, rtmsg.ResponseDone)
    assert done.response.status == "completed"


def test_the_unknown_event_hook_reaches_the_client_byte_for_byte(mock_server: ServeMock) -> None:
    async def scenario() -> list[bytes]:
        async with mock_server() as (_, url), connect(f"{url}/v1/realtime") as ws:
            recv = receiver(ws, timeout=5)
            await recv()
            params = rtmsg.ResponseCreateParams(metadata={"mock_unknown_event": "response.later"})
            await ws.send(rtmsg.encode(rtmsg.ResponseCreate(response=params)).decode())
            return await recv_until(recv, "response.done")

    frame = run(scenario)[0]
    event = rtmsg.decode_server_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.type == "response.later"
    assert json.loads(frame)["ratio"] == 1.5
    assert b'"ratio": 1.50}' in frame


class _Echo:
    """A second kind of session: answers every frame with the number of frames so far."""

    def __init__(self, log: MockSession) -> None:
        self.path = log.path
        self.count = 0

    def start(self) -> list[Output]:
        return [rtmsg.Unknown("echo.hello", b'{"type":"echo.hello"}')]

    def receive(self, frame: bytes | str) -> list[Output]:
        self.count += 1
        raw = b'{"type":"echo.count","n":%d}' % self.count
        return [rtmsg.Unknown("echo.count", raw)]

    def take_response(self) -> Iterator[Output | Sleep] | None:
        return None

    closed = False


def test_a_session_kind_is_chosen_by_path(mock_server: ServeMock) -> None:
    async def scenario() -> tuple[list[bytes], bytes]:
        async with mock_server() as (mock, url):
            mock.session_kinds["/v1/echo"] = _Echo
            async with connect(f"{url}/v1/echo?x=1") as ws:
                recv = receiver(ws, timeout=5)
                frames = [await recv()]
                await ws.send("{}")
                frames.append(await recv())
            async with connect(f"{url}/v1/realtime") as ws:
                return frames, await receiver(ws)()

    echo, realtime = run(scenario)
    assert echo == [b'{"type":"echo.hello"}', b'{"type":"echo.count","n":1}']
    assert isinstance(rtmsg.decode_server_event(realtime), rtmsg.SessionCreated)


def test_a_translation_session_behind_a_base_path_ends_with_a_normal_close(
    mock_server: ServeMock,
) -> None:
    async def scenario() -> tuple[list[bytes], int | None]:
        async with (
            mock_server() as (_, url),
            connect(f"{url}/openai/v1/realtime/translations?model=m") as ws,
        ):
            recv = receiver(ws, timeout=5)
            frames = [await recv()]
            await ws.send(rtmsg.encode(translation.SessionClose(event_id="c1")).decode())
            frames.append(await recv())
            with pytest.raises(ConnectionClosedOK):
                await recv()
            return frames, ws.close_code

    (created, closed), close_code = run(scenario)
    session_created = translation.decode_server_event(created)
    assert isinstance(session_created, translation.SessionCreated)
    assert session_created.session.model == "m"
    assert isinstance(translation.decode_server_event(closed), translation.SessionClosed)
    assert close_code == 1000


def test_require_api_key(mock_server: ServeMock) -> None:
    async def scenario() -> tuple[int, bytes]:
        async with mock_server(require_api_key=True) as (_, url):
            with pytest.raises(InvalidStatus) as refused:
                await connect(f"{url}/v1/realtime")
            auth = {"Authorization": "Bearer sk-test"}
            async with connect(f"{url}/v1/realtime", additional_headers=auth) as ws:
                return refused.value.response.status_code, await receiver(ws)()

    status, first = run(scenario)
    assert status == 401
    assert isinstance(rtmsg.decode_server_event(first), rtmsg.SessionCreated)


class _Said(_Echo):
    """A session that has said all it had to say on connect: the server closes at once."""

    closed = True


def test_a_session_over_from_the_start_is_sent_then_closed(mock_server: ServeMock) -> None:
    async def scenario() -> tuple[list[bytes], int | None]:
        async with mock_server() as (mock, url):
            mock.session_kinds["/v1/said"] = _Said
            ws = await connect(f"{url}/v1/said")
            recv = receiver(ws, timeout=5)
            frames = [await recv()]
            with pytest.raises(ConnectionClosedOK):
                await recv()
            return frames, ws.close_code

    assert run(scenario) == ([b'{"type":"echo.hello"}'], 1000)


def test_a_protocol_the_mock_does_not_simulate_is_refused_with_404(
    mock_server: ServeMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> tuple[int, bytes, int]:
        async with mock_server(record=True) as (mock, url):
            del mock.protocol_sessions["translation"]
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"{url}/v1/realtime/translations?model=m"):
                    pass
            # The protocols it still simulates are served as before.
            async with connect(f"{url}/v1/realtime") as ws:
                await recv_until(receiver(ws, timeout=5), "session.created")
            response = refused.value.response
            return response.status_code, bytes(response.body or b""), len(mock.sessions)

    status, body, sessions = run(scenario)
    assert status == 404
    assert body == b"Not found: the mock simulates no 'translation' session.\n"
    assert sessions == 1  # the refused connection never became a session
    lines = [r for r in caplog.records if r.name.startswith("rtmsg.mock")]
    warned = [r for r in lines if r.levelno >= logging.WARNING]
    assert [(r.levelno, r.getMessage()) for r in warned] == [
        (
            logging.WARNING,
            "refused /v1/realtime/translations: the mock simulates no 'translation' session",
        )
    ]
    assert not [r for r in lines if r.exc_info]
