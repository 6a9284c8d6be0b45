"""The ``error`` event built from a DecodeError names the offending client event and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rtmsg


def _error_for(frame: bytes) -> rtmsg.Error:
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(frame)
    return rtmsg.error_event(info.value, event_id="event_1")


def test_missing_field_names_the_parameter_and_client_event() -> None:
    event = _error_for(b'{"type":"conversation.item.truncate","event_id":"c1","item_id":"i"}')
    assert event.event_id == "event_1"
    assert event.error.type == "invalid_request_error"
    assert event.error.code == "missing_required_parameter"
    assert event.error.param in {"content_index", "audio_end_ms"}
    assert event.error.event_id == "c1"


def test_wrong_type_is_invalid_type_with_its_path() -> None:
    frame = (
        b'{"type":"session.update","event_id":"c2","session":{"type":"realtime",'
        b'"audio":{"input":{"turn_detection":{"type":"server_vad","threshold":"high"}}}}}'
    )
    event = _error_for(frame)
    assert event.error.code == "invalid_type"
    assert event.error.param == "session.audio.input.turn_detection.threshold"
    assert event.error.event_id == "c2"


def test_malformed_json_is_invalid_json_without_event_id() -> None:
    event = _error_for(b'{"type": "session.update",')
    assert event.error.code == "invalid_json"
    assert event.error.param is None
    assert event.error.event_id is rtmsg.UNSET or event.error.event_id is None


def test_default_event_id_is_fresh() -> None:
    exc = rtmsg.DecodeError("bad")
    first, second = rtmsg.error_event(exc), rtmsg.error_event(exc)
    assert first.event_id.startswith("event_")
    assert first.event_id != second.event_id


def test_error_event_encodes_as_a_valid_server_event() -> None:
    event = _error_for(b'{"type":"response.cancel","event_id":5}')
    decoded = rtmsg.decode_server_event(rtmsg.encode(event))
    assert decoded == event


@pytest.mark.parametrize(
    ("decoder", "frame", "code"),
    [
        (
            rtmsg.ClientEventDecoder(max_frame_bytes=8),
            b'{"type":"response.cancel"}',
            "frame_too_large",
        ),
        (
            rtmsg.ClientEventDecoder(max_depth=2),
            b'{"type":"x","event_id":"c3","a":[[]]}',
            "nesting_too_deep",
        ),
        (rtmsg.ClientEventDecoder(), b'{"type":"x","event_id":"c3","a":"\xff"}', "invalid_utf8"),
    ],
)
def test_limits_keep_their_code(decoder: rtmsg.ClientEventDecoder, frame: bytes, code: str) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        decoder.decode(frame)
    event = rtmsg.error_event(info.value)
    assert event.error.type == "invalid_request_error"
    assert event.error.code == code
    assert event.error.event_id == (None if code == "frame_too_large" else "c3")


def test_a_value_a_check_refuses_is_invalid_value() -> None:
    frame = (
        b'{"type":"conversation.item.create","event_id":"c3",'
        b'"item":{"type":"message","role":"developer","content":[]}}'
    )
    event = _error_for(frame)
    assert event.error.code == "invalid_value"
    assert event.error.param == "item.role"
    assert "developer" in event.error.message


def _readme_codes() -> list[tuple[str, str]]:
    """``(code, example frame)`` for each example in the README's table of codes."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| `code` | when | for example", 1)[1].split("\n\n", 1)[0]
    pairs = []
    for row in table.splitlines()[2:]:
        code, _, examples = (cell.strip() for cell in row.strip("|").split(" | "))
        pairs += [(code.strip("`"), example) for example in re.findall(r"`([^`]+)`", examples)]
    return pairs


def test_the_readme_table_of_codes_is_what_decoding_answers() -> None:
    pairs = _readme_codes()
    assert {code for code, _ in pairs} >= {
        "invalid_json",
        "invalid_utf8",
        "duplicate_type",
        "missing_required_parameter",
        "invalid_type",
        "invalid_value",
    }
    for code, example in pairs:
        with pytest.raises(rtmsg.DecodeError) as info:
            rtmsg.decode_client_event(example)
        assert info.value.code == code, example


@pytest.mark.parametrize(
    ("frame", "code", "param"),
    [
        (b"{}", "missing_required_parameter", "type"),
        (b'{"type":5}', "invalid_type", "type"),
        (b'{"type":null,"event_id":"c9"}', "invalid_type", "type"),
        (
            b'{"type":"response.cancel","event_id":"c9","response_id":"\\udfff"}',
            "invalid_utf8",
            "response_id",
        ),
    ],
)
def test_what_the_relay_answers_a_frame_without_a_usable_type(
    frame: bytes, code: str, param: str
) -> None:
    error = _error_for(frame).error
    assert (error.type, error.code, error.param) == ("invalid_request_error", code, param)
