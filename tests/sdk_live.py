"""The SDK's Live models (``openai.types.live``) and the nested Responses events, for the oracle.

What :mod:`sdk_oracle` needs to hold rtmsg's Live protocol against the SDK: the
six Live unions and the stream of nested Responses events, the map from every
SDK model they reach to the rtmsg Struct that reads its JSON, and the listed
places where rtmsg keeps a value as JSON instead of typing it (:data:`FOREIGN`),
each with its reason. The SDK models behind a foreign field are not walked.

The nested stream is the SDK's ``ResponseStreamEvent`` members that
:mod:`rtmsg.live.responses` types, with one narrowing: an output item event is
typed for message and function call items only (an item of another type makes
the event an ``Unknown``, which ``tests/test_live_responses.py`` checks for every
other item the SDK has), so the two item events stand here with that item union.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Union

import msgspec
import openai.types.live
import openai.types.responses as sdk_responses
import pydantic
from openai._utils import PropertyInfo
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from rtmsg import live
from rtmsg.live import responses

__all__ = [
    "FOREIGN",
    "FOREIGN_SAMPLES",
    "LIVE_SDK_TO_RTMSG",
    "LIVE_UNIONS",
    "NESTED_UNION",
    "UNTYPED_ITEMS",
]

LIVE_UNIONS: dict[str, tuple[str, str]] = {
    "ClientEvent": ("live", "client"),
    "ServerEvent": ("live", "server"),
    "ConnectClientEvent": ("live/attach", "client"),
    "ConnectServerEvent": ("live/attach", "server"),
    "ForkClientEvent": ("live/fork", "client"),
    "ForkServerEvent": ("live/fork", "server"),
}
"""The event unions of ``openai.types.live`` by name, and the rtmsg stream each one is."""

_TypedItem = Annotated[
    Union[ResponseOutputMessage, ResponseFunctionToolCall],  # noqa: UP007  # as the SDK writes it
    PropertyInfo(discriminator="type"),
]


class OutputItemAdded(sdk_responses.ResponseOutputItemAddedEvent):  # type: ignore[misc]
    """``response.output_item.added`` with the items rtmsg types."""

    item: _TypedItem  # narrowed on purpose


class OutputItemDone(sdk_responses.ResponseOutputItemDoneEvent):  # type: ignore[misc]
    """``response.output_item.done`` with the items rtmsg types."""

    item: _TypedItem  # narrowed on purpose


_NESTED_MODELS: tuple[type[pydantic.BaseModel], ...] = (
    sdk_responses.ResponseCreatedEvent,
    sdk_responses.ResponseInProgressEvent,
    sdk_responses.ResponseQueuedEvent,
    sdk_responses.ResponseCompletedEvent,
    sdk_responses.ResponseFailedEvent,
    sdk_responses.ResponseIncompleteEvent,
    OutputItemAdded,
    OutputItemDone,
    sdk_responses.ResponseContentPartAddedEvent,
    sdk_responses.ResponseContentPartDoneEvent,
    sdk_responses.ResponseTextDeltaEvent,
    sdk_responses.ResponseTextDoneEvent,
    sdk_responses.ResponseRefusalDeltaEvent,
    sdk_responses.ResponseRefusalDoneEvent,
    sdk_responses.ResponseAudioDeltaEvent,
    sdk_responses.ResponseAudioDoneEvent,
    sdk_responses.ResponseAudioTranscriptDeltaEvent,
    sdk_responses.ResponseAudioTranscriptDoneEvent,
    sdk_responses.ResponseFunctionCallArgumentsDeltaEvent,
    sdk_responses.ResponseFunctionCallArgumentsDoneEvent,
    sdk_responses.ResponseErrorEvent,
)

NESTED_UNION: Any = Annotated[Union[_NESTED_MODELS], PropertyInfo(discriminator="type")]  # noqa: UP007
"""The nested Responses events rtmsg types, as one SDK union."""

UNTYPED_ITEMS: tuple[type[pydantic.BaseModel], ...] = tuple(
    model
    for model in typing.get_args(typing.get_args(sdk_responses.ResponseOutputItem)[0])
    if model not in (ResponseOutputMessage, ResponseFunctionToolCall)
)
"""The SDK's output items that make an item event an Unknown in rtmsg."""

_RESPONSES_KEPT = "the Responses request's settings, echoed; Live clears or omits them"
FOREIGN: dict[tuple[type[msgspec.Struct], str], str] = {
    (live.ResponseItemCreate, "item"): (
        "a Responses API input item (40 kinds, 170 SDK models), read by the Responses"
        " backend, which answers an invalid one with an error event; kept as its JSON"
        " object, so a new kind of item never breaks a Live connection"
    ),
    **{
        (responses.Response, name): _RESPONSES_KEPT
        for name in (
            "access_programs",
            "image",
            "input_transformations",
            "instructions",
            "moderation",
            "prompt",
            "prompt_cache_diagnostics",
            "prompt_cache_options",
            "reasoning",
            "text",
            "tool_choice",
            "tools",
            "tool_usage",
        )
    },
    (responses.Response, "output"): (
        "the response's output items (28 kinds): the item events carry them one by one"
    ),
}
"""Fields rtmsg keeps as JSON (of the SDK's top-level JSON type) instead of typing them."""

_MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Sunny, 21 °C.", "annotations": []}],
}
_FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": True,
}
_SAMPLES: dict[str, tuple[Any, ...]] = {
    "access_programs": (None, {"cyber": "standard"}),
    "image": (None, {"context_compression": "enabled"}),
    "input_transformations": (
        None,
        [],
        [{"id": "rs_1", "action": "removed", "reason": "model_mismatch", "type": "reasoning"}],
    ),
    "instructions": (None, "Answer in one sentence.", []),
    "moderation": (None,),
    "prompt": (None, {"id": "pmpt_1", "version": "2", "variables": {"city": "Oslo"}}),
    "prompt_cache_diagnostics": (None, {"type": "cache_hit"}),
    "prompt_cache_options": (None, {"mode": "implicit", "ttl": "30m"}),
    "reasoning": (None, {"effort": "low", "summary": None}),
    "text": (None, {"format": {"type": "text"}, "verbosity": "medium"}),
    "tool_choice": ("auto", {"type": "function", "name": "get_weather"}),
    "tools": ([], [_FUNCTION, {"type": "web_search"}]),
    "tool_usage": (None,),
    "output": ([], [_MESSAGE]),
}
FOREIGN_SAMPLES: dict[tuple[type[msgspec.Struct], str], tuple[Any, ...]] = {
    (live.ResponseItemCreate, "item"): (
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temp_c": 21}'},
        {"role": "user", "content": "And tomorrow?"},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "And tomorrow?"}],
        },
    ),
    **{(responses.Response, name): values for name, values in _SAMPLES.items()},
}
"""Valid values, for the frame generator, of each field rtmsg keeps as JSON."""


def _same(modules: tuple[str, ...], names: dict[str, type[msgspec.Struct]]) -> dict[str, Any]:
    """The same models declared again in several SDK modules, mapped alike."""
    return {f"{module}.{name}": cls for module in modules for name, cls in names.items()}


def _live(modules: tuple[str, ...], names: dict[str, type[msgspec.Struct]]) -> dict[str, Any]:
    return _same(tuple(f"live.{module}" for module in modules), names)


def _responses(modules: tuple[str, ...], names: dict[str, type[msgspec.Struct]]) -> dict[str, Any]:
    return _same(tuple(f"responses.{module}" for module in modules), names)


_SERVER_MODULES = ("server_event", "connect_server_event", "fork_server_event")
_RESPONSES_CONFIG = ("responses_delegation_config", "responses_delegation_update_config")
_TOOL_CHOICES: dict[str, type[msgspec.Struct]] = {
    "LiveFunctionToolChoiceParam": live.ToolChoiceFunction,
    "LiveMCPToolChoiceParam": live.ToolChoiceMcp,
    "FileSearch": live.ToolChoiceFileSearch,
    "WebSearch": live.ToolChoiceWebSearch,
    "WebSearchPreview": live.ToolChoiceWebSearchPreview,
    "ImageGeneration": live.ToolChoiceImageGeneration,
    "Computer": live.ToolChoiceComputer,
    "CodeInterpreter": live.ToolChoiceCodeInterpreter,
    "ProgrammaticToolCalling": live.ToolChoiceProgrammaticToolCalling,
    "Shell": live.ToolChoiceShell,
    "Custom": live.ToolChoiceCustom,
    "ApplyPatch": live.ToolChoiceApplyPatch,
}
_ENV = "ToolShellEnvironment"
_DECISION_ITEMS: dict[str, type[msgspec.Struct]] = {
    "ItemFunctionCall": live.DecisionItem,
    "ItemFunctionCallOutput": live.DecisionItem,
    "ItemCustomToolCall": live.DecisionItem,
    "ItemCustomToolCallOutput": live.DecisionItem,
    "ItemFunctionCallOutputOutputPartsInputImage": live.DecisionInputImage,
    "ItemCustomToolCallOutputOutputPartsInputImage": live.DecisionInputImage,
}

LIVE_SDK_TO_RTMSG: dict[str, type[msgspec.Struct]] = {
    # client events
    "live.session_start_event.SessionStartEvent": live.SessionStart,
    "live.fork_session_start_event.ForkSessionStartEvent": live.ForkSessionStart,
    "live.session_update_event.SessionUpdateEvent": live.SessionUpdate,
    "live.input_audio_append_event.InputAudioAppendEvent": live.SessionInputAudioAppend,
    "live.input_audio_mute_event.InputAudioMuteEvent": live.SessionInputAudioMute,
    "live.input_audio_unmute_event.InputAudioUnmuteEvent": live.SessionInputAudioUnmute,
    "live.output_audio_fixture_play_event.OutputAudioFixturePlayEvent": (
        live.SessionOutputAudioFixturePlay
    ),
    "live.instructions_append_event.InstructionsAppendEvent": live.SessionInstructionsAppend,
    "live.thinking_append_event.ThinkingAppendEvent": live.SessionThinkingAppend,
    "live.commentary_append_event.CommentaryAppendEvent": live.SessionCommentaryAppend,
    "live.decision_create_event.DecisionCreateEvent": live.DecisionCreate,
    "live.decision_item_create_event.DecisionItemCreateEvent": live.DecisionItemCreate,
    "live.decision_item_delete_event.DecisionItemDeleteEvent": live.DecisionItemDelete,
    "live.response_item_create_event.ResponseItemCreateEvent": live.ResponseItemCreate,
    "live.response_create_event.ResponseCreateEvent": live.ResponseCreate,
    "live.session_close_event.SessionCloseEvent": live.SessionClose,
    "live.connect_client_event.TransportDtmfSend": live.TransportDtmfSend,
    # server events
    "live.session_started_event.SessionStartedEvent": live.SessionStarted,
    "live.session_updated_event.SessionUpdatedEvent": live.SessionUpdated,
    "live.connect_server_event.SessionPaused": live.SessionPaused,
    "live.connect_server_event.SessionResumed": live.SessionResumed,
    "live.input_audio_muted_event.InputAudioMutedEvent": live.SessionInputAudioMuted,
    "live.input_audio_unmuted_event.InputAudioUnmutedEvent": live.SessionInputAudioUnmuted,
    "live.output_audio_fixture_playing_event.OutputAudioFixturePlayingEvent": (
        live.SessionOutputAudioFixturePlaying
    ),
    "live.output_audio_fixture_played_event.OutputAudioFixturePlayedEvent": (
        live.SessionOutputAudioFixturePlayed
    ),
    "live.instructions_appended_event.InstructionsAppendedEvent": live.SessionInstructionsAppended,
    "live.thinking_appended_event.ThinkingAppendedEvent": live.SessionThinkingAppended,
    "live.commentary_appended_event.CommentaryAppendedEvent": live.SessionCommentaryAppended,
    "live.output_audio_delta_event.OutputAudioDeltaEvent": live.SessionOutputAudioDelta,
    "live.input_transcript_delta_event.InputTranscriptDeltaEvent": live.SessionInputTranscriptDelta,
    "live.output_transcript_delta_event.OutputTranscriptDeltaEvent": (
        live.SessionOutputTranscriptDelta
    ),
    "live.delegation_created_event.DelegationCreatedEvent": live.SessionDelegationCreated,
    "live.delegation_created_event.Delegation": live.DelegationInfo,
    "live.decision_event.DecisionEvent": live.DecisionEvent,
    "live.decision_event.Event": live.DecisionCompleted,
    "live.decision_item_created_event.DecisionItemCreatedEvent": live.DecisionItemCreated,
    "live.decision_item_deleted_event.DecisionItemDeletedEvent": live.DecisionItemDeleted,
    "live.response_event.ResponseEvent": live.ResponseEvent,
    "live.session_usage_updated_event.SessionUsageUpdatedEvent": live.SessionUsageUpdated,
    "live.session_usage_updated_event.ContextWindow": live.ContextWindow,
    "live.session_usage.SessionUsage": live.SessionUsage,
    "live.session_closed_event.SessionClosedEvent": live.SessionClosed,
    "live.error_event.ErrorEvent": live.Error,
    "live.error.Error": live.ErrorDetail,
    "live.info_event.InfoEvent": live.Info,
    **_live(
        _SERVER_MODULES,
        {
            "SessionInputAudioAppend": live.SessionInputAudioAppendReflection,
            "TransportDtmfReceived": live.TransportDtmfReceived,
            "TransportDtmfSend": live.LegacyTransportDtmfSend,
            "TransportDtmfSent": live.TransportDtmfSent,
            "TransportRinging": live.TransportRinging,
            "TransportAnswered": live.TransportAnswered,
            "TransportFailed": live.TransportFailed,
            "TransportFailedError": live.TransportFailedError,
        },
    ),
    # sessions
    "live.session_config.SessionConfig": live.SessionConfig,
    "live.session_resource.SessionResource": live.Session,
    "live.session_update_config.SessionUpdateConfig": live.SessionUpdateConfig,
    "live.fork_session_config.ForkSessionConfig": live.ForkSessionConfig,
    "live.fork_session_config.Audio": live.ForkAudio,
    "live.fork_session_config.Delegation": live.ForkDelegation,
    **_live(
        ("session_config", "session_resource"),
        {
            "Audio": live.Audio,
            "AudioOutput": live.AudioOutput,
            "DelegationResponses": live.ResponsesDelegation,
            "DelegationDecisions": live.DecisionsDelegation,
        },
    ),
    "live.session_update_config.DelegationResponses": live.ResponsesDelegationUpdate,
    "live.session_update_config.DelegationDecisions": live.DecisionsDelegationUpdate,
    "live.audio_format.AudioPCM": live.AudioPcm,
    "live.audio_format.AudioPCMU": live.AudioPcmu,
    "live.audio_format.AudioPCMA": live.AudioPcma,
    "live.custom_voice.CustomVoice": live.CustomVoice,
    "live.client_config.ClientConfig": live.ClientConfig,
    "live.data_channel_config.DataChannelConfig": live.DataChannelConfig,
    "live.server_event_selector.ServerEventSelector": live.ServerEventSelector,
    "live.client_delegation.ClientDelegation": live.ClientDelegation,
    # the Responses backend
    "live.responses_delegation_config.ResponsesDelegationConfig": live.ResponsesDelegationConfig,
    "live.responses_delegation_update_config.ResponsesDelegationUpdateConfig": (
        live.ResponsesDelegationUpdateConfig
    ),
    "live.function_tool.FunctionTool": live.FunctionTool,
    **_live(
        _RESPONSES_CONFIG,
        {
            "Reasoning": live.ResponsesReasoning,
            "Text": live.ResponsesText,
            **{
                f"ToolChoice{name}": cls
                for name, cls in _TOOL_CHOICES.items()
                if not name.startswith("Live")
            },
            "ToolChoiceLiveFunctionToolChoiceParam": live.ToolChoiceFunction,
            "ToolChoiceLiveMCPToolChoiceParam": live.ToolChoiceMcp,
            "ToolChoiceLiveAllowedToolsChoiceParam": live.ToolChoiceAllowedTools,
            **{
                f"ToolChoiceLiveAllowedToolsChoiceParamTool{name}": cls
                for name, cls in _TOOL_CHOICES.items()
            },
            "ToolWebSearch": live.WebSearchTool,
            "ToolFileSearch": live.FileSearchTool,
            "ToolCodeInterpreter": live.CodeInterpreterTool,
            "ToolShell": live.ShellTool,
            f"{_ENV}ContainerAuto": live.ContainerAuto,
            f"{_ENV}ContainerAutoNetworkPolicyDisabled": live.NetworkPolicyDisabled,
            f"{_ENV}ContainerAutoNetworkPolicyAllowlist": live.NetworkPolicyAllowlist,
            f"{_ENV}ContainerAutoSkillSkillReference": live.SkillReference,
            f"{_ENV}ContainerAutoSkillInline": live.InlineSkill,
            f"{_ENV}ContainerAutoSkillInlineSource": live.InlineSkillSource,
            f"{_ENV}ContainerReference": live.ContainerReference,
            f"{_ENV}Local": live.LocalEnvironment,
            f"{_ENV}LocalSkill": live.LocalSkill,
            "ToolImageGeneration": live.ImageGenerationTool,
            "ToolMcp": live.McpTool,
            "ToolMcpAllowedToolsLiveMCPToolFilterParam": live.McpToolFilter,
            "ToolMcpRequireApprovalLiveMCPRequireApprovalFilterParam": live.McpApprovalFilter,
            "ToolMcpRequireApprovalLiveMCPRequireApprovalFilterParamAlways": live.McpToolFilter,
            "ToolMcpRequireApprovalLiveMCPRequireApprovalFilterParamNever": live.McpToolFilter,
            "ToolCustom": live.CustomTool,
            "ToolNamespace": live.NamespaceTool,
            "ToolSearch": live.ToolSearchTool,
            "ToolProgrammaticToolCalling": live.ProgrammaticToolCallingTool,
            "ToolComputer": live.ComputerTool,
            "ToolApplyPatch": live.ApplyPatchTool,
        },
    ),
    # Decisions: questions, triggers, backends
    "live.decisions_delegation_config.DecisionsDelegationConfig": live.DecisionsDelegationConfig,
    "live.decisions_delegation_update_config.DecisionsDelegationUpdateConfig": (
        live.DecisionsDelegationUpdateConfig
    ),
    "live.decision_question.Choice": live.ChoiceQuestion,
    "live.decision_question.Predicate": live.PredicateQuestion,
    "live.decision_question.Score": live.ScoreQuestion,
    "live.decision_question.ScoreLevel": live.ScoreLevel,
    **_live(
        ("decision_question",),
        {
            f"{q}InstructionsParts{part}": cls
            for q in ("Choice", "Predicate", "Score")
            for part, cls in (
                ("InputImage", live.DecisionInputImage),
                ("InputJSON", live.DecisionInputJson),
            )
        },
    ),
    "live.decision_choice_option.DecisionChoiceOption": live.DecisionChoiceOption,
    "live.decision_input_text.DecisionInputText": live.DecisionInputText,
    "live.decision_trigger.DecisionTrigger": live.DecisionTrigger,
    "live.decision_trigger.Decisions": live.DecisionTriggerQuestions,
    # the startup history
    **_live(
        ("initial_item",), {role: live.InitialItem for role in ("Developer", "User", "Assistant")}
    ),
    **_live(
        ("initial_item",),
        {
            part: live.InitialItemContent
            for part in (
                "DeveloperContent",
                "UserContent",
                "AssistantContentText",
                "AssistantContentOutputText",
            )
        },
    ),
    # Decision items and their parts
    **{
        f"live.decision_{role}_message.Decision{role.title()}Message": live.DecisionItem
        for role in ("user", "developer", "system", "assistant")
    },
    **{
        f"live.decision_stored_{role}_message.DecisionStored{role.title()}Message": (
            live.StoredDecisionItem
        )
        for role in ("user", "developer", "system", "assistant")
    },
    **_live(("decision_item_create_event",), _DECISION_ITEMS),
    **_live(
        ("decision_item_created_event",),
        {
            name: live.StoredDecisionItem if cls is live.DecisionItem else cls
            for name, cls in _DECISION_ITEMS.items()
        },
    ),
    **_live(
        ("decision_user_message", "decision_stored_user_message"),
        {
            "ContentPartInputText": live.DecisionInputText,
            "ContentPartInputImage": live.DecisionInputImage,
            "ContentPartInputJSON": live.DecisionInputJson,
        },
    ),
    **_live(
        ("decision_assistant_message", "decision_stored_assistant_message"),
        {
            "ContentPartOutputText": live.DecisionOutputText,
            "ContentPartRefusal": live.DecisionRefusal,
        },
    ),
    # a Decision's answers
    "decision.Decision": live.Decision,
    "decision.AnswerAnswerResourcePredicate": live.DecisionPredicateAnswer,
    "decision.AnswerAnswerResourceChoice": live.DecisionChoiceAnswer,
    "decision.AnswerAnswerResourceChoiceProbability": live.DecisionChoiceProbability,
    "decision.AnswerAnswerResourceScore": live.DecisionScoreAnswer,
    "decision.AnswerAnswerResourceScoreProbability": live.DecisionScoreProbability,
    "decision.AnswerAnswerResourceRefusal": live.DecisionRefusalAnswer,
    "decision.Usage": live.DecisionUsage,
    "decision.UsageInputTokensDetails": live.DecisionUsageInputTokensDetails,
    "decision.UsageOutputTokensDetails": live.DecisionUsageOutputTokensDetails,
    # the nested Responses events
    "responses.response_created_event.ResponseCreatedEvent": responses.ResponseCreated,
    "responses.response_in_progress_event.ResponseInProgressEvent": responses.ResponseInProgress,
    "responses.response_queued_event.ResponseQueuedEvent": responses.ResponseQueued,
    "responses.response_completed_event.ResponseCompletedEvent": responses.ResponseCompleted,
    "responses.response_failed_event.ResponseFailedEvent": responses.ResponseFailed,
    "responses.response_incomplete_event.ResponseIncompleteEvent": responses.ResponseIncomplete,
    "sdk_live.OutputItemAdded": responses.ResponseOutputItemAdded,
    "sdk_live.OutputItemDone": responses.ResponseOutputItemDone,
    "responses.response_content_part_added_event.ResponseContentPartAddedEvent": (
        responses.ResponseContentPartAdded
    ),
    "responses.response_content_part_done_event.ResponseContentPartDoneEvent": (
        responses.ResponseContentPartDone
    ),
    "responses.response_text_delta_event.ResponseTextDeltaEvent": responses.ResponseOutputTextDelta,
    "responses.response_text_done_event.ResponseTextDoneEvent": responses.ResponseOutputTextDone,
    "responses.response_refusal_delta_event.ResponseRefusalDeltaEvent": (
        responses.ResponseRefusalDelta
    ),
    "responses.response_refusal_done_event.ResponseRefusalDoneEvent": responses.ResponseRefusalDone,
    "responses.response_audio_delta_event.ResponseAudioDeltaEvent": responses.ResponseAudioDelta,
    "responses.response_audio_done_event.ResponseAudioDoneEvent": responses.ResponseAudioDone,
    "responses.response_audio_transcript_delta_event.ResponseAudioTranscriptDeltaEvent": (
        responses.ResponseAudioTranscriptDelta
    ),
    "responses.response_audio_transcript_done_event.ResponseAudioTranscriptDoneEvent": (
        responses.ResponseAudioTranscriptDone
    ),
    "responses.response_function_call_arguments_delta_event."
    "ResponseFunctionCallArgumentsDeltaEvent": (responses.ResponseFunctionCallArgumentsDelta),
    "responses.response_function_call_arguments_done_event."
    "ResponseFunctionCallArgumentsDoneEvent": (responses.ResponseFunctionCallArgumentsDone),
    "responses.response_error_event.ResponseErrorEvent": responses.Error,
    **_responses(
        ("response_text_delta_event", "response_text_done_event"),
        {"Logprob": responses.TextLogprob, "LogprobTopLogprob": responses.TextTopLogprob},
    ),
    "responses.response.Response": responses.Response,
    "responses.response.IncompleteDetails": responses.IncompleteDetails,
    "responses.response.Conversation": responses.ResponseConversation,
    "responses.response_error.ResponseError": responses.ResponseError,
    "responses.response_error.Misalignment": responses.Misalignment,
    "responses.response_error.MisalignmentSteer": responses.MisalignmentSteer,
    "responses.response_usage.ResponseUsage": responses.ResponseUsage,
    "responses.response_usage.InputTokensDetails": responses.InputTokensDetails,
    "responses.response_usage.InputTokensDetailsCacheWriteTokensDetails": (
        responses.CacheWriteTokensDetails
    ),
    "responses.response_usage.OutputTokensDetails": responses.OutputTokensDetails,
    "responses.response_output_message.ResponseOutputMessage": responses.OutputMessage,
    "responses.response_output_text.ResponseOutputText": responses.OutputText,
    "responses.response_output_text.AnnotationFileCitation": responses.AnnotationFileCitation,
    "responses.response_output_text.AnnotationURLCitation": responses.AnnotationUrlCitation,
    "responses.response_output_text.AnnotationContainerFileCitation": (
        responses.AnnotationContainerFileCitation
    ),
    "responses.response_output_text.AnnotationFilePath": responses.AnnotationFilePath,
    "responses.response_output_text.Logprob": responses.OutputTextLogprob,
    "responses.response_output_text.LogprobTopLogprob": responses.OutputTextTopLogprob,
    "responses.response_output_refusal.ResponseOutputRefusal": responses.Refusal,
    **_responses(
        ("response_content_part_added_event", "response_content_part_done_event"),
        {"PartReasoningText": responses.ReasoningText},
    ),
    "responses.response_function_tool_call.ResponseFunctionToolCall": responses.FunctionCall,
    "responses.response_function_tool_call.CallerDirect": responses.CallerDirect,
    "responses.response_function_tool_call.CallerProgram": responses.CallerProgram,
}
"""Every SDK model the Live unions and the nested stream reach, and its rtmsg Struct."""

LIVE_MERGED: frozenset[type[msgspec.Struct]] = frozenset(
    {live.InitialItem, live.InitialItemContent, live.DecisionItem, live.StoredDecisionItem}
)
"""Live's hard spots: one Struct for several variants that no tag tells apart."""

assert openai.types.live  # the module whose unions LIVE_UNIONS names
