"""Reprs are safe to log: audio shows its length, credentials never show; nothing else changes."""

from __future__ import annotations

import base64
from typing import Any

import pytest

import rtmsg

AUDIO = base64.b64encode(bytes(range(256)) * 19).decode()  # 6484 chars
KEY = "sk-proj-Abc123def456ghi789jkl012"
EPHEMERAL = "ek_68a1b2c3d4e5f6a7b8c9d0e1"


def _rich_text(event: Any) -> str:
    return ", ".join(f"{name}={value!r}" for name, value, *_ in event.__rich_repr__())


AUDIO_EVENTS = [
    rtmsg.InputAudioBufferAppend(audio=AUDIO, event_id="ev_1"),
    rtmsg.ResponseOutputAudioDelta(
        event_id="e", response_id="r", item_id="i", output_index=0, content_index=0, delta=AUDIO
    ),
    rtmsg.ConversationItemCreate(
        item=rtmsg.Message(
            role="user", content=[rtmsg.MessageContent(type="input_audio", audio=AUDIO)]
        )
    ),
    rtmsg.ResponseContentPartDone(
        event_id="e",
        response_id="r",
        item_id="i",
        output_index=0,
        content_index=0,
        part=rtmsg.ContentPart(type="audio", audio=AUDIO),
    ),
]


@pytest.mark.parametrize("event", AUDIO_EVENTS, ids=lambda e: type(e).__name__)
def test_audio_shows_its_length_not_its_payload(event: Any) -> None:
    for text in (repr(event), str(event), _rich_text(event)):
        assert AUDIO[:32] not in text
        assert f"<base64, {len(AUDIO)} chars>" in text


def test_short_audio_is_hidden_too() -> None:
    assert repr(rtmsg.InputAudioBufferAppend(audio="AAAA")) == (
        "InputAudioBufferAppend(audio=<base64, 4 chars>)"
    )


def test_text_delta_is_shown() -> None:
    event = rtmsg.ResponseOutputTextDelta(
        event_id="e", response_id="r", item_id="i", output_index=0, content_index=0, delta="Hi"
    )
    assert "delta='Hi'" in repr(event)


def test_long_base64_in_any_field_shows_its_length() -> None:
    event = rtmsg.ConversationItemCreate(item=rtmsg.FunctionCallOutput(call_id="c", output=AUDIO))
    assert AUDIO[:32] not in repr(event)
    assert "<base64," in repr(event)


def _mcp_session() -> rtmsg.SessionUpdate:
    return rtmsg.SessionUpdate(
        session=rtmsg.Session(
            instructions=f"Call with {KEY} or header 'Authorization: Bearer {EPHEMERAL}'.",
            tools=[
                rtmsg.Tool(
                    type="mcp",
                    server_label="crm",
                    server_url="https://mcp.example.com",
                    authorization="opaque-oauth-token-1234",
                    headers={"X-Api-Key": "hunter2-value"},
                    parameters={"default": {"token": EPHEMERAL}},
                )
            ],
        )
    )


def test_credentials_never_show() -> None:
    event = _mcp_session()
    for text in (repr(event), _rich_text(event.session.tools[0])):  # type: ignore[index,union-attr]
        for secret in (KEY, EPHEMERAL, "opaque-oauth-token-1234", "hunter2-value"):
            assert secret not in text
        assert "sk-<redacted>" not in text or KEY[3:] not in text
    text = repr(event)
    assert "authorization=<redacted>" in text
    assert "'X-Api-Key': <redacted>" in text
    assert "Bearer <redacted>" in text
    assert "server_label='crm'" in text


def test_ordinary_text_is_untouched() -> None:
    event = rtmsg.SessionUpdate(
        session=rtmsg.Session(instructions="Discuss risk-free skills, ask_me and a bearer bond.")
    )
    assert "risk-free skills, ask_me and a bearer bond." in repr(event)


def test_repr_omits_absent_fields_as_before() -> None:
    assert repr(rtmsg.ResponseCancel()) == "ResponseCancel()"
    assert repr(rtmsg.ResponseCancel(response_id=None)) == "ResponseCancel(response_id=None)"


def test_deep_free_form_values_are_cut() -> None:
    value: Any = []
    for _ in range(900):
        value = [value]
    event = rtmsg.SessionUpdate(session=rtmsg.Session(tools=[rtmsg.Tool(parameters=value)]))
    assert "..." in repr(event)


def test_unknown_repr_shows_size_not_bytes() -> None:
    frame = b'{"type":"vendor.secret","key":"' + KEY.encode() + b'"}'
    event = rtmsg.decode_server_event(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert KEY not in repr(event)
    assert KEY not in _rich_text(event)
    assert f"raw=<{len(frame)} bytes>" in repr(event)


@pytest.mark.parametrize("event", [*AUDIO_EVENTS, _mcp_session()], ids=lambda e: type(e).__name__)
def test_equality_and_encoding_are_unchanged(event: Any) -> None:
    encoded = rtmsg.encode(event)
    assert AUDIO.encode() in encoded or KEY.encode() in encoded
    direction = "server" if type(event).__name__ in dir(rtmsg.server_events) else "client"
    decoded = (rtmsg.decode_server_event if direction == "server" else rtmsg.decode_client_event)(
        encoded
    )
    assert decoded == event


def test_url_credentials_never_show() -> None:
    tool = rtmsg.Tool(
        type="mcp",
        server_label="crm",
        server_url="https://svc-user:hunter3@mcp.example.com/sse?api_key=abc123&region=eu",
    )
    for text in (repr(tool), _rich_text(tool)):
        assert "hunter3" not in text
        assert "abc123" not in text
        assert "mcp.example.com/sse" in text
        assert "region=eu" in text


def test_a_lenient_unknown_does_not_echo_a_key_from_its_error() -> None:
    frame = (
        b'{"type":"session.update","event_id":"' + KEY.encode() + b'","session":'
        b'{"type":"realtime","tools":[{"type":"' + KEY.encode() + b'"}]}}'
    )
    event = rtmsg.ClientEventDecoder(lenient=True).decode(frame)
    assert isinstance(event, rtmsg.Unknown)
    assert event.error is not None
    assert KEY in str(event.error)  # the message itself is what a client is answered with
    for text in (repr(event), repr(event.error), _rich_text(event)):
        assert KEY not in text
        assert "sk-<redacted>" in text


def test_decode_errors_compare_by_value() -> None:
    decoder = rtmsg.ClientEventDecoder(lenient=True)
    frame = b'{"type":"conversation.item.delete","event_id":"e1"}'
    first, again = decoder.decode(frame), decoder.decode(frame)
    assert first == again
    assert hash(first.error) == hash(again.error)  # type: ignore[union-attr]
    other = decoder.decode(b'{"type":"conversation.item.delete","event_id":"e2"}')
    assert first != other
    assert rtmsg.DecodeError("x") != ValueError("x")
    assert rtmsg.DecodeError.__module__ == "rtmsg"
