"""The mock's Live session, without a socket: what it answers to each client event.

Every event it sends is checked against the SDK's Live server union, and each nested
Responses event against the SDK's Responses streaming events.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import rtmsg
from rtmsg import live
from rtmsg.relay._response import Sleep
from rtmsg.relay.live_mock import LiveSession
from sdk_oracle import sdk_validate

PIECE = b"\x00\x01" * (24 * 300)  # 300 ms of 24 kHz pcm16

START = live.SessionStart(
    session=live.SessionConfig(model="gpt-live-1", instructions="Be brief."), event_id="c_start"
)
RESPONSES = live.ResponsesDelegation(
    responses=live.ResponsesDelegationConfig(model="gpt-5.5", tools=[])
)


def _send(session: LiveSession, event: Any) -> list[Any]:
    answer = session.receive(rtmsg.encode(event))
    _valid(answer)
    return answer


def _valid(events: list[Any]) -> None:
    for event in events:
        frame = rtmsg.encode(event)
        sdk_validate(frame, "server", "live")
        if isinstance(event, live.ResponseEvent):
            sdk_validate(json.dumps(json.loads(frame)["event"]), "server", "live/response")


def _drain(session: LiveSession) -> list[Any]:
    response = session.take_response()
    assert response is not None
    events = [item for item in response if not isinstance(item, Sleep)]
    _valid(events)
    return events


def _types(events: list[Any]) -> list[str]:
    return [event.event_type for event in events]


def _started(**config: Any) -> LiveSession:
    session = LiveSession(session_id="live_1", expires_at=1791553820, **config)
    [started] = _send(session, START)
    assert isinstance(started, live.SessionStarted)
    return session


def test_nothing_is_sent_before_the_client_starts_the_session() -> None:
    session = LiveSession()
    assert session.start() == []
    [error] = _send(session, live.SessionClose(event_id="c1"))
    assert isinstance(error, live.Error)
    assert (error.error.code, error.error.client_event_id) == ("session_not_started", "c1")
    assert not session.closed


def test_session_start_is_answered_with_the_resolved_session() -> None:
    session = LiveSession(session_id="live_1", expires_at=1791553820)
    [started] = _send(session, START)
    assert isinstance(started, live.SessionStarted)
    assert started.client_event_id == "c_start"
    resolved = started.session
    assert (resolved.id, resolved.model, resolved.status, resolved.expires_at) == (
        "live_1",
        "gpt-live-1",
        "active",
        1791553820,
    )
    assert resolved.instructions == "Be brief."
    assert resolved.audio == live.Audio(
        format=live.AudioPcm(rate=24000), output=live.AudioOutput(voice="marin")
    )
    assert resolved.input == []
    [again] = _send(session, START)
    assert isinstance(again, live.Error)
    assert again.error.code == "session_already_started"


def test_input_audio_is_heard_in_transcript_deltas_and_a_turn_is_answered() -> None:
    session = _started(turn_ms=900, chunk_ms=100)
    heard = _send(session, live.SessionInputAudioAppend.from_pcm(PIECE * 2))
    assert _types(heard) == ["session.input_transcript.delta"] * 2
    assert [(d.start_ms, d.end_ms) for d in heard] == [(0, 300), (300, 600)]
    assert "".join(d.delta for d in heard) == "could you"
    assert session.take_response() is None  # the caller has not finished a turn
    [last] = _send(session, live.SessionInputAudioAppend.from_pcm(PIECE))
    assert isinstance(last, live.SessionInputTranscriptDelta)
    answer = _drain(session)
    audio = [e for e in answer if isinstance(e, live.SessionOutputAudioDelta)]
    transcript = [e for e in answer if isinstance(e, live.SessionOutputTranscriptDelta)]
    assert len(audio) == len(transcript) > 3
    assert all(len(e.pcm()) == 100 * 48 for e in audio)  # 100 ms of 24 kHz pcm16
    assert "".join(e.delta for e in transcript).startswith("of course")
    assert transcript[0].start_ms == 900
    assert isinstance(answer[-1], live.SessionUsageUpdated)
    assert session.take_response() is None  # given once


def test_a_partial_piece_waits_for_more_audio() -> None:
    session = _started()
    assert _send(session, live.SessionInputAudioAppend.from_pcm(PIECE[:1000])) == []
    [delta] = _send(session, live.SessionInputAudioAppend.from_pcm(PIECE[1000:]))
    assert (delta.start_ms, delta.end_ms) == (0, 300)


def test_g711_sessions_hear_and_speak_g711() -> None:
    session = LiveSession(turn_ms=300, chunk_ms=20)
    start = live.SessionStart(
        session=live.SessionConfig(
            model="gpt-live-1", audio=live.Audio(format=live.AudioPcmu(rate=8000))
        )
    )
    [started] = _send(session, start)
    assert isinstance(started.session.audio, live.Audio)
    assert started.session.audio.format == live.AudioPcmu(rate=8000)
    [delta] = _send(session, live.SessionInputAudioAppend.from_pcm(b"\xff" * 8 * 300))
    assert isinstance(delta, live.SessionInputTranscriptDelta)
    audio = [e for e in _drain(session) if isinstance(e, live.SessionOutputAudioDelta)]
    assert {len(e.pcm()) for e in audio} == {20 * 8}


def test_a_responses_backend_answers_every_other_turn_in_nested_events() -> None:
    session = LiveSession(turn_ms=300)
    start = live.SessionStart(session=live.SessionConfig(model="gpt-live-1", delegation=RESPONSES))
    _send(session, start)
    _send(session, live.SessionInputAudioAppend.from_pcm(PIECE))
    first = _drain(session)
    assert "session.delegation.created" not in _types(first)
    _send(session, live.SessionInputAudioAppend.from_pcm(PIECE))
    second = _drain(session)
    [created] = [e for e in second if isinstance(e, live.SessionDelegationCreated)]
    assert created.delegation.target == "responses"
    assert created.offset_ms == 600
    wrapped = [e for e in second if isinstance(e, live.ResponseEvent)]
    assert {e.delegation_id for e in wrapped} == {created.delegation.id}
    inner = [e.nested() for e in wrapped]
    assert _types(inner)[:2] == ["response.created", "response.in_progress"]
    assert _types(inner)[-1] == "response.completed"
    assert [e.sequence_number for e in inner] == list(range(len(inner)))  # type: ignore[union-attr]
    text = "".join(e.delta for e in inner if isinstance(e, live.responses.ResponseOutputTextDelta))
    [done] = [e for e in inner if isinstance(e, live.responses.ResponseOutputTextDone)]
    assert text == done.text == "A table for two is free at seven tonight."
    [completed] = [e for e in inner if isinstance(e, live.responses.ResponseCompleted)]
    assert completed.response.id == created.delegation.response_id
    assert completed.response.status == "completed"
    # ... and the model speaks the backend's answer after the nested stream.
    spoken = [e for e in second if isinstance(e, live.SessionOutputTranscriptDelta)]
    assert "".join(e.delta for e in spoken) == done.text
    assert second.index(spoken[0]) > second.index(wrapped[-1])


def test_response_create_streams_the_backend_alone_and_needs_responses_delegation() -> None:
    session = _started()
    [error] = _send(session, live.ResponseCreate(event_id="c2"))
    assert isinstance(error, live.Error)
    assert error.error.message == "response.create requires Responses delegation."
    assert error.client_event_id == "c2"
    item = live.ResponseItemCreate(item={"role": "user", "content": "And tomorrow?"})
    [error] = _send(session, item)
    assert "requires Responses delegation" in error.error.message
    with_backend = LiveSession()
    _send(
        with_backend,
        live.SessionStart(session=live.SessionConfig(model="gpt-live-1", delegation=RESPONSES)),
    )
    assert _send(with_backend, item) == []
    assert _send(with_backend, live.ResponseCreate()) == []
    events = _drain(with_backend)
    assert all(isinstance(e, live.ResponseEvent) for e in events)
    assert {e.delegation_id for e in events} == {rtmsg.UNSET}
    assert _types([e.nested() for e in events])[-1] == "response.completed"


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (
            live.SessionInstructionsAppend(content="x", delegation_id=None, event_id="c3"),
            live.SessionInstructionsAppended,
        ),
        (
            live.SessionThinkingAppend(content="x", delegation_id=None, event_id="c3"),
            live.SessionThinkingAppended,
        ),
        (
            live.SessionCommentaryAppend(content="x", delegation_id="d", event_id="c3"),
            live.SessionCommentaryAppended,
        ),
        (live.SessionInputAudioMute(event_id="c3"), live.SessionInputAudioMuted),
        (live.SessionInputAudioUnmute(event_id="c3"), live.SessionInputAudioUnmuted),
    ],
)
def test_commands_are_acknowledged_with_their_client_event_id(command: Any, answer: Any) -> None:
    session = _started()
    _send(session, live.SessionInputAudioAppend.from_pcm(PIECE))
    [ack] = _send(session, command)
    assert type(ack) is answer
    assert ack.client_event_id == "c3"
    if hasattr(ack, "start_ms"):
        assert ack.start_ms == ack.end_ms == 300


def test_mute_and_unmute_change_the_state_and_a_fixture_plays() -> None:
    session = _started()
    _send(session, live.SessionInputAudioMute())
    assert session.muted
    _send(session, live.SessionInputAudioUnmute())
    assert not session.muted
    answer = _send(session, live.SessionOutputAudioFixturePlay.from_pcm(PIECE))
    assert _types(answer) == [
        "session.output_audio.fixture.playing",
        "session.output_audio.fixture.played",
    ]


def test_session_update_keeps_the_delegation_type_and_replaces_the_triggers() -> None:
    session = _started()
    trigger = live.DecisionTrigger(
        decisions=live.DecisionTriggerQuestions(
            questions=[live.PredicateQuestion(instructions="Is the caller angry?")]
        ),
        event_type="session.input_transcript.delta",
        type="decisions",
    )
    [updated] = _send(
        session, live.SessionUpdate(session=live.SessionUpdateConfig(triggers=[trigger]))
    )
    assert isinstance(updated, live.SessionUpdated)
    assert updated.session.triggers == [trigger]
    [same] = _send(
        session,
        live.SessionUpdate(session=live.SessionUpdateConfig(delegation=live.ClientDelegation())),
    )
    assert isinstance(same, live.SessionUpdated)
    change = live.SessionUpdate(
        session=live.SessionUpdateConfig(delegation=live.ResponsesDelegationUpdate()),
        event_id="c4",
    )
    [error] = _send(session, change)
    assert isinstance(error, live.Error)
    assert (error.error.param, error.client_event_id) == ("session.delegation", "c4")


def test_close_ends_the_session_with_the_final_usage() -> None:
    session = _started()
    _send(session, live.SessionInputAudioAppend.from_pcm(PIECE * 4))
    [closed] = _send(session, live.SessionClose(event_id="c5"))
    assert isinstance(closed, live.SessionClosed)
    assert (closed.reason, closed.client_event_id) == ("close_requested", "c5")
    assert closed.usage == live.SessionUsage(seconds=1.0)
    assert closed.session.id == "live_1"
    assert session.closed
    [error] = _send(session, live.SessionClose())
    assert error.error.code == "session_closed"


@pytest.mark.parametrize(
    ("frame", "code", "param", "client_event_id"),
    [
        (b"not json", "invalid_json", None, None),
        (
            b'{"type":"session.input_audio.append","event_id":"c6"}',
            "missing_required_parameter",
            "audio",
            "c6",
        ),
        (
            b'{"type":"session.thinking.append","content":"x","event_id":"c7"}',
            "missing_required_parameter",
            "delegation_id",
            "c7",
        ),
        (
            b'{"type":"input_audio_buffer.append","audio":"","event_id":"c8"}',
            "invalid_value",
            "type",
            "c8",
        ),
        (b'{"type":"transport.dtmf.send","event":"1"}', "invalid_value", "type", None),
        (b'{"type":"decision.create","event_id":"c9"}', "unsupported", "type", "c9"),
        (b'{"type":"session.input_audio.append","audio":"abc"}', "invalid_value", "audio", None),
    ],
)
def test_invalid_client_frames_are_answered_by_an_error_event(
    frame: bytes, code: str, param: str | None, client_event_id: str | None
) -> None:
    session = _started()
    [error] = session.receive(frame)
    _valid([error])
    assert isinstance(error, live.Error)
    assert error.error.type == "invalid_request_error"
    assert error.error.code == code
    assert error.error.param == (param if param is not None else rtmsg.UNSET)
    expected = client_event_id if client_event_id is not None else rtmsg.UNSET
    assert error.error.client_event_id == expected
    assert error.client_event_id == expected
    assert not session.closed


def test_limits_of_the_timeline_are_checked() -> None:
    with pytest.raises(ValueError, match="turn_ms"):
        LiveSession(turn_ms=100)
    with pytest.raises(ValueError, match="chunk_ms"):
        LiveSession(chunk_ms=0)
