"""Bad input: every frame gives a correct event, an Unknown or a DecodeError, nothing else.

The translation and Live decoders are held to the same contract, on frames of their own
protocol (Live's: on each of its connections, and inside a ``response.event``).
"""

from __future__ import annotations

import json
import subprocess
import sys
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


# --- an unknown type met again: its next frames take a one-pass path, same checks ------------

# The options each change which checks a decoder makes on an Unknown; none may drop UTF-8's.
_DECODER_OPTIONS: list[dict[str, Any]] = [
    {},
    {"max_frame_bytes": None},
    {"max_depth": 64},
    {"reject_duplicate_type": True},
    {"unknown_fields": "reject"},
    {"lenient": True},
]
_DECODER_CLASSES: dict[tuple[str, str], Any] = {
    ("conversation", "client"): rtmsg.ClientEventDecoder,
    ("conversation", "server"): rtmsg.ServerEventDecoder,
    ("translation", "client"): translation.ClientEventDecoder,
    ("translation", "server"): translation.ServerEventDecoder,
}
# Bytes that are not UTF-8 where msgspec reads nothing: a skipped value, a skipped key.
_NOT_UTF8_AFTER_TYPE = [
    b'{"type":"vendor.seen","event_id":"e2","payload":"\xff"}',
    b'{"type":"vendor.seen","event_id":"e2","payload":"\xed\xa0\x80"}',
    b'{"type":"vendor.seen","event_id":"e2","payload":["ok","caf\xc3"]}',
    b'{"type":"vendor.seen","event_id":"e2","\xfe":1}',
]
_FIRST = b'{"type":"vendor.seen","event_id":"e1","payload":"fine"}'
_FORMS: dict[str, Any] = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
}


def _code_of(decode: Any, frame: rtmsg.Frame) -> tuple[str | None, str | None, str | None]:
    """(code, event_type, event_id) of the DecodeError ``frame`` raises; ``None``s if none."""
    try:
        decode(frame)
    except rtmsg.DecodeError as exc:
        return exc.code, exc.event_type, exc.event_id
    return None, None, None


@pytest.mark.parametrize("options", _DECODER_OPTIONS, ids=lambda o: ",".join(o) or "defaults")
@pytest.mark.parametrize(("protocol", "direction"), list(_DECODER_CLASSES))
def test_an_unknown_type_seen_before_is_still_checked_for_utf8(
    protocol: str, direction: str, options: dict[str, Any]
) -> None:
    decoder = _DECODER_CLASSES[protocol, direction](**options)
    assert decoder.decode(_FIRST) == rtmsg.Unknown("vendor.seen", _FIRST, "e1")
    for frame in _NOT_UTF8_AFTER_TYPE:
        for form, make in _FORMS.items():
            for attempt in (2, 3):  # the second and later frames of the type
                outcome = _code_of(decoder.decode, make(frame))
                assert outcome == ("invalid_utf8", "vendor.seen", "e2"), (form, attempt, frame)
        # str: a lone surrogate is what cannot be UTF-8.
        text = frame.decode("utf-8", errors="surrogateescape")
        assert _code_of(decoder.decode, text)[0] == "invalid_utf8"
    # The decoder still knows the type, and a good frame of it is an Unknown as before.
    again = b'{"type":"vendor.seen","event_id":"e3"}'
    assert decoder.decode(again) == rtmsg.Unknown("vendor.seen", again, "e3")


# Run in a new interpreter: the module-level decoders learn types for the whole process (up to
# a bound other tests reach), so only a fresh one is sure to take the path for types seen.
_MODULE_FUNCTIONS_SCRIPT = """
import json, sys
import rtmsg
from rtmsg import translation

functions = {
    "conversation-client": rtmsg.decode_client_event,
    "conversation-server": rtmsg.decode_server_event,
    "translation-client": translation.decode_client_event,
    "translation-server": translation.decode_server_event,
}
first, *bad_frames = (bytes.fromhex(h) for h in sys.argv[1:])
forms = {"bytes": bytes, "bytearray": bytearray, "memoryview": memoryview,
         "str": lambda b: b.decode("utf-8", errors="surrogateescape")}
results = []
for name, decode in functions.items():
    results.append([name, "first", type(decode(first)).__name__, None, None, None])
    for bad in bad_frames:
        for attempt in (2, 3):
            for form, make in forms.items():
                try:
                    event = decode(make(bad))
                except rtmsg.DecodeError as exc:
                    error = [exc.code, exc.event_type, exc.event_id]
                    results.append([name, form, "DecodeError", *error])
                else:
                    results.append([name, form, type(event).__name__, None, None, None])
print(json.dumps(results))
"""


def test_the_module_functions_check_utf8_of_a_type_seen_before() -> None:
    frames = [frame.hex() for frame in (_FIRST, *_NOT_UTF8_AFTER_TYPE)]
    result = subprocess.run(
        [sys.executable, "-c", _MODULE_FUNCTIONS_SCRIPT, *frames],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = json.loads(result.stdout)
    assert len(rows) == 4 * (1 + len(_NOT_UTF8_AFTER_TYPE) * 2 * 4)
    for name, form, kind, *error in rows:
        if form == "first":
            assert kind == "Unknown", name
        else:
            expected = ["DecodeError", "invalid_utf8", "vendor.seen", "e2"]
            assert [kind, *error] == expected, (name, form)


def test_str_with_lone_surrogate() -> None:
    assert _error('{"type":"response.cancel","response_id":"\ud800"}').code == "invalid_utf8"
    assert _error('{"type":"x.\udfff"}').code == "invalid_utf8"


@pytest.mark.parametrize(
    ("escape", "surrogate"),
    [
        (b"\\ud800", "\\ud800"),
        (b"\\udc00", "\\udc00"),
        (b"\\ud800x", "\\ud800"),
        (b"\\ud800\\u0041", "\\ud800"),
        (b"\\ude00\\ud83d", "\\ude00"),
    ],
)
def test_lone_surrogate_escape(escape: bytes, surrogate: str) -> None:
    # Valid JSON text, but a string UTF-8 cannot hold: the same code as a str holding a lone
    # surrogate, with the place and the event named.
    frame = b'{"type":"response.cancel","event_id":"c1","response_id":"' + escape + b'"}'
    error = _error(frame)
    assert (error.code, error.path) == ("invalid_utf8", "$.response_id")
    assert (error.event_type, error.event_id) == ("response.cancel", "c1")
    assert str(error) == (
        f"Invalid string: the escape {surrogate} is a lone surrogate, which is not Unicode "
        "text - at `$.response_id`"
    )
    error = _error(b'{"type":"vendor.ping","note":["' + escape + b'"]}')
    assert (error.code, error.path) == ("invalid_utf8", "$.note[0]")
    assert error.event_type == "vendor.ping"
    error = _error(b'{"type":"x' + escape + b'"}')
    assert (error.code, error.path, error.event_type) == ("invalid_utf8", "$.type", None)
    error = _error(b'{"type":"vendor.ping","' + escape + b'":1}')
    assert (error.code, error.path) == ("invalid_utf8", "$")
    # not an object: not an event, whatever it holds
    assert _error(b'["' + escape + b'"]').code == "invalid_json"


def test_an_escaped_backslash_before_u_is_no_escape() -> None:
    event = rtmsg.decode_client_event(b'{"type":"response.cancel","response_id":"\\\\ud800"}')
    assert isinstance(event, rtmsg.ResponseCancel)
    assert event.response_id == "\\ud800"


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


_NOT_OBJECTS = [b"[]", b"1", b"null", b'"x"', b"true", b"false", b"1.5", b'[{"type":"x"}]']


@pytest.mark.parametrize("frame", _NOT_OBJECTS)
def test_a_top_level_value_that_is_not_an_object_is_invalid_json(frame: bytes) -> None:
    # Not an event at all: the code says so, as the service's does, whatever the decoder.
    decoders: list[Any] = list(DECODERS.values())
    decoders += [
        cls(**options).decode for cls in _DECODER_CLASSES.values() for options in _DECODER_OPTIONS
    ]
    for decode in decoders:
        for form in (frame, frame.decode(), bytearray(frame), memoryview(frame)):
            with pytest.raises(rtmsg.DecodeError) as info:
                decode(form)
            error = info.value
            assert (error.code, error.path, error.event_type, error.event_id) == (
                "invalid_json",
                None,
                None,
                None,
            ), (decode, form)


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


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity"])
def test_what_python_reads_and_json_does_not_is_invalid_json(value: bytes) -> None:
    # Python's json module reads these; JSON has no such values: malformed, with no path.
    error = _error(b'{"type":"response.cancel","response_id":' + value + b"}")
    assert (error.code, error.path) == ("invalid_json", None)
    # beside a surrogate pair, which is text: still the fault it is, not invalid_utf8
    frame = b'{"type":"response.cancel","event_id":"\\ud83d\\ude00","x":' + value + b"}"
    assert (_error(frame).code, _error(frame).path) == ("invalid_json", None)
