"""The Live session: its startup configuration, the session the server reports, and updates.

``session.start`` carries a :class:`SessionConfig` (a fork's, a
:class:`ForkSessionConfig`), ``session.started``/``updated``/``closed`` a
:class:`Session`, ``session.update`` a :class:`SessionUpdateConfig`. Around them:
the audio format and voice, the frontend data channel's permissions, the
delegation (to the application, to a Responses backend with its tools, or to
Decisions with its questions) and the Decision triggers.

Every union here is selected by a required ``type``, so each is a plain msgspec
tagged union; a lone object whose ``type`` is fixed (a fork's delegation, an
inline skill's source) keeps it as a checked field instead, since msgspec would
take a tag outside a union as optional.
"""

from __future__ import annotations

from typing import Any, Literal

from msgspec import UNSET, UnsetType

from ..engine.base import Model, Tagged
from .items import DecisionInputImage, DecisionInputJson, DecisionInputText, InitialItem

__all__ = [
    "ApplyPatchTool",
    "Audio",
    "AudioFormat",
    "AudioOutput",
    "AudioPcm",
    "AudioPcma",
    "AudioPcmu",
    "ChoiceQuestion",
    "ClientConfig",
    "ClientDelegation",
    "CodeInterpreterTool",
    "ComputerTool",
    "ContainerAuto",
    "ContainerReference",
    "CustomTool",
    "CustomVoice",
    "DataChannelConfig",
    "DecisionChoiceOption",
    "DecisionQuestion",
    "DecisionTrigger",
    "DecisionTriggerQuestions",
    "DecisionsDelegation",
    "DecisionsDelegationConfig",
    "DecisionsDelegationUpdate",
    "DecisionsDelegationUpdateConfig",
    "Delegation",
    "DelegationUpdate",
    "FileSearchTool",
    "ForkAudio",
    "ForkDelegation",
    "ForkSessionConfig",
    "FunctionTool",
    "ImageGenerationTool",
    "InlineSkill",
    "InlineSkillSource",
    "LocalEnvironment",
    "LocalSkill",
    "McpApprovalFilter",
    "McpTool",
    "McpToolFilter",
    "NamespaceTool",
    "NetworkPolicyAllowlist",
    "NetworkPolicyDisabled",
    "PredicateQuestion",
    "ProgrammaticToolCallingTool",
    "QuestionPart",
    "ResponsesDelegation",
    "ResponsesDelegationConfig",
    "ResponsesDelegationUpdate",
    "ResponsesDelegationUpdateConfig",
    "ResponsesReasoning",
    "ResponsesText",
    "ResponsesTool",
    "ScoreLevel",
    "ScoreQuestion",
    "ServerEventSelector",
    "Session",
    "SessionConfig",
    "SessionUpdateConfig",
    "ShellTool",
    "SkillReference",
    "ToolChoice",
    "ToolChoiceAllowedTools",
    "ToolChoiceApplyPatch",
    "ToolChoiceCodeInterpreter",
    "ToolChoiceComputer",
    "ToolChoiceCustom",
    "ToolChoiceFileSearch",
    "ToolChoiceFunction",
    "ToolChoiceImageGeneration",
    "ToolChoiceMcp",
    "ToolChoiceProgrammaticToolCalling",
    "ToolChoiceShell",
    "ToolChoiceWebSearch",
    "ToolChoiceWebSearchPreview",
    "ToolSearchTool",
    "WebSearchTool",
]


# --- audio ---------------------------------------------------------------------------------------


class AudioPcm(Tagged, tag="audio/pcm"):
    """Raw mono 16-bit little-endian PCM, at 16 or 24 kHz."""

    rate: Literal[16000, 24000]


class AudioPcmu(Tagged, tag="audio/pcmu"):
    """G.711 μ-law audio (8 kHz)."""

    rate: int


class AudioPcma(Tagged, tag="audio/pcma"):
    """G.711 A-law audio (8 kHz)."""

    rate: int


AudioFormat = AudioPcm | AudioPcmu | AudioPcma
"""The audio a primary WebSocket sends and receives; WebRTC and SIP negotiate their own."""


class CustomVoice(Model):
    """A custom voice, by its ID."""

    id: str


class AudioOutput(Model):
    """The voice of the Live model: a built-in voice's name or a custom voice; fixed at startup."""

    voice: str | CustomVoice | None | UnsetType = UNSET


class Audio(Model):
    """Startup audio settings: the WebSocket's format and the voice; fixed after startup."""

    format: AudioFormat | None | UnsetType = UNSET
    output: AudioOutput | None | UnsetType = UNSET


class ForkAudio(Model):
    """A WebSocket fork's audio format (a WebRTC fork negotiates its own)."""

    format: AudioFormat | None | UnsetType = UNSET


# --- the frontend data channel -------------------------------------------------------------------


class ServerEventSelector(Model):
    """A server event a WebRTC frontend may receive; ``response_event`` selects nested ones."""

    type: str
    response_event: str | None | UnsetType = UNSET


class DataChannelConfig(Model):
    """Which events an untrusted WebRTC frontend may send and receive (``"all"`` or a list)."""

    allowed_client_events: Literal["all"] | list[str] | None | UnsetType = UNSET
    allowed_server_events: Literal["all"] | list[ServerEventSelector] | None | UnsetType = UNSET


class ClientConfig(Model):
    """Startup-only capabilities of an untrusted frontend of a WebRTC session."""

    data_channel: DataChannelConfig


# --- Decision questions and triggers -------------------------------------------------------------

QuestionPart = DecisionInputText | DecisionInputImage | DecisionInputJson
"""A part of a question's instructions."""


class DecisionChoiceOption(Model):
    """One option of a choice question: a string or a boolean, which are distinct."""

    value: str | bool
    description: str | None | UnsetType = UNSET


class ChoiceQuestion(Tagged, tag="choice"):
    """Choose one of the options."""

    choices: list[DecisionChoiceOption]
    instructions: str | list[QuestionPart]
    name: str | None | UnsetType = UNSET


class PredicateQuestion(Tagged, tag="predicate"):
    """Whether a statement holds."""

    instructions: str | list[QuestionPart]
    name: str | None | UnsetType = UNSET


class ScoreLevel(Model):
    """One level of a score question."""

    label: str
    description: str | None | UnsetType = UNSET


class ScoreQuestion(Tagged, tag="score"):
    """Score on the given levels."""

    instructions: str | list[QuestionPart]
    levels: list[ScoreLevel]
    name: str | None | UnsetType = UNSET


DecisionQuestion = ChoiceQuestion | PredicateQuestion | ScoreQuestion
"""A Decision API question."""


class DecisionTriggerQuestions(Model):
    """The questions a trigger evaluates on the transcript and the session's Decision items."""

    questions: list[DecisionQuestion]


class DecisionTrigger(Model):
    """Evaluate Decision questions on every transcript delta of one kind (``event_type``)."""

    decisions: DecisionTriggerQuestions
    event_type: str
    type: Literal["decisions"]


class DecisionsDelegationConfig(Model):
    """The model and questions of a Decisions backend."""

    model: str
    questions: list[DecisionQuestion]


class DecisionsDelegationUpdateConfig(Model):
    """Changes to a Decisions backend."""

    model: str | None | UnsetType = UNSET
    questions: list[DecisionQuestion] | None | UnsetType = UNSET


# --- the Responses backend's tools ---------------------------------------------------------------


class FunctionTool(Tagged, tag="function"):
    """A function the delegated Responses model may call."""

    name: str
    description: str | None | UnsetType = UNSET
    parameters: dict[str, Any] | None | UnsetType = UNSET
    strict: bool | None | UnsetType = UNSET


class WebSearchTool(Tagged, tag="web_search"):
    """Web search."""


class FileSearchTool(Tagged, tag="file_search"):
    """File search."""


class CodeInterpreterTool(Tagged, tag="code_interpreter"):
    """The code interpreter."""


class NetworkPolicyDisabled(Tagged, tag="disabled"):
    """No outbound network access from the container."""


class NetworkPolicyAllowlist(Tagged, tag="allowlist"):
    """Outbound network access to the listed domains only."""

    allowed_domains: list[str]


class SkillReference(Tagged, tag="skill_reference"):
    """A skill created with the skills endpoint, by ID and version."""

    skill_id: str
    version: str | None | UnsetType = UNSET


class InlineSkillSource(Model):
    """An inline skill's zip bundle, base64 encoded."""

    data: str
    media_type: Literal["application/zip"]
    type: Literal["base64"]


class InlineSkill(Tagged, tag="inline"):
    """A skill given inline."""

    description: str
    name: str
    source: InlineSkillSource


class ContainerAuto(Tagged, tag="container_auto"):
    """A container created for the request."""

    file_ids: list[str] | None | UnsetType = UNSET
    memory_limit: str | None | UnsetType = UNSET
    network_policy: NetworkPolicyDisabled | NetworkPolicyAllowlist | None | UnsetType = UNSET
    skills: list[SkillReference | InlineSkill] | None | UnsetType = UNSET


class ContainerReference(Tagged, tag="container_reference"):
    """A container created with the containers endpoint."""

    container_id: str


class LocalSkill(Model):
    """A skill in a directory of the local environment."""

    description: str
    name: str
    path: str


class LocalEnvironment(Tagged, tag="local"):
    """A local computer: the application runs the shell calls."""

    skills: list[LocalSkill] | None | UnsetType = UNSET


class ShellTool(Tagged, tag="shell"):
    """The shell tool, in a hosted container or a local environment."""

    environment: ContainerAuto | ContainerReference | LocalEnvironment | None | UnsetType = UNSET


class ImageGenerationTool(Tagged, tag="image_generation"):
    """Image generation."""


class McpToolFilter(Model):
    """Selects MCP tools by name or by their read-only hint."""

    read_only: bool | None | UnsetType = UNSET
    tool_names: list[str] | None | UnsetType = UNSET


class McpApprovalFilter(Model):
    """Which MCP tools always or never need approval."""

    always: McpToolFilter | None | UnsetType = UNSET
    never: McpToolFilter | None | UnsetType = UNSET


class McpTool(Tagged, tag="mcp"):
    """A remote MCP server, a connector or a tunnel; ``authorization`` is never shown in a repr."""

    allowed_callers: list[str] | None | UnsetType = UNSET
    allowed_tools: list[str] | McpToolFilter | None | UnsetType = UNSET
    authorization: str | None | UnsetType = UNSET
    connector_id: str | None | UnsetType = UNSET
    defer_loading: bool | None | UnsetType = UNSET
    headers: dict[str, str] | None | UnsetType = UNSET
    require_approval: McpApprovalFilter | str | None | UnsetType = UNSET
    server_description: str | None | UnsetType = UNSET
    server_label: str | None | UnsetType = UNSET
    server_url: str | None | UnsetType = UNSET
    tunnel_id: str | None | UnsetType = UNSET


class CustomTool(Tagged, tag="custom"):
    """Custom tools."""


class NamespaceTool(Tagged, tag="namespace"):
    """Namespaced tools."""


class ToolSearchTool(Tagged, tag="tool_search"):
    """Tool search."""


class ProgrammaticToolCallingTool(Tagged, tag="programmatic_tool_calling"):
    """Programmatic tool calling."""


class ComputerTool(Tagged, tag="computer"):
    """Computer use."""


class ApplyPatchTool(Tagged, tag="apply_patch"):
    """The apply_patch tool."""


ResponsesTool = (
    FunctionTool
    | WebSearchTool
    | FileSearchTool
    | CodeInterpreterTool
    | ShellTool
    | ImageGenerationTool
    | McpTool
    | CustomTool
    | NamespaceTool
    | ToolSearchTool
    | ProgrammaticToolCallingTool
    | ComputerTool
    | ApplyPatchTool
)
"""A tool of the Responses backend."""


class ToolChoiceFunction(Tagged, tag="function"):
    """Call this function."""

    name: str


class ToolChoiceMcp(Tagged, tag="mcp"):
    """Call this tool of this MCP server."""

    name: str
    server_label: str


class ToolChoiceFileSearch(Tagged, tag="file_search"):
    """Call file search."""


class ToolChoiceWebSearch(Tagged, tag="web_search"):
    """Call web search."""


class ToolChoiceWebSearchPreview(Tagged, tag="web_search_preview"):
    """Call web search (preview)."""


class ToolChoiceImageGeneration(Tagged, tag="image_generation"):
    """Call image generation."""


class ToolChoiceComputer(Tagged, tag="computer"):
    """Call computer use."""


class ToolChoiceCodeInterpreter(Tagged, tag="code_interpreter"):
    """Call the code interpreter."""


class ToolChoiceProgrammaticToolCalling(Tagged, tag="programmatic_tool_calling"):
    """Call programmatic tool calling."""


class ToolChoiceShell(Tagged, tag="shell"):
    """Call the shell tool."""


class ToolChoiceCustom(Tagged, tag="custom"):
    """Call this custom tool."""

    name: str


class ToolChoiceApplyPatch(Tagged, tag="apply_patch"):
    """Call apply_patch."""


_ToolChoiceTool = (
    ToolChoiceFunction
    | ToolChoiceMcp
    | ToolChoiceFileSearch
    | ToolChoiceWebSearch
    | ToolChoiceWebSearchPreview
    | ToolChoiceImageGeneration
    | ToolChoiceComputer
    | ToolChoiceCodeInterpreter
    | ToolChoiceProgrammaticToolCalling
    | ToolChoiceShell
    | ToolChoiceCustom
    | ToolChoiceApplyPatch
)


class ToolChoiceAllowedTools(Tagged, tag="allowed_tools"):
    """Call one of these tools, as ``mode`` says."""

    tools: list[_ToolChoiceTool]
    mode: str | None | UnsetType = UNSET


ToolChoice = str | _ToolChoiceTool | ToolChoiceAllowedTools
"""Which tool the Responses backend calls: ``auto``, ``none``, ``required`` or a tool."""


# --- the Responses backend -----------------------------------------------------------------------


class ResponsesReasoning(Model):
    """Reasoning settings of each delegated Responses request."""

    effort: str | None | UnsetType = UNSET
    summary: str | None | UnsetType = UNSET


class ResponsesText(Model):
    """Text settings of each delegated Responses request."""

    verbosity: str | None | UnsetType = UNSET


class ResponsesDelegationConfig(Model):
    """The model, instructions, tools and settings of a Responses backend."""

    model: str
    instructions: str | None | UnsetType = UNSET
    max_output_tokens: int | None | UnsetType = UNSET
    parallel_tool_calls: bool | None | UnsetType = UNSET
    reasoning: ResponsesReasoning | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    text: ResponsesText | None | UnsetType = UNSET
    tool_choice: ToolChoice | None | UnsetType = UNSET
    tools: list[ResponsesTool] | None | UnsetType = UNSET


class ResponsesDelegationUpdateConfig(Model):
    """Changes to a Responses backend; what is absent keeps its value."""

    instructions: str | None | UnsetType = UNSET
    max_output_tokens: int | None | UnsetType = UNSET
    model: str | None | UnsetType = UNSET
    parallel_tool_calls: bool | None | UnsetType = UNSET
    reasoning: ResponsesReasoning | None | UnsetType = UNSET
    service_tier: str | None | UnsetType = UNSET
    text: ResponsesText | None | UnsetType = UNSET
    tool_choice: ToolChoice | None | UnsetType = UNSET
    tools: list[ResponsesTool] | None | UnsetType = UNSET


# --- delegation ----------------------------------------------------------------------------------


class ClientDelegation(Tagged, tag="client"):
    """The application handles delegated tasks (the default)."""

    acknowledgement_delay_ms: int | None | UnsetType = UNSET


class ResponsesDelegation(Tagged, tag="responses"):
    """A Responses backend the session manages handles delegated tasks."""

    responses: ResponsesDelegationConfig
    acknowledgement_delay_ms: int | None | UnsetType = UNSET


class DecisionsDelegation(Tagged, tag="decisions"):
    """A Decisions backend handles delegated tasks."""

    decisions: DecisionsDelegationConfig
    acknowledgement_delay_ms: int | None | UnsetType = UNSET


Delegation = ClientDelegation | ResponsesDelegation | DecisionsDelegation
"""Who handles the tasks the Live model delegates; null or absent: the application."""


class ResponsesDelegationUpdate(Tagged, tag="responses"):
    """Changes to the Responses backend (the delegation's kind cannot change)."""

    acknowledgement_delay_ms: int | None | UnsetType = UNSET
    responses: ResponsesDelegationUpdateConfig | None | UnsetType = UNSET


class DecisionsDelegationUpdate(Tagged, tag="decisions"):
    """Changes to the Decisions backend."""

    acknowledgement_delay_ms: int | None | UnsetType = UNSET
    decisions: DecisionsDelegationUpdateConfig | None | UnsetType = UNSET


DelegationUpdate = ClientDelegation | ResponsesDelegationUpdate | DecisionsDelegationUpdate
"""Changes to the delegation, of the session's own kind."""


class ForkDelegation(Model):
    """Changes to a stored session's Responses backend, for its fork."""

    type: Literal["responses"]
    acknowledgement_delay_ms: int | None | UnsetType = UNSET
    responses: ResponsesDelegationUpdateConfig | None | UnsetType = UNSET


# --- sessions ------------------------------------------------------------------------------------


class SessionConfig(Model):
    """The startup configuration of a Live session: model, instructions, audio, delegation."""

    model: str
    audio: Audio | None | UnsetType = UNSET
    client: ClientConfig | None | UnsetType = UNSET
    delegation: Delegation | None | UnsetType = UNSET
    input: list[InitialItem] | None | UnsetType = UNSET
    instructions: str | None | UnsetType = UNSET
    safety_identifier: str | None | UnsetType = UNSET
    store: bool | None | UnsetType = UNSET
    triggers: list[DecisionTrigger] | None | UnsetType = UNSET


class Session(Model):
    """A Live session as the server reports it: its configuration, ID and expiry."""

    id: str
    expires_at: int
    model: str
    status: str
    audio: Audio | None | UnsetType = UNSET
    client: ClientConfig | None | UnsetType = UNSET
    delegation: Delegation | None | UnsetType = UNSET
    input: list[InitialItem] | None | UnsetType = UNSET
    instructions: str | None | UnsetType = UNSET
    safety_identifier: str | None | UnsetType = UNSET
    store: bool | None | UnsetType = UNSET
    triggers: list[DecisionTrigger] | None | UnsetType = UNSET


class SessionUpdateConfig(Model):
    """What ``session.update`` may change: the delegation's settings and the triggers."""

    delegation: DelegationUpdate | None | UnsetType = UNSET
    triggers: list[DecisionTrigger] | None | UnsetType = UNSET


class ForkSessionConfig(Model):
    """Overrides of a stored session for its fork; an empty object keeps them all."""

    audio: ForkAudio | None | UnsetType = UNSET
    client: ClientConfig | None | UnsetType = UNSET
    delegation: ForkDelegation | None | UnsetType = UNSET
    store: bool | None | UnsetType = UNSET
