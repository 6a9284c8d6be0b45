"""The server events (server to client), their nested types, union and enum of types.

The ``error`` event (:class:`Error`, :class:`RealtimeError`) is shared with the translation
protocol: it is declared in :mod:`rtmsg.common.errors` and re-exported here.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Self, get_args

from msgspec import UNSET, UnsetType

from ..common.errors import Error, RealtimeError
from ..engine.base import Event, Model, Tagged, b64decode, b64encode, register_events
from .items import ConversationItem
from .responses import Response
from .session import SessionConfig

__all__ = [
    "ContentPart",
    "Conversation",
    "ConversationCreated",
    "ConversationItemAdded",
    "ConversationItemCreated",
    "ConversationItemDeleted",
    "ConversationItemDone",
    "ConversationItemInputAudioTranscriptionCompleted",
    "ConversationItemInputAudioTranscriptionDelta",
    "ConversationItemInputAudioTranscriptionFailed",
    "ConversationItemInputAudioTranscriptionSegment",
    "ConversationItemRetrieved",
    "ConversationItemTruncated",
    "Error",
    "InputAudioBufferCleared",
    "InputAudioBufferCommitted",
    "InputAudioBufferDtmfEventReceived",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioBufferTimeoutTriggered",
    "LogProb",
    "McpListToolsCompleted",
    "McpListToolsFailed",
    "McpListToolsInProgress",
    "OutputAudioBufferCleared",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
    "RateLimit",
    "RateLimitsUpdated",
    "RealtimeError",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseCreated",
    "ResponseDone",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseMcpCallArgumentsDelta",
    "ResponseMcpCallArgumentsDone",
    "ResponseMcpCallCompleted",
    "ResponseMcpCallFailed",
    "ResponseMcpCallInProgress",
    "ResponseOutputAudioDelta",
    "ResponseOutputAudioDone",
    "ResponseOutputAudioTranscriptDelta",
    "ResponseOutputAudioTranscriptDone",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ServerEvent",
    "ServerEventType",
    "SessionCreated",
    "SessionUpdated",
    "TranscriptionError",
    "TranscriptionLanguage",
    "TranscriptionUsage",
    "TranscriptionUsageDuration",
    "TranscriptionUsageTokens",
    "TranscriptionUsageTokensInputTokenDetails",
]


# --- nested types -----------------------------------------------------------


class Conversation(Model):
    """A conversation, as announced by ``conversation.created``."""

    id: str | None | UnsetType = UNSET
    object: str | None | UnsetType = UNSET


class LogProb(Model):
    """The log probability of one transcribed token."""

    token: str
    bytes: list[int]
    logprob: float


class TranscriptionLanguage(Model):
    """A language detected in the transcribed audio."""

    code: str


class TranscriptionUsageTokensInputTokenDetails(Model):
    """Transcription input tokens by modality."""

    audio_tokens: int | None | UnsetType = UNSET
    text_tokens: int | None | UnsetType = UNSET


class TranscriptionUsageTokens(Tagged, tag="tokens"):
    """Transcription usage billed by tokens."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: TranscriptionUsageTokensInputTokenDetails | None | UnsetType = UNSET


class TranscriptionUsageDuration(Tagged, tag="duration"):
    """Transcription usage billed by audio duration."""

    seconds: float


TranscriptionUsage = TranscriptionUsageTokens | TranscriptionUsageDuration
"""Transcription usage, by tokens or by duration."""


class TranscriptionError(Model):
    """Why an input audio transcription failed."""

    code: str | None | UnsetType = UNSET
    message: str | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET
    type: str | None | UnsetType = UNSET


class RateLimit(Model):
    """One rate limit: its ceiling, what remains and when it resets."""

    limit: int | None | UnsetType = UNSET
    name: str | None | UnsetType = UNSET
    remaining: int | None | UnsetType = UNSET
    reset_seconds: float | None | UnsetType = UNSET


class ContentPart(Model):
    """A content part of a response item, as added or done."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    audio: str | None | UnsetType = UNSET
    text: str | None | UnsetType = UNSET
    transcript: str | None | UnsetType = UNSET
    type: str | None | UnsetType = UNSET


# --- events -----------------------------------------------------------------


class SessionCreated(Event, tag="session.created"):
    """The session was created: the first event of every connection."""

    event_id: str
    session: SessionConfig


class SessionUpdated(Event, tag="session.updated"):
    """The session was updated by a ``session.update``."""

    event_id: str
    session: SessionConfig


class ConversationCreated(Event, tag="conversation.created"):
    """A conversation was created."""

    event_id: str
    conversation: Conversation


class ConversationItemCreated(Event, tag="conversation.item.created"):
    """An item was created in the conversation."""

    event_id: str
    item: ConversationItem
    previous_item_id: str | None | UnsetType = UNSET


class ConversationItemAdded(Event, tag="conversation.item.added"):
    """An item was added to the conversation; its content may still be streaming."""

    event_id: str
    item: ConversationItem
    previous_item_id: str | None | UnsetType = UNSET


class ConversationItemDone(Event, tag="conversation.item.done"):
    """An item's content is complete."""

    event_id: str
    item: ConversationItem
    previous_item_id: str | None | UnsetType = UNSET


class ConversationItemRetrieved(Event, tag="conversation.item.retrieved"):
    """The server's copy of an item, answering ``conversation.item.retrieve``."""

    event_id: str
    item: ConversationItem


class ConversationItemTruncated(Event, tag="conversation.item.truncated"):
    """An assistant message's audio was truncated."""

    event_id: str
    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemDeleted(Event, tag="conversation.item.deleted"):
    """An item was removed from the conversation."""

    event_id: str
    item_id: str


class ConversationItemInputAudioTranscriptionCompleted(
    Event, tag="conversation.item.input_audio_transcription.completed"
):
    """The transcript of a user audio item is complete."""

    event_id: str
    item_id: str
    content_index: int
    transcript: str
    usage: TranscriptionUsage
    languages: list[TranscriptionLanguage] | None | UnsetType = UNSET
    logprobs: list[LogProb] | None | UnsetType = UNSET


class ConversationItemInputAudioTranscriptionDelta(
    Event, tag="conversation.item.input_audio_transcription.delta"
):
    """A piece of the transcript of a user audio item.

    The service pads streamed deltas with a random ``obfuscation`` string, so that the
    size of an encrypted frame does not give its text away.
    """

    event_id: str
    item_id: str
    content_index: int | None | UnsetType = UNSET
    delta: str | None | UnsetType = UNSET
    logprobs: list[LogProb] | None | UnsetType = UNSET
    obfuscation: str | UnsetType = UNSET


class ConversationItemInputAudioTranscriptionSegment(
    Event, tag="conversation.item.input_audio_transcription.segment"
):
    """A transcribed segment of user audio, with its speaker and time span (seconds)."""

    event_id: str
    item_id: str
    content_index: int
    id: str
    text: str
    speaker: str
    start: float
    end: float


class ConversationItemInputAudioTranscriptionFailed(
    Event, tag="conversation.item.input_audio_transcription.failed"
):
    """Transcribing a user audio item failed."""

    event_id: str
    item_id: str
    content_index: int
    error: TranscriptionError


class InputAudioBufferCommitted(Event, tag="input_audio_buffer.committed"):
    """The input audio buffer was committed as a user message item."""

    event_id: str
    item_id: str
    previous_item_id: str | None | UnsetType = UNSET


class InputAudioBufferCleared(Event, tag="input_audio_buffer.cleared"):
    """The input audio buffer was cleared."""

    event_id: str


class InputAudioBufferSpeechStarted(Event, tag="input_audio_buffer.speech_started"):
    """Turn detection heard speech start at ``audio_start_ms`` into the buffer."""

    event_id: str
    item_id: str
    audio_start_ms: int
    audio_end_ms: int | UnsetType = UNSET


class InputAudioBufferSpeechStopped(Event, tag="input_audio_buffer.speech_stopped"):
    """Turn detection heard speech stop at ``audio_end_ms`` into the buffer."""

    event_id: str
    item_id: str
    audio_end_ms: int


class InputAudioBufferTimeoutTriggered(Event, tag="input_audio_buffer.timeout_triggered"):
    """No speech was heard for the idle timeout; the buffer was committed."""

    event_id: str
    item_id: str
    audio_start_ms: int
    audio_end_ms: int


class InputAudioBufferDtmfEventReceived(Event, tag="input_audio_buffer.dtmf_event_received"):
    """A DTMF key press was received (SIP only); this event has no ``event_id``."""

    event: str
    received_at: int


class OutputAudioBufferStarted(Event, tag="output_audio_buffer.started"):
    """The server began playing a response's audio (WebRTC and SIP only)."""

    event_id: str
    response_id: str


class OutputAudioBufferStopped(Event, tag="output_audio_buffer.stopped"):
    """The output audio buffer drained (WebRTC and SIP only)."""

    event_id: str
    response_id: str


class OutputAudioBufferCleared(Event, tag="output_audio_buffer.cleared"):
    """The output audio buffer was cleared (WebRTC and SIP only)."""

    event_id: str
    response_id: str


class RateLimitsUpdated(Event, tag="rate_limits.updated"):
    """The current rate limits, sent at the start of each response."""

    event_id: str
    rate_limits: list[RateLimit]


class ResponseCreated(Event, tag="response.created"):
    """A response was created and is in progress."""

    event_id: str
    response: Response


class ResponseDone(Event, tag="response.done"):
    """A response is complete, cancelled, incomplete or failed; it carries the usage."""

    event_id: str
    response: Response


class ResponseOutputItemAdded(Event, tag="response.output_item.added"):
    """A response produced a new output item."""

    event_id: str
    response_id: str
    output_index: int
    item: ConversationItem


class ResponseOutputItemDone(Event, tag="response.output_item.done"):
    """A response's output item is complete."""

    event_id: str
    response_id: str
    output_index: int
    item: ConversationItem


class ResponseContentPartAdded(Event, tag="response.content_part.added"):
    """An output item gained a content part."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart


class ResponseContentPartDone(Event, tag="response.content_part.done"):
    """An output item's content part is complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart


class ResponseOutputTextDelta(Event, tag="response.output_text.delta"):
    """A piece of a response's text output, padded with a random ``obfuscation`` string."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseOutputTextDone(Event, tag="response.output_text.done"):
    """A response's text output is complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseOutputAudioDelta(Event, tag="response.output_audio.delta"):
    """A chunk of a response's audio, base64 in the session's output format."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"delta"})

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str

    @classmethod
    def from_pcm(
        cls,
        data: bytes,
        *,
        event_id: str,
        response_id: str,
        item_id: str,
        output_index: int,
        content_index: int,
    ) -> Self:
        """Build the event from raw audio bytes in the session's output format."""
        return cls(
            event_id=event_id,
            response_id=response_id,
            item_id=item_id,
            output_index=output_index,
            content_index=content_index,
            delta=b64encode(data),
        )

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`DecodeError` if ``delta`` is not valid base64."""
        return b64decode(self.delta, "$.delta")


class ResponseOutputAudioDone(Event, tag="response.output_audio.done"):
    """A response's audio output is complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseOutputAudioTranscriptDelta(Event, tag="response.output_audio_transcript.delta"):
    """A piece of the transcript of a response's audio, padded with a random ``obfuscation``."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: str | UnsetType = UNSET


class ResponseOutputAudioTranscriptDone(Event, tag="response.output_audio_transcript.done"):
    """The transcript of a response's audio is complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str


class ResponseFunctionCallArgumentsDelta(Event, tag="response.function_call_arguments.delta"):
    """A piece of a function call's JSON arguments."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDone(Event, tag="response.function_call_arguments.done"):
    """A function call's arguments are complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: str
    arguments: str


class McpListToolsInProgress(Event, tag="mcp_list_tools.in_progress"):
    """Listing an MCP server's tools is in progress."""

    event_id: str
    item_id: str


class McpListToolsCompleted(Event, tag="mcp_list_tools.completed"):
    """Listing an MCP server's tools succeeded."""

    event_id: str
    item_id: str


class McpListToolsFailed(Event, tag="mcp_list_tools.failed"):
    """Listing an MCP server's tools failed."""

    event_id: str
    item_id: str


class ResponseMcpCallArgumentsDelta(Event, tag="response.mcp_call_arguments.delta"):
    """A piece of an MCP tool call's JSON arguments."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    delta: str
    obfuscation: str | None | UnsetType = UNSET


class ResponseMcpCallArgumentsDone(Event, tag="response.mcp_call_arguments.done"):
    """An MCP tool call's arguments are complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    arguments: str


class ResponseMcpCallInProgress(Event, tag="response.mcp_call.in_progress"):
    """An MCP tool call started."""

    event_id: str
    item_id: str
    output_index: int


class ResponseMcpCallCompleted(Event, tag="response.mcp_call.completed"):
    """An MCP tool call succeeded."""

    event_id: str
    item_id: str
    output_index: int


class ResponseMcpCallFailed(Event, tag="response.mcp_call.failed"):
    """An MCP tool call failed."""

    event_id: str
    item_id: str
    output_index: int


class ServerEventType(enum.StrEnum):
    """The wire ``type`` of every server event."""

    ERROR = "error"
    SESSION_CREATED = "session.created"
    SESSION_UPDATED = "session.updated"
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_ITEM_CREATED = "conversation.item.created"
    CONVERSATION_ITEM_ADDED = "conversation.item.added"
    CONVERSATION_ITEM_DONE = "conversation.item.done"
    CONVERSATION_ITEM_RETRIEVED = "conversation.item.retrieved"
    CONVERSATION_ITEM_TRUNCATED = "conversation.item.truncated"
    CONVERSATION_ITEM_DELETED = "conversation.item.deleted"
    CONVERSATION_ITEM_INPUT_AUDIO_TRANSCRIPTION_COMPLETED = (
        "conversation.item.input_audio_transcription.completed"
    )
    CONVERSATION_ITEM_INPUT_AUDIO_TRANSCRIPTION_DELTA = (
        "conversation.item.input_audio_transcription.delta"
    )
    CONVERSATION_ITEM_INPUT_AUDIO_TRANSCRIPTION_SEGMENT = (
        "conversation.item.input_audio_transcription.segment"
    )
    CONVERSATION_ITEM_INPUT_AUDIO_TRANSCRIPTION_FAILED = (
        "conversation.item.input_audio_transcription.failed"
    )
    INPUT_AUDIO_BUFFER_COMMITTED = "input_audio_buffer.committed"
    INPUT_AUDIO_BUFFER_CLEARED = "input_audio_buffer.cleared"
    INPUT_AUDIO_BUFFER_SPEECH_STARTED = "input_audio_buffer.speech_started"
    INPUT_AUDIO_BUFFER_SPEECH_STOPPED = "input_audio_buffer.speech_stopped"
    INPUT_AUDIO_BUFFER_TIMEOUT_TRIGGERED = "input_audio_buffer.timeout_triggered"
    INPUT_AUDIO_BUFFER_DTMF_EVENT_RECEIVED = "input_audio_buffer.dtmf_event_received"
    OUTPUT_AUDIO_BUFFER_STARTED = "output_audio_buffer.started"
    OUTPUT_AUDIO_BUFFER_STOPPED = "output_audio_buffer.stopped"
    OUTPUT_AUDIO_BUFFER_CLEARED = "output_audio_buffer.cleared"
    RATE_LIMITS_UPDATED = "rate_limits.updated"
    RESPONSE_CREATED = "response.created"
    RESPONSE_DONE = "response.done"
    RESPONSE_OUTPUT_ITEM_ADDED = "response.output_item.added"
    RESPONSE_OUTPUT_ITEM_DONE = "response.output_item.done"
    RESPONSE_CONTENT_PART_ADDED = "response.content_part.added"
    RESPONSE_CONTENT_PART_DONE = "response.content_part.done"
    RESPONSE_OUTPUT_TEXT_DELTA = "response.output_text.delta"
    RESPONSE_OUTPUT_TEXT_DONE = "response.output_text.done"
    RESPONSE_OUTPUT_AUDIO_DELTA = "response.output_audio.delta"
    RESPONSE_OUTPUT_AUDIO_DONE = "response.output_audio.done"
    RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA = "response.output_audio_transcript.delta"
    RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE = "response.output_audio_transcript.done"
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA = "response.function_call_arguments.delta"
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE = "response.function_call_arguments.done"
    MCP_LIST_TOOLS_IN_PROGRESS = "mcp_list_tools.in_progress"
    MCP_LIST_TOOLS_COMPLETED = "mcp_list_tools.completed"
    MCP_LIST_TOOLS_FAILED = "mcp_list_tools.failed"
    RESPONSE_MCP_CALL_ARGUMENTS_DELTA = "response.mcp_call_arguments.delta"
    RESPONSE_MCP_CALL_ARGUMENTS_DONE = "response.mcp_call_arguments.done"
    RESPONSE_MCP_CALL_IN_PROGRESS = "response.mcp_call.in_progress"
    RESPONSE_MCP_CALL_COMPLETED = "response.mcp_call.completed"
    RESPONSE_MCP_CALL_FAILED = "response.mcp_call.failed"


ServerEvent = (
    Error
    | SessionCreated
    | SessionUpdated
    | ConversationCreated
    | ConversationItemCreated
    | ConversationItemAdded
    | ConversationItemDone
    | ConversationItemRetrieved
    | ConversationItemTruncated
    | ConversationItemDeleted
    | ConversationItemInputAudioTranscriptionCompleted
    | ConversationItemInputAudioTranscriptionDelta
    | ConversationItemInputAudioTranscriptionSegment
    | ConversationItemInputAudioTranscriptionFailed
    | InputAudioBufferCommitted
    | InputAudioBufferCleared
    | InputAudioBufferSpeechStarted
    | InputAudioBufferSpeechStopped
    | InputAudioBufferTimeoutTriggered
    | InputAudioBufferDtmfEventReceived
    | OutputAudioBufferStarted
    | OutputAudioBufferStopped
    | OutputAudioBufferCleared
    | RateLimitsUpdated
    | ResponseCreated
    | ResponseDone
    | ResponseOutputItemAdded
    | ResponseOutputItemDone
    | ResponseContentPartAdded
    | ResponseContentPartDone
    | ResponseOutputTextDelta
    | ResponseOutputTextDone
    | ResponseOutputAudioDelta
    | ResponseOutputAudioDone
    | ResponseOutputAudioTranscriptDelta
    | ResponseOutputAudioTranscriptDone
    | ResponseFunctionCallArgumentsDelta
    | ResponseFunctionCallArgumentsDone
    | McpListToolsInProgress
    | McpListToolsCompleted
    | McpListToolsFailed
    | ResponseMcpCallArgumentsDelta
    | ResponseMcpCallArgumentsDone
    | ResponseMcpCallInProgress
    | ResponseMcpCallCompleted
    | ResponseMcpCallFailed
)
"""Any server event, selected by its ``type``."""

_EVENTS: tuple[type[Event], ...] = get_args(ServerEvent)
register_events(_EVENTS, ServerEventType)
