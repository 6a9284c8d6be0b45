"""Server events as the API reference shows them: decoded, read as typed attributes, re-encoded."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import rtmsg
from helpers import assert_round_trip
from sdk_oracle import sdk_validate

SESSION_CREATED = """{
  "type": "session.created",
  "event_id": "event_C9G5RJeJ2gF77mV7f2B1j",
  "session": {
    "type": "realtime",
    "object": "realtime.session",
    "id": "sess_C9G5QPteg4UIbotdKLoYQ",
    "model": "gpt-realtime-2025-08-28",
    "output_modalities": ["audio"],
    "instructions": "Your knowledge cutoff is 2023-10.",
    "tools": [],
    "tool_choice": "auto",
    "max_output_tokens": "inf",
    "tracing": null,
    "prompt": null,
    "expires_at": 1756324625,
    "audio": {
      "input": {
        "format": {"type": "audio/pcm", "rate": 24000},
        "transcription": null,
        "noise_reduction": null,
        "turn_detection": {
          "type": "server_vad",
          "threshold": 0.5,
          "prefix_padding_ms": 300,
          "silence_duration_ms": 200,
          "idle_timeout_ms": null,
          "create_response": true,
          "interrupt_response": true
        }
      },
      "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1}
    },
    "include": null
  }
}"""

RESPONSE_CREATED = """{
  "type": "response.created",
  "event_id": "event_C9G8pqbTEddBSIxbBN6Os",
  "response": {
    "object": "realtime.response",
    "id": "resp_C9G8p7IH2WxLbkgPNouYL",
    "status": "in_progress",
    "status_details": null,
    "output": [],
    "conversation_id": "conv_C9G8mmBkLhQJwCon3hoJN",
    "output_modalities": ["audio"],
    "max_output_tokens": "inf",
    "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}},
    "usage": null,
    "metadata": null
  }
}"""

RESPONSE_DONE = """{
  "type": "response.done",
  "event_id": "event_CCXHxcMy86rrKhBLDdqCh",
  "response": {
    "object": "realtime.response",
    "id": "resp_CCXHw0UJld10EzIUXQCNh",
    "status": "incomplete",
    "status_details": {"type": "incomplete", "reason": "max_output_tokens"},
    "output": [
      {
        "id": "item_CCXHwGjjDUfOXbiySlK7i",
        "type": "message",
        "status": "incomplete",
        "role": "assistant",
        "content": [{"type": "output_audio", "transcript": "Loud and clear!"}]
      }
    ],
    "conversation_id": "conv_CCXHsurMKcaVxIZvaCI5m",
    "output_modalities": ["audio"],
    "max_output_tokens": 512,
    "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"}},
    "usage": {
      "total_tokens": 253,
      "input_tokens": 132,
      "output_tokens": 121,
      "input_token_details": {
        "text_tokens": 119,
        "audio_tokens": 13,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 64, "audio_tokens": 0, "image_tokens": 0}
      },
      "output_token_details": {"text_tokens": 30, "audio_tokens": 91}
    },
    "metadata": {"topic": "demo"}
  }
}"""

RESPONSE_FAILED = """{
  "type": "response.done",
  "event_id": "event_2",
  "response": {
    "id": "resp_2",
    "status": "failed",
    "status_details": {
      "type": "failed",
      "error": {"type": "server_error", "code": "internal", "message": "try again"}
    }
  }
}"""

OUTPUT_ITEM_ADDED = """{
  "type": "response.output_item.added",
  "event_id": "event_C9G8pjSJCfRNEhMEnYAVy",
  "response_id": "resp_C9G8p7IH2WxLbkgPNouYL",
  "output_index": 0,
  "item": {
    "id": "item_C9G8pGVKYnaZu8PH5YQ9O",
    "type": "message",
    "status": "in_progress",
    "role": "assistant",
    "content": []
  }
}"""

OUTPUT_ITEM_DONE = """{
  "type": "response.output_item.done",
  "event_id": "event_CCXLgMZPo3qioWCeQa4WH",
  "response_id": "resp_CCXLfxmM5sXVJVz4mCa2S",
  "output_index": 0,
  "item": {
    "id": "item_CCXLfxmM5sXVJVz4mCa2S",
    "type": "function_call",
    "status": "completed",
    "name": "get_weather",
    "call_id": "call_5Rzb9PGmgo4Dpmsp",
    "arguments": "{\\"city\\": \\"Paris\\"}"
  }
}"""

CONTENT_PART_ADDED = """{
  "type": "response.content_part.added",
  "event_id": "event_ClpaH2t4pJyPGmGMXTZS2",
  "item_id": "item_ClpaHY5Yk3oXJeOnLiiJb",
  "response_id": "resp_ClpaGkMZ8o5w6s3xsRp4t",
  "output_index": 0,
  "content_index": 0,
  "part": {"type": "audio", "transcript": ""}
}"""

TRANSCRIPTION_COMPLETED = """{
  "type": "conversation.item.input_audio_transcription.completed",
  "event_id": "event_CCXGRvtUVrax5SJAnNOWZ",
  "item_id": "item_CCXGQ4e1ht4cOraEYcuR2",
  "content_index": 0,
  "transcript": "Hey, can you hear me?",
  "usage": {
    "type": "tokens",
    "total_tokens": 22,
    "input_tokens": 13,
    "input_token_details": {"text_tokens": 0, "audio_tokens": 13},
    "output_tokens": 9
  },
  "logprobs": [{"token": "Hey", "logprob": -0.1, "bytes": [72, 101, 121]}]
}"""


def _check(frame: str) -> object:
    sdk_validate(frame, "server")
    return assert_round_trip(frame, "server")


def test_session_created_keeps_the_server_s_session_fields() -> None:
    event = rtmsg.decode_server_event(SESSION_CREATED)
    sdk_validate(SESSION_CREATED, "server")
    assert isinstance(event, rtmsg.SessionCreated)
    assert event.event_id == "event_C9G5RJeJ2gF77mV7f2B1j"
    session = event.session
    assert isinstance(session, rtmsg.Session)
    assert session.model == "gpt-realtime-2025-08-28"
    assert session.tools == []
    assert session.tracing is None
    assert session.prompt is None
    assert isinstance(session.audio, rtmsg.AudioConfig)
    assert isinstance(session.audio.input, rtmsg.AudioConfigInput)
    assert session.audio.input.transcription is None
    assert isinstance(session.audio.input.turn_detection, rtmsg.ServerVad)
    assert session.audio.input.turn_detection.silence_duration_ms == 200
    # Not in the SDK's session model, but in the spec's server session and every live one.
    assert (session.id, session.object, session.expires_at) == (
        "sess_C9G5QPteg4UIbotdKLoYQ",
        "realtime.session",
        1756324625,
    )
    assert_round_trip(SESSION_CREATED, "server")


def test_response_created() -> None:
    event = _check(RESPONSE_CREATED)
    assert isinstance(event, rtmsg.ResponseCreated)
    response = event.response
    assert (response.id, response.status, response.status_details) == (
        "resp_C9G8p7IH2WxLbkgPNouYL",
        "in_progress",
        None,
    )
    assert response.output == []
    assert response.max_output_tokens == "inf"
    assert response.usage is None
    assert isinstance(response.audio, rtmsg.ResponseAudio)
    assert isinstance(response.audio.output, rtmsg.ResponseAudioOutput)
    assert response.audio.output.voice == "marin"


def test_response_done_with_usage_and_status_details() -> None:
    event = _check(RESPONSE_DONE)
    assert isinstance(event, rtmsg.ResponseDone)
    response = event.response
    assert response.status == "incomplete"
    assert response.status_details == rtmsg.ResponseStatus(
        type="incomplete", reason="max_output_tokens"
    )
    assert response.max_output_tokens == 512
    assert response.metadata == {"topic": "demo"}
    assert isinstance(response.output, list)
    (message,) = response.output
    assert isinstance(message, rtmsg.Message)
    assert message.role == "assistant"
    assert message.content[0].transcript == "Loud and clear!"
    usage = response.usage
    assert isinstance(usage, rtmsg.Usage)
    assert (usage.total_tokens, usage.input_tokens, usage.output_tokens) == (253, 132, 121)
    assert isinstance(usage.input_token_details, rtmsg.InputTokenDetails)
    assert usage.input_token_details.cached_tokens == 64
    assert usage.input_token_details.cached_tokens_details == rtmsg.CachedTokensDetails(
        text_tokens=64, audio_tokens=0, image_tokens=0
    )
    assert usage.output_token_details == rtmsg.OutputTokenDetails(text_tokens=30, audio_tokens=91)


def test_response_done_failed() -> None:
    event = _check(RESPONSE_FAILED)
    assert isinstance(event, rtmsg.ResponseDone)
    details = event.response.status_details
    assert isinstance(details, rtmsg.ResponseStatus)
    assert details.reason is msgspec.UNSET
    assert details.error == rtmsg.ResponseStatusError(
        type="server_error", code="internal", message="try again"
    )


def test_output_item_added_and_done() -> None:
    added = _check(OUTPUT_ITEM_ADDED)
    assert isinstance(added, rtmsg.ResponseOutputItemAdded)
    assert added.output_index == 0
    assert isinstance(added.item, rtmsg.Message)
    assert (added.item.status, added.item.content) == ("in_progress", [])
    done = _check(OUTPUT_ITEM_DONE)
    assert isinstance(done, rtmsg.ResponseOutputItemDone)
    call = done.item
    assert isinstance(call, rtmsg.FunctionCall)
    assert (call.name, call.call_id) == ("get_weather", "call_5Rzb9PGmgo4Dpmsp")
    assert call.arguments == '{"city": "Paris"}'


def test_content_part_added() -> None:
    event = _check(CONTENT_PART_ADDED)
    assert isinstance(event, rtmsg.ResponseContentPartAdded)
    assert event.part == rtmsg.ContentPart(type="audio", transcript="")
    assert (event.output_index, event.content_index) == (0, 0)


def test_output_audio_delta() -> None:
    frame = (
        '{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1",'
        '"item_id":"item_1","output_index":0,"content_index":0,"delta":"AAEC/w=="}'
    )
    event = _check(frame)
    assert isinstance(event, rtmsg.ResponseOutputAudioDelta)
    assert event.delta == "AAEC/w=="
    assert event.pcm() == b"\x00\x01\x02\xff"


@pytest.mark.parametrize(
    ("frame", "cls", "text"),
    [
        (
            '{"type":"response.output_audio_transcript.delta","event_id":"e","response_id":"r",'
            '"item_id":"i","output_index":0,"content_index":0,"delta":"Hel"}',
            rtmsg.ResponseOutputAudioTranscriptDelta,
            "Hel",
        ),
        (
            '{"type":"response.output_text.delta","event_id":"e","response_id":"r",'
            '"item_id":"i","output_index":1,"content_index":0,"delta":"lo"}',
            rtmsg.ResponseOutputTextDelta,
            "lo",
        ),
        (
            '{"type":"conversation.item.input_audio_transcription.delta","event_id":"e",'
            '"item_id":"i","content_index":0,"delta":"Hey,"}',
            rtmsg.ConversationItemInputAudioTranscriptionDelta,
            "Hey,",
        ),
    ],
)
def test_transcript_deltas(frame: str, cls: type[rtmsg.Event], text: str) -> None:
    event: Any = _check(frame)
    assert event.delta == text
    assert type(event) is cls


def test_function_call_arguments_delta_and_done() -> None:
    delta = _check(
        '{"type":"response.function_call_arguments.delta","event_id":"e1","response_id":"r",'
        '"item_id":"i","output_index":0,"call_id":"call_1","delta":"{\\"ci"}'
    )
    assert isinstance(delta, rtmsg.ResponseFunctionCallArgumentsDelta)
    assert (delta.call_id, delta.delta) == ("call_1", '{"ci')
    done = _check(
        '{"type":"response.function_call_arguments.done","event_id":"e2","response_id":"r",'
        '"item_id":"i","output_index":0,"call_id":"call_1","name":"get_weather",'
        '"arguments":"{\\"city\\":\\"Paris\\"}"}'
    )
    assert isinstance(done, rtmsg.ResponseFunctionCallArgumentsDone)
    assert (done.name, done.arguments) == ("get_weather", '{"city":"Paris"}')


def test_input_audio_buffer_speech_started_stopped_committed() -> None:
    started = _check(
        '{"type":"input_audio_buffer.speech_started","event_id":"e1",'
        '"audio_start_ms":1000,"item_id":"msg_003"}'
    )
    assert isinstance(started, rtmsg.InputAudioBufferSpeechStarted)
    assert (started.audio_start_ms, started.item_id) == (1000, "msg_003")
    stopped = _check(
        '{"type":"input_audio_buffer.speech_stopped","event_id":"e2",'
        '"audio_end_ms":2000,"item_id":"msg_003"}'
    )
    assert isinstance(stopped, rtmsg.InputAudioBufferSpeechStopped)
    assert stopped.audio_end_ms == 2000
    committed = _check(
        '{"type":"input_audio_buffer.committed","event_id":"e3",'
        '"previous_item_id":"msg_001","item_id":"msg_002"}'
    )
    assert isinstance(committed, rtmsg.InputAudioBufferCommitted)
    assert (committed.previous_item_id, committed.item_id) == ("msg_001", "msg_002")


def test_rate_limits_updated() -> None:
    event = _check(
        '{"type":"rate_limits.updated","event_id":"event_5","rate_limits":['
        '{"name":"requests","limit":1000,"remaining":999,"reset_seconds":60},'
        '{"name":"tokens","limit":50000,"remaining":49950,"reset_seconds":60.5}]}'
    )
    assert isinstance(event, rtmsg.RateLimitsUpdated)
    requests, tokens = event.rate_limits
    assert (requests.name, requests.limit, requests.remaining) == ("requests", 1000, 999)
    assert tokens.reset_seconds == 60.5


def test_error() -> None:
    event = _check(
        '{"type":"error","event_id":"event_890","error":{"type":"invalid_request_error",'
        '"code":"invalid_event","message":"The \'type\' field is missing.",'
        '"param":null,"event_id":"event_567"}}'
    )
    assert isinstance(event, rtmsg.Error)
    assert event.error.type == "invalid_request_error"
    assert event.error.code == "invalid_event"
    assert event.error.param is None
    assert event.error.event_id == "event_567"


def test_transcription_completed_with_token_usage_and_logprobs() -> None:
    event = _check(TRANSCRIPTION_COMPLETED)
    assert isinstance(event, rtmsg.ConversationItemInputAudioTranscriptionCompleted)
    assert event.transcript == "Hey, can you hear me?"
    usage = event.usage
    assert isinstance(usage, rtmsg.TranscriptionUsageTokens)
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (13, 9, 22)
    assert usage.input_token_details == rtmsg.TranscriptionUsageTokensInputTokenDetails(
        text_tokens=0, audio_tokens=13
    )
    assert event.logprobs == [rtmsg.LogProb(token="Hey", logprob=-0.1, bytes=[72, 101, 121])]


def test_transcription_completed_with_duration_usage() -> None:
    event = _check(
        '{"type":"conversation.item.input_audio_transcription.completed","event_id":"e",'
        '"item_id":"i","content_index":0,"transcript":"ok",'
        '"usage":{"type":"duration","seconds":2.4}}'
    )
    assert isinstance(event, rtmsg.ConversationItemInputAudioTranscriptionCompleted)
    assert event.usage == rtmsg.TranscriptionUsageDuration(seconds=2.4)
    assert event.logprobs is msgspec.UNSET


def test_dtmf_event_has_no_event_id() -> None:
    event = _check(
        '{"type":"input_audio_buffer.dtmf_event_received","event":"5","received_at":1759783923}'
    )
    assert isinstance(event, rtmsg.InputAudioBufferDtmfEventReceived)
    assert (event.event, event.received_at) == ("5", 1759783923)
