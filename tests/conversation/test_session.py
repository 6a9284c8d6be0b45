"""What a session sets: its audio formats, their byte rates and its turn detection."""

from __future__ import annotations

import msgspec
import pytest

import rtmsg

PCMU = rtmsg.AudioFormat(type="audio/pcmu")
PCMA = rtmsg.AudioFormat(type="audio/pcma", rate=8000)


@pytest.mark.parametrize(
    ("audio_format", "expected"),
    [
        (rtmsg.AudioFormat(), 48_000),
        (rtmsg.AudioFormat(type="audio/pcm", rate=24000), 48_000),
        (rtmsg.AudioFormat(rate=24000), 48_000),
        (PCMU, 8_000),
        (PCMA, 8_000),
    ],
)
def test_bytes_per_second(audio_format: rtmsg.AudioFormat, expected: int) -> None:
    assert audio_format.bytes_per_second == expected


def test_formats_and_turn_detection_a_session_sets() -> None:
    vad = rtmsg.ServerVad(threshold=0.5)
    session = rtmsg.Session(
        audio=rtmsg.AudioConfig(
            input=rtmsg.AudioConfigInput(format=PCMU, turn_detection=vad),
            output=rtmsg.AudioConfigOutput(format=PCMA),
        )
    )
    assert (session.input_format, session.output_format) == (PCMU, PCMA)
    assert session.turn_detection == vad


@pytest.mark.parametrize(
    "audio",
    [
        rtmsg.UNSET,
        None,
        rtmsg.AudioConfig(),
        rtmsg.AudioConfig(input=None, output=None),
        rtmsg.AudioConfig(
            input=rtmsg.AudioConfigInput(format=None, turn_detection=None),
            output=rtmsg.AudioConfigOutput(voice="marin"),
        ),
    ],
)
def test_a_session_that_leaves_them_says_none(audio: rtmsg.AudioConfig | None) -> None:
    session = rtmsg.Session(audio=audio)
    assert (session.input_format, session.output_format, session.turn_detection) == (
        None,
        None,
        None,
    )


def test_a_transcription_session_has_input_audio_only() -> None:
    session = rtmsg.TranscriptionSession(
        audio=rtmsg.TranscriptionSessionAudio(
            input=rtmsg.TranscriptionSessionAudioInput(
                format=PCMU, turn_detection=rtmsg.SemanticVad()
            )
        )
    )
    assert session.input_format == PCMU
    assert session.output_format is None
    assert session.turn_detection == rtmsg.SemanticVad()
    assert rtmsg.TranscriptionSession().input_format is None
    assert rtmsg.TranscriptionSession().turn_detection is None


def test_the_format_a_response_names() -> None:
    output = rtmsg.ResponseAudioOutput(format=PCMA, voice="marin")
    assert rtmsg.Response(audio=rtmsg.ResponseAudio(output=output)).output_format == PCMA
    assert rtmsg.Response().output_format is None
    assert rtmsg.Response(audio=rtmsg.ResponseAudio(output=None)).output_format is None
    no_format = rtmsg.ResponseAudio(output=rtmsg.ResponseAudioOutput(voice="marin"))
    assert rtmsg.Response(audio=no_format).output_format is None


def test_the_helpers_are_not_fields() -> None:
    # Properties, not Struct fields: nothing of them reaches the wire.
    session = rtmsg.Session(audio=rtmsg.AudioConfig(output=rtmsg.AudioConfigOutput(format=PCMU)))
    assert msgspec.json.encode(session) == (
        b'{"type":"realtime","audio":{"output":{"format":{"type":"audio/pcmu"}}}}'
    )
    assert "output_format" not in rtmsg.Session.__struct_fields__
