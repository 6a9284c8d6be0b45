"""The configurable decoders: frame size and depth limits, duplicate ``type``, lenient mode."""

from __future__ import annotations

import enum
import json
import pickle

import msgspec
import pytest

import rtmsg
from rtmsg.engine import checks as _checks
from rtmsg.engine.base import register_events

TRUNCATE_MISSING_FIELDS = b'{"type":"conversation.item.truncate","event_id":"c1","item_id":"i"}'


def _tool_frame(parameters: bytes) -> bytes:
    return (
        b'{"type":"session.update","event_id":"c2","session":{"type":"realtime",'
        b'"tools":[{"name":"f","parameters":' + parameters + b"}]}}"
    )


def test_default_frame_limit_is_16_mib() -> None:
    assert rtmsg.DEFAULT_MAX_FRAME_BYTES == 16 * 1024 * 1024
    assert rtmsg.ClientEventDecoder().max_frame_bytes == rtmsg.DEFAULT_MAX_FRAME_BYTES


def test_module_functions_refuse_frames_over_the_default_limit() -> None:
    audio = b"A" * (rtmsg.DEFAULT_MAX_FRAME_BYTES - 40)
    frame = b'{"type":"input_audio_buffer.append","audio":"' + audio + b'"}'
    assert len(frame) > rtmsg.DEFAULT_MAX_FRAME_BYTES
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(frame)
    assert info.value.code == "frame_too_large"
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.decode_server_event(frame)


def test_15_mib_audio_append_is_accepted() -> None:
    frame = b'{"type":"input_audio_buffer.append","audio":"' + b"A" * (15 << 20) + b'"}'
    assert isinstance(rtmsg.decode_client_event(frame), rtmsg.InputAudioBufferAppend)


@pytest.mark.parametrize(
    "frame", [b'{"type":"response.cancel"}   ', '{"type":"response.cancel"}   ']
)
def test_frame_limit_is_checked_before_parsing(frame: bytes | str) -> None:
    decoder = rtmsg.ClientEventDecoder(max_frame_bytes=26)
    with pytest.raises(rtmsg.DecodeError, match="exceeds max_frame_bytes=26"):
        decoder.decode(frame)
    assert isinstance(decoder.decode(frame.strip()), rtmsg.ResponseCancel)


def test_frame_limit_applies_before_the_json_is_read() -> None:
    # Not even valid JSON: the size alone decides.
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.ServerEventDecoder(max_frame_bytes=10).decode(b"x" * 11)
    assert info.value.code == "frame_too_large"
    assert info.value.event_type is None


def test_no_frame_limit() -> None:
    decoder = rtmsg.ClientEventDecoder(max_frame_bytes=None)
    frame = b'{"type":"input_audio_buffer.append","audio":"' + b"A" * (17 << 20) + b'"}'
    assert isinstance(decoder.decode(frame), rtmsg.InputAudioBufferAppend)


@pytest.mark.parametrize("option", [{"max_frame_bytes": -1}, {"max_depth": 0}])
def test_invalid_options(option: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(option))):
        rtmsg.ClientEventDecoder(**option)  # type: ignore[arg-type]


def test_max_depth_counts_the_whole_frame() -> None:
    decoder = rtmsg.ClientEventDecoder(max_depth=7)
    # frame object > session object > tools array > tool object: 4 levels, then the parameters
    assert isinstance(decoder.decode(_tool_frame(b"[[[]]]")), rtmsg.SessionUpdate)
    with pytest.raises(rtmsg.DecodeError) as info:
        decoder.decode(_tool_frame(b"[[[[]]]]"))
    assert info.value.code == "nesting_too_deep"
    assert info.value.event_type == "session.update"
    assert info.value.event_id == "c2"


def test_max_depth_ignores_brackets_inside_strings() -> None:
    decoder = rtmsg.ClientEventDecoder(max_depth=6)
    frame = _tool_frame(b'{"description":"[[[[[[[[ {{{{ \\" ]]"}')
    assert isinstance(decoder.decode(frame), rtmsg.SessionUpdate)
    assert isinstance(decoder.decode(frame.decode()), rtmsg.SessionUpdate)


def test_object_typed_fields_count_as_free_form() -> None:
    # tracing.metadata is typed ``object``, which msgspec reports as a CustomType, not Any.
    depth = _checks.schema_depth(msgspec.inspect.type_info(rtmsg.TracingConfiguration))
    assert depth == float("inf")


def test_max_depth_applies_to_tracing_metadata() -> None:
    decoder = rtmsg.ClientEventDecoder(max_depth=6)
    frame = b'{"type":"session.update","session":{"type":"realtime","tracing":{"metadata":%s}}}'
    assert isinstance(decoder.decode(frame % b"[[[]]]"), rtmsg.SessionUpdate)
    with pytest.raises(rtmsg.DecodeError):
        decoder.decode(frame % b"[[[[]]]]")


def test_max_depth_applies_to_unknown_events() -> None:
    decoder = rtmsg.ServerEventDecoder(max_depth=3)
    assert isinstance(decoder.decode(b'{"type":"vendor.x","a":[{}]}'), rtmsg.Unknown)
    with pytest.raises(rtmsg.DecodeError, match="max_depth=3"):
        decoder.decode(b'{"type":"vendor.x","a":[{"b":[]}]}')


def test_max_depth_is_a_deterministic_bound_below_the_recursion_guard() -> None:
    decoder = rtmsg.ClientEventDecoder(max_depth=64)
    assert isinstance(decoder.decode(_tool_frame(b"[" * 60 + b"]" * 60)), rtmsg.SessionUpdate)
    for depth in (61, 500, 100_000):
        with pytest.raises(rtmsg.DecodeError):
            decoder.decode(_tool_frame(b"[" * depth + b"]" * depth))


def test_max_depth_leaves_shallow_events_alone() -> None:
    decoder = rtmsg.ClientEventDecoder(max_depth=2)
    assert isinstance(decoder.decode(b'{"type":"response.cancel"}'), rtmsg.ResponseCancel)
    with pytest.raises(rtmsg.DecodeError):
        decoder.decode(b'{"type":"session.update","session":{"type":"realtime","audio":{}}}')


def test_reject_duplicate_type_refuses_even_equal_values() -> None:
    frame = b'{"type":"response.cancel","event_id":"c3","type":"response.cancel"}'
    assert isinstance(rtmsg.decode_client_event(frame), rtmsg.ResponseCancel)
    strict = rtmsg.ClientEventDecoder(reject_duplicate_type=True)
    with pytest.raises(rtmsg.DecodeError) as info:
        strict.decode(frame)
    assert info.value.code == "duplicate_type"
    assert info.value.event_id == "c3"
    with pytest.raises(rtmsg.DecodeError):
        strict.decode(b'{"type":"vendor.a","\\u0074ype":"vendor.a"}')
    with pytest.raises(rtmsg.DecodeError):
        strict.decode('{"type":"response.cancel","\\u0074ype":"response.cancel"}')


def test_reject_duplicate_type_accepts_nested_types() -> None:
    strict = rtmsg.ClientEventDecoder(reject_duplicate_type=True)
    frame = (
        b'{"type":"session.update","session":{"type":"realtime",'
        b'"audio":{"input":{"turn_detection":{"type":"server_vad"}}},"instructions":"\\u00e9"}}'
    )
    assert isinstance(strict.decode(frame), rtmsg.SessionUpdate)
    assert isinstance(strict.decode(b'{"type":"vendor.a","x":{"type":"b"}}'), rtmsg.Unknown)


def test_strict_by_default() -> None:
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.decode_client_event(TRUNCATE_MISSING_FIELDS)
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.ClientEventDecoder().decode(TRUNCATE_MISSING_FIELDS)


def test_lenient_keeps_an_invalid_known_event_as_unknown_with_its_error() -> None:
    event = rtmsg.ClientEventDecoder(lenient=True).decode(TRUNCATE_MISSING_FIELDS)
    assert isinstance(event, rtmsg.Unknown)
    assert event.type == "conversation.item.truncate"
    assert event.event_id == "c1"
    assert event.raw == TRUNCATE_MISSING_FIELDS
    assert rtmsg.encode(event) == TRUNCATE_MISSING_FIELDS
    assert isinstance(event.error, rtmsg.DecodeError)
    assert event.error.event_type == "conversation.item.truncate"
    assert "content_index" in str(event.error)


def test_lenient_still_refuses_malformed_json_and_broken_limits() -> None:
    lenient = rtmsg.ServerEventDecoder(lenient=True, max_frame_bytes=1000)
    for frame in [b'{"type":"error"', b'{"type":null}', b"[]", b"x" * 1001]:
        with pytest.raises(rtmsg.DecodeError):
            lenient.decode(frame)


def test_lenient_valid_and_unknown_events_are_unchanged() -> None:
    lenient = rtmsg.ClientEventDecoder(lenient=True)
    assert isinstance(lenient.decode(b'{"type":"response.cancel"}'), rtmsg.ResponseCancel)
    unknown = lenient.decode(b'{"type":"vendor.x"}')
    assert isinstance(unknown, rtmsg.Unknown)
    assert unknown.error is None


def test_options_are_readable() -> None:
    decoder = rtmsg.ServerEventDecoder(max_depth=10, reject_duplicate_type=True, lenient=True)
    assert (decoder.max_depth, decoder.reject_duplicate_type, decoder.lenient) == (10, True, True)
    assert repr(decoder) == (
        "ServerEventDecoder(max_frame_bytes=16777216, max_depth=10,"
        " reject_duplicate_type=True, unknown_fields='ignore', lenient=True)"
    )


def test_decode_error_keeps_its_attributes_through_pickle() -> None:
    error = rtmsg.DecodeError(
        "bad", event_type="t", event_id="e", path="$.x", code=rtmsg.ErrorCode.INVALID_TYPE
    )
    again = pickle.loads(pickle.dumps(error))
    assert (again.event_type, again.event_id, again.path, again.code) == (
        "t",
        "e",
        "$.x",
        rtmsg.ErrorCode.INVALID_TYPE,
    )
    assert str(again) == "bad"


def test_max_depth_counts_depth_not_brackets() -> None:
    decoder = rtmsg.ServerEventDecoder(max_depth=3)
    siblings = b'{"type":"vendor.x","a":[' + b",".join([b"[]", b"{}"] * 500) + b"]}"
    assert isinstance(decoder.decode(siblings), rtmsg.Unknown)
    deeper = b'{"type":"vendor.x","a":[' + b",".join([b"[]"] * 500) + b",[[]]]}"
    with pytest.raises(rtmsg.DecodeError):
        decoder.decode(deeper)


def test_too_deep_to_tell_counts_as_a_repeated_type() -> None:
    # json.loads gives up before msgspec would: refuse rather than guess. One ``type`` key
    # only, and an escape that makes the check parse: the answer comes from the depth alone,
    # past the guard of every supported CPython (3.13 counts C recursion apart).
    frame = b'{"type":"a","k\\u0041":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert not _checks.repeats_type(b'{"type":"a","k\\u0041":[[1]]}')
    assert _checks.repeats_type(frame)


class _Node(msgspec.Struct):
    children: list[_Node] = []


def test_a_recursive_schema_has_no_depth_bound() -> None:
    assert _checks.schema_depth(msgspec.inspect.type_info(_Node)) == float("inf")
    assert _checks.schema_depth(msgspec.inspect.type_info(rtmsg.ResponseCancel)) == 1


def test_an_enum_that_does_not_match_its_events_is_refused() -> None:
    class Names(enum.StrEnum):
        CANCEL = "response.cancel"
        OTHER = "response.other"

    with pytest.raises(RuntimeError, match="Names does not match"):
        register_events((rtmsg.ResponseCancel,), Names)


@pytest.mark.parametrize("frame", [123, None, ["{}"], {"type": "response.cancel"}])
def test_a_frame_of_the_wrong_python_type_is_a_clear_type_error(frame: object) -> None:
    for decode in (
        rtmsg.decode_client_event,
        rtmsg.decode_server_event,
        rtmsg.ClientEventDecoder().decode,
        rtmsg.ServerEventDecoder(max_depth=8).decode,
    ):
        with pytest.raises(TypeError, match="frame must be bytes, bytearray, memoryview or str"):
            decode(frame)  # type: ignore[arg-type]


# --- unknown_fields="reject": refuse what the service does not know -------------------------

_STRICT_CLIENT = rtmsg.ClientEventDecoder(unknown_fields="reject")
_STRICT_SERVER = rtmsg.ServerEventDecoder(unknown_fields="reject")


@pytest.mark.parametrize(
    ("frame", "path"),
    [
        (b'{"type":"session.update","event_id":"c1","session":{"type":"realtime"},"bogus_field":1}',
         "$.bogus_field"),
        (b'{"type":"session.update","event_id":"c1","session":{"type":"realtime","bogus_field":1}}',
         "$.session.bogus_field"),
        (b'{"type":"session.update","event_id":"c1","session":{"type":"realtime",'
         b'"audio":{"input":{"format":{"type":"audio/pcm","rate":24000,"bits":16}}}}}',
         "$.session.audio.input.format.bits"),
        (b'{"type":"conversation.item.create","event_id":"c1","item":{"type":"message",'
         b'"role":"user","content":[{"type":"input_text","text":"hi","lang":"en"}]}}',
         "$.item.content[0].lang"),
        (b'{"type":"response.create","event_id":"c1","response":{"tools":[{"type":"function",'
         b'"name":"f","strict":true}]}}',
         "$.response.tools[0].strict"),
    ],
)  # fmt: skip
def test_reject_names_the_unknown_field(frame: bytes, path: str) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        _STRICT_CLIENT.decode(frame)
    error = info.value
    assert (error.code, error.path, error.event_type, error.event_id) == (
        "unknown_parameter",
        path,
        json.loads(frame)["type"],
        "c1",
    )
    answer = rtmsg.error_event(error).error
    assert (answer.code, answer.param) == ("unknown_parameter", path.removeprefix("$."))
    # The default decoder drops the field instead.
    assert not isinstance(rtmsg.decode_client_event(frame), rtmsg.Unknown)


def test_reject_returns_the_same_events_as_the_default() -> None:
    frames = [
        b'{"type":"session.update","session":{"type":"realtime","audio":{"input":'
        b'{"turn_detection":null}}}}',
        b'{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"e"}',
        b'{"type":"response.cancel"}',
    ]
    for frame in frames:
        event = _STRICT_CLIENT.decode(frame)
        assert event == rtmsg.decode_client_event(frame)
        assert type(event) is type(rtmsg.decode_client_event(frame))
    server = b'{"type":"response.output_audio.delta","event_id":"e","response_id":"r",' \
        b'"item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}'  # fmt: skip
    assert _STRICT_SERVER.decode(server) == rtmsg.decode_server_event(server)


def test_reject_leaves_unknown_types_and_free_form_json_alone() -> None:
    unknown = b'{"type":"session.future","anything":{"goes":1}}'
    assert isinstance(_STRICT_CLIENT.decode(unknown), rtmsg.Unknown)
    tool = (
        b'{"type":"session.update","session":{"type":"realtime","tools":[{"type":"function",'
        b'"name":"f","parameters":{"type":"object","whatever":{"x":1}}}]}}'
    )
    assert not isinstance(_STRICT_CLIENT.decode(tool), rtmsg.Unknown)


def test_reject_in_lenient_mode_gives_an_unknown_with_the_error() -> None:
    decoder = rtmsg.ClientEventDecoder(unknown_fields="reject", lenient=True)
    frame = b'{"type":"response.cancel","bogus":1}'
    event = decoder.decode(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.raw == frame
    assert event.error is not None
    assert event.error.code == "unknown_parameter"


def test_unknown_fields_must_be_a_known_policy() -> None:
    with pytest.raises(ValueError, match="unknown_fields"):
        rtmsg.ClientEventDecoder(unknown_fields="drop")  # type: ignore[arg-type]


def test_a_kept_decode_function_takes_the_learned_fast_path() -> None:
    decoder = rtmsg.ClientEventDecoder()
    decode = decoder.decode
    frame = b'{"type":"future.kept","event_id":"e"}'
    assert decode(frame) == rtmsg.Unknown("future.kept", frame, "e")
    assert decoder.decode is decode
    (seen,) = decoder._seen_classes
    typed = decoder._decoder.decode(frame)
    assert type(typed) is seen
    assert decode(frame) == rtmsg.Unknown("future.kept", frame, "e")
