"""Live's ``response.event``: the nested Responses event kept exact, and read typed on demand."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import openai.types.responses
import pydantic
import pytest

import rtmsg
from helpers import assert_round_trip
from rtmsg import live
from rtmsg.live import responses
from sdk_frames import _Generator, frames
from sdk_live import UNTYPED_ITEMS
from sdk_oracle import Node, sdk_validate

TEXT_DELTA = (
    b'{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,'
    b'"content_index":0,"delta":"Seven","sequence_number":3,"logprobs":[]}'
)


def _wrap(nested: bytes, *, spaced: bool = False) -> bytes:
    event = b" \n " + nested + b" " if spaced else nested
    return (
        b'{"type":"response.event","event_id":"e1","delegation_id":"del_1","event":' + event + b"}"
    )


def test_the_nested_event_passes_through_byte_for_byte() -> None:
    for spaced in (False, True):
        frame = _wrap(TEXT_DELTA.replace(b",", b", "), spaced=spaced)
        event = live.decode_server_event(frame)
        assert isinstance(event, live.ResponseEvent)
        assert bytes(event.event) == TEXT_DELTA.replace(b",", b", ")
        again = rtmsg.encode(event)
        assert json.loads(again) == json.loads(frame)
        assert TEXT_DELTA.replace(b",", b", ") in again  # the nested bytes, exactly
    built = live.ResponseEvent(event_id="e", event=msgspec.Raw(TEXT_DELTA))
    assert (
        rtmsg.encode(built)
        == b'{"type":"response.event","event":' + TEXT_DELTA + b',"event_id":"e"}'
    )


def test_nested_reads_the_nested_event_typed() -> None:
    event = live.decode_server_event(_wrap(TEXT_DELTA))
    assert isinstance(event, live.ResponseEvent)
    assert event.delegation_id == "del_1"
    nested = event.nested()
    assert nested == responses.ResponseOutputTextDelta(
        item_id="msg_1",
        output_index=0,
        content_index=0,
        delta="Seven",
        sequence_number=3,
        logprobs=[],
    )
    assert event.nested() == nested  # each call decodes again, to the same event


def test_a_function_call_item_reads_with_its_async_flag() -> None:
    item = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "check_availability",
        "arguments": '{"party_size": 2}',
        "async": False,
        "status": "completed",
    }
    frame = json.dumps(
        {"type": "response.output_item.done", "item": item, "output_index": 1, "sequence_number": 9}
    ).encode()
    sdk_validate(frame, "server", "live/response")
    event = assert_round_trip(frame, "server", "live/response")
    assert isinstance(event.item, responses.FunctionCall)
    assert (event.item.name, event.item.async_) == ("check_availability", False)


def test_other_nested_types_are_unknown_with_their_bytes() -> None:
    nested = (
        b'{"type":"response.web_search_call.searching","item_id":"ws","output_index":0,'
        b'"sequence_number":4}'
    )
    event = live.decode_server_event(_wrap(nested))
    assert isinstance(event, live.ResponseEvent)
    unknown = event.nested()
    assert isinstance(unknown, rtmsg.Unknown)
    assert (unknown.type, unknown.raw) == ("response.web_search_call.searching", nested)


@pytest.mark.parametrize("model", UNTYPED_ITEMS, ids=lambda m: m.__name__)
def test_an_item_event_whose_item_is_not_typed_is_unknown(model: type[pydantic.BaseModel]) -> None:
    # A valid item of every other kind the SDK has: taken from the SDK's own union, full of
    # values by the frame generator's rules, validated by the SDK.
    kind = model.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    item = _sdk_item(model)
    for event_type in ("response.output_item.added", "response.output_item.done"):
        frame = json.dumps(
            {"type": event_type, "item": item, "output_index": 0, "sequence_number": 1}
        ).encode()
        _SDK_ITEM_EVENTS[event_type].validate_json(frame, strict=True)  # the whole item union
        nested = responses.decode_response_event(frame)
        assert isinstance(nested, rtmsg.Unknown), kind
        assert nested.raw == frame


_SDK_ITEM_EVENTS: dict[str, pydantic.TypeAdapter[Any]] = {
    "response.output_item.added": pydantic.TypeAdapter(
        openai.types.responses.ResponseOutputItemAddedEvent
    ),
    "response.output_item.done": pydantic.TypeAdapter(
        openai.types.responses.ResponseOutputItemDoneEvent
    ),
}


def _sdk_item(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    value: dict[str, Any] = _Generator(1).one(Node("model", (model,)))
    return value


def test_an_invalid_nested_event_names_its_place_under_the_wrapper() -> None:
    broken = TEXT_DELTA.replace(b'"delta":"Seven"', b'"delta":7')
    event = live.decode_server_event(_wrap(broken))  # the wrapper is valid: it is forwarded
    assert isinstance(event, live.ResponseEvent)
    with pytest.raises(rtmsg.DecodeError) as info:
        event.nested()
    error = info.value
    assert (error.code, error.path, error.event_type) == (
        "invalid_type",
        "$.event.delta",
        "response.output_text.delta",
    )
    assert "`$.event.delta`" in str(error)
    with pytest.raises(rtmsg.DecodeError) as info:
        responses.decode_response_event(broken)  # alone, the path is the nested event's own
    assert info.value.path == "$.delta"
    missing = live.decode_server_event(_wrap(b'{"type":"response.audio.done"}'))
    with pytest.raises(rtmsg.DecodeError) as info:
        missing.nested()  # type: ignore[union-attr]
    assert info.value.path == "$.event.sequence_number"
    item = (
        b'{"type":"response.output_item.added","item":{"type":"message"},"output_index":0,'
        b'"sequence_number":1}'
    )
    with pytest.raises(rtmsg.DecodeError) as info:
        responses.decode_response_event(item)  # a message is typed: its body must be valid
    assert info.value.path == "$.item.id"
    for not_an_item in (b'"message"', b"null", b"[]"):
        frame = item.replace(b'{"type":"message"}', not_an_item)
        with pytest.raises(rtmsg.DecodeError):
            responses.decode_response_event(frame)


def test_a_nested_value_that_is_not_an_object_is_refused_when_read() -> None:
    for value in (b"5", b"[]", b'"response.created"', b"null"):
        event = live.decode_server_event(_wrap(value))
        assert isinstance(event, live.ResponseEvent)  # forwarded unread
        with pytest.raises(rtmsg.DecodeError) as info:
            event.nested()
        assert (info.value.path, info.value.code) == ("$.event", "invalid_type")
        with pytest.raises(pydantic.ValidationError):
            sdk_validate(_wrap(value), "server", "live")  # the SDK checks it is an object


def test_the_nested_decoder_takes_str_frames_and_the_usual_options() -> None:
    assert isinstance(
        responses.decode_response_event(TEXT_DELTA.decode()), responses.ResponseOutputTextDelta
    )
    other = (
        '{"type":"response.output_item.added","item":{"type":"reasoning","id":"r","summary":[]},'
        '"output_index":0,"sequence_number":0}'
    )
    unknown = responses.decode_response_event(other)
    assert isinstance(unknown, rtmsg.Unknown)
    assert unknown.raw == other.encode()
    strict = responses.ResponseEventDecoder(unknown_fields="reject")
    with pytest.raises(rtmsg.DecodeError) as info:
        strict.decode(TEXT_DELTA.replace(b'"logprobs":[]', b'"logprobs":[],"obfuscation":"x"'))
    assert info.value.code == "unknown_parameter"


def test_every_typed_nested_event_of_the_generator_reads_through_a_wrapper() -> None:
    # The SDK-generated nested frames, wrapped: the wrapper forwards them, nested() types them.
    for frame in frames("server", "live/response")[::50]:
        wrapper = _wrap(frame.text.encode())
        event = live.decode_server_event(wrapper)
        assert isinstance(event, live.ResponseEvent)
        nested = event.nested()
        assert not isinstance(nested, rtmsg.Unknown)
        assert nested == responses.decode_response_event(frame.text)


def test_an_error_without_a_place_keeps_none_under_the_wrapper() -> None:
    error = rtmsg.DecodeError("JSON is nested too deeply", code=rtmsg.ErrorCode.NESTING_TOO_DEEP)
    rerooted = responses.reroot(error, "event")
    assert (rerooted.path, rerooted.code, str(rerooted)) == (
        None,
        "nesting_too_deep",
        "JSON is nested too deeply",
    )
