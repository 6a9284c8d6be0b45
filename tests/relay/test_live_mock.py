"""The mock's Live sessions, without a socket: what each connection is answered and shown.

Every event it sends is checked against the SDK's Live server union, and each nested
Responses event against the SDK's Responses streaming events.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

import rtmsg
from rtmsg import live
from rtmsg.relay._response import Sleep
from rtmsg.relay.live_mock import LiveSession, LiveSessions, LiveSideband
from rtmsg.relay.mock import Refused
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


# --- sidebands, forks, and the sessions a mock server keeps --------------------------------------


class _Bound:
    """A connection the server has bound: what it was woken for, in order."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.received: list[Any] = []
        connection.bind(self.wake)

    def wake(self) -> None:
        self.received.extend(self.connection.take_pending())

    def take(self) -> list[Any]:
        received, self.received = self.received, []
        return received


def _sideband(session: LiveSession) -> tuple[Any, _Bound]:
    sideband = session.attach()
    return sideband, _Bound(sideband)


def _sideband_valid(events: list[Any]) -> None:
    for event in events:
        sdk_validate(rtmsg.encode(event), "server", "live/attach")


def test_a_sideband_sees_the_callers_audio_the_model_and_the_session_but_no_ones_errors() -> None:
    session = LiveSession(session_id="live_1", turn_ms=600, chunk_ms=100)
    _send(session, live.SessionStart(session=live.SessionConfig(model="gpt-live-1")))
    primary = _Bound(session)
    _, watching = _sideband(session)
    heard = _send(session, live.SessionInputAudioAppend.from_pcm(PIECE * 2))
    seen = watching.take()
    _sideband_valid(seen)
    # The caller's audio, reflected as it came (24 kHz pcm16), then what the primary got.
    assert isinstance(seen[0], live.SessionInputAudioAppendReflection)
    assert seen[0].pcm() == PIECE * 2
    assert seen[1:] == heard
    answer = _drain(session)
    said = watching.take()
    _sideband_valid(said)
    # Audio on the timeline for the sideband, plain for the primary; the rest alike.
    audio = [e for e in said if isinstance(e, live.SessionOutputAudioDelta)]
    assert [(e.start_ms, e.end_ms) for e in audio][:2] == [(600, 700), (700, 800)]
    assert all(len(e.pcm()) == 100 * 48 for e in audio)
    plain = [e for e in answer if isinstance(e, live.SessionOutputAudioDelta)]
    assert {(e.start_ms, e.end_ms) for e in plain} == {(rtmsg.UNSET, rtmsg.UNSET)}
    assert [e.delta for e in plain] == [e.delta for e in audio]  # 24 kHz pcm16 both
    assert [e for e in said if e not in audio] == [e for e in answer if e not in plain]
    # An error answers the connection that sent the frame, only.
    [error] = session.receive(b'{"type":"session.update","event_id":"c1"}')
    assert isinstance(error, live.Error)
    assert watching.take() == []
    assert primary.take() == []


def test_a_sidebands_commands_are_answered_to_every_connection() -> None:
    session = _started()
    primary = _Bound(session)
    sideband, watching = _sideband(session)
    trigger = live.DecisionTrigger(
        decisions=live.DecisionTriggerQuestions(
            questions=[live.PredicateQuestion(instructions="Is the caller angry?")]
        ),
        event_type="session.input_transcript.delta",
        type="decisions",
    )
    update = live.SessionUpdate(
        session=live.SessionUpdateConfig(triggers=[trigger]), event_id="side_1"
    )
    [updated] = sideband.receive(rtmsg.encode(update))
    assert isinstance(updated, live.SessionUpdated)
    assert updated.client_event_id == "side_1"
    assert primary.take() == [updated]
    assert session.session is not None
    assert session.session.triggers == [trigger]
    # A muted caller is still reflected to the sideband, and no longer heard.
    [muted] = sideband.handle(live.SessionInputAudioMute(event_id="side_2"))
    assert primary.take() == [muted]
    assert _send(session, live.SessionInputAudioAppend.from_pcm(PIECE)) == []
    [reflected] = watching.take()
    assert isinstance(reflected, live.SessionInputAudioAppendReflection)
    sideband.handle(live.SessionInputAudioUnmute())
    assert _types(_send(session, live.SessionInputAudioAppend.from_pcm(PIECE))) == [
        "session.input_transcript.delta"
    ]
    # The context a sideband appends is acknowledged on both connections.
    thinking = live.SessionThinkingAppend(content="Tool result: free.", delegation_id=None)
    [appended] = sideband.handle(thinking)
    assert primary.take()[-1] == appended


def test_a_sideband_is_told_what_only_it_may_send_and_what_it_may_not() -> None:
    session = _started()
    primary = _Bound(session)
    sideband, watching = _sideband(session)
    dtmf = b'{"type":"transport.dtmf.send","event":"5","event_id":"side_3"}'
    [error] = sideband.receive(dtmf)
    _sideband_valid([error])
    assert isinstance(error, live.Error)
    assert (error.error.code, error.client_event_id) == ("invalid_request", "side_3")
    assert "only for SIP calls" in error.error.message
    # A sideband does not start the session or send audio: those types are not its own.
    for frame in (rtmsg.encode(START), rtmsg.encode(live.SessionInputAudioAppend(audio=""))):
        [refused] = sideband.receive(frame)
        assert isinstance(refused, live.Error)
        assert (refused.error.code, refused.error.param) == ("invalid_value", "type")
        assert "'transport.dtmf.send'" in refused.error.message
    [invalid] = sideband.receive(b'{"type":"session.close",')
    assert invalid.error.code == "invalid_json"
    assert primary.take() == []
    assert watching.take() == []


def test_a_sideband_may_start_the_backend_on_its_own_connection() -> None:
    session = LiveSession(turn_ms=300)
    _send(
        session,
        live.SessionStart(session=live.SessionConfig(model="gpt-live-1", delegation=RESPONSES)),
    )
    primary = _Bound(session)
    sideband, _ = _sideband(session)
    assert sideband.handle(live.ResponseCreate()) == []
    assert session.take_response() is None  # the stream is the sideband's to play
    stream = sideband.take_response()
    assert stream is not None
    played = [e for e in stream if not isinstance(e, Sleep)]
    assert _types([e.nested() for e in played])[-1] == "response.completed"
    assert primary.take() == played


@pytest.mark.parametrize("closer", ["primary", "sideband"])
def test_session_close_from_either_connection_ends_both(closer: str) -> None:
    session = _started()
    primary = _Bound(session)
    sideband, watching = _sideband(session)
    by, other = (session, watching) if closer == "primary" else (sideband, primary)
    [closed] = by.handle(live.SessionClose(event_id="c9"))
    assert isinstance(closed, live.SessionClosed)
    assert (closed.reason, closed.client_event_id) == ("close_requested", "c9")
    assert other.take() == [closed]
    assert session.closed
    assert sideband.closed
    [error] = sideband.handle(live.SessionInputAudioMute())
    assert error.error.code == "session_closed"


def test_a_dropped_primary_ends_the_session_for_its_sidebands() -> None:
    session = _started()
    _Bound(session)
    sideband, watching = _sideband(session)
    late = session.attach()  # never bound: it never joins
    session.disconnected()
    [closed] = watching.take()
    _sideband_valid([closed])
    assert isinstance(closed, live.SessionClosed)
    assert closed.reason == "connection_lost"
    assert sideband.closed
    assert late.take_pending() == []


def test_a_gone_sideband_sees_nothing_more_and_the_session_goes_on() -> None:
    session = _started()
    sideband, watching = _sideband(session)
    sideband.disconnected()
    sideband.disconnected()  # twice is harmless
    assert _types(_send(session, live.SessionInputAudioAppend.from_pcm(PIECE))) == [
        "session.input_transcript.delta"
    ]
    assert watching.take() == []
    assert not session.closed


def test_events_queued_before_the_server_binds_are_sent_when_it_does() -> None:
    session = _started()
    sideband = session.attach()
    sideband.bind(lambda: None)  # joined, but nothing was sent
    _send(session, live.SessionInputAudioAppend.from_pcm(PIECE))
    woken = _Bound(sideband)  # bound again: what waits is sent at once
    assert _types(woken.take()) == [
        "session.input_audio.append",
        "session.input_transcript.delta",
    ]


def _store(sessions: LiveSessions | None = None, **config: Any) -> tuple[LiveSessions, LiveSession]:
    store = LiveSessions(turn_ms=600) if sessions is None else sessions
    session = store.open()
    start = live.SessionStart(
        session=live.SessionConfig(model="gpt-live-1", instructions="Be brief.", **config)
    )
    [started] = _send(session, start)
    assert started.session.id == session.session_id
    return store, session


def _not_found(refused: Any) -> str:
    assert isinstance(refused, Refused)
    assert (refused.status, refused.content_type) == (404, "application/json")
    error = json.loads(refused.body)["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "session_not_found",
        None,
    )
    message: str = error["message"]
    return message


def test_the_store_attaches_to_running_sessions_only() -> None:
    store, session = _store()
    assert isinstance(store.attach(session.session_id), LiveSideband)
    assert "running session" in _not_found(store.attach("sess_unknown"))
    waiting = store.open()  # not started yet
    _not_found(store.attach(waiting.session_id))
    session.handle(live.SessionClose())
    _not_found(store.attach(session.session_id))


def test_the_store_forks_stored_sessions_only() -> None:
    store, unstored = _store()
    assert "stored session" in _not_found(store.fork(unstored.session_id))
    _not_found(store.fork("sess_unknown"))
    _, stored = _store(store, store=True)
    assert isinstance(store.fork(stored.session_id), LiveSession)
    stored.disconnected()  # a closed session that is stored may be forked too
    assert isinstance(store.fork(stored.session_id), LiveSession)


def test_a_fork_starts_from_the_stored_session_with_its_overrides() -> None:
    store, stored = _store(store=True, delegation=RESPONSES)
    _send(stored, live.SessionInputAudioAppend.from_pcm(PIECE))
    fork = store.fork(stored.session_id)
    assert isinstance(fork, LiveSession)
    # A primary connection's session.start is read as the fork's: it names no model.
    overrides = live.ForkSessionConfig(
        audio=live.ForkAudio(format=live.AudioPcmu(rate=8000)),
        delegation=live.ForkDelegation(
            type="responses",
            acknowledgement_delay_ms=200,
            responses=live.ResponsesDelegationUpdateConfig(instructions="Answer in French."),
        ),
    )
    [started] = fork.receive(rtmsg.encode(live.ForkSessionStart(session=overrides, event_id="f1")))
    _valid([started])
    assert isinstance(started, live.SessionStarted)
    assert started.client_event_id == "f1"
    forked = started.session
    assert forked.id == fork.session_id != stored.session_id
    assert (forked.model, forked.instructions, forked.store) == ("gpt-live-1", "Be brief.", True)
    assert isinstance(forked.audio, live.Audio)
    assert forked.audio.format == live.AudioPcmu(rate=8000)
    assert forked.audio.output == live.AudioOutput(voice="marin")
    assert isinstance(forked.delegation, live.ResponsesDelegation)
    assert forked.delegation.acknowledgement_delay_ms == 200
    assert forked.delegation.responses.instructions == "Answer in French."
    assert forked.delegation.responses.model == "gpt-5.5"
    # The fork goes on from the stored session's timeline, in its own audio format.
    [heard] = _send(fork, live.SessionInputAudioAppend.from_pcm(b"\xff" * 8 * 300))
    assert (heard.start_ms, heard.end_ms) == (300, 600)
    assert isinstance(store.attach(fork.session_id), LiveSideband)
    assert stored.session is not None
    assert stored.session.id == stored.session_id


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        (
            live.ForkSessionConfig(client=live.ClientConfig(data_channel=live.DataChannelConfig())),
            "session.client",
        ),
        (
            live.ForkSessionConfig(delegation=live.ForkDelegation(type="responses")),
            "session.delegation",
        ),
    ],
)
def test_a_fork_refuses_what_a_websocket_fork_cannot_change(
    overrides: live.ForkSessionConfig, param: str
) -> None:
    store, stored = _store(store=True)
    fork = store.fork(stored.session_id)
    assert isinstance(fork, LiveSession)
    [error] = fork.handle(live.ForkSessionStart(session=overrides, event_id="f2"))
    _valid([error])
    assert isinstance(error, live.Error)
    assert (error.error.param, error.client_event_id) == (param, "f2")
    assert fork.session is None  # it may try again
    [started] = fork.handle(live.ForkSessionStart(session=live.ForkSessionConfig(store=False)))
    assert isinstance(started, live.SessionStarted)
    assert started.session.store is False


def test_the_store_forgets_closed_sessions_it_need_not_keep() -> None:
    store = LiveSessions(keep=2)
    stored = []
    for index in range(4):
        session = store.open()
        _send(session, live.SessionStart(session=live.SessionConfig(model="m", store=index > 0)))
        session.handle(live.SessionClose())
        stored.append(session.session_id)
    dropped = store.open()
    dropped.disconnected()  # a primary that left before session.start
    running = store.open()
    _send(running, START)
    store.open()
    # The unstored one and the oldest stored one are gone; a running one is never dropped.
    assert list(store.sessions)[:3] == [stored[2], stored[3], running.session_id]
    assert len(store.sessions) == 4


def test_the_model_thinks_before_it_answers_when_told_to() -> None:
    session = _started(turn_ms=300, first_audio_delay_s=0.25)
    _send(session, live.SessionInputAudioAppend.from_pcm(PIECE))
    response = session.take_response()
    assert response is not None
    assert next(response) == Sleep(0.25)
    assert isinstance(next(response), live.SessionOutputAudioDelta)
    store = LiveSessions(first_audio_delay_s=0.5)
    assert store.open().first_audio_delay_s == 0.5


def test_events_wait_for_a_primary_connection_the_server_has_not_bound_yet() -> None:
    session = _started()
    sideband, _ = _sideband(session)
    [muted] = sideband.handle(live.SessionInputAudioMute(event_id="side_4"))
    assert session.take_pending() == [muted]
    assert session.take_pending() == []


def test_a_fork_may_change_the_acknowledgement_delay_alone() -> None:
    store, stored = _store(store=True, delegation=RESPONSES)
    fork = store.fork(stored.session_id)
    assert isinstance(fork, LiveSession)
    delay = live.ForkDelegation(type="responses", acknowledgement_delay_ms=0)
    [started] = fork.handle(live.ForkSessionStart(session=live.ForkSessionConfig(delegation=delay)))
    assert isinstance(started, live.SessionStarted)
    assert started.session.delegation == msgspec.structs.replace(
        RESPONSES, acknowledgement_delay_ms=0
    )
