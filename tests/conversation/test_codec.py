"""The codec contract: typed decode, exact round trip, byte-identical Unknown, DecodeError."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

import rtmsg
from helpers import Direction, assert_round_trip, decode, same_json
from rtmsg.conversation import codec
from rtmsg.engine import decoding

SESSION_UPDATE_VAD_OFF = (
    b'{"type":"session.update","session":{"type":"realtime",'
    b'"audio":{"input":{"turn_detection":null}}}}'
)


def test_turn_detection_null_survives() -> None:
    event = assert_round_trip(SESSION_UPDATE_VAD_OFF, "client")
    assert isinstance(event, rtmsg.SessionUpdate)
    assert isinstance(event.session, rtmsg.Session)
    assert isinstance(event.session.audio, rtmsg.AudioConfig)
    assert isinstance(event.session.audio.input, rtmsg.AudioConfigInput)
    assert event.session.audio.input.turn_detection is None
    assert b'"turn_detection":null' in rtmsg.encode(event)


def test_turn_detection_absent_stays_absent() -> None:
    frame = b'{"type":"session.update","session":{"type":"realtime","audio":{"input":{}}}}'
    event = assert_round_trip(frame, "client")
    assert event.session.audio.input.turn_detection is msgspec.UNSET
    assert b"turn_detection" not in rtmsg.encode(event)


def test_same_json_tells_true_from_one() -> None:
    assert same_json(b'{"a":1}', b'{"a":1.0}')
    assert not same_json(b'{"a":true}', b'{"a":1}')


@pytest.mark.parametrize(
    ("frame", "cls"),
    [
        (b'{"type":"input_audio_buffer.append","audio":"AAA="}', rtmsg.InputAudioBufferAppend),
        (b'{"type":"input_audio_buffer.commit","event_id":"e1"}', rtmsg.InputAudioBufferCommit),
        (b'{"type":"response.cancel"}', rtmsg.ResponseCancel),
    ],
)
def test_client_event_decodes_to_its_class(frame: bytes, cls: type[rtmsg.Event]) -> None:
    event = assert_round_trip(frame, "client")
    assert type(event) is cls
    assert event.event_type == json.loads(frame)["type"]


def test_unknown_from_str_comes_back_as_utf8_bytes() -> None:
    frame = '{"type":"x.é","event_id":"ev"}'
    event = rtmsg.decode_client_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.event_id == "ev"
    assert rtmsg.encode(event) == frame.encode()


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"{",
        b"[]",
        b'"session.update"',
        b"{}",
        b'{"type":null}',
        b'{"type":1}',
        b'{"type":"x"}x',
    ],
)
def test_malformed_frames_raise_decode_error(frame: bytes) -> None:
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.decode_client_event(frame)


def test_known_type_with_invalid_body_is_an_error_not_unknown() -> None:
    frame = b'{"type":"conversation.item.truncate","event_id":"ev9","item_id":"i"}'
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(frame)
    assert info.value.event_type == "conversation.item.truncate"
    assert info.value.event_id == "ev9"
    assert "content_index" in str(info.value)


def test_decode_error_is_a_value_error() -> None:
    assert issubclass(rtmsg.DecodeError, ValueError)


def test_audio_helpers_round_trip() -> None:
    pcm = bytes(range(256)) * 4
    event = rtmsg.InputAudioBufferAppend.from_pcm(pcm)
    assert event.pcm() == pcm
    decoded = rtmsg.decode_client_event(rtmsg.encode(event))
    assert isinstance(decoded, rtmsg.InputAudioBufferAppend)
    assert decoded.pcm() == pcm


def test_invalid_base64_audio_is_a_decode_error() -> None:
    with pytest.raises(rtmsg.DecodeError, match="base64") as info:
        rtmsg.InputAudioBufferAppend(audio="not base64!").pcm()
    assert (info.value.code, info.value.path) == ("invalid_value", "$.audio")


# --- unknown event types, in every input form -------------------------------------------------

_INPUT_FORMS: list[Any] = [bytes, bytearray, memoryview, lambda frame: frame.decode()]
_FORM_IDS = ["bytes", "bytearray", "memoryview", "str"]

UNKNOWN_TO_SERVER = [
    # beta-era names the GA protocol renamed
    b'{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i",'
    b'"output_index":0,"content_index":0,"delta":"AAA="}',
    b'{"type":"response.text.delta","event_id":"e","delta":"hi"}',
    b'{"type":"response.audio_transcript.done","event_id":"e","transcript":"hi"}',
    b'{"type":"transcription_session.updated","event_id":"e","session":{}}',
    # client events given to the server decoder
    b'{"type":"session.update","session":{"type":"realtime"}}',
    b'{"type":"session.update","session":{}}',
    b'{"type":"input_audio_buffer.append","audio":"AAA="}',
    # case variants and look-alikes of known types
    b'{"type":"Session.Created","event_id":"e"}',
    b'{"type":"Session.Update"}',
    b'{"type":"RESPONSE.DONE","event_id":"e"}',
    b'{"type":"response.done ","event_id":"e"}',
    b'{"type":"","event_id":"e"}',
    # vendor extensions
    b'{"type":"x-acme.latency","event_id":"e","ms":12.5}',
    b'{"type":"acme:ping","nested":{"a":[1,{"b":null}]}}',
]
UNKNOWN_TO_CLIENT = [
    b'{"type":"session.created","event_id":"e","session":{"type":"realtime"}}',
    b'{"type":"conversation.item.input_audio_transcription.completed","event_id":"e"}',
    b'{"type":"transcription_session.update","session":{}}',
    b'{"type":"response.audio.delta","delta":"AAA="}',
    b'{"type":"Response.Create"}',
    b'{"type":"x-acme.hello","client":"\xc3\xa9t\xc3\xa9"}',
]


@pytest.mark.parametrize("form", _INPUT_FORMS, ids=_FORM_IDS)
@pytest.mark.parametrize(
    ("frame", "direction"),
    [(f, "server") for f in UNKNOWN_TO_SERVER] + [(f, "client") for f in UNKNOWN_TO_CLIENT],
)
def test_unknown_type_in_every_input_form(
    frame: bytes, direction: Direction, form: Callable[[bytes], rtmsg.Frame]
) -> None:
    event = decode(form(frame), direction)
    assert isinstance(event, rtmsg.Unknown)
    body = json.loads(frame)
    assert event.type == event.event_type == body["type"]
    assert event.event_id == body.get("event_id")
    assert event.raw == frame
    assert rtmsg.encode(event) == frame


@pytest.mark.parametrize("event_type", list(rtmsg.ServerEventType))
def test_every_server_type_is_unknown_to_the_client_decoder(event_type: str) -> None:
    frame = json.dumps({"type": event_type, "event_id": "evt_1"}).encode()
    event = rtmsg.decode_client_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert (event.type, event.event_id, rtmsg.encode(event)) == (event_type, "evt_1", frame)


@pytest.mark.parametrize("event_type", list(rtmsg.ClientEventType))
def test_every_client_type_is_unknown_to_the_server_decoder(event_type: str) -> None:
    frame = json.dumps({"type": event_type, "event_id": "evt_1"}).encode()
    event = rtmsg.decode_server_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert (event.type, event.event_id, rtmsg.encode(event)) == (event_type, "evt_1", frame)


def test_a_ga_name_that_kept_its_beta_spelling_is_known() -> None:
    # The transcription events kept their names in GA: a bad body is an error, not Unknown.
    frame = b'{"type":"conversation.item.input_audio_transcription.completed","event_id":"e"}'
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_server_event(frame)
    assert info.value.event_type == "conversation.item.input_audio_transcription.completed"
    assert info.value.event_id == "e"


NON_CANONICAL = [
    b'{ "type" : "x.spaces" ,\t"event_id" : "e" }',
    b'{ "type" : "x-vendor.ping" , "n" : 1 }',
    b'{"type":"a\\/b","x":"\\u00e9"}\r\n',
    b'{"type":"x\\/escaped\\/slash","url":"https:\\/\\/example.com\\/"}',
    b'{"type":"x.\\u0075nicode","text":"\\u00e9\\ud83d\\ude00\\u2028"}',
    b'{\r\n  "type": "x.crlf",\r\n  "event_id": "e"\r\n}',
    b'{"type":"x.trailing","event_id":"e"}  \n\t ',
    b'\n  {"type":"x.leading"}',
    b'{"type":"x.numbers","a":1.0,"b":1e3,"c":-0,"d":12345678901234567890123}',
    b'{"type":"x.dup","type":"x.dup","k":1,"k":2}',
    '{"type":"x.utf8","text":"日本語 😀"}'.encode(),
]


@pytest.mark.parametrize("form", _INPUT_FORMS, ids=_FORM_IDS)
@pytest.mark.parametrize("frame", NON_CANONICAL)
def test_unknown_non_canonical_json_comes_back_byte_identical(
    frame: bytes, form: Callable[[bytes], rtmsg.Frame]
) -> None:
    for direction in ("client", "server"):
        event = decode(form(frame), direction)
        assert isinstance(event, rtmsg.Unknown)
        assert event.type == json.loads(frame)["type"]
        assert rtmsg.encode(event) == frame


@pytest.mark.parametrize(
    ("event_id_json", "expected"),
    [
        (b'"evt_1"', "evt_1"),
        (b'""', ""),
        (b'"\\u00e9v\\u00e9nement"', "\u00e9v\u00e9nement"),
        (b"null", None),
        (b"42", None),
        (b"4.5", None),
        (b"true", None),
        (b'{"id":"evt_1"}', None),
        (b'["evt_1"]', None),
    ],
)
def test_unknown_event_id_is_read_only_when_it_is_a_string(
    event_id_json: bytes, expected: str | None
) -> None:
    frame = b'{"type":"x.vendor","event_id":' + event_id_json + b"}"
    event = rtmsg.decode_server_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.event_id == expected
    assert rtmsg.encode(event) == frame


def test_unknown_without_event_id() -> None:
    event = rtmsg.decode_client_event(b'{"type":"x.vendor"}')
    assert isinstance(event, rtmsg.Unknown)
    assert event.event_id is None


@pytest.mark.parametrize(
    ("frame", "event_id"),
    [
        (b'{"type":"response.cancel","event_id":"ev1","response_id":5}', "ev1"),
        (b'{"type":"response.cancel","event_id":7,"response_id":5}', None),
        (b'{"type":"response.cancel","event_id":null,"response_id":5}', None),
        (b'{"response_id":5,"event_id":"ev2","type":"response.cancel"}', "ev2"),
    ],
)
def test_decode_error_event_id_is_read_only_when_it_is_a_string(
    frame: bytes, event_id: str | None
) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(frame)
    assert info.value.event_type == "response.cancel"
    assert info.value.event_id == event_id
    assert " - at `$." in str(info.value)


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"response.cancel","response_id":"\xff"}',
        b'{"type":"response.cancel","event_id":"\xed\xa0\x80"}',
        b'{"type":"\xff"}',
    ],
)
def test_invalid_utf8_is_a_decode_error(frame: bytes) -> None:
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.decode_client_event(frame)


@pytest.mark.parametrize(
    ("frame", "event_id"),
    [
        (b'{"type":"x.seen.twice","event_id":"e7","n":[1,{"a":null}]}', "e7"),
        ('{"type":"x.seen.twice.é","event_id":"e8"}', "e8"),
        (b'{"event_id":5,"type":"x.seen.twice.id"}', None),
        (b'{"type":"x.seen.twice.none"}', None),
        (bytearray(b'{"type":"x.seen.twice.ba","event_id":"e9"}'), "e9"),
        (memoryview(b'{"type":"x.seen.twice.mv","event_id":"e10"}'), "e10"),
    ],
)
def test_an_unknown_type_seen_again_gives_the_same_unknown(
    frame: rtmsg.Frame, event_id: str | None
) -> None:
    first = rtmsg.decode_server_event(frame)
    again = rtmsg.decode_server_event(frame)
    assert isinstance(first, rtmsg.Unknown)
    assert again == first
    assert first.event_id == event_id
    raw = frame.encode() if isinstance(frame, str) else bytes(frame)
    assert rtmsg.encode(first) == raw
    assert type(rtmsg.encode(again)) is bytes
    assert rtmsg.encode(again) == raw


def test_an_unknown_type_seen_again_still_rejects_malformed_json() -> None:
    assert isinstance(rtmsg.decode_client_event(b'{"type":"x.seen.bad"}'), rtmsg.Unknown)
    for frame in (
        b'{"type":"x.seen.bad",',
        b'{"type":"x.seen.bad"}x',
        b'{"type":"x.seen.bad","a":}',
    ):
        with pytest.raises(rtmsg.DecodeError):
            rtmsg.decode_client_event(frame)


def test_types_seen_in_one_direction_stay_unknown_only_there() -> None:
    frame = b'{"type":"x.seen.client.only","event_id":"c1"}'
    assert isinstance(rtmsg.decode_client_event(frame), rtmsg.Unknown)
    assert isinstance(rtmsg.decode_server_event(frame), rtmsg.Unknown)
    known = b'{"type":"input_audio_buffer.commit","event_id":"e1"}'
    assert isinstance(rtmsg.decode_client_event(known), rtmsg.InputAudioBufferCommit)
    assert isinstance(rtmsg.decode_server_event(known), rtmsg.Unknown)


def test_endless_new_types_still_decode_as_unknown() -> None:
    for n in range(decoding._MAX_SEEN + 10):
        frame = b'{"type":"x.flood.%d","event_id":"f"}' % n
        assert rtmsg.decode_server_event(frame) == rtmsg.Unknown(f"x.flood.{n}", frame, "f")
    assert len(codec._default_server._seen) <= decoding._MAX_SEEN
    long_type = "x." + "y" * decoding._MAX_SEEN_LENGTH
    frame = json.dumps({"type": long_type}).encode()
    assert rtmsg.decode_client_event(frame) == rtmsg.Unknown(long_type, frame)
    assert long_type not in codec._default_client._seen


def test_decoded_events_are_not_tracked_by_the_garbage_collector() -> None:
    event = rtmsg.decode_client_event(SESSION_UPDATE_VAD_OFF)
    assert isinstance(event, rtmsg.SessionUpdate)
    assert not gc.is_tracked(event)
    assert not gc.is_tracked(event.session)


# --- types msgspec cannot select by tag ------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        '{"type":"réponse.créer","texte":"café \\u00e9"}',
        '{"type":"会話.作成"}',
        '{"type":"emoji.😀","event_id":"e1"}',
        '{"type":"caf\\u00e9"}',
    ],
)
@pytest.mark.parametrize("direction", ["client", "server"])
def test_a_non_ascii_type_is_an_unknown_with_its_bytes(frame: str, direction: Direction) -> None:
    decoder = rtmsg.ClientEventDecoder() if direction == "client" else rtmsg.ServerEventDecoder()
    raw = frame.encode()
    for _ in range(3):  # after it was met once too: no fast path is learned for it
        for form in (raw, frame, bytearray(raw), memoryview(raw)):
            for decode_one in (decoder.decode, lambda f: decode(f, direction)):
                event = decode_one(form)
                assert isinstance(event, rtmsg.Unknown)
                assert event.raw == raw
                assert rtmsg.encode(event) == raw
                assert event.type == json.loads(frame)["type"]
    # A type is learned only when msgspec selects its Struct: then frames take the fast path.
    for event_type, seen in decoder._seen.items():
        probe = msgspec.json.encode({"type": event_type})
        assert type(decoder._decoder.decode(probe)) is seen  # type: ignore[comparison-overlap]


def test_no_fast_path_is_built_for_a_tag_msgspec_cannot_select(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lone = msgspec.defstruct("T", [], tag_field="type", tag="café")
    other = msgspec.defstruct("U", [], tag_field="type", tag="other")
    assert not decoding._matches(msgspec.json.Decoder(other), lone)
    assert decoding._matches(msgspec.json.Decoder(lone | other), lone)
    # A tag the probe refuses is not learned, and its frames stay Unknowns on the slow path.
    monkeypatch.setattr(decoding, "_matches", lambda decoder, seen: False)
    decoder = rtmsg.ClientEventDecoder()
    for _ in range(2):
        assert decoder.decode(b'{"type":"x.y"}') == rtmsg.Unknown("x.y", b'{"type":"x.y"}')
    assert not decoder._seen


def test_a_non_ascii_type_repeated_with_another_value_is_refused() -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event('{"type":"réponse","type":"autre"}'.encode())
    assert info.value.code == "duplicate_type"
