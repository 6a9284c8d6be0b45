"""The Live protocol: its connections' decoders, typed attributes, audio helpers and hard spots.

The frames of the corpus (``tests/data/realworld/frames.jsonl``, ``protocol: live``) are read
here as typed attributes; the SDK differential and drift tests hold every event and field
to the SDK's models, and ``tests/test_live_responses.py`` the nested Responses events.
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
from helpers import Protocol, assert_round_trip, decode
from rtmsg import live
from sdk_oracle import sdk_validate

_CORPUS = pathlib.Path(__file__).parents[1] / "data" / "realworld" / "frames.jsonl"
RECORDS = [
    record
    for record in map(json.loads, _CORPUS.read_text(encoding="utf-8").splitlines())
    if record.get("protocol") == "live"
]


def _record(event_type: str, kind: str = "live-capture") -> str:
    texts = [r["text"] for r in RECORDS if r["frame"]["type"] == event_type and r["kind"] == kind]
    return str(texts[0])


# --- real frames as typed attributes -------------------------------------------------------------


def test_a_recorded_session_start_and_started_read_as_typed_attributes() -> None:
    start = live.decode_client_event(_record("session.start"))
    assert isinstance(start, live.SessionStart)
    assert start.session.model == "gpt-live-1"
    assert start.session.delegation == live.ClientDelegation()
    assert start.session.audio == live.Audio(output=live.AudioOutput(voice="marin"))
    started = live.decode_server_event(_record("session.started"))
    assert isinstance(started, live.SessionStarted)
    session = started.session
    assert session.id.startswith("live_")
    assert (session.status, session.input) == ("active", [])
    assert isinstance(session.audio, live.Audio)
    assert session.audio.format == live.AudioPcm(rate=24000)
    assert started.client_event_id is msgspec.UNSET


def test_a_recorded_append_keeps_its_null_delegation_id() -> None:
    text = _record("session.instructions.append")
    event = live.decode_client_event(text)
    assert isinstance(event, live.SessionInstructionsAppend)
    assert event.delegation_id is None
    assert json.loads(rtmsg.encode(event))["delegation_id"] is None
    # The service requires the key: null for the whole session, absent is an error.
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(b'{"type":"session.instructions.append","content":"x"}')
    assert (info.value.code, info.value.path) == ("missing_required_parameter", "$.delegation_id")


def test_the_schema_examples_read_as_typed_attributes() -> None:
    delegated = live.decode_server_event(_record("session.delegation.created", "spec-example"))
    assert isinstance(delegated, live.SessionDelegationCreated)
    assert (delegated.offset_ms, delegated.delegation.target) == (3600, "client")
    assert delegated.delegation.response_id is msgspec.UNSET
    usage = live.decode_server_event(_record("session.usage.updated", "spec-example"))
    assert isinstance(usage, live.SessionUsageUpdated)
    assert usage.usage.seconds == 32.5
    assert usage.context_window == live.ContextWindow(usage_ratio=0.12)
    updated = live.decode_server_event(_record("session.updated", "spec-example"))
    assert isinstance(updated, live.SessionUpdated)
    assert isinstance(updated.session.delegation, live.ResponsesDelegation)
    assert updated.session.delegation.responses.max_output_tokens == 1024


# --- one union per connection ---------------------------------------------------------------------

_CONNECTIONS: list[tuple[Protocol, Any, Any, Any, Any]] = [
    ("live", live.ClientEvent, live.ClientEventType, live.ServerEvent, live.ServerEventType),
    (
        "live/attach",
        live.AttachClientEvent,
        live.AttachClientEventType,
        live.AttachServerEvent,
        live.AttachServerEventType,
    ),
    (
        "live/fork",
        live.ForkClientEvent,
        live.ForkClientEventType,
        live.ForkServerEvent,
        live.ForkServerEventType,
    ),
]


@pytest.mark.parametrize(
    ("stream", "client", "client_types", "server", "server_types"), _CONNECTIONS
)
def test_each_enum_lists_exactly_its_union(
    stream: str, client: Any, client_types: Any, server: Any, server_types: Any
) -> None:
    for union, names in ((client, client_types), (server, server_types)):
        classes = typing.get_args(union)
        assert sorted(cls.event_type for cls in classes) == sorted(m.value for m in names)
        assert len({cls.event_type for cls in classes}) == len(classes)


def test_type_strings_are_read_as_the_connection_says() -> None:
    dtmf = b'{"type":"transport.dtmf.send","event":"5","event_id":"c1"}'
    assert isinstance(live.decode_attach_client_event(dtmf), live.TransportDtmfSend)
    assert isinstance(live.decode_client_event(dtmf), rtmsg.Unknown)
    assert isinstance(live.decode_fork_client_event(dtmf), rtmsg.Unknown)
    notice = b'{"type":"transport.dtmf.send","event":"5","event_id":"e1","client_event_id":"c1"}'
    legacy = live.decode_server_event(notice)
    assert isinstance(legacy, live.LegacyTransportDtmfSend)
    assert legacy.client_event_id == "c1"
    assert isinstance(live.decode_attach_server_event(notice), live.LegacyTransportDtmfSend)

    append = b'{"type":"session.input_audio.append","audio":"AAA="}'
    assert isinstance(live.decode_client_event(append), live.SessionInputAudioAppend)
    assert isinstance(live.decode_attach_client_event(append), rtmsg.Unknown)
    reflected = live.decode_attach_server_event(append)
    assert isinstance(reflected, live.SessionInputAudioAppendReflection)
    with pytest.raises(rtmsg.DecodeError) as info:  # the reflection has no event_id
        live.AttachServerEventDecoder(unknown_fields="reject").decode(
            b'{"type":"session.input_audio.append","audio":"AAA=","event_id":"e"}'
        )
    assert info.value.path == "$.event_id"

    start = b'{"type":"session.start","session":{"model":"gpt-live-1"}}'
    assert isinstance(live.decode_client_event(start), live.SessionStart)
    with pytest.raises(rtmsg.DecodeError):  # a fork has its stored model: no new one
        live.ForkClientEventDecoder(unknown_fields="reject").decode(start)
    fork = b'{"type":"session.start","session":{}}'
    assert isinstance(live.decode_fork_client_event(fork), live.ForkSessionStart)
    with pytest.raises(rtmsg.DecodeError):  # a primary session needs its model
        live.decode_client_event(fork)

    delta = b'{"type":"session.output_audio.delta","delta":"AAA="}'
    assert isinstance(live.decode_fork_server_event(delta), live.SessionOutputAudioDelta)

    paused = b'{"type":"session.paused","event_id":"e2"}'
    assert isinstance(live.decode_attach_server_event(paused), live.SessionPaused)
    assert isinstance(live.decode_server_event(paused), rtmsg.Unknown)
    assert isinstance(live.decode_fork_server_event(paused), rtmsg.Unknown)


def test_live_is_not_the_conversation() -> None:
    # Same names, other shapes: a Live session.update is no conversation session.update.
    update = b'{"type":"session.update","session":{"triggers":[]}}'
    assert isinstance(live.decode_client_event(update), live.SessionUpdate)
    with pytest.raises(rtmsg.DecodeError):
        rtmsg.decode_client_event(update)
    error = b'{"type":"error","event_id":"e","error":{"code":"c","message":"m","type":"t"}}'
    assert isinstance(live.decode_server_event(error), live.Error)
    assert live.Error.__module__ != rtmsg.Error.__module__
    assert rtmsg.live is live


# --- decoders and the error answer ----------------------------------------------------------------

_DECODERS: list[Any] = [
    live.ClientEventDecoder,
    live.ServerEventDecoder,
    live.AttachClientEventDecoder,
    live.AttachServerEventDecoder,
    live.ForkClientEventDecoder,
    live.ForkServerEventDecoder,
]


@pytest.mark.parametrize("decoder", _DECODERS)
def test_decoders_take_the_options_of_the_conversation_decoders(decoder: Any) -> None:
    frame = b'{"type":"vendor.event","event_id":"e","x":[[[[[]]]]]}   '
    with pytest.raises(rtmsg.DecodeError) as info:
        decoder(max_frame_bytes=20).decode(frame)
    assert info.value.code == "frame_too_large"
    with pytest.raises(rtmsg.DecodeError) as info:
        decoder(max_depth=4).decode(frame)
    assert info.value.code == "nesting_too_deep"
    duplicated = b'{"type":"vendor.x","type":"vendor.x"}'
    with pytest.raises(rtmsg.DecodeError) as info:
        decoder(reject_duplicate_type=True).decode(duplicated)
    assert info.value.code == "duplicate_type"
    unknown = decoder().decode(frame.strip())
    assert isinstance(unknown, rtmsg.Unknown)
    assert rtmsg.encode(unknown) == frame.strip()
    assert "lenient=True" in repr(decoder(lenient=True))


def test_unknown_fields_are_kept_out_or_refused_as_the_service_does() -> None:
    frame = b'{"type":"session.close","event_id":"c1","reason":"bye"}'
    assert (
        rtmsg.encode(live.decode_client_event(frame)) == b'{"type":"session.close","event_id":"c1"}'
    )
    with pytest.raises(rtmsg.DecodeError) as info:
        live.ClientEventDecoder(unknown_fields="reject").decode(frame)
    assert (info.value.code, info.value.path) == ("unknown_parameter", "$.reason")
    stored = (
        b'{"type":"decision.item.created","event_id":"e","item":{"id":"i","type":"function_call",'
        b'"call_id":"c","name":"f","arguments":"{}","extra":1}}'
    )
    with pytest.raises(rtmsg.DecodeError) as info:
        live.ServerEventDecoder(unknown_fields="reject").decode(stored)
    assert info.value.path == "$.item.extra"


def test_lenient_decoders_keep_an_invalid_known_event_as_unknown() -> None:
    invalid = b'{"type":"session.closed","event_id":"e"}'
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_server_event(invalid)
    lenient = live.ServerEventDecoder(lenient=True).decode(invalid)
    assert isinstance(lenient, rtmsg.Unknown)
    assert lenient.error == info.value


def test_an_invalid_client_frame_is_answered_as_the_service_does() -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(
            b'{"type":"session.thinking.append","content":5,"delegation_id":null,"event_id":"c7"}'
        )
    answer = live.error_event(info.value, event_id="event_1")
    assert rtmsg.encode(answer) == (
        b'{"type":"error","error":{"code":"invalid_type","message":'
        + json.dumps(str(info.value)).encode()
        + b',"type":"invalid_request_error","client_event_id":"c7","param":"content"},'
        b'"event_id":"event_1","client_event_id":"c7"}'
    )
    sdk_validate(rtmsg.encode(answer), "server", "live")
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(b"{")
    bare = live.error_event(info.value)
    assert bare.event_id.startswith("event_")
    assert bare.client_event_id is msgspec.UNSET
    assert bare.error.param is msgspec.UNSET
    assert bare.error.code == "invalid_json"


# --- audio helpers and reprs ----------------------------------------------------------------------

PCM = bytes(range(256)) * 10


@pytest.mark.parametrize(
    ("cls", "field", "stream", "direction"),
    [
        (live.SessionInputAudioAppend, "audio", "live", "client"),
        (live.SessionOutputAudioFixturePlay, "audio", "live", "client"),
        (live.SessionInputAudioAppendReflection, "audio", "live/attach", "server"),
        (live.SessionOutputAudioDelta, "delta", "live", "server"),
    ],
)
def test_audio_events_from_pcm_and_back(cls: Any, field: str, stream: str, direction: Any) -> None:
    event = cls.from_pcm(PCM)
    assert getattr(event, field) == base64.b64encode(PCM).decode()
    assert event.pcm() == PCM
    again = assert_round_trip(rtmsg.encode(event), direction, stream)  # type: ignore[arg-type]
    assert again.pcm() == PCM
    sdk_validate(rtmsg.encode(event), direction, stream)  # type: ignore[arg-type]
    assert base64.b64encode(PCM).decode()[:32] not in repr(event)
    assert f"<base64, {len(getattr(event, field))} chars>" in repr(event)
    broken = cls(**{field: "not base64!"})
    with pytest.raises(rtmsg.DecodeError, match="base64") as info:
        broken.pcm()
    assert info.value.path == f"$.{field}"


def test_audio_builders_keep_their_options() -> None:
    appended = live.SessionInputAudioAppend.from_pcm(b"\x00\x00", event_id="a1")
    assert rtmsg.encode(appended) == (
        b'{"type":"session.input_audio.append","audio":"AAA=","event_id":"a1"}'
    )
    fixture = live.SessionOutputAudioFixturePlay.from_pcm(b"\x00\x00", event_id="f1")
    assert fixture.event_id == "f1"
    delta = live.SessionOutputAudioDelta.from_pcm(b"\x00\x00", start_ms=0, end_ms=1)
    assert rtmsg.encode(delta) == (
        b'{"type":"session.output_audio.delta","delta":"AAA=","end_ms":1,"start_ms":0}'
    )


def test_credentials_and_nested_events_stay_out_of_reprs() -> None:
    tool = live.McpTool(server_label="s", authorization="Bearer sk-secret", headers={"X-Key": "k"})
    shown = repr(tool)
    assert "sk-secret" not in shown
    assert "'k'" not in shown
    event = live.decode_server_event(
        b'{"type":"response.event","event_id":"e","event":{"type":"response.audio.delta",'
        b'"delta":"c2VjcmV0","sequence_number":1}}'
    )
    assert "c2VjcmV0" not in repr(event)
    assert "<raw JSON, 70 bytes>" in repr(event)


# --- the hard spots: the startup history and the Decision items -----------------------------------


def _start(item: dict[str, Any]) -> bytes:
    frame = {"type": "session.start", "session": {"model": "gpt-live-1", "input": [item]}}
    return json.dumps(frame).encode()


@pytest.mark.parametrize(
    "item",
    [
        {"role": "developer", "content": [{"text": "Be brief."}]},
        {"role": "user", "content": [{"type": "input_text", "text": "Hi"}], "type": "message"},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Hello"}],
            "status": "completed",
        },
        {"role": "assistant", "content": [{"type": "output_text", "text": "Hello"}], "type": None},
        {"role": "user", "content": [{"type": None, "text": "Hi"}], "id": "m1"},
    ],
)
def test_startup_history_messages_read_by_role(item: dict[str, Any]) -> None:
    frame = _start(item)
    sdk_validate(frame, "client", "live")
    assert_round_trip(frame, "client", "live")


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"role": "system", "content": []}, "$.session.input[0].role"),
        (
            {"role": "user", "content": [{"type": "output_text", "text": "x"}]},
            "$.session.input[0].content[0].type",
        ),
        (
            {"role": "assistant", "content": [{"type": "input_text", "text": "x"}]},
            "$.session.input[0].content[0].type",
        ),
        ({"role": "user", "content": [], "type": "item"}, "$.session.input[0].type"),
    ],
)
def test_startup_history_refuses_what_the_role_does_not_allow(
    item: dict[str, Any], path: str
) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(_start(item))
    assert info.value.path == path


def _item(item: dict[str, Any], event: str = "decision.item.create") -> bytes:
    extra = {"event_id": "e"} if event.endswith("created") else {}
    return json.dumps({"type": event, "item": item, **extra}).encode()


@pytest.mark.parametrize(
    "item",
    [
        {"role": "user", "content": "Is the table free?"},
        {"role": "user", "content": [{"type": "input_json", "data": {"seats": 2}}]},
        {"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]},
        {"role": "system", "content": [{"type": "input_text", "text": "Decide."}], "type": None},
        {"role": "developer", "content": "Decide.", "type": "message", "id": "m"},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}], "phase": None},
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
        {
            "type": "function_call_output",
            "call_id": "c",
            "output": [{"type": "input_text", "text": "ok"}],
        },
        {"type": "custom_tool_call", "call_id": "c", "name": "f", "input": "x", "status": None},
        {"type": "custom_tool_call_output", "call_id": "c", "output": "ok"},
    ],
)
def test_decision_items_read_by_kind(item: dict[str, Any]) -> None:
    frame = _item(item)
    sdk_validate(frame, "client", "live")
    event = assert_round_trip(frame, "client", "live")
    assert isinstance(event.item, live.DecisionItem)
    stored = _item({**item, "id": "item_1"}, "decision.item.created")
    sdk_validate(stored, "server", "live")
    assert isinstance(assert_round_trip(stored, "server", "live").item, live.StoredDecisionItem)


@pytest.mark.parametrize(
    ("item", "code", "path"),
    [
        ({"type": "reasoning"}, "invalid_value", "$.item.type"),
        (
            {"type": "function_call", "call_id": "c", "name": "f"},
            "missing_required_parameter",
            "$.item.arguments",
        ),
        ({"content": "x"}, "missing_required_parameter", "$.item.role"),
        ({"role": "tool", "content": "x"}, "invalid_value", "$.item.role"),
        (
            {"role": "assistant", "content": [{"type": "input_text", "text": "x"}]},
            "invalid_value",
            "$.item.content[0].type",
        ),
        (
            {"role": "user", "content": [{"type": "output_text", "text": "x"}]},
            "invalid_value",
            "$.item.content[0].type",
        ),
    ],
)
def test_decision_items_refuse_what_their_kind_does_not_allow(
    item: dict[str, Any], code: str, path: str
) -> None:
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(_item(item))
    assert (info.value.code, info.value.path) == (code, path)


def test_a_stored_decision_item_needs_its_id() -> None:
    frame = _item({"role": "user", "content": "x"}, "decision.item.created")
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_server_event(frame)
    assert info.value.path == "$.item.id"


def test_a_response_item_is_kept_as_the_json_object_it_is() -> None:
    item = {"type": "function_call_output", "call_id": "call_1", "output": '{"ok": true}'}
    frame = json.dumps({"type": "response.item.create", "item": item}).encode()
    event = live.decode_client_event(frame)
    assert isinstance(event, live.ResponseItemCreate)
    assert event.item == item
    with pytest.raises(rtmsg.DecodeError) as info:
        live.decode_client_event(b'{"type":"response.item.create","item":[]}')
    assert info.value.path == "$.item"


def test_streams_round_trip_through_the_helpers() -> None:
    for record in RECORDS:
        stream: Protocol = "live"
        event = decode(record["text"], record["dir"], stream)
        assert not isinstance(event, rtmsg.Unknown)
