"""What Live's events mean for a session (its reader), and its three registered endpoints."""

from __future__ import annotations

import msgspec
import pytest

import rtmsg
import rtmsg.protocols
from rtmsg import live
from rtmsg.engine.reading import NOTHING, Reading
from rtmsg.live import responses
from rtmsg.live.reading import LiveReader
from rtmsg.relay.live_mock import LiveSession

PCM = b"\x00\x01" * 24_000  # 1 s of 24 kHz pcm16


def test_the_three_endpoints_are_registered_with_their_decoders() -> None:
    names = {e.name: e for e in rtmsg.protocols.endpoints() if e.protocol == "live"}
    assert set(names) == {"live", "live/attach", "live/fork"}
    assert rtmsg.protocols.endpoint("live").decode_client is live.decode_client_event
    assert rtmsg.protocols.endpoint("live", "attach").client is live.AttachClientEventDecoder
    assert rtmsg.protocols.endpoint("live", "fork").server is live.ForkServerEventDecoder
    primary = rtmsg.protocols.route("/v1/live/sessions?model=gpt-live-1")
    assert (primary.endpoint.name, primary.session_id) == ("live", None)
    sideband = rtmsg.protocols.route("/openai/v1/live/sessions/live_u7_x/attach")
    assert (sideband.endpoint.name, sideband.session_id) == ("live/attach", "live_u7_x")
    fork = rtmsg.protocols.route("/v1/live/sessions/live_u7_y/fork")
    assert (fork.endpoint.name, fork.session_id) == ("live/fork", "live_u7_y")
    dtmf = b'{"type":"transport.dtmf.send","event":"1"}'
    client, _ = sideband.endpoint.decoders(1 << 10)
    assert isinstance(client(dtmf), live.TransportDtmfSend)
    with pytest.raises(rtmsg.DecodeError) as info:
        primary.endpoint.decode_client(b'{"type":"session.start","event_id":"c1"}')
    answer = primary.endpoint.error_event(info.value)
    assert isinstance(answer, live.Error)
    assert answer.client_event_id == "c1"


def test_audio_is_counted_in_the_session_s_format() -> None:
    reader = LiveReader()
    started = reader.read(
        live.SessionStart(
            session=live.SessionConfig(
                model="gpt-live-1", audio=live.Audio(format=live.AudioPcm(rate=16000))
            ),
            event_id="c1",
        )
    )
    assert (started.model, started.event_id) == ("gpt-live-1", "c1")
    appended = reader.read(live.SessionInputAudioAppend.from_pcm(PCM))
    assert (appended.audio_bytes, appended.audio_seconds) == (48_000, 1.5)  # at 16 kHz
    out = reader.read(live.SessionOutputAudioDelta.from_pcm(PCM))
    assert (out.audio_seconds, out.audio_out) == (1.5, True)
    reflected = reader.read(live.SessionOutputAudioDelta.from_pcm(PCM, start_ms=0, end_ms=1000))
    assert reflected.audio_seconds == 1.0  # a sideband's copy is 24 kHz pcm16
    mirrored = reader.read(live.SessionInputAudioAppendReflection.from_pcm(PCM))
    assert (mirrored.audio_seconds, mirrored.audio_out) == (1.0, False)
    g711 = LiveReader()
    g711.read(
        live.SessionStarted(
            event_id="e",
            session=live.Session(
                id="s",
                expires_at=0,
                model="gpt-live-1",
                status="active",
                audio=live.Audio(format=live.AudioPcmu(rate=8000)),
            ),
        )
    )
    assert g711.read(live.SessionInputAudioAppend.from_pcm(b"\xff" * 8000)).audio_seconds == 1.0
    assert LiveReader().read(live.SessionInputAudioAppend.from_pcm(PCM)).audio_seconds == 1.0


def test_a_mock_session_reads_as_transcripts_a_delegated_response_and_an_error() -> None:
    session = LiveSession(turn_ms=300)
    reader = LiveReader()
    start = live.SessionStart(
        session=live.SessionConfig(
            model="gpt-live-1",
            delegation=live.ResponsesDelegation(
                responses=live.ResponsesDelegationConfig(model="gpt-5.5")
            ),
        )
    )
    events: list[object] = [start, *session.handle(start)]
    for _ in range(2):
        append = live.SessionInputAudioAppend.from_pcm(PCM[: 300 * 48])
        events += [append, *session.handle(append)]
        response = session.take_response()
        assert response is not None
        events += [e for e in response if isinstance(e, msgspec.Struct)]
    events += session.handle(live.SessionInputAudioAppend(audio="!"))  # not base64
    readings = [reader.read(e) for e in events]
    assert [r.model for r in readings[:2]] == ["gpt-live-1", "gpt-live-1"]
    heard = "".join(r.transcript_in or "" for r in readings)
    said = "".join(r.transcript_out or "" for r in readings)
    assert heard == "could" * 2  # a turn of one 300 ms piece: its first word, twice
    assert said.endswith("A table for two is free at seven tonight.")
    [done] = [r for r in readings if r.response_done]
    assert (done.status, done.model) == ("completed", "gpt-5.5")
    assert done.tokens is not None
    assert done.tokens.total_tokens == done.tokens.input_tokens + done.tokens.output_tokens
    nested_text = "".join(r.text or "" for r in readings if r.item_id is not None)
    assert nested_text == "A table for two is free at seven tonight."
    [error] = [r for r in readings if r.code is not None]
    assert (error.code, error.param) == ("invalid_value", "audio")
    assert sum(r.audio_seconds or 0 for r in readings if not r.audio_out) == pytest.approx(0.6)


def test_nested_events_that_say_nothing_or_are_invalid_read_as_their_id() -> None:
    reader = LiveReader()
    audio_done = responses.ResponseAudioDone(sequence_number=1)
    plain = live.ResponseEvent(event_id="e1", event=msgspec.Raw(rtmsg.encode(audio_done)))
    assert reader.read(plain) == Reading(event_id="e1")
    broken = live.ResponseEvent(event_id="e2", event=msgspec.Raw(b"[]"))
    assert reader.read(broken).event_id == "e2"
    snapshot = responses.Response(
        id="r",
        created_at=0.0,
        model="m",
        object="response",
        output=[],
        parallel_tool_calls=False,
        tool_choice="auto",
        tools=[],
        status="failed",
    )
    failed = responses.ResponseFailed(response=snapshot, sequence_number=2)
    reading = reader.read(
        live.ResponseEvent(event_id="e3", event=msgspec.Raw(rtmsg.encode(failed)))
    )
    assert (reading.response_done, reading.status, reading.tokens) == (True, "failed", None)
    assert reader.read(live.SessionClose()) == NOTHING
    assert reader.read(live.SessionInputAudioMuted(event_id="e4")).event_id == "e4"
