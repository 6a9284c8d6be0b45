"""Client events as the API reference shows them: decoded, read as typed attributes, re-encoded."""

from __future__ import annotations

import json

import msgspec
import pytest

import rtmsg
from helpers import assert_round_trip
from sdk_oracle import sdk_validate

SESSION_UPDATE = """{
  "type": "session.update",
  "event_id": "event_123",
  "session": {
    "type": "realtime",
    "model": "gpt-realtime",
    "instructions": "You are a friendly assistant. Keep answers short.",
    "output_modalities": ["audio"],
    "audio": {
      "input": {
        "format": {"type": "audio/pcm", "rate": 24000},
        "noise_reduction": {"type": "near_field"},
        "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
        "turn_detection": {
          "type": "server_vad",
          "threshold": 0.5,
          "prefix_padding_ms": 300,
          "silence_duration_ms": 500,
          "create_response": true,
          "interrupt_response": true,
          "idle_timeout_ms": null
        }
      },
      "output": {"format": {"type": "audio/pcmu"}, "voice": "marin", "speed": 1.0}
    },
    "tools": [
      {
        "type": "function",
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
          "type": "object",
          "properties": {"city": {"type": "string"}},
          "required": ["city"]
        }
      },
      {
        "type": "mcp",
        "server_label": "deepwiki",
        "server_url": "https://mcp.deepwiki.com/mcp",
        "allowed_tools": ["ask_question"],
        "require_approval": "never"
      }
    ],
    "tool_choice": "auto",
    "max_output_tokens": "inf",
    "tracing": "auto",
    "truncation": {"type": "retention_ratio", "retention_ratio": 0.8}
  }
}"""

TRANSCRIPTION_SESSION_UPDATE = """{
  "type": "session.update",
  "session": {
    "type": "transcription",
    "audio": {
      "input": {
        "format": {"type": "audio/pcma"},
        "transcription": {"model": "gpt-4o-mini-transcribe", "prompt": "", "language": "fr"},
        "turn_detection": {"type": "semantic_vad", "eagerness": "low"}
      }
    },
    "include": ["item.input_audio_transcription.logprobs"]
  }
}"""

APPEND = '{"event_id":"event_456","type":"input_audio_buffer.append","audio":"UklGRiQAAABXQVZF"}'

ITEM_CREATE_USER_TEXT = """{
  "type": "conversation.item.create",
  "event_id": "b904fba0-0ec4-40af-8bbb-f908a9b26793",
  "previous_item_id": null,
  "item": {
    "id": "msg_001",
    "type": "message",
    "role": "user",
    "content": [{"type": "input_text", "text": "hi"}]
  }
}"""

ITEM_CREATE_USER_AUDIO = """{
  "type": "conversation.item.create",
  "previous_item_id": "root",
  "item": {
    "type": "message",
    "role": "user",
    "content": [{"type": "input_audio", "audio": "AAAA", "transcript": "bonjour"}]
  }
}"""

FUNCTION_CALL_OUTPUT = """{
  "type": "conversation.item.create",
  "item": {
    "type": "function_call_output",
    "call_id": "call_Tbx2zBJwYbYBE9gN",
    "output": "{\\"temperature\\": 21, \\"unit\\": \\"c\\"}"
  }
}"""

RESPONSE_CREATE = """{
  "type": "response.create",
  "event_id": "event_789",
  "response": {
    "conversation": "none",
    "metadata": {"topic": "classification"},
    "output_modalities": ["text"],
    "instructions": "Classify the last message as positive or negative.",
    "max_output_tokens": 256,
    "tool_choice": {"type": "function", "name": "get_weather"},
    "audio": {"output": {"format": {"type": "audio/pcm"}, "voice": {"id": "voice_custom_1"}}},
    "input": [
      {
        "type": "message",
        "role": "system",
        "content": [{"type": "input_text", "text": "Be terse."}]
      },
      {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"}
    ]
  }
}"""


def _check(frame: str) -> object:
    sdk_validate(frame, "client")
    return assert_round_trip(frame, "client")


def test_session_update_with_audio_turn_detection_and_tools() -> None:
    event = _check(SESSION_UPDATE)
    assert isinstance(event, rtmsg.SessionUpdate)
    assert event.event_id == "event_123"
    session = event.session
    assert isinstance(session, rtmsg.Session)
    assert session.model == "gpt-realtime"
    assert session.output_modalities == ["audio"]
    assert session.max_output_tokens == "inf"
    assert session.tracing == "auto"
    assert session.truncation == rtmsg.TruncationRetentionRatio(
        type="retention_ratio", retention_ratio=0.8
    )
    assert isinstance(session.audio, rtmsg.AudioConfig)
    audio_in = session.audio.input
    assert isinstance(audio_in, rtmsg.AudioConfigInput)
    assert audio_in.format == rtmsg.AudioFormat(type="audio/pcm", rate=24000)
    assert audio_in.noise_reduction == rtmsg.NoiseReduction(type="near_field")
    assert isinstance(audio_in.transcription, rtmsg.AudioTranscription)
    assert audio_in.transcription.language == "en"
    vad = audio_in.turn_detection
    assert isinstance(vad, rtmsg.ServerVad)
    assert (vad.threshold, vad.prefix_padding_ms, vad.silence_duration_ms) == (0.5, 300, 500)
    assert vad.idle_timeout_ms is None
    assert isinstance(session.audio.output, rtmsg.AudioConfigOutput)
    assert session.audio.output.format == rtmsg.AudioFormat(type="audio/pcmu")
    assert session.audio.output.voice == "marin"
    assert isinstance(session.tools, list)
    function, mcp = session.tools
    assert function.type == "function"
    assert function.name == "get_weather"
    assert function.parameters == {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    assert function.server_label is msgspec.UNSET
    assert mcp.type == "mcp"
    assert mcp.server_label == "deepwiki"
    assert mcp.allowed_tools == ["ask_question"]
    assert mcp.require_approval == "never"


def test_transcription_session_update() -> None:
    event = _check(TRANSCRIPTION_SESSION_UPDATE)
    assert isinstance(event, rtmsg.SessionUpdate)
    assert event.event_id is msgspec.UNSET
    session = event.session
    assert isinstance(session, rtmsg.TranscriptionSession)
    assert session.include == ["item.input_audio_transcription.logprobs"]
    assert isinstance(session.audio, rtmsg.TranscriptionSessionAudio)
    audio_in = session.audio.input
    assert isinstance(audio_in, rtmsg.TranscriptionSessionAudioInput)
    assert audio_in.format == rtmsg.AudioFormat(type="audio/pcma")
    assert audio_in.turn_detection == rtmsg.SemanticVad(eagerness="low")


def test_input_audio_buffer_append() -> None:
    event = _check(APPEND)
    assert isinstance(event, rtmsg.InputAudioBufferAppend)
    assert event.audio == "UklGRiQAAABXQVZF"
    assert event.pcm() == b"RIFF$\x00\x00\x00WAVE"


@pytest.mark.parametrize(
    ("frame", "cls"),
    [
        ('{"type":"input_audio_buffer.commit","event_id":"e1"}', rtmsg.InputAudioBufferCommit),
        ('{"type":"input_audio_buffer.clear"}', rtmsg.InputAudioBufferClear),
        ('{"type":"output_audio_buffer.clear","event_id":"e2"}', rtmsg.OutputAudioBufferClear),
        (
            '{"type":"conversation.item.retrieve","item_id":"item_003"}',
            rtmsg.ConversationItemRetrieve,
        ),
        ('{"type":"conversation.item.delete","item_id":"item_003"}', rtmsg.ConversationItemDelete),
    ],
)
def test_small_events(frame: str, cls: type[rtmsg.Event]) -> None:
    assert type(_check(frame)) is cls


def test_conversation_item_create_user_text() -> None:
    event = _check(ITEM_CREATE_USER_TEXT)
    assert isinstance(event, rtmsg.ConversationItemCreate)
    assert event.previous_item_id is None
    item = event.item
    assert isinstance(item, rtmsg.Message)
    assert (item.id, item.role) == ("msg_001", "user")
    assert item.content == [rtmsg.MessageContent(type="input_text", text="hi")]


def test_conversation_item_create_user_audio() -> None:
    event = _check(ITEM_CREATE_USER_AUDIO)
    assert isinstance(event, rtmsg.ConversationItemCreate)
    assert event.previous_item_id == "root"
    assert isinstance(event.item, rtmsg.Message)
    (part,) = event.item.content
    assert (part.type, part.audio, part.transcript) == ("input_audio", "AAAA", "bonjour")
    assert part.text is msgspec.UNSET


def test_function_call_output() -> None:
    event = _check(FUNCTION_CALL_OUTPUT)
    assert isinstance(event, rtmsg.ConversationItemCreate)
    item = event.item
    assert isinstance(item, rtmsg.FunctionCallOutput)
    assert item.call_id == "call_Tbx2zBJwYbYBE9gN"
    assert item.output == '{"temperature": 21, "unit": "c"}'


def test_response_create_with_parameters() -> None:
    event = _check(RESPONSE_CREATE)
    assert isinstance(event, rtmsg.ResponseCreate)
    params = event.response
    assert isinstance(params, rtmsg.ResponseCreateParams)
    assert params.conversation == "none"
    assert params.metadata == {"topic": "classification"}
    assert params.max_output_tokens == 256
    assert params.tool_choice == rtmsg.ToolChoiceFunction(name="get_weather")
    assert isinstance(params.audio, rtmsg.ResponseCreateAudioOutput)
    assert isinstance(params.audio.output, rtmsg.ResponseCreateAudioOutputOutput)
    assert params.audio.output.voice == rtmsg.VoiceId(id="voice_custom_1")
    assert isinstance(params.input, list)
    system, call = params.input
    assert isinstance(system, rtmsg.Message)
    assert system.role == "system"
    assert isinstance(call, rtmsg.FunctionCall)
    assert (call.call_id, call.name, call.arguments) == ("call_1", "lookup", "{}")


def test_response_create_with_an_item_reference() -> None:
    frame = (
        '{"type":"response.create","response":{"input":['
        '{"type":"item_reference","id":"item_12345"},'
        '{"type":"message","role":"user","content":[{"type":"input_text","text":"Sum up."}]}]}}'
    )
    event = assert_round_trip(frame, "client")
    assert isinstance(event, rtmsg.ResponseCreate)
    assert isinstance(event.response, rtmsg.ResponseCreateParams)
    assert isinstance(event.response.input, list)
    reference, message = event.response.input
    assert reference == rtmsg.ItemReference(id="item_12345")
    assert isinstance(message, rtmsg.Message)
    with pytest.raises(rtmsg.DecodeError, match="missing required field `id`"):
        rtmsg.decode_client_event(frame.replace(',"id":"item_12345"', ""))


@pytest.mark.parametrize("part", ["text", "audio"])
def test_a_client_may_not_send_the_server_s_assistant_parts(part: str) -> None:
    item = {"type": "message", "role": "assistant", "content": [{"type": part}]}
    create = {"type": "conversation.item.create", "event_id": "e", "item": item}
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(json.dumps(create))
    assert (info.value.code, info.value.path) == ("invalid_value", "$.item.content[0].type")
    assert (info.value.event_type, info.value.event_id) == ("conversation.item.create", "e")
    in_input = {"type": "response.create", "response": {"input": [item]}}
    with pytest.raises(rtmsg.DecodeError) as info:
        rtmsg.decode_client_event(json.dumps(in_input))
    assert info.value.path == "$.response.input[0].content[0].type"
    # The same item is what a server reports.
    created = {"type": "conversation.item.created", "event_id": "e", "item": item}
    assert_round_trip(json.dumps(created), "server")
    # Built in code, the client event checks it too.
    message = rtmsg.Message(role="assistant", content=[rtmsg.MessageContent(type=part)])
    with pytest.raises(ValueError, match="sent by a client"):
        rtmsg.ConversationItemCreate(item=message)


def test_response_create_without_parameters() -> None:
    event = _check('{"type":"response.create"}')
    assert isinstance(event, rtmsg.ResponseCreate)
    assert event.response is msgspec.UNSET


def test_response_cancel() -> None:
    event = _check('{"type":"response.cancel","event_id":"event_567","response_id":"resp_1"}')
    assert isinstance(event, rtmsg.ResponseCancel)
    assert (event.event_id, event.response_id) == ("event_567", "resp_1")


def test_conversation_item_truncate() -> None:
    frame = (
        '{"event_id":"event_678","type":"conversation.item.truncate",'
        '"item_id":"msg_002","content_index":0,"audio_end_ms":1500}'
    )
    event = _check(frame)
    assert isinstance(event, rtmsg.ConversationItemTruncate)
    assert (event.item_id, event.content_index, event.audio_end_ms) == ("msg_002", 0, 1500)


def test_events_built_in_code_encode_compactly() -> None:
    event = rtmsg.ConversationItemTruncate(item_id="msg_002", content_index=0, audio_end_ms=1500)
    assert rtmsg.encode(event) == (
        b'{"type":"conversation.item.truncate","item_id":"msg_002",'
        b'"content_index":0,"audio_end_ms":1500}'
    )
    update = rtmsg.SessionUpdate(
        session=rtmsg.Session(
            audio=rtmsg.AudioConfig(input=rtmsg.AudioConfigInput(turn_detection=None))
        )
    )
    encoded = rtmsg.encode(update)
    assert encoded == (
        b'{"type":"session.update","session":{"type":"realtime",'
        b'"audio":{"input":{"turn_detection":null}}}}'
    )
    sdk_validate(encoded, "client")


@pytest.mark.parametrize(
    ("tool", "code", "message"),
    [
        ('{"type":"mcp"}', "missing_required_parameter", "An 'mcp' tool requires `server_label`"),
        (
            '{"type":"mcp","server_label":null}',
            "invalid_type",
            "An 'mcp' tool's `server_label` must be a string, not null",
        ),
        ('{"type":"web"}', "invalid_value", "Invalid tool type 'web': expected 'function' or"),
    ],
)
def test_a_tool_is_checked_by_its_type(tool: str, code: str, message: str) -> None:
    frame = '{"type":"session.update","session":{"type":"realtime","tools":[' + tool + "]}}"
    with pytest.raises(rtmsg.DecodeError) as raised:
        rtmsg.decode_client_event(frame)
    field = "type" if code == "invalid_value" else "server_label"
    assert (raised.value.code, raised.value.path) == (code, f"$.session.tools[0].{field}")
    assert message in str(raised.value)
