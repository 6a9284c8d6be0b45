"""Conversation items: messages, function calls and outputs, MCP calls, listings and approvals.

System, user and assistant messages all have ``type: "message"`` and differ by
``role``, so they share one :class:`Message` Struct whose ``__post_init__``
checks the role and which content parts that role allows.
"""

from __future__ import annotations

from typing import Any, ClassVar

from msgspec import UNSET, UnsetType

from ._base import Model, Tagged
from .errors import ErrorCode, SchemaError

__all__ = [
    "ConversationItem",
    "FunctionCall",
    "FunctionCallOutput",
    "McpApprovalRequest",
    "McpApprovalResponse",
    "McpError",
    "McpHttpError",
    "McpListTools",
    "McpListedTool",
    "McpProtocolError",
    "McpToolCall",
    "McpToolExecutionError",
    "Message",
    "MessageContent",
]

_CONTENT_TYPES_BY_ROLE: dict[str, frozenset[str]] = {
    "system": frozenset({"input_text"}),
    "user": frozenset({"input_text", "input_audio", "input_image"}),
    "assistant": frozenset({"output_text", "output_audio"}),
}


class MessageContent(Model):
    """One content part of a message: text, audio (base64), a transcript or an image."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    type: str | None | UnsetType = UNSET
    text: str | None | UnsetType = UNSET
    audio: str | None | UnsetType = UNSET
    transcript: str | None | UnsetType = UNSET
    image_url: str | None | UnsetType = UNSET
    detail: str | None | UnsetType = UNSET


class Message(Tagged, tag="message"):
    """A system, user or assistant message in the conversation."""

    role: str
    content: list[MessageContent]
    id: str | None | UnsetType = UNSET
    object: str | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        allowed = _CONTENT_TYPES_BY_ROLE.get(self.role)
        if allowed is None:
            raise SchemaError(
                f"Invalid role {self.role!r}: expected 'system', 'user' or 'assistant'",
                code=ErrorCode.INVALID_VALUE,
                field="role",
            )
        for index, part in enumerate(self.content):
            kind = part.type
            if kind is not None and kind is not UNSET and kind not in allowed:
                raise SchemaError(
                    f"Invalid content type {kind!r} for a {self.role!r} message:"
                    f" expected one of {sorted(allowed)}",
                    code=ErrorCode.INVALID_VALUE,
                    field=f"content[{index}].type",
                )


class FunctionCall(Tagged, tag="function_call"):
    """A call of a function tool by the model, with its JSON-encoded arguments."""

    name: str
    arguments: str
    call_id: str | None | UnsetType = UNSET
    id: str | None | UnsetType = UNSET
    object: str | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET


class FunctionCallOutput(Tagged, tag="function_call_output"):
    """The result of a function call, sent back by the client."""

    call_id: str
    output: str
    id: str | None | UnsetType = UNSET
    object: str | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET


class McpApprovalResponse(Tagged, tag="mcp_approval_response"):
    """The client's answer to an MCP approval request."""

    id: str
    approval_request_id: str
    approve: bool
    reason: str | None | UnsetType = UNSET


class McpListedTool(Model):
    """A tool offered by an MCP server, with its JSON input schema."""

    name: str
    input_schema: Any
    annotations: Any | None | UnsetType = UNSET
    description: str | None | UnsetType = UNSET


class McpListTools(Tagged, tag="mcp_list_tools"):
    """The tools an MCP server offers."""

    server_label: str
    tools: list[McpListedTool]
    id: str | None | UnsetType = UNSET


class McpProtocolError(Tagged, tag="protocol_error"):
    """An MCP call failed with an MCP protocol error."""

    code: int
    message: str


class McpToolExecutionError(Tagged, tag="tool_execution_error"):
    """An MCP tool ran and failed."""

    message: str


class McpHttpError(Tagged, tag="http_error"):
    """An MCP call failed with an HTTP error."""

    code: int
    message: str


McpError = McpProtocolError | McpToolExecutionError | McpHttpError
"""Why an MCP call failed, selected by its ``type``."""


class McpToolCall(Tagged, tag="mcp_call"):
    """A call of a tool on an MCP server, with its output or error."""

    id: str
    name: str
    arguments: str
    server_label: str
    approval_request_id: str | None | UnsetType = UNSET
    error: McpError | None | UnsetType = UNSET
    output: str | None | UnsetType = UNSET


class McpApprovalRequest(Tagged, tag="mcp_approval_request"):
    """The server asks the client to approve an MCP tool call."""

    id: str
    name: str
    arguments: str
    server_label: str


ConversationItem = (
    Message
    | FunctionCall
    | FunctionCallOutput
    | McpApprovalResponse
    | McpListTools
    | McpToolCall
    | McpApprovalRequest
)
"""Any conversation item, selected by its ``type``."""
