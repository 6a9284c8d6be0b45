"""The translation protocol: the spec's examples, typed attributes, audio helpers and decoders.

The examples are the ``RealtimeTranslation*`` schemas' ``x-oaiMeta.example`` of
OpenAI's spec, as recorded in ``shared/realworld/frames.jsonl`` (``protocol:
translation``) and copied verbatim to ``tests/data``.
"""

from __future__ import annotations

import base64
import json
import pathlib
import typing
from typing import Any

import msgspec
import pytest

import rtmsg
from helpers import Direction, assert_round_trip
from rtmsg import translation
from sdk_oracle import sdk_validate

_DATA = pathlib.Path(__file__).parents[1] / "data" / "translation_spec_examples.jsonl"
# The corpus of real-world frames the repository carries (tests/data/realworld/README.md).
_SOURCE = pathlib.Path(__file__).parents[1] / "data" / "realworld" / "frames.jsonl"
EXAMPLES: list[dict[str, Any]] = [json.loads(line) for line in _DATA.read_text().splitlines()]

_SCHEMA_TO_CLASS: dict[str, type[rtmsg.Event]] = {
    "RealtimeTranslationClientEventSessionUpdate": translation.SessionUpdate,
    "RealtimeTranslationClientEventInputAudioBufferAppend": (
        translation.SessionInputAudioBufferAppend
    ),
    "RealtimeTranslationClientEventSessionClose": translation.SessionClose,
    "RealtimeTranslationServerEventSessionCreated": translation.SessionCreated,
    "RealtimeTranslationServerEventSessionUpdated": translation.SessionUpdated,
    "RealtimeTranslationServerEventSessionClosed": translation.SessionClosed,
    "RealtimeTranslationServerEventSessionInputTranscriptDelta": (
        translation.SessionInputTranscriptDelta
    ),
    "RealtimeTranslationServerEventSessionOutputTranscriptDelta": (
        translation.SessionOutputTranscriptDelta
    ),
    "RealtimeTranslationServerEventSessionOutputAudioDelta": translation.SessionOutputAudioDelta,
}


def _schema(record: dict[str, Any]) -> str:
    return str(record["note"]).removeprefix("schema ")


# --- the spec's examples -----------------------------------------------------------------------


def test_the_examples_are_every_translation_event_but_error() -> None:
    assert all(record["protocol"] == "translation" for record in EXAMPLES)
    assert sorted(_schema(record) for record in EXAMPLES) == sorted(_SCHEMA_TO_CLASS)
    events = {*typing.get_args(translation.ClientEvent), *typing.get_args(translation.ServerEvent)}
    assert events - set(_SCHEMA_TO_CLASS.values()) == {rtmsg.Error}


def test_the_copied_examples_are_those_of_the_frame_collection() -> None:
    lines = _SOURCE.read_text().splitlines()
    assert [json.loads(line) for line in lines if '"protocol": "translation"' in line] == EXAMPLES


@pytest.mark.parametrize("record", EXAMPLES, ids=_schema)
def test_spec_example_decodes_to_its_class_and_round_trips(record: dict[str, Any]) -> None:
    direction: Direction = record["dir"]
    text = record["text"]
    event = assert_round_trip(text, direction, "translation")
    assert type(event) is _SCHEMA_TO_CLASS[_schema(record)]
    assert assert_round_trip(text.encode(), direction, "translation") == event
    sdk_validate(text, direction, "translation")
    sdk_validate(rtmsg.encode(event), direction, "translation")


@pytest.mark.parametrize("record", EXAMPLES, ids=_schema)
def test_spec_example_is_not_a_conversation_event(record: dict[str, Any]) -> None:
    # Unknown to the conversation's decoders, or, under a shared name, not of its shape.
    decode = rtmsg.decode_client_event if record["dir"] == "client" else rtmsg.decode_server_event
    if record["frame"]["type"] in (*rtmsg.ClientEventType, *rtmsg.ServerEventType):
        with pytest.raises(rtmsg.DecodeError) as info:
            decode(record["text"])
        assert info.value.event_type == record["frame"]["type"]
    else:
        assert isinstance(decode(record["text"]), rtmsg.Unknown)


# --- typed attributes ----------------------------------------------------------------------------


def _example(schema: str) -> str:
    (record,) = [r for r in EXAMPLES if _schema(r) == schema]
    return str(record["text"])


def test_session_created_reads_as_typed_attributes() -> None:
    event = translation.decode_server_event(
        _example("RealtimeTranslationServerEventSessionCreated")
    )
    assert isinstance(event, translation.SessionCreated)
    session = event.session
    assert (session.type, session.id, session.model) == (
        "translation",
        "sess_123",
        "gpt-realtime-translate",
    )
    assert session.expires_at == 1714857600
    assert isinstance(session.audio.input, translation.AudioInput)
    assert session.audio.input.transcription == translation.AudioInputTranscription(
        model="gpt-realtime-whisper", language="en"
    )
    assert session.audio.input.noise_reduction == translation.AudioInputNoiseReduction(
        type="near_field"
    )
    assert session.audio.output == translation.AudioOutput(language="fr")


def test_session_update_keeps_null_apart_from_absent() -> None:
    event = translation.decode_client_event(_example("RealtimeTranslationClientEventSessionUpdate"))
    assert isinstance(event, translation.SessionUpdate)
    assert isinstance(event.session.audio, translation.Audio)
    assert isinstance(event.session.audio.input, translation.AudioInput)
    # null turns noise reduction off; an absent one would leave it as it is
    assert event.session.audio.input.noise_reduction is None
    assert event.event_id is msgspec.UNSET
    encoded = json.loads(rtmsg.encode(event))
    assert encoded["session"]["audio"]["input"]["noise_reduction"] is None
    assert "event_id" not in encoded
    bare = translation.SessionUpdate(session=translation.SessionUpdateRequest())
    assert rtmsg.encode(bare) == b'{"type":"session.update","session":{}}'


def test_events_built_in_code_encode_compactly() -> None:
    update = translation.SessionUpdate(
        session=translation.SessionUpdateRequest(
            audio=translation.Audio(output=translation.AudioOutput(language="de"))
        ),
        event_id="c1",
    )
    assert rtmsg.encode(update) == (
        b'{"type":"session.update","session":{"audio":{"output":{"language":"de"}}},'
        b'"event_id":"c1"}'
    )
    assert rtmsg.encode(translation.SessionClose()) == b'{"type":"session.close"}'
    assert rtmsg.encode(translation.SessionClosed(event_id="s1")) == (
        b'{"type":"session.closed","event_id":"s1"}'
    )


def test_deltas_keep_a_null_elapsed_ms() -> None:
    frame = (
        b'{"type":"session.output_transcript.delta","event_id":"e","delta":" hola",'
        b'"elapsed_ms":null}'
    )
    event = assert_round_trip(frame, "server", "translation")
    assert isinstance(event, translation.SessionOutputTranscriptDelta)
    assert (event.delta, event.elapsed_ms) == (" hola", None)


def test_error_is_the_conversation_error_event() -> None:
    frame = (
        b'{"type":"error","event_id":"e","error":{"type":"invalid_request_error",'
        b'"code":"invalid_value","message":"Unsupported language",'
        b'"param":"session.audio.output.language","event_id":"c1"}}'
    )
    event = assert_round_trip(frame, "server", "translation")
    assert type(event) is rtmsg.Error
    assert translation.Error is rtmsg.Error
    assert event.error.param == "session.audio.output.language"


# --- audio helpers -------------------------------------------------------------------------------

PCM = bytes(range(256)) * 10


def test_input_audio_from_pcm_and_back() -> None:
    event = translation.SessionInputAudioBufferAppend.from_pcm(PCM, event_id="a1")
    assert event.audio == base64.b64encode(PCM).decode()
    assert event.pcm() == PCM
    again = translation.decode_client_event(rtmsg.encode(event))
    assert isinstance(again, translation.SessionInputAudioBufferAppend)
    assert again.pcm() == PCM
    assert again.event_id == "a1"


def test_output_audio_from_pcm_and_back() -> None:
    event = translation.SessionOutputAudioDelta.from_pcm(
        PCM, event_id="s1", sample_rate=24000, channels=1, format="pcm16", elapsed_ms=200
    )
    assert json.loads(rtmsg.encode(event)) == {
        "type": "session.output_audio.delta",
        "event_id": "s1",
        "delta": base64.b64encode(PCM).decode(),
        "sample_rate": 24000,
        "channels": 1,
        "format": "pcm16",
        "elapsed_ms": 200,
    }
    sdk_validate(rtmsg.encode(event), "server", "translation")
    assert event.pcm() == PCM
    bare = translation.SessionOutputAudioDelta.from_pcm(b"\x00\x00", event_id="s2")
    assert (
        rtmsg.encode(bare)
        == b'{"type":"session.output_audio.delta","event_id":"s2","delta":"AAA="}'
    )


@pytest.mark.parametrize(
    ("event", "path"),
    [
        (translation.SessionInputAudioBufferAppend(audio="not base64!"), "$.audio"),
        (translation.SessionOutputAudioDelta(event_id="e", delta="AAA"), "$.delta"),
    ],
)
def test_bad_base64_is_a_decode_error_naming_the_field(event: Any, path: str) -> None:
    with pytest.raises(rtmsg.DecodeError, match="base64") as info:
        event.pcm()
    assert (info.value.path, info.value.code) == (path, rtmsg.ErrorCode.INVALID_VALUE)


def test_audio_stays_out_of_reprs() -> None:
    audio = base64.b64encode(PCM).decode()
    for event in (
        translation.SessionInputAudioBufferAppend(audio=audio),
        translation.SessionOutputAudioDelta(event_id="e", delta=audio),
    ):
        assert audio[:32] not in repr(event)
        assert f"<base64, {len(audio)} chars>" in repr(event)


# --- enums and decoders --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("union", "names"),
    [
        (translation.ClientEvent, translation.ClientEventType),
        (translation.ServerEvent, translation.ServerEventType),
    ],
)
def test_each_enum_lists_exactly_its_union(union: Any, names: Any) -> None:
    classes = typing.get_args(union)
    assert sorted(cls.event_type for cls in classes) == sorted(member.value for member in names)
    for cls in classes:
        member = names(cls.event_type)
        assert member.name == cls.event_type.upper().replace(".", "_")


def test_the_names_are_those_of_the_top_level_with_the_same_meaning() -> None:
    # Same wire string, other enum; same name, other class.
    assert str(translation.ClientEventType.SESSION_UPDATE) == str(
        rtmsg.ClientEventType.SESSION_UPDATE
    )
    assert translation.SessionUpdate.__module__ != rtmsg.SessionUpdate.__module__
    assert rtmsg.translation is translation
    assert set(translation.__all__) >= {
        "ClientEvent",
        "ServerEvent",
        "ClientEventDecoder",
        "ServerEventDecoder",
        "decode_client_event",
        "decode_server_event",
    }
    for name in translation.__all__:
        assert getattr(translation, name) is not None


def test_decoders_take_the_options_of_the_conversation_decoders() -> None:
    frame = b'{"type":"session.close","event_id":"c1"}   '
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.ClientEventDecoder(max_frame_bytes=20).decode(frame)
    assert info.value.code == "frame_too_large"
    duplicated = b'{"type":"session.close","type":"session.close"}'
    assert isinstance(translation.decode_client_event(duplicated), translation.SessionClose)
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.ClientEventDecoder(reject_duplicate_type=True).decode(duplicated)
    assert info.value.code == "duplicate_type"
    deep = b'{"type":"vendor.x","event_id":"e","x":[[[[[]]]]]}'
    assert isinstance(translation.decode_server_event(deep), rtmsg.Unknown)
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.ServerEventDecoder(max_depth=4).decode(deep)
    assert info.value.code == "nesting_too_deep"
    invalid = b'{"type":"session.closed"}'
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.decode_server_event(invalid)
    assert info.value.event_type == "session.closed"
    lenient = translation.ServerEventDecoder(lenient=True).decode(invalid)
    assert isinstance(lenient, rtmsg.Unknown)
    assert lenient.error == info.value
    assert "lenient=True" in repr(translation.ServerEventDecoder(lenient=True))


def test_unknown_types_keep_their_bytes_from_str_and_bytes() -> None:
    frame = '{"type":"session.output_audio.done","event_id":"é"}'
    for given in (frame, frame.encode(), bytearray(frame.encode()), memoryview(frame.encode())):
        event = translation.decode_server_event(given)
        assert isinstance(event, rtmsg.Unknown)
        assert rtmsg.encode(event) == frame.encode()
        assert event.event_id == "é"


def test_an_error_from_a_translation_frame_answers_as_the_service_does() -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.decode_client_event(b'{"type":"session.update","event_id":"c7"}')
    answer = rtmsg.error_event(info.value)
    assert isinstance(answer, rtmsg.Error)
    assert answer.error.event_id == "c7"
    assert isinstance(translation.decode_server_event(rtmsg.encode(answer)), rtmsg.Error)
