"""Bad input: every frame gives a correct event, an Unknown or a DecodeError, nothing else.

The translation and Live decoders are held to the same contract, on frames of their own
protocol (Live's: on each of its connections, and inside a ``response.event``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import rtmsg
from helpers import DECODERS, contract_outcome
from rtmsg import live, translation

VALID_CLIENT = (
    b'{"type":"session.update","event_id":"ev_1","session":{"type":"realtime",'
    b'"instructions":"Be brief.","audio":{"input":{"format":{"type":"audio/pcm","rate":24000},'
    b'"turn_detection":{"type":"server_vad","threshold":0.5}}},'
    b'"tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{}}}]}}'
)
VALID_SERVER = (
    b'{"type":"conversation.item.truncated","event_id":"ev_2","item_id":"it",'
    b'"content_index":0,"audio_end_ms":1500}'
)
VALID_TRANSLATION_CLIENT = (
    b'{"type":"session.update","event_id":"ev_3","session":{"audio":{"input":'
    b'{"transcription":{"model":"gpt-realtime-whisper"},"noise_reduction":null},'
    b'"output":{"language":"es"}}}}'
)
VALID_TRANSLATION_SERVER = (
    b'{"type":"session.created","event_id":"ev_4","session":{"type":"translation","id":"s",'
    b'"model":"gpt-realtime-translate","expires_at":1714857600,"audio":{"input":'
    b'{"noise_reduction":{"type":"near_field","strength":0.5}},"output":{"language":"fr"}}}}'
)
VALID_LIVE_CLIENT = (
    b'{"type":"session.start","event_id":"ev_5","session":{"model":"gpt-live-1",'
    b'"audio":{"format":{"type":"audio/pcm","rate":24000},"output":{"voice":"marin"}},'
    b'"delegation":{"type":"responses","responses":{"model":"gpt-5.5","tools":'
    b'[{"type":"function","name":"f","parameters":{"type":"object"}}]}},'
    b'"input":[{"role":"user","content":[{"text":"hi"}]}]}}'
)
VALID_LIVE_SERVER = (
    b'{"type":"response.event","event_id":"ev_6","delegation_id":"del_1","event":'
    b'{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,'
    b'"delta":"hi","sequence_number":1,"logprobs":[]}}'
)
VALID_LIVE_ATTACH_CLIENT = b'{"type":"transport.dtmf.send","event":"#","event_id":"ev_7"}'
_VALID = [
    pytest.param(VALID_CLIENT, "client", "conversation", id="conversation-client"),
    pytest.param(VALID_SERVER, "server", "conversation", id="conversation-server"),
    pytest.param(VALID_TRANSLATION_CLIENT, "client", "translation", id="translation-client"),
    pytest.param(VALID_TRANSLATION_SERVER, "server", "translation", id="translation-server"),
    pytest.param(VALID_LIVE_CLIENT, "client", "live", id="live-client"),
    pytest.param(VALID_LIVE_SERVER, "server", "live", id="live-server"),
    pytest.param(VALID_LIVE_ATTACH_CLIENT, "client", "live/attach", id="live-attach-client"),
]


def _error(frame: rtmsg.Frame) -> rtmsg.DecodeError:
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(frame)
    return info.value


def test_empty_frame() -> None:
    _error(b"")
    _error("")


def test_whitespace_only() -> None:
    _error(b" \t\r\n ")


@pytest.mark.parametrize(("frame", "direction", "protocol"), _VALID)
def test_valid_frame_truncated_at_every_byte(frame: bytes, direction: Any, protocol: Any) -> None:
    assert contract_outcome(frame, direction, protocol) == "event"
    for end in range(len(frame)):
        assert contract_outcome(frame[:end], direction, protocol) == "error", frame[:end]


def test_invalid_utf8_bytes_in_a_known_field() -> None:
    error = _error(b'{"type":"response.cancel","response_id":"r\xff"}')
    assert error.code == "invalid_utf8"


def test_invalid_utf8_bytes_in_the_type() -> None:
    assert _error(b'{"type":"x\xc3"}').code == "invalid_utf8"


def test_invalid_utf8_in_an_unknown_event_is_not_kept_as_unknown() -> None:
    # msgspec skips the values of an unknown event unchecked; rtmsg checks them.
    error = _error(b'{"type":"vendor.ping","payload":"\xed\xa0\x80"}')
    assert error.code == "invalid_utf8"
    assert error.event_type == "vendor.ping"


def test_str_with_lone_surrogate() -> None:
    assert _error('{"type":"response.cancel","response_id":"\ud800"}').code == "invalid_utf8"
    assert _error('{"type":"x.\udfff"}').code == "invalid_utf8"


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udc00", b"\\ud800x", b"\\ud800\\u0041"])
def test_lone_surrogate_escape(escape: bytes) -> None:
    _error(b'{"type":"response.cancel","response_id":"' + escape + b'"}')
    _error(b'{"type":"vendor.ping","note":"' + escape + b'"}')


def test_surrogate_pair_escape_is_a_character() -> None:
    event = rtmsg.decode_client_event(b'{"type":"response.cancel","response_id":"\\ud83d\\ude00"}')
    assert isinstance(event, rtmsg.ResponseCancel)
    assert event.response_id == "\U0001f600"


def test_byte_order_mark() -> None:
    _error(b'\xef\xbb\xbf{"type":"response.cancel"}')
    _error('\ufeff{"type":"response.cancel"}')


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf"])
def test_nan_and_infinity_literals(literal: bytes) -> None:
    _error(b'{"type":"vendor.ping","x":' + literal + b"}")
    _error(
        b'{"type":"session.update","session":{"type":"realtime",'
        b'"audio":{"output":{"speed":' + literal + b"}}}}"
    )


def test_float_out_of_range() -> None:
    error = _error(
        b'{"type":"session.update","session":{"type":"realtime","audio":{"output":{"speed":1e999}}}}'
    )
    assert error.path == "$.session.audio.output.speed"
    error = _error(
        b'{"type":"session.update","session":{"type":"realtime",'
        b'"tools":[{"name":"f","parameters":{"maximum":-1e999}}]}}'
    )
    assert error.path is not None
    assert error.path.startswith("$.session.tools[0].parameters")


def test_integers_beyond_64_bits_round_trip_as_the_sdk_accepts_them() -> None:
    frame = (
        b'{"type":"conversation.item.truncate","item_id":"i","content_index":%d,"audio_end_ms":0}'
    )
    event = rtmsg.decode_client_event(frame % 2**64)
    assert isinstance(event, rtmsg.ConversationItemTruncate)
    assert event.content_index == 2**64
    assert json.loads(rtmsg.encode(event))["content_index"] == 2**64


def test_integer_with_thousands_of_digits() -> None:
    digits = b"9" * 5000
    frame = b'{"type":"conversation.item.truncate","item_id":"i","content_index":'
    error = _error(frame + digits + b',"audio_end_ms":0}')
    assert error.path == "$.content_index"
    _error(
        b'{"type":"session.update","session":{"type":"realtime","tools":[{"parameters":'
        + digits
        + b"}]}}"
    )


@pytest.mark.parametrize(
    "frame", [b"[]", b'["type"]', b'"response.cancel"', b"1", b"null", b"true"]
)
def test_non_object_top_level(frame: bytes) -> None:
    assert _error(frame).event_type is None


def test_type_missing() -> None:
    _error(b'{"event_id":"e"}')
    _error(b"{}")


@pytest.mark.parametrize("value", [b"null", b"1", b"1.5", b"true", b"[]", b'{"a":"b"}'])
def test_type_not_a_string(value: bytes) -> None:
    _error(b'{"type":' + value + b',"event_id":"e"}')


def test_empty_type_is_unknown() -> None:
    event = rtmsg.decode_client_event(b'{"type":"","event_id":"e"}')
    assert isinstance(event, rtmsg.Unknown)
    assert event.type == ""
    assert event.event_id == "e"


def test_10kb_type_is_unknown_and_its_repr_stays_short() -> None:
    kind = "x" * 10240
    frame = json.dumps({"type": kind}).encode()
    event = rtmsg.decode_client_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.type == kind
    assert rtmsg.encode(event) == frame
    assert len(repr(event)) < 200


def _paths_to_nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value under the top-level object, the top level itself excluded."""
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _paths_to_nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _paths_to_nodes(item, (*path, index))
    return paths


def _with_null(document: Any, path: tuple[Any, ...]) -> Any:
    copy = json.loads(json.dumps(document))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = None
    return copy


@pytest.mark.parametrize(("frame", "direction", "protocol"), _VALID)
def test_null_at_every_node(frame: bytes, direction: Any, protocol: Any) -> None:
    document = json.loads(frame)
    outcomes = set()
    for path in _paths_to_nodes(document):
        nulled = json.dumps(_with_null(document, path)).encode()
        outcome = contract_outcome(nulled, direction, protocol)
        outcomes.add(outcome)
        if path == ("type",):
            assert outcome == "error"
    assert "error" in outcomes


def test_trailing_data_after_the_object() -> None:
    _error(b'{"type":"response.cancel"} x')
    _error(b'{"type":"response.cancel"},')
    _error(b'{"type":"vendor.ping"}]')


def test_trailing_whitespace_is_allowed() -> None:
    assert isinstance(
        rtmsg.decode_client_event(b'{"type":"response.cancel"}\r\n'), rtmsg.ResponseCancel
    )


def test_two_objects_in_one_frame() -> None:
    _error(b'{"type":"response.cancel"}{"type":"response.cancel"}')
    _error(b'{"type":"response.cancel"}\n{"type":"input_audio_buffer.clear"}')


def test_extremely_long_strings() -> None:
    long = "é" * 2_000_000
    event = rtmsg.decode_client_event(json.dumps({"type": "response.cancel", "response_id": long}))
    assert isinstance(event, rtmsg.ResponseCancel)
    assert event.response_id == long
    frame = json.dumps({"type": "vendor.blob", "blob": long}, ensure_ascii=False).encode()
    unknown = rtmsg.decode_client_event(frame)
    assert isinstance(unknown, rtmsg.Unknown)
    assert unknown.raw == frame
    _error(frame[:-3])  # unterminated


def test_unterminated_long_string() -> None:
    _error(b'{"type":"input_audio_buffer.append","audio":"' + b"A" * 1_000_000)


def _deep(depth: int, opening: bytes = b"[", closing: bytes = b"]") -> bytes:
    return opening * depth + closing * depth


# Past the recursion guard of every CPython rtmsg supports (about 1000 levels on 3.11,
# 1500 on 3.12, 10 000 on 3.13).
@pytest.mark.parametrize("depth", [20_000, 100_000])
def test_deep_nesting_in_tool_parameters(depth: int) -> None:
    frame = (
        b'{"type":"session.update","event_id":"e","session":{"type":"realtime",'
        b'"tools":[{"name":"f","parameters":' + _deep(depth) + b"}]}}"
    )
    error = _error(frame)
    assert error.code == "nesting_too_deep"


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"response.cancel","ignored":' + _deep(100_000) + b"}",
        b'{"type":"vendor.ping","payload":' + _deep(100_000) + b"}",
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    ],
)
def test_deep_nesting_anywhere(frame: bytes) -> None:
    assert _error(frame).code == "nesting_too_deep"


def test_deep_top_level_array_is_refused_at_its_first_byte() -> None:
    assert _error(_deep(100_000)).path is None


def test_deep_nesting_in_server_events() -> None:
    frame = (
        b'{"type":"conversation.item.added","event_id":"e","item":{"type":"mcp_list_tools",'
        b'"server_label":"s","tools":[{"name":"t","input_schema":' + _deep(50_000) + b"}]}}"
    )
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.decode_server_event(frame)


# --- duplicate keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b'{"type":"response.cancel","type":"vendor.x"}',
        b'{"type":"vendor.x","type":"response.cancel"}',
        b'{"type":"response.cancel","type":"input_audio_buffer.clear"}',
        b'{"type":"vendor.a","type":"vendor.b"}',
        b'{"type":"vendor.a","event_id":"e","nested":{"type":"x"},"type":"vendor.b"}',
        b'{"type":"response.cancel","\\u0074ype":"vendor.x"}',
        b'{"\\u0074ype":"vendor.x","type":"response.cancel"}',
        b'{"type":1,"type":"response.cancel"}',
        b'{"type":"vendor.a","type":null}',
    ],
)
def test_two_type_keys_with_different_values_are_an_error(frame: bytes) -> None:
    # A proxy and the service could each pick a different one: never an event or Unknown.
    error = _error(frame)
    assert error.event_type is None
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.ClientEventDecoder(lenient=True).decode(frame)


def test_duplicate_type_error_is_an_invalid_request() -> None:
    error = _error(b'{"type":"vendor.a","event_id":"c9","type":"response.cancel"}')
    assert error.code == "duplicate_type"
    answer = rtmsg.error_event(error)
    assert answer.error.code == "duplicate_type"
    assert answer.error.param == "type"
    assert answer.error.event_id == "c9"


def test_two_type_keys_with_the_same_value_are_accepted_by_default() -> None:
    event = rtmsg.decode_client_event(b'{"type":"response.cancel","type":"response.cancel"}')
    assert isinstance(event, rtmsg.ResponseCancel)
    unknown = rtmsg.decode_client_event(b'{"type":"vendor.a","type":"vendor.a"}')
    assert isinstance(unknown, rtmsg.Unknown)


def test_nested_type_keys_are_not_duplicates() -> None:
    frame = b'{"type":"vendor.a","item":{"type":"message"},"tools":[{"type":"function"}]}'
    assert isinstance(rtmsg.decode_client_event(frame), rtmsg.Unknown)


def test_other_duplicate_keys_keep_the_last_value() -> None:
    event = rtmsg.decode_client_event(
        b'{"type":"response.cancel","response_id":"first","response_id":"last"}'
    )
    assert isinstance(event, rtmsg.ResponseCancel)
    assert event.response_id == "last"


def test_a_memoryview_that_is_not_contiguous() -> None:
    view = memoryview(b'{"type":"response.cancel"}' * 2)[::2]
    for decode in (rtmsg.decode_client_event, rtmsg.ClientEventDecoder(lenient=True).decode):
        with pytest.raises(rtmsg.DecodeError, match="contiguous"):
            decode(view)


# --- the translation decoders ---------------------------------------------------------------

_TRANSLATION_DECODERS = [
    pytest.param(decode, id=f"{protocol}-{direction}-{name}")
    for (protocol, direction), default in DECODERS.items()
    if protocol == "translation"
    for name, decode in (
        ("default", default),
        (
            "strict",
            (
                translation.ClientEventDecoder
                if direction == "client"
                else translation.ServerEventDecoder
            )(max_depth=32, reject_duplicate_type=True).decode,
        ),
        (
            "lenient",
            (
                translation.ClientEventDecoder
                if direction == "client"
                else translation.ServerEventDecoder
            )(lenient=True).decode,
        ),
    )
]

BAD_FRAMES = [
    b"",
    b" \t\r\n ",
    b"[]",
    b'"session.close"',
    b"null",
    b"{}",
    b'{"event_id":"e"}',
    b'{"type":null}',
    b'{"type":["session.close"]}',
    b'{"type":"session.close"} x',
    b'{"type":"session.close"}{"type":"session.close"}',
    b'\xef\xbb\xbf{"type":"session.close"}',
    b'{"type":"session.close","event_id":"\xff"}',
    b'{"type":"session.close","event_id":"\\ud800"}',
    b'{"type":"vendor.x","note":"\xed\xa0\x80"}',
    b'{"type":"session.close","type":"vendor.x"}',
    b'{"type":"vendor.x","\\u0074ype":"session.close"}',
    b'{"type":"session.close","x":NaN}',
    b'{"type":"session.close","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
]


@pytest.mark.parametrize("frame", BAD_FRAMES)
@pytest.mark.parametrize("decode", _TRANSLATION_DECODERS)
def test_translation_decoders_refuse_bad_frames(frame: bytes, decode: Any) -> None:
    with pytest.raises(rtmsg.DecodeError):
        decode(frame)
    if not frame.startswith(b"\xef") and b"\xff" not in frame and b"\xed" not in frame:
        with pytest.raises(rtmsg.DecodeError):
            decode(frame.decode())


@pytest.mark.parametrize(
    ("frame", "cls", "path"),
    [
        (
            b'{"type":"session.input_audio_buffer.append"}',
            translation.SessionInputAudioBufferAppend,
            "$.audio",
        ),
        (
            b'{"type":"session.input_audio_buffer.append","audio":null}',
            translation.SessionInputAudioBufferAppend,
            "$.audio",
        ),
        (b'{"type":"session.update","session":null}', translation.SessionUpdate, "$.session"),
        (
            b'{"type":"session.update","session":{"audio":{"input":{"noise_reduction":{}}}}}',
            translation.SessionUpdate,
            "$.session.audio.input.noise_reduction.type",
        ),
        (b'{"type":"session.close","event_id":5}', translation.SessionClose, "$.event_id"),
    ],
)
def test_translation_client_errors_name_the_event_and_the_place(
    frame: bytes, cls: type[rtmsg.Event], path: str
) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.decode_client_event(frame)
    assert info.value.event_type == cls.event_type
    assert info.value.path == path
    unknown = translation.ClientEventDecoder(lenient=True).decode(frame)
    assert isinstance(unknown, rtmsg.Unknown)
    assert unknown.error == info.value


def test_a_conversation_event_is_unknown_to_the_translation_decoders() -> None:
    frame = b'{"type":"input_audio_buffer.append","event_id":"e","audio":"AAAA"}'
    event = translation.decode_client_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert (event.raw, event.event_id) == (frame, "e")
    frame = b'{"type":"response.output_audio.delta","event_id":"e","delta":"AAAA"}'
    assert isinstance(translation.decode_server_event(frame), rtmsg.Unknown)
    # And the other way round: the translation events are unknown to the conversation decoders.
    assert isinstance(rtmsg.decode_client_event(b'{"type":"session.close"}'), rtmsg.Unknown)


def test_a_conversation_session_is_not_a_translation_session() -> None:
    frame = (
        b'{"type":"session.created","event_id":"e","session":{"type":"realtime","id":"s",'
        b'"model":"gpt-realtime","expires_at":0,"audio":{}}}'
    )
    with pytest.raises(rtmsg.DecodeError) as info:
        translation.decode_server_event(frame)
    assert info.value.path == "$.session.type"
    assert isinstance(rtmsg.decode_server_event(frame), rtmsg.SessionCreated)


# --- the Live decoders ------------------------------------------------------------------------

_LIVE_CLASSES: dict[tuple[str, str], Any] = {
    ("live", "client"): live.ClientEventDecoder,
    ("live", "server"): live.ServerEventDecoder,
    ("live/attach", "client"): live.AttachClientEventDecoder,
    ("live/attach", "server"): live.AttachServerEventDecoder,
    ("live/fork", "client"): live.ForkClientEventDecoder,
    ("live/fork", "server"): live.ForkServerEventDecoder,
    ("live/response", "server"): live.responses.ResponseEventDecoder,
}
_LIVE_DECODERS = [
    pytest.param(decode, id=f"{stream}-{direction}-{name}")
    for (stream, direction), cls in _LIVE_CLASSES.items()
    for name, decode in (
        ("default", DECODERS[stream, direction]),  # type: ignore[index]
        ("strict", cls(max_depth=32, reject_duplicate_type=True).decode),
        ("lenient", cls(lenient=True).decode),
    )
]


@pytest.mark.parametrize("frame", BAD_FRAMES)
@pytest.mark.parametrize("decode", _LIVE_DECODERS)
def test_live_decoders_refuse_bad_frames(frame: bytes, decode: Any) -> None:
    with pytest.raises(rtmsg.DecodeError):
        decode(frame)


@pytest.mark.parametrize(
    ("frame", "path"),
    [
        (b'{"type":"session.start"}', "$.session"),
        (b'{"type":"session.start","session":{"model":5}}', "$.session.model"),
        (
            b'{"type":"session.start","session":{"model":"m","audio":{"format":{"type":"audio/pcm",'
            b'"rate":44100}}}}',
            "$.session.audio.format.rate",
        ),
        (
            b'{"type":"session.start","session":{"model":"m","delegation":{"type":"robots"}}}',
            "$.session.delegation.type",
        ),
        (
            b'{"type":"session.commentary.append","content":"x","delegation_id":5}',
            "$.delegation_id",
        ),
        (b'{"type":"decision.create"}', "$.event_id"),
        (b'{"type":"response.item.create","item":"x"}', "$.item"),
    ],
)
def test_live_client_errors_name_the_place(frame: bytes, path: str) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(frame)
    assert info.value.path == path
    assert info.value.event_type == json.loads(frame)["type"]
    answer = live.error_event(info.value)
    assert answer.error.param == path.removeprefix("$.")


@pytest.mark.parametrize("frame", BAD_FRAMES)
def test_a_bad_nested_event_is_refused_when_read_and_forwarded_when_not(frame: bytes) -> None:
    wrapper = b'{"type":"response.event","event_id":"e","event":' + frame + b"}"
    try:
        event = live.decode_server_event(wrapper)
    except rtmsg.DecodeError:
        return  # not JSON, or not one value: the wrapper itself is refused
    assert isinstance(event, live.ResponseEvent)
    assert bytes(event.event) == frame.strip()  # forwarded as it came
    with pytest.raises(rtmsg.DecodeError) as info:
        event.nested()
    assert info.value.path is None or info.value.path.startswith("$.event")
