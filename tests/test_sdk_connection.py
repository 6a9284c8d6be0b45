"""rtmsg's events over the official SDK's own connection, against the mock server.

The SDK's ``recv()`` builds its models without validating them, and a frame of a type it
does not know becomes the first class of its union, silently. ``recv_bytes()`` and
``send_raw()``, which both its conversation and translation connections have, are the short
path the README shows: rtmsg decodes the exact bytes (an unknown type is an ``Unknown``,
whole) and encodes what goes out; Live's connection has the same two. These tests run that
snippet, as it is written there.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import openai
import pytest

import rtmsg
from rtmsg import live, translation
from rtmsg.relay.live_mock import LiveSession
from servers import ServeMock, run

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "sk-test"


async def _conversation(url: str, future_type: str) -> tuple[list[Any], list[Any]]:
    """The README's loop, then the same response read with the SDK's ``recv()``."""
    client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{url}/v1")
    seen: list[Any] = []
    async with client.realtime.connect(model="gpt-realtime") as connection:
        update = rtmsg.SessionUpdate(session=rtmsg.Session(instructions="Be brief."))
        await connection.send_raw(rtmsg.encode(update).decode())
        await connection.send_raw(
            rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(b"\0\0" * 2400)).decode()
        )
        await connection.send_raw(rtmsg.encode(rtmsg.InputAudioBufferCommit()).decode())
        create = rtmsg.ResponseCreate(
            response=rtmsg.ResponseCreateParams(metadata={"mock_unknown_event": future_type})
        )
        await connection.send_raw(rtmsg.encode(create).decode())
        while True:
            event = rtmsg.decode_server_event(await connection.recv_bytes())
            seen.append(event)
            if isinstance(event, rtmsg.ResponseDone):
                break
        # the same again, through the SDK's own parsing
        await connection.send_raw(rtmsg.encode(create).decode())
        sdk: list[Any] = []
        while not sdk or getattr(sdk[-1], "type", None) != "response.done":
            sdk.append(await connection.recv())
    return seen, sdk


def test_the_short_path_over_the_sdk_conversation_connection(mock_server: ServeMock) -> None:
    async def scenario() -> tuple[list[Any], list[Any]]:
        async with mock_server() as (_, url):
            return await _conversation(url, "response.audio.delta")

    seen, sdk = run(scenario)
    assert isinstance(seen[0], rtmsg.SessionCreated)
    assert isinstance(seen[1], rtmsg.SessionUpdated)
    assert isinstance(seen[1].session, rtmsg.Session)
    assert seen[1].session.instructions == "Be brief."
    [unknown] = [event for event in seen if isinstance(event, rtmsg.Unknown)]
    assert unknown.type == "response.audio.delta"  # a beta name, kept whole
    assert rtmsg.encode(unknown) == unknown.raw
    assert any(isinstance(event, rtmsg.ResponseOutputAudioDelta) for event in seen)
    assert isinstance(seen[-1], rtmsg.ResponseDone)
    assert seen[-1].response.status == "completed"
    # What the SDK's recv() made of the same frame: a class of its union, with another type.
    [lost] = [event for event in sdk if getattr(event, "type", None) == "response.audio.delta"]
    declared = typing.get_args(type(lost).model_fields["type"].annotation)
    assert declared != ("response.audio.delta",)  # e.g. ConversationCreatedEvent
    assert type(lost).__module__.startswith("openai.types.realtime")


def test_the_short_path_over_the_sdk_translation_connection(mock_server: ServeMock) -> None:
    async def scenario() -> list[Any]:
        async with mock_server() as (_, url):
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{url}/v1")
            events: list[Any] = []
            translations = client.realtime.translations
            async with translations.connect(model="gpt-realtime-translate") as connection:
                update = translation.SessionUpdate(
                    session=translation.SessionUpdateRequest(
                        audio=translation.Audio(output=translation.AudioOutput(language="fr"))
                    )
                )
                await connection.send_raw(rtmsg.encode(update).decode())
                append = translation.SessionInputAudioBufferAppend.from_pcm(b"\0\0" * 4800)
                await connection.send_raw(rtmsg.encode(append).decode())
                await connection.send_raw(rtmsg.encode(translation.SessionClose()).decode())
                while True:
                    event = translation.decode_server_event(await connection.recv_bytes())
                    events.append(event)
                    if isinstance(event, translation.SessionClosed):
                        return events

    events = run(scenario)
    assert isinstance(events[0], translation.SessionCreated)
    assert events[0].session.model == "gpt-realtime-translate"
    assert isinstance(events[1], translation.SessionUpdated)
    output = events[1].session.audio.output
    assert isinstance(output, translation.AudioOutput)
    assert output.language == "fr"
    audio = [event for event in events if isinstance(event, translation.SessionOutputAudioDelta)]
    assert sum(len(event.pcm()) for event in audio) == 9600  # 200 ms in, 200 ms out
    assert not [event for event in events if isinstance(event, rtmsg.Unknown)]


def test_the_short_path_over_the_sdk_live_connection(mock_server: ServeMock) -> None:
    async def scenario() -> list[Any]:
        async with mock_server() as (mock, url):
            mock.protocol_sessions["live"] = lambda _: LiveSession(turn_ms=300)  # a short turn
            client = openai.AsyncOpenAI(api_key=API_KEY, websocket_base_url=f"{url}/v1")
            events: list[Any] = []
            async with client.live.connect() as connection:
                start = live.SessionStart(session=live.SessionConfig(model="gpt-live-1"))
                await connection.send_raw(rtmsg.encode(start).decode())
                append = live.SessionInputAudioAppend.from_pcm(b"\0\0" * 7200)  # 300 ms
                await connection.send_raw(rtmsg.encode(append).decode())
                while True:
                    event = live.decode_server_event(await connection.recv_bytes())
                    events.append(event)
                    if isinstance(event, live.SessionUsageUpdated):
                        await connection.send_raw(rtmsg.encode(live.SessionClose()).decode())
                    if isinstance(event, live.SessionClosed):
                        return events

    events = run(scenario)
    assert isinstance(events[0], live.SessionStarted)
    assert events[0].session.model == "gpt-live-1"
    kinds = {type(event) for event in events}
    assert {live.SessionInputTranscriptDelta, live.SessionOutputAudioDelta} <= kinds
    assert not [event for event in events if isinstance(event, rtmsg.Unknown)]


def test_the_readme_shows_this_snippet() -> None:
    readme = (ROOT / "README.md").read_text()
    for line in (
        "event = rtmsg.decode_server_event(await connection.recv_bytes())",
        "await connection.send_raw(rtmsg.encode(update).decode())",
        "event = translation.decode_server_event(await connection.recv_bytes())",
        "event = live.decode_server_event(await connection.recv_bytes())",
    ):
        assert line in readme, line


@pytest.mark.parametrize(
    ("stream", "section"),
    [("server stream", "With the official SDK"), ("live server stream", "Live")],
)
def test_the_readme_quotes_the_latest_sdk_parse_path_figure(stream: str, section: str) -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- latest-run:start", 1)[1].split("<!-- latest-run:end", 1)[0]
    [row] = [line for line in block.splitlines() if f"| {stream}: SDK parse path / rtmsg" in line]
    median = row.split("|")[2].strip()
    text = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"(?<![\d.]){re.escape(median)}", text), median
