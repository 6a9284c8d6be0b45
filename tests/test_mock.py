"""The mock Realtime server answers each client event as the service does, in valid events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect

import rtmsg
from rtmsg.relay import MockServer
from rtmsg.relay.mock import tone

T = TypeVar("T")


class _Client:
    """A plain websockets client that decodes what it receives with rtmsg."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, event: rtmsg.Event | str) -> None:
        await self.ws.send(event if isinstance(event, str) else rtmsg.encode(event).decode())

    async def recv(self) -> rtmsg.ServerEvent | rtmsg.Unknown:
        frame = await asyncio.wait_for(self.ws.recv(decode=False), 5)
        assert isinstance(frame, bytes)
        return rtmsg.decode_server_event(frame)  # raises if the mock sent an invalid event

    async def until(self, event_type: str) -> list[rtmsg.ServerEvent | rtmsg.Unknown]:
        events = []
        while True:
            event = await self.recv()
            events.append(event)
            if event.event_type == event_type:
                return events


def _with_mock(
    test: Callable[[_Client], Awaitable[T]], path: str = "/v1/realtime", **options: Any
) -> T:
    async def scenario() -> T:
        mock = MockServer(**options)
        async with mock.serve("127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
                return await test(_Client(ws))

    return asyncio.run(asyncio.wait_for(scenario(), 20))


def test_session_created_then_updated_with_merged_config() -> None:
    async def test(client: _Client) -> tuple[Any, Any]:
        created = await client.recv()
        update = rtmsg.SessionUpdate(
            session=rtmsg.Session(
                instructions="Be brief.",
                audio=rtmsg.AudioConfig(
                    output=rtmsg.AudioConfigOutput(format=rtmsg.AudioFormat(type="audio/pcmu"))
                ),
            )
        )
        await client.send(update)
        return created, await client.recv()

    created, updated = _with_mock(test, path="/v1/realtime?model=gpt-realtime-mini")
    assert isinstance(created, rtmsg.SessionCreated)
    assert isinstance(created.session, rtmsg.Session)
    assert created.session.model == "gpt-realtime-mini"
    assert isinstance(updated, rtmsg.SessionUpdated)
    session = updated.session
    assert isinstance(session, rtmsg.Session)
    assert session.instructions == "Be brief."
    assert isinstance(session.audio, rtmsg.AudioConfig)
    assert isinstance(session.audio.output, rtmsg.AudioConfigOutput)
    assert session.audio.output.format == rtmsg.AudioFormat(type="audio/pcmu")
    assert session.audio.output.voice == "marin"  # kept from before the update


def test_a_response_in_g711_carries_the_tone_and_usage() -> None:
    async def test(client: _Client) -> list[Any]:
        await client.recv()
        g711 = rtmsg.AudioFormat(type="audio/pcma")
        output = rtmsg.AudioConfigOutput(format=g711)
        await client.send(
            rtmsg.SessionUpdate(session=rtmsg.Session(audio=rtmsg.AudioConfig(output=output)))
        )
        await client.until("session.updated")
        await client.send(rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800))
        await client.send(rtmsg.InputAudioBufferCommit())
        await client.send(rtmsg.ResponseCreate())
        return await client.until("response.done")

    events = _with_mock(test, audio_ms=300)
    audio = b"".join(e.pcm() for e in events if isinstance(e, rtmsg.ResponseOutputAudioDelta))
    assert audio == tone("audio/pcma", 300)
    assert len(audio) == 2400
    done = events[-1]
    assert isinstance(done, rtmsg.ResponseDone)
    assert done.response.status == "completed"
    assert isinstance(done.response.usage, rtmsg.Usage)
    assert done.response.usage.total_tokens == (
        (done.response.usage.input_tokens or 0) + (done.response.usage.output_tokens or 0)
    )
    transcript = [e for e in events if isinstance(e, rtmsg.ResponseOutputAudioTranscriptDone)]
    assert transcript[0].transcript.startswith("Hello!")


def test_tone_formats() -> None:
    assert len(tone("audio/pcm", 100)) == 4800
    assert len(tone(None, 100)) == 4800
    assert len(tone("audio/pcmu", 100)) == 800
    assert tone("audio/pcmu", 100) != tone("audio/pcma", 100)


def test_cancel_ends_the_response_as_cancelled() -> None:
    async def test(client: _Client) -> list[Any]:
        await client.recv()
        await client.send(rtmsg.ResponseCreate())
        await client.until("response.created")
        await client.send(rtmsg.ResponseCreate(event_id="again"))
        await client.send(rtmsg.ResponseCancel())
        events = await client.until("response.done")
        await client.send(rtmsg.ResponseCancel(event_id="late"))
        events += await client.until("error")
        return events

    events = _with_mock(test, audio_ms=5_000, first_audio_delay_s=0.05)
    errors = [e for e in events if isinstance(e, rtmsg.Error)]
    assert [(e.error.code, e.error.event_id) for e in errors] == [
        ("conversation_already_has_active_response", "again"),
        ("response_cancel_not_active", "late"),
    ]
    done = next(e for e in events if isinstance(e, rtmsg.ResponseDone))
    assert done.response.status == "cancelled"
    deltas = [e for e in events if isinstance(e, rtmsg.ResponseOutputAudioDelta)]
    assert len(deltas) < 50


def test_clear_commit_empty_and_speech_events() -> None:
    async def test(client: _Client) -> list[Any]:
        await client.recv()
        await client.send(rtmsg.InputAudioBufferCommit(event_id="empty"))
        events = await client.until("error")
        await client.send(rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800))
        events += await client.until("input_audio_buffer.speech_started")
        await client.send(rtmsg.InputAudioBufferClear())
        events += await client.until("input_audio_buffer.cleared")
        await client.send(rtmsg.InputAudioBufferCommit(event_id="empty again"))
        events += await client.until("error")
        await client.send(rtmsg.OutputAudioBufferClear(event_id="webrtc"))
        events += await client.until("error")
        return events

    events = _with_mock(test)
    assert [e.event_type for e in events] == [
        "error",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.cleared",
        "error",
        "error",
    ]
    assert [e.error.event_id for e in events if isinstance(e, rtmsg.Error)] == [
        "empty",
        "empty again",
        "webrtc",
    ]


def test_items_create_retrieve_truncate_delete() -> None:
    user = rtmsg.Message(role="user", content=[rtmsg.MessageContent(type="input_text", text="hi")])
    assistant = rtmsg.Message(
        id="item_a", role="assistant", content=[rtmsg.MessageContent(type="output_audio")]
    )

    async def test(client: _Client) -> list[Any]:
        await client.recv()
        await client.send(rtmsg.ConversationItemCreate(item=user))
        events = await client.until("conversation.item.done")
        await client.send(rtmsg.ConversationItemCreate(item=assistant))
        events += await client.until("conversation.item.done")
        await client.send(rtmsg.ConversationItemRetrieve(item_id="item_a"))
        events += await client.until("conversation.item.retrieved")
        truncate = rtmsg.ConversationItemTruncate(item_id="item_a", content_index=0, audio_end_ms=5)
        await client.send(truncate)
        events += await client.until("conversation.item.truncated")
        await client.send(rtmsg.ConversationItemDelete(item_id="item_a"))
        events += await client.until("conversation.item.deleted")
        await client.send(rtmsg.ConversationItemDelete(item_id="item_a", event_id="gone"))
        events += await client.until("error")
        await client.send(rtmsg.ConversationItemRetrieve(item_id="nope"))
        events += await client.until("error")
        await client.send(
            rtmsg.ConversationItemTruncate(item_id="nope", content_index=0, audio_end_ms=1)
        )
        events += await client.until("error")
        return events

    events = _with_mock(test)
    added = events[0]
    assert isinstance(added, rtmsg.ConversationItemAdded)
    assert isinstance(added.item, rtmsg.Message)
    assert isinstance(added.item.id, str)  # the server names items created without an id
    truncated = next(e for e in events if isinstance(e, rtmsg.ConversationItemTruncated))
    assert (truncated.item_id, truncated.audio_end_ms) == ("item_a", 5)
    errors = [e for e in events if isinstance(e, rtmsg.Error)]
    assert len(errors) == 3
    assert errors[0].error.event_id == "gone"
    assert {e.error.param for e in errors} == {"item_id"}


def test_unknown_and_invalid_client_events_get_errors() -> None:
    async def test(client: _Client) -> list[Any]:
        await client.recv()
        await client.send('{"type":"session.teleport","event_id":"u1"}')
        events = await client.until("error")
        await client.send('{"type":"input_audio_buffer.append","event_id":"i1"}')
        events += await client.until("error")
        await client.send("not json")
        events += await client.until("error")
        return events

    unknown, invalid, malformed = _with_mock(test)
    assert isinstance(unknown, rtmsg.Error)
    assert (unknown.error.code, unknown.error.param, unknown.error.event_id) == (
        "invalid_value",
        "type",
        "u1",
    )
    assert isinstance(invalid, rtmsg.Error)
    assert (invalid.error.code, invalid.error.param) == ("missing_required_parameter", "audio")
    assert isinstance(malformed, rtmsg.Error)
    assert malformed.error.code == "invalid_json"


def test_the_unknown_event_hook() -> None:
    async def test(client: _Client) -> bytes:
        await client.recv()
        params = rtmsg.ResponseCreateParams(metadata={"mock_unknown_event": "response.later"})
        await client.send(rtmsg.ResponseCreate(response=params))
        frame = await client.ws.recv(decode=False)
        assert isinstance(frame, bytes)
        await client.until("response.done")
        return frame

    frame = _with_mock(test)
    event = rtmsg.decode_server_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.type == "response.later"
    assert json.loads(frame)["ratio"] == 1.5
