"""The mock's session logic without a socket: each client event in, the service's answer out."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

import rtmsg
from rtmsg.relay.audio import tone
from rtmsg.relay.conversation import Conversation, Output, Sleep
from sdk_frames import frames
from sdk_oracle import sdk_validate


def _wire(events: Iterable[Output | Sleep]) -> list[rtmsg.ServerEvent | rtmsg.Unknown]:
    """The events as a client decodes them; raises if the mock made an invalid event."""
    return [
        rtmsg.decode_server_event(rtmsg.encode(event))
        for event in events
        if not isinstance(event, Sleep)
    ]


def _play(chat: Conversation, *events: rtmsg.ClientEvent | str) -> list[Any]:
    """Every event the mock sends for ``events``, each response played to its end."""
    out: list[Output | Sleep] = []
    for event in events:
        out += chat.receive(event) if isinstance(event, str) else chat.handle(event)
        response = chat.take_response()
        if response is not None:
            out += response
    return _wire(out)


def _started(**options: Any) -> Conversation:
    chat = Conversation(**options)
    chat.start()
    return chat


def test_every_client_event_type_is_handled() -> None:
    assert Conversation().handled_types == set(rtmsg.ClientEventType)


def _sample_frames() -> Iterator[tuple[str, str]]:
    by_type = itertools.groupby(frames("client"), key=lambda frame: frame.event_type)
    for event_type, group in by_type:
        for frame in itertools.islice(group, 8):
            yield event_type, frame.text


def test_every_answer_to_sdk_made_client_frames_is_a_server_event_the_sdk_accepts() -> None:
    answered: set[str] = set()
    for event_type, text in _sample_frames():
        chat = _started(audio_ms=100)
        if event_type == "input_audio_buffer.commit":  # audio to commit, or it is an error
            _play(chat, rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 480))
        answers = _play(chat, text)
        if answers:
            answered.add(event_type)
        for answer in answers:
            assert not isinstance(answer, rtmsg.Unknown), answer
            frame = rtmsg.encode(answer)
            assert sdk_validate(frame, "server").type == answer.event_type
    assert answered == set(rtmsg.ClientEventType)


def test_start_and_a_merged_session_update() -> None:
    chat = Conversation(model="gpt-realtime-mini")
    [created] = _wire(chat.start())
    update = rtmsg.SessionUpdate(
        session=rtmsg.Session(
            instructions="Be brief.",
            audio=rtmsg.AudioConfig(
                output=rtmsg.AudioConfigOutput(format=rtmsg.AudioFormat(type="audio/pcmu"))
            ),
        )
    )
    [updated] = _play(chat, update)
    assert isinstance(created, rtmsg.SessionCreated)
    assert isinstance(created.session, rtmsg.Session)
    assert created.session.model == "gpt-realtime-mini"
    assert isinstance(updated, rtmsg.SessionUpdated)
    session = updated.session
    assert isinstance(session, rtmsg.Session)
    assert session.instructions == "Be brief."
    assert session.output_format == rtmsg.AudioFormat(type="audio/pcmu")
    assert isinstance(session.audio, rtmsg.AudioConfig)
    assert isinstance(session.audio.output, rtmsg.AudioConfigOutput)
    assert session.audio.output.voice == "marin"  # kept from before the update


def test_a_response_in_g711_carries_the_tone_and_usage() -> None:
    chat = _started(audio_ms=300)
    output = rtmsg.AudioConfigOutput(format=rtmsg.AudioFormat(type="audio/pcma"))
    events = _play(
        chat,
        rtmsg.SessionUpdate(session=rtmsg.Session(audio=rtmsg.AudioConfig(output=output))),
        rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800),
        rtmsg.InputAudioBufferCommit(),
        rtmsg.ResponseCreate(),
    )
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


def test_the_response_stream_says_when_to_pause() -> None:
    chat = _started(audio_ms=300, chunk_ms=100, first_audio_delay_s=0.25)
    chat.handle(rtmsg.ResponseCreate())
    response = chat.take_response()
    assert response is not None
    assert chat.take_response() is None  # a response is played once
    steps = list(response)
    pauses = [(index, step.seconds) for index, step in enumerate(steps) if isinstance(step, Sleep)]
    # The thinking time before the first audio, then a pause after each of the 3 chunks.
    assert [seconds for _, seconds in pauses] == [0.25, 0, 0, 0]
    first_audio = next(
        i for i, step in enumerate(steps) if isinstance(step, rtmsg.ResponseOutputAudioDelta)
    )
    assert pauses[0][0] == first_audio - 1
    assert [e.event_type for e in _wire(steps[: pauses[0][0]])] == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
    ]


def test_cancel_ends_the_response_as_cancelled() -> None:
    chat = _started(audio_ms=5_000, first_audio_delay_s=0.05)
    assert chat.handle(rtmsg.ResponseCreate()) == []
    response = chat.take_response()
    assert response is not None
    events: list[Output | Sleep] = [next(response)]
    assert isinstance(events[0], rtmsg.ResponseCreated)
    events += chat.handle(rtmsg.ResponseCreate(event_id="again"))
    events += chat.handle(rtmsg.ResponseCancel())
    events += response
    events += chat.handle(rtmsg.ResponseCancel(event_id="late"))
    decoded = _wire(events)
    errors = [e for e in decoded if isinstance(e, rtmsg.Error)]
    assert [(e.error.code, e.error.event_id) for e in errors] == [
        ("conversation_already_has_active_response", "again"),
        ("response_cancel_not_active", "late"),
    ]
    done = next(e for e in decoded if isinstance(e, rtmsg.ResponseDone))
    assert done.response.status == "cancelled"
    deltas = [e for e in decoded if isinstance(e, rtmsg.ResponseOutputAudioDelta)]
    assert len(deltas) < 50


def test_clear_commit_empty_and_speech_events() -> None:
    events = _play(
        _started(),
        rtmsg.InputAudioBufferCommit(event_id="empty"),
        rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800),
        rtmsg.InputAudioBufferClear(),
        rtmsg.InputAudioBufferCommit(event_id="empty again"),
        rtmsg.OutputAudioBufferClear(event_id="webrtc"),
    )
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


def test_without_turn_detection_appends_are_silent() -> None:
    no_vad = rtmsg.Session(
        audio=rtmsg.AudioConfig(input=rtmsg.AudioConfigInput(turn_detection=None))
    )
    chat = _started()
    _play(chat, rtmsg.SessionUpdate(session=no_vad))
    assert _play(chat, rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800)) == []
    types = [e.event_type for e in _play(chat, rtmsg.InputAudioBufferCommit())]
    assert types == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]


def test_items_create_retrieve_truncate_delete() -> None:
    user = rtmsg.Message(role="user", content=[rtmsg.MessageContent(type="input_text", text="hi")])
    assistant = rtmsg.Message(
        id="item_a", role="assistant", content=[rtmsg.MessageContent(type="output_audio")]
    )
    events = _play(
        _started(),
        rtmsg.ConversationItemCreate(item=user),
        rtmsg.ConversationItemCreate(item=assistant),
        rtmsg.ConversationItemRetrieve(item_id="item_a"),
        rtmsg.ConversationItemTruncate(item_id="item_a", content_index=0, audio_end_ms=5),
        rtmsg.ConversationItemDelete(item_id="item_a"),
        rtmsg.ConversationItemDelete(item_id="item_a", event_id="gone"),
        rtmsg.ConversationItemRetrieve(item_id="nope"),
        rtmsg.ConversationItemTruncate(item_id="nope", content_index=0, audio_end_ms=1),
    )
    added = events[0]
    assert isinstance(added, rtmsg.ConversationItemAdded)
    assert isinstance(added.item, rtmsg.Message)
    assert isinstance(added.item.id, str)  # the server names items created without an id
    second = events[2]
    assert isinstance(second, rtmsg.ConversationItemAdded)
    assert second.previous_item_id == added.item.id
    truncated = next(e for e in events if isinstance(e, rtmsg.ConversationItemTruncated))
    assert (truncated.item_id, truncated.audio_end_ms) == ("item_a", 5)
    errors = [e for e in events if isinstance(e, rtmsg.Error)]
    assert len(errors) == 3
    assert errors[0].error.event_id == "gone"
    assert {e.error.param for e in errors} == {"item_id"}


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('{"type":"session.teleport","event_id":"u1"}', ("invalid_value", "type", "u1")),
        (
            '{"type":"input_audio_buffer.append","event_id":"i1"}',
            ("missing_required_parameter", "audio", "i1"),
        ),
        ("not json", ("invalid_json", None, None)),
    ],
)
def test_unknown_and_invalid_client_events_get_errors(
    frame: str, expected: tuple[str, str | None, str | None]
) -> None:
    [error] = _play(_started(), frame)
    assert isinstance(error, rtmsg.Error)
    assert (error.error.code, error.error.param, error.error.event_id) == expected
    assert error.error.type == "invalid_request_error"


def test_the_unknown_event_hook() -> None:
    params = rtmsg.ResponseCreateParams(metadata={"mock_unknown_event": "response.later"})
    chat = _started()
    [hook] = chat.handle(rtmsg.ResponseCreate(response=params))
    assert isinstance(hook, rtmsg.Unknown)
    assert hook.type == "response.later"
    assert rtmsg.decode_server_event(rtmsg.encode(hook)) == hook
    assert b'"ratio": 1.50}' in hook.raw
    assert chat.take_response() is not None
