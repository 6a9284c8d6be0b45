"""The official SDK as a test oracle: its event unions, its model graph, and rtmsg's counterparts.

The ``openai`` package describes every wire object as a pydantic model. This
module walks those models once, turns each field annotation into a small
:class:`Node` tree the frame generator can read, and maps every SDK model to
the rtmsg Struct that decodes the same JSON object. Each protocol (the
conversation and the translation session) has its two SDK unions; every
function takes the protocol as a parameter, the conversation by default.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import types
import typing
from collections.abc import Iterator
from typing import Any

import msgspec
import pydantic

import rtmsg
from helpers import Direction, Protocol
from rtmsg import translation
from sdk_live import FOREIGN, LIVE_MERGED, LIVE_SDK_TO_RTMSG, LIVE_UNIONS, NESTED_UNION

__all__ = [
    "ADAPTERS",
    "FOREIGN",
    "MERGED",
    "PLAIN_ADAPTERS",
    "PROTOCOLS",
    "SDK_ONLY_IN_SPEC",
    "SDK_TO_RTMSG",
    "SDK_UNIONS",
    "Node",
    "has_extras",
    "is_foreign",
    "sdk_events",
    "sdk_models",
    "sdk_name",
    "sdk_node",
    "sdk_validate",
    "struct_fields",
]

PROTOCOLS: tuple[Protocol, ...] = (
    "conversation",
    "translation",
    "live",
    "live/attach",
    "live/fork",
    "live/response",
)
"""The streams of every protocol: a Live stream is its connection's (``live/attach``,
``live/fork``), and ``live/response`` the nested Responses events of ``response.event``."""

SDK_UNIONS: dict[tuple[str, str], tuple[Protocol, Direction]] = {
    ("openai.types.realtime", "RealtimeClientEvent"): ("conversation", "client"),
    ("openai.types.realtime", "RealtimeServerEvent"): ("conversation", "server"),
    ("openai.types.realtime", "RealtimeTranslationClientEvent"): ("translation", "client"),
    ("openai.types.realtime", "RealtimeTranslationServerEvent"): ("translation", "server"),
    **{("openai.types.live", name): stream for name, stream in LIVE_UNIONS.items()},  # type: ignore[misc]
}
"""The event unions of the SDK by module and name, and the rtmsg stream each one is."""

_UNIONS: dict[tuple[Protocol, Direction], Any] = {
    stream: getattr(importlib.import_module(module), name)
    for (module, name), stream in SDK_UNIONS.items()
}
_UNIONS["live/response", "server"] = NESTED_UNION


def _discriminated(union: Any) -> Any:
    """The SDK union with the ``type`` discriminator it declares, which pydantic cannot see.

    The SDK marks its event unions ``PropertyInfo(discriminator="type")``, its own
    metadata; pydantic then tries every member in turn. Each member requires its
    own ``type`` literal, so both accept exactly the same frames (a test checks
    it); the discriminated one is an order of magnitude faster.
    """
    (members, *_) = typing.get_args(union)
    return typing.Annotated[members, pydantic.Field(discriminator="type")]


ADAPTERS: dict[tuple[Protocol, Direction], Any] = {
    stream: pydantic.TypeAdapter(_discriminated(union)) for stream, union in _UNIONS.items()
}
PLAIN_ADAPTERS: dict[tuple[Protocol, Direction], Any] = {
    stream: pydantic.TypeAdapter(union) for stream, union in _UNIONS.items()
}


def sdk_validate(
    frame: bytes | str, direction: Direction, protocol: Protocol = "conversation"
) -> Any:
    """The SDK's strict reading of a frame; raises ``pydantic.ValidationError`` if it rejects it."""
    return ADAPTERS[protocol, direction].validate_json(frame, strict=True)


def has_extras(value: Any) -> bool:
    """Whether the SDK kept any undeclared field anywhere in a validated object."""
    if isinstance(value, pydantic.BaseModel):
        if value.model_extra:
            return True
        return any(has_extras(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list):
        return any(has_extras(item) for item in value)
    if isinstance(value, dict):
        return any(has_extras(item) for item in value.values())
    return False


def sdk_name(cls: type) -> str:
    """A stable, readable key for an SDK model: its module's last part and its qualified name.

    Live's and the Responses API's modules reuse the realtime modules' names
    (``response_create_event``): their keys start with ``live.`` and ``responses.``.
    """
    package, _, module = cls.__module__.rpartition(".")
    prefix = {"openai.types.live": "live.", "openai.types.responses": "responses."}
    return f"{prefix.get(package, '')}{module}.{cls.__qualname__}"


# --- annotation trees ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Node:
    """One SDK annotation, reduced to what decides which JSON values are valid.

    ``kind`` is one of ``str int float bool any none literal model list dict union``;
    ``args`` holds the literal values, the model class or the child nodes.
    """

    kind: str
    args: tuple[Any, ...] = ()

    @property
    def nullable(self) -> bool:
        """Whether JSON ``null`` is a valid value for this node."""
        if self.kind in ("none", "any"):
            return True
        return self.kind == "union" and any(child.nullable for child in self.args)

    def branches(self) -> tuple[Node, ...]:
        """The alternatives of a union (flattened), or the node itself."""
        if self.kind == "union":
            return tuple(b for child in self.args for b in child.branches())
        return (self,)

    def literal_strings(self) -> tuple[str, ...]:
        """The string literal values this node (or one of its branches) allows."""
        return tuple(
            value
            for branch in self.branches()
            if branch.kind == "literal"
            for value in branch.args
            if isinstance(value, str)
        )

    def literal_ints(self) -> tuple[int, ...]:
        """The integer literal values this node (or one of its branches) allows."""
        return tuple(
            value
            for branch in self.branches()
            if branch.kind == "literal"
            for value in branch.args
            if isinstance(value, int) and not isinstance(value, bool)
        )

    def admits_any_str(self) -> bool:
        return any(b.kind in ("str", "any") for b in self.branches())


_SCALARS: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool", object: "any"}


def sdk_node(annotation: Any) -> Node:
    """The :class:`Node` tree of an SDK field annotation."""
    return _node(annotation)


@functools.cache
def _node(annotation: Any) -> Node:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None) or annotation is None:
        return Node("none")
    if annotation in _SCALARS:
        return Node(_SCALARS[annotation])
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return Node("model", (annotation,))
    if origin is typing.Annotated:
        return sdk_node(args[0])
    if origin is typing.Literal:
        return Node("literal", args)
    if origin in (typing.Union, types.UnionType):
        return Node("union", tuple(sdk_node(arg) for arg in args))
    if origin is list:
        return Node("list", (sdk_node(args[0]),))
    if origin is dict:
        assert args[0] is str, annotation
        return Node("dict", (sdk_node(args[1]),))
    raise TypeError(f"annotation the frame generator does not know: {annotation!r}")


def _models_in(node: Node) -> Iterator[type[pydantic.BaseModel]]:
    if node.kind == "model":
        yield node.args[0]
    elif node.kind in ("list", "dict", "union"):
        for child in node.args:
            yield from _models_in(child)


def sdk_events(
    direction: Direction, protocol: Protocol = "conversation"
) -> tuple[type[pydantic.BaseModel], ...]:
    """The SDK's event models of one direction of a protocol, in the order of its union."""
    if (protocol, direction) not in _UNIONS:
        return ()  # the nested Responses events come from the server only
    return tuple(_models_in(sdk_node(_UNIONS[protocol, direction])))


def is_foreign(model: type[pydantic.BaseModel], name: str) -> bool:
    """Whether rtmsg keeps the value of this SDK field as JSON (:data:`FOREIGN`)."""
    return (SDK_TO_RTMSG.get(sdk_name(model)), name) in FOREIGN


@functools.cache
def sdk_models(
    protocol: Protocol | tuple[Protocol, ...] | None = "conversation",
) -> tuple[type[pydantic.BaseModel], ...]:
    """Every SDK model reachable from the event unions of a protocol, of several, or of all
    (``None``), each once, in the order of a walk from the client events, then the server's."""
    seen: dict[type[pydantic.BaseModel], None] = {}
    protocols = (
        PROTOCOLS if protocol is None else (protocol,) if isinstance(protocol, str) else protocol
    )
    todo = [
        *(model for p in protocols for model in sdk_events("client", p)),
        *(model for p in protocols for model in sdk_events("server", p)),
    ]
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen[model] = None
        for name, field in model.model_fields.items():
            if not is_foreign(model, name):
                todo.extend(_models_in(sdk_node(field.annotation)))
    return tuple(seen)


# --- the SDK model -> rtmsg Struct map ----------------------------------------------------------

SDK_TO_RTMSG: dict[str, type[msgspec.Struct]] = {
    # client events
    "conversation_item_create_event.ConversationItemCreateEvent": rtmsg.ConversationItemCreate,
    "conversation_item_delete_event.ConversationItemDeleteEvent": rtmsg.ConversationItemDelete,
    "conversation_item_retrieve_event.ConversationItemRetrieveEvent": (
        rtmsg.ConversationItemRetrieve
    ),
    "conversation_item_truncate_event.ConversationItemTruncateEvent": (
        rtmsg.ConversationItemTruncate
    ),
    "input_audio_buffer_append_event.InputAudioBufferAppendEvent": rtmsg.InputAudioBufferAppend,
    "input_audio_buffer_clear_event.InputAudioBufferClearEvent": rtmsg.InputAudioBufferClear,
    "input_audio_buffer_commit_event.InputAudioBufferCommitEvent": rtmsg.InputAudioBufferCommit,
    "output_audio_buffer_clear_event.OutputAudioBufferClearEvent": rtmsg.OutputAudioBufferClear,
    "response_cancel_event.ResponseCancelEvent": rtmsg.ResponseCancel,
    "response_create_event.ResponseCreateEvent": rtmsg.ResponseCreate,
    "session_update_event.SessionUpdateEvent": rtmsg.SessionUpdate,
    # server events
    "conversation_created_event.ConversationCreatedEvent": rtmsg.ConversationCreated,
    "conversation_item_created_event.ConversationItemCreatedEvent": rtmsg.ConversationItemCreated,
    "conversation_item_deleted_event.ConversationItemDeletedEvent": rtmsg.ConversationItemDeleted,
    "conversation_item_input_audio_transcription_completed_event."
    "ConversationItemInputAudioTranscriptionCompletedEvent": (
        rtmsg.ConversationItemInputAudioTranscriptionCompleted
    ),
    "conversation_item_input_audio_transcription_delta_event."
    "ConversationItemInputAudioTranscriptionDeltaEvent": (
        rtmsg.ConversationItemInputAudioTranscriptionDelta
    ),
    "conversation_item_input_audio_transcription_failed_event."
    "ConversationItemInputAudioTranscriptionFailedEvent": (
        rtmsg.ConversationItemInputAudioTranscriptionFailed
    ),
    "conversation_item_input_audio_transcription_segment."
    "ConversationItemInputAudioTranscriptionSegment": (
        rtmsg.ConversationItemInputAudioTranscriptionSegment
    ),
    "realtime_server_event.ConversationItemRetrieved": rtmsg.ConversationItemRetrieved,
    "conversation_item_truncated_event.ConversationItemTruncatedEvent": (
        rtmsg.ConversationItemTruncated
    ),
    "conversation_item_added.ConversationItemAdded": rtmsg.ConversationItemAdded,
    "conversation_item_done.ConversationItemDone": rtmsg.ConversationItemDone,
    "realtime_error_event.RealtimeErrorEvent": rtmsg.Error,
    "input_audio_buffer_cleared_event.InputAudioBufferClearedEvent": rtmsg.InputAudioBufferCleared,
    "input_audio_buffer_committed_event.InputAudioBufferCommittedEvent": (
        rtmsg.InputAudioBufferCommitted
    ),
    "input_audio_buffer_dtmf_event_received_event.InputAudioBufferDtmfEventReceivedEvent": (
        rtmsg.InputAudioBufferDtmfEventReceived
    ),
    "input_audio_buffer_speech_started_event.InputAudioBufferSpeechStartedEvent": (
        rtmsg.InputAudioBufferSpeechStarted
    ),
    "input_audio_buffer_speech_stopped_event.InputAudioBufferSpeechStoppedEvent": (
        rtmsg.InputAudioBufferSpeechStopped
    ),
    "input_audio_buffer_timeout_triggered.InputAudioBufferTimeoutTriggered": (
        rtmsg.InputAudioBufferTimeoutTriggered
    ),
    "realtime_server_event.OutputAudioBufferStarted": rtmsg.OutputAudioBufferStarted,
    "realtime_server_event.OutputAudioBufferStopped": rtmsg.OutputAudioBufferStopped,
    "realtime_server_event.OutputAudioBufferCleared": rtmsg.OutputAudioBufferCleared,
    "rate_limits_updated_event.RateLimitsUpdatedEvent": rtmsg.RateLimitsUpdated,
    "response_audio_delta_event.ResponseAudioDeltaEvent": rtmsg.ResponseOutputAudioDelta,
    "response_audio_done_event.ResponseAudioDoneEvent": rtmsg.ResponseOutputAudioDone,
    "response_audio_transcript_delta_event.ResponseAudioTranscriptDeltaEvent": (
        rtmsg.ResponseOutputAudioTranscriptDelta
    ),
    "response_audio_transcript_done_event.ResponseAudioTranscriptDoneEvent": (
        rtmsg.ResponseOutputAudioTranscriptDone
    ),
    "response_content_part_added_event.ResponseContentPartAddedEvent": (
        rtmsg.ResponseContentPartAdded
    ),
    "response_content_part_done_event.ResponseContentPartDoneEvent": rtmsg.ResponseContentPartDone,
    "response_created_event.ResponseCreatedEvent": rtmsg.ResponseCreated,
    "response_done_event.ResponseDoneEvent": rtmsg.ResponseDone,
    "response_function_call_arguments_delta_event.ResponseFunctionCallArgumentsDeltaEvent": (
        rtmsg.ResponseFunctionCallArgumentsDelta
    ),
    "response_function_call_arguments_done_event.ResponseFunctionCallArgumentsDoneEvent": (
        rtmsg.ResponseFunctionCallArgumentsDone
    ),
    "response_output_item_added_event.ResponseOutputItemAddedEvent": rtmsg.ResponseOutputItemAdded,
    "response_output_item_done_event.ResponseOutputItemDoneEvent": rtmsg.ResponseOutputItemDone,
    "response_text_delta_event.ResponseTextDeltaEvent": rtmsg.ResponseOutputTextDelta,
    "response_text_done_event.ResponseTextDoneEvent": rtmsg.ResponseOutputTextDone,
    "session_created_event.SessionCreatedEvent": rtmsg.SessionCreated,
    "session_updated_event.SessionUpdatedEvent": rtmsg.SessionUpdated,
    "mcp_list_tools_in_progress.McpListToolsInProgress": rtmsg.McpListToolsInProgress,
    "mcp_list_tools_completed.McpListToolsCompleted": rtmsg.McpListToolsCompleted,
    "mcp_list_tools_failed.McpListToolsFailed": rtmsg.McpListToolsFailed,
    "response_mcp_call_arguments_delta.ResponseMcpCallArgumentsDelta": (
        rtmsg.ResponseMcpCallArgumentsDelta
    ),
    "response_mcp_call_arguments_done.ResponseMcpCallArgumentsDone": (
        rtmsg.ResponseMcpCallArgumentsDone
    ),
    "response_mcp_call_in_progress.ResponseMcpCallInProgress": rtmsg.ResponseMcpCallInProgress,
    "response_mcp_call_completed.ResponseMcpCallCompleted": rtmsg.ResponseMcpCallCompleted,
    "response_mcp_call_failed.ResponseMcpCallFailed": rtmsg.ResponseMcpCallFailed,
    # conversation items
    "realtime_conversation_item_system_message.RealtimeConversationItemSystemMessage": (
        rtmsg.Message
    ),
    "realtime_conversation_item_user_message.RealtimeConversationItemUserMessage": rtmsg.Message,
    "realtime_conversation_item_assistant_message.RealtimeConversationItemAssistantMessage": (
        rtmsg.Message
    ),
    "realtime_conversation_item_system_message.Content": rtmsg.MessageContent,
    "realtime_conversation_item_user_message.Content": rtmsg.MessageContent,
    "realtime_conversation_item_assistant_message.Content": rtmsg.MessageContent,
    "realtime_conversation_item_function_call.RealtimeConversationItemFunctionCall": (
        rtmsg.FunctionCall
    ),
    "realtime_conversation_item_function_call_output.RealtimeConversationItemFunctionCallOutput": (
        rtmsg.FunctionCallOutput
    ),
    "realtime_mcp_approval_response.RealtimeMcpApprovalResponse": rtmsg.McpApprovalResponse,
    "realtime_mcp_list_tools.RealtimeMcpListTools": rtmsg.McpListTools,
    "realtime_mcp_list_tools.Tool": rtmsg.McpListedTool,
    "realtime_mcp_tool_call.RealtimeMcpToolCall": rtmsg.McpToolCall,
    "realtime_mcp_protocol_error.RealtimeMcpProtocolError": rtmsg.McpProtocolError,
    "realtime_mcp_tool_execution_error.RealtimeMcpToolExecutionError": rtmsg.McpToolExecutionError,
    "realtime_mcphttp_error.RealtimeMcphttpError": rtmsg.McpHttpError,
    "realtime_mcp_approval_request.RealtimeMcpApprovalRequest": rtmsg.McpApprovalRequest,
    # responses
    "realtime_response_create_params.RealtimeResponseCreateParams": rtmsg.ResponseCreateParams,
    "realtime_response_create_audio_output.RealtimeResponseCreateAudioOutput": (
        rtmsg.ResponseCreateAudioOutput
    ),
    "realtime_response_create_audio_output.Output": rtmsg.ResponseCreateAudioOutputOutput,
    "realtime_response_create_audio_output.OutputVoiceID": rtmsg.VoiceId,
    "realtime_response.RealtimeResponse": rtmsg.Response,
    "realtime_response.Audio": rtmsg.ResponseAudio,
    "realtime_response.AudioOutput": rtmsg.ResponseAudioOutput,
    "realtime_response_status.RealtimeResponseStatus": rtmsg.ResponseStatus,
    "realtime_response_status.Error": rtmsg.ResponseStatusError,
    "realtime_response_usage.RealtimeResponseUsage": rtmsg.Usage,
    "realtime_response_usage_input_token_details.RealtimeResponseUsageInputTokenDetails": (
        rtmsg.InputTokenDetails
    ),
    "realtime_response_usage_input_token_details.CachedTokensDetails": rtmsg.CachedTokensDetails,
    "realtime_response_usage_output_token_details.RealtimeResponseUsageOutputTokenDetails": (
        rtmsg.OutputTokenDetails
    ),
    # audio formats
    "realtime_audio_formats.AudioPCM": rtmsg.AudioFormat,
    "realtime_audio_formats.AudioPCMU": rtmsg.AudioFormat,
    "realtime_audio_formats.AudioPCMA": rtmsg.AudioFormat,
    # tools, tool choice, prompts, reasoning
    "realtime_function_tool.RealtimeFunctionTool": rtmsg.Tool,
    "realtime_response_create_mcp_tool.RealtimeResponseCreateMcpTool": rtmsg.Tool,
    "realtime_tools_config_union.Mcp": rtmsg.Tool,
    "realtime_response_create_mcp_tool.AllowedToolsMcpToolFilter": rtmsg.McpToolFilter,
    "realtime_response_create_mcp_tool.RequireApprovalMcpToolApprovalFilter": (
        rtmsg.McpToolApprovalFilter
    ),
    "realtime_response_create_mcp_tool.RequireApprovalMcpToolApprovalFilterAlways": (
        rtmsg.McpToolFilter
    ),
    "realtime_response_create_mcp_tool.RequireApprovalMcpToolApprovalFilterNever": (
        rtmsg.McpToolFilter
    ),
    "realtime_tools_config_union.McpAllowedToolsMcpToolFilter": rtmsg.McpToolFilter,
    "realtime_tools_config_union.McpRequireApprovalMcpToolApprovalFilter": (
        rtmsg.McpToolApprovalFilter
    ),
    "realtime_tools_config_union.McpRequireApprovalMcpToolApprovalFilterAlways": (
        rtmsg.McpToolFilter
    ),
    "realtime_tools_config_union.McpRequireApprovalMcpToolApprovalFilterNever": (
        rtmsg.McpToolFilter
    ),
    "responses.tool_choice_function.ToolChoiceFunction": rtmsg.ToolChoiceFunction,
    "responses.tool_choice_mcp.ToolChoiceMcp": rtmsg.ToolChoiceMcp,
    "responses.response_prompt.ResponsePrompt": rtmsg.Prompt,
    "responses.response_input_text.ResponseInputText": rtmsg.PromptInputText,
    "responses.response_input_image.ResponseInputImage": rtmsg.PromptInputImage,
    "responses.response_input_file.ResponseInputFile": rtmsg.PromptInputFile,
    "responses.response_input_text.PromptCacheBreakpoint": rtmsg.PromptCacheBreakpoint,
    "responses.response_input_image.PromptCacheBreakpoint": rtmsg.PromptCacheBreakpoint,
    "responses.response_input_file.PromptCacheBreakpoint": rtmsg.PromptCacheBreakpoint,
    "realtime_reasoning.RealtimeReasoning": rtmsg.Reasoning,
    # sessions
    "realtime_session_create_request.RealtimeSessionCreateRequest": rtmsg.Session,
    "realtime_audio_config.RealtimeAudioConfig": rtmsg.AudioConfig,
    "realtime_audio_config_input.RealtimeAudioConfigInput": rtmsg.AudioConfigInput,
    "realtime_audio_config_input.NoiseReduction": rtmsg.NoiseReduction,
    "realtime_audio_config_output.RealtimeAudioConfigOutput": rtmsg.AudioConfigOutput,
    "realtime_audio_config_output.VoiceID": rtmsg.VoiceId,
    "audio_transcription.AudioTranscription": rtmsg.AudioTranscription,
    "realtime_audio_input_turn_detection.ServerVad": rtmsg.ServerVad,
    "realtime_audio_input_turn_detection.SemanticVad": rtmsg.SemanticVad,
    "realtime_tracing_config.TracingConfiguration": rtmsg.TracingConfiguration,
    "realtime_truncation_retention_ratio.RealtimeTruncationRetentionRatio": (
        rtmsg.TruncationRetentionRatio
    ),
    "realtime_truncation_retention_ratio.TokenLimits": rtmsg.TokenLimits,
    "realtime_transcription_session_create_request.RealtimeTranscriptionSessionCreateRequest": (
        rtmsg.TranscriptionSession
    ),
    "realtime_transcription_session_audio.RealtimeTranscriptionSessionAudio": (
        rtmsg.TranscriptionSessionAudio
    ),
    "realtime_transcription_session_audio_input.RealtimeTranscriptionSessionAudioInput": (
        rtmsg.TranscriptionSessionAudioInput
    ),
    "realtime_transcription_session_audio_input.NoiseReduction": rtmsg.NoiseReduction,
    "realtime_transcription_session_audio_input_turn_detection.ServerVad": rtmsg.ServerVad,
    "realtime_transcription_session_audio_input_turn_detection.SemanticVad": rtmsg.SemanticVad,
    # nested types of server events
    "conversation_created_event.Conversation": rtmsg.Conversation,
    "realtime_error.RealtimeError": rtmsg.RealtimeError,
    "conversation_item_input_audio_transcription_completed_event.UsageTranscriptTextUsageTokens": (
        rtmsg.TranscriptionUsageTokens
    ),
    "conversation_item_input_audio_transcription_completed_event."
    "UsageTranscriptTextUsageTokensInputTokenDetails": (
        rtmsg.TranscriptionUsageTokensInputTokenDetails
    ),
    "conversation_item_input_audio_transcription_completed_event."
    "UsageTranscriptTextUsageDuration": rtmsg.TranscriptionUsageDuration,
    "transcription_language.TranscriptionLanguage": rtmsg.TranscriptionLanguage,
    "log_prob_properties.LogProbProperties": rtmsg.LogProb,
    "conversation_item_input_audio_transcription_failed_event.Error": rtmsg.TranscriptionError,
    "rate_limits_updated_event.RateLimit": rtmsg.RateLimit,
    "response_content_part_added_event.Part": rtmsg.ContentPart,
    "response_content_part_done_event.Part": rtmsg.ContentPart,
    # the translation session's events (``error`` is the conversation's, mapped above)
    "realtime_translation_session_update_event.RealtimeTranslationSessionUpdateEvent": (
        translation.SessionUpdate
    ),
    "realtime_translation_input_audio_buffer_append_event."
    "RealtimeTranslationInputAudioBufferAppendEvent": translation.SessionInputAudioBufferAppend,
    "realtime_translation_session_close_event.RealtimeTranslationSessionCloseEvent": (
        translation.SessionClose
    ),
    "realtime_translation_session_created_event.RealtimeTranslationSessionCreatedEvent": (
        translation.SessionCreated
    ),
    "realtime_translation_session_updated_event.RealtimeTranslationSessionUpdatedEvent": (
        translation.SessionUpdated
    ),
    "realtime_translation_session_closed_event.RealtimeTranslationSessionClosedEvent": (
        translation.SessionClosed
    ),
    "realtime_translation_input_transcript_delta_event."
    "RealtimeTranslationInputTranscriptDeltaEvent": translation.SessionInputTranscriptDelta,
    "realtime_translation_output_transcript_delta_event."
    "RealtimeTranslationOutputTranscriptDeltaEvent": translation.SessionOutputTranscriptDelta,
    "realtime_translation_output_audio_delta_event.RealtimeTranslationOutputAudioDeltaEvent": (
        translation.SessionOutputAudioDelta
    ),
    # the translation session: the SDK declares the same audio objects twice, once for the
    # session the server reports and once for an update, with the same fields
    "realtime_translation_session.RealtimeTranslationSession": translation.Session,
    "realtime_translation_session.Audio": translation.Audio,
    "realtime_translation_session.AudioInput": translation.AudioInput,
    "realtime_translation_session.AudioInputNoiseReduction": translation.AudioInputNoiseReduction,
    "realtime_translation_session.AudioInputTranscription": translation.AudioInputTranscription,
    "realtime_translation_session.AudioOutput": translation.AudioOutput,
    "realtime_translation_session_update_request.RealtimeTranslationSessionUpdateRequest": (
        translation.SessionUpdateRequest
    ),
    "realtime_translation_session_update_request.Audio": translation.Audio,
    "realtime_translation_session_update_request.AudioInput": translation.AudioInput,
    "realtime_translation_session_update_request.AudioInputNoiseReduction": (
        translation.AudioInputNoiseReduction
    ),
    "realtime_translation_session_update_request.AudioInputTranscription": (
        translation.AudioInputTranscription
    ),
    "realtime_translation_session_update_request.AudioOutput": translation.AudioOutput,
    **LIVE_SDK_TO_RTMSG,
}
"""Every SDK model reachable from the event unions, and the rtmsg Struct that reads its JSON."""

SDK_ONLY_IN_SPEC: dict[tuple[type[msgspec.Struct], str], str] = {
    (translation.AudioInputTranscription, "language"): (
        "sent by the spec's translation session.created and session.updated examples"
    ),
}
"""rtmsg fields no SDK model declares (the SDK keeps them as extras), and where they come from."""

MERGED: frozenset[type[msgspec.Struct]] = frozenset(
    {rtmsg.Message, rtmsg.MessageContent, rtmsg.AudioFormat, rtmsg.Tool, *LIVE_MERGED}
)
"""The known hard spots: one rtmsg Struct for several SDK variants that no tag tells apart."""


@functools.cache
def struct_fields(cls: type[msgspec.Struct]) -> dict[str, msgspec.structs.FieldInfo]:
    """The JSON fields of an rtmsg Struct, by wire name (the tag is not among them)."""
    return {field.encode_name: field for field in msgspec.structs.fields(cls)}
