"""The codec contract: typed decode, exact round trip, byte-identical Unknown, DecodeError."""

from __future__ import annotations

import gc
import json

import msgspec
import pytest

import rtmsg
from helpers import assert_round_trip, same_json
from rtmsg import codec

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
    for n in range(codec._MAX_SEEN + 10):
        frame = b'{"type":"x.flood.%d","event_id":"f"}' % n
        assert rtmsg.decode_server_event(frame) == rtmsg.Unknown(f"x.flood.{n}", frame, "f")
    assert len(codec._server.seen) <= codec._MAX_SEEN
    long_type = "x." + "y" * codec._MAX_SEEN_LENGTH
    frame = json.dumps({"type": long_type}).encode()
    assert rtmsg.decode_client_event(frame) == rtmsg.Unknown(long_type, frame)
    assert long_type not in codec._client.seen


def test_decoded_events_are_not_tracked_by_the_garbage_collector() -> None:
    event = rtmsg.decode_client_event(SESSION_UPDATE_VAD_OFF)
    assert isinstance(event, rtmsg.SessionUpdate)
    assert not gc.is_tracked(event)
    assert not gc.is_tracked(event.session)
