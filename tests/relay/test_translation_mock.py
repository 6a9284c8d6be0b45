"""The mock's translation session, without a socket: what it answers to each client event."""

from __future__ import annotations

import json
from typing import Any

import pytest

import rtmsg
from rtmsg import translation
from rtmsg.relay.translation_mock import FRAME_MS, TranslationSession, tone
from sdk_oracle import sdk_validate

FRAME = b"\x00\x01" * (24 * FRAME_MS)  # 200 ms of 24 kHz pcm16


def _append(data: bytes, event_id: str | None = None) -> bytes:
    event = translation.SessionInputAudioBufferAppend.from_pcm(data)
    if event_id is not None:
        event = translation.SessionInputAudioBufferAppend.from_pcm(data, event_id=event_id)
    return rtmsg.encode(event)


def _types(events: list[Any]) -> list[str]:
    return [event.event_type for event in events]


def _valid_for_the_sdk(events: list[Any]) -> None:
    for event in events:
        sdk_validate(rtmsg.encode(event), "server", "translation")


def test_session_created_is_a_translation_session_of_the_model() -> None:
    session = TranslationSession("gpt-realtime-translate-mini", expires_at=1714857600)
    [created] = session.start()
    assert isinstance(created, translation.SessionCreated)
    assert created.session.model == "gpt-realtime-translate-mini"
    assert created.session.expires_at == 1714857600
    assert created.session.audio.input == translation.AudioInput(
        transcription=None, noise_reduction=None
    )
    _valid_for_the_sdk([created])


def test_each_200_ms_frame_is_answered_by_its_deltas() -> None:
    session = TranslationSession()
    session.start()
    assert session.receive(_append(FRAME[:4800])) == []  # 100 ms: not a frame yet
    events = session.receive(_append(FRAME[:4800]))  # 200 ms in all: one frame
    assert _types(events) == ["session.output_transcript.delta", "session.output_audio.delta"]
    text, audio = events
    assert isinstance(text, translation.SessionOutputTranscriptDelta)
    assert isinstance(audio, translation.SessionOutputAudioDelta)
    assert (text.delta, text.elapsed_ms) == ("esta", 200)
    assert audio.pcm() == tone(200)
    assert (audio.sample_rate, audio.channels, audio.format, audio.elapsed_ms) == (
        24000,
        1,
        "pcm16",
        200,
    )
    _valid_for_the_sdk(events)


def test_transcription_adds_the_source_transcript_and_the_language_picks_the_words() -> None:
    session = TranslationSession()
    update = {
        "type": "session.update",
        "event_id": "c1",
        "session": {
            "audio": {
                "input": {"transcription": {"model": "gpt-realtime-whisper"}},
                "output": {"language": "fr"},
            }
        },
    }
    [updated] = session.receive(json.dumps(update))
    assert isinstance(updated, translation.SessionUpdated)
    assert updated.session.audio.output == translation.AudioOutput(language="fr")
    events: list[Any] = session.receive(_append(FRAME * 2))
    assert (
        _types(events)
        == [
            "session.input_transcript.delta",
            "session.output_transcript.delta",
            "session.output_audio.delta",
        ]
        * 2
    )
    assert [e.delta for e in events if not isinstance(e, translation.SessionOutputAudioDelta)] == [
        "this",
        "ceci",
        " is",
        " est",
    ]
    assert [e.elapsed_ms for e in events] == [200] * 3 + [400] * 3
    _valid_for_the_sdk(events)


def test_an_update_keeps_what_it_leaves_out_and_clears_what_it_nulls() -> None:
    session = TranslationSession()
    session.receive(
        b'{"type":"session.update","session":{"audio":{"input":'
        b'{"noise_reduction":{"type":"far_field"},"transcription":{"model":"w"}}}}}'
    )
    [updated] = session.receive(
        b'{"type":"session.update","session":{"audio":{"input":{"transcription":null}}}}'
    )
    assert isinstance(updated, translation.SessionUpdated)
    assert updated.session.audio.input == translation.AudioInput(
        noise_reduction=translation.AudioInputNoiseReduction(type="far_field"), transcription=None
    )
    assert updated.session.audio.output == translation.AudioOutput(language="es")
    _valid_for_the_sdk([updated])


def test_close_flushes_the_last_short_frame_then_closes() -> None:
    session = TranslationSession()
    session.receive(_append(FRAME + FRAME[:2400]))  # 250 ms
    events = session.receive(b'{"type":"session.close","event_id":"c9"}')
    assert _types(events) == [
        "session.output_transcript.delta",
        "session.output_audio.delta",
        "session.closed",
    ]
    audio = events[1]
    assert isinstance(audio, translation.SessionOutputAudioDelta)
    assert audio.pcm() == tone(50)
    assert audio.elapsed_ms == 250
    assert session.closed
    [error] = session.receive(_append(FRAME, event_id="c10"))
    assert isinstance(error, rtmsg.Error)
    assert (error.error.code, error.error.event_id) == ("session_closed", "c10")


@pytest.mark.parametrize(
    ("frame", "code", "param"),
    [
        (
            b'{"type":"input_audio_buffer.append","event_id":"c1","audio":""}',
            "invalid_value",
            "type",
        ),
        (b'{"type":"session.input_audio_buffer.append","event_id":"c1"}', None, None),
        (
            b'{"type":"session.input_audio_buffer.append","event_id":"c1","audio":"@@"}',
            "invalid_value",
            "audio",
        ),
        (b'{"type":"session.update","event_id":"c1", ', "invalid_json", None),
    ],
)
def test_unknown_and_invalid_client_events_get_errors(
    frame: bytes, code: str | None, param: str | None
) -> None:
    [error] = TranslationSession().receive(frame)
    assert isinstance(error, rtmsg.Error)
    assert error.error.type == "invalid_request_error"
    if code is not None:
        assert (error.error.code, error.error.param) == (code, param)
    if b'"c1", ' not in frame:
        assert error.error.event_id == "c1"
    _valid_for_the_sdk([error])


def test_event_ids_are_unique_and_the_tone_joins_without_a_click() -> None:
    session = TranslationSession()
    events: list[Any] = [*session.start(), *session.receive(_append(FRAME * 5))]
    ids = [event.event_id for event in events]
    assert len(set(ids)) == len(ids)
    assert tone(400) == tone(200) * 2
    assert len(tone(1000)) == 48_000
