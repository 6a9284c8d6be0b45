"""The codec contract: typed decode, exact round trip, byte-identical Unknown, DecodeError."""

from __future__ import annotations

import json

import msgspec
import pytest

import rtmsg
from helpers import assert_round_trip, same_json

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


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"response.audio.delta","event_id":"e","delta":"AAA="}',
        b'{"type":"session.update","session":{}}',
        b'{"type":"Session.Update"}',
        b'{ "type" : "x-vendor.ping" , "n" : 1 }',
        b'{"type":"a\\/b","x":"\\u00e9"}\r\n',
    ],
)
def test_unknown_server_event_keeps_its_bytes(frame: bytes) -> None:
    event = rtmsg.decode_server_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.type == json.loads(frame)["type"]
    assert event.event_type == event.type
    assert rtmsg.encode(event) == frame


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
    with pytest.raises(rtmsg.DecodeError, match=r"\$\.audio"):
        rtmsg.InputAudioBufferAppend(audio="not base64!").pcm()
