"""Conversation items: messages, function calls and outputs, MCP calls, listings and approvals.

System, user and assistant messages all have ``type: "message"`` and differ by
``role``, so they share one :class:`Message` Struct whose ``__post_init__``
checks the role and which content parts that role allows.

One Struct reads an item in both directions, as in the SDK. Where the directions
differ, a message takes what either may send, and the client events that carry items
(``conversation.item.create``, ``response.create``) hold them to what a client may send
with :func:`_check_client_item`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from msgspec import UNSET, UnsetType

from ..engine.base import Model, Tagged
from ..engine.errors import ErrorCode, SchemaError

__all__ = [
    "ConversationItem",
    "FunctionCall",
    "FunctionCallOutput",
    "ItemReference",
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

_CLIENT_CONTENT_TYPES: dict[str, frozenset[str]] = {
    "system": frozenset({"input_text"}),
    "user": frozenset({"input_text", "input_audio", "input_image"}),
    "assistant": frozenset({"output_text", "output_audio"}),
}
"""The content parts each role allows in a client event: the spec's and the SDK's schemas."""

_SERVER_ONLY_CONTENT_TYPES: dict[str, frozenset[str]] = {"assistant": frozenset({"text", "audio"})}
"""Parts the server also sends: its assistant messages in ``conversation.item.retrieved`` and
``response.output_item.done`` use the part types of ``response.content_part.*`` (the spec's own
examples; live sessions send them in the content part events)."""

_CONTENT_TYPES_BY_ROLE: dict[str, frozenset[str]] = {
    role: allowed | _SERVER_ONLY_CONTENT_TYPES.get(role, frozenset())
    for role, allowed in _CLIENT_CONTENT_TYPES.items()
}


class MessageContent(Model):
    """One content part of a message: text, audio (base64), a transcript or an image.

    ``format`` names the audio format of an ``audio`` part the server reports
    (``"pcm16"`` in the spec's ``conversation.item.retrieved`` example).
    """

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    type: str | None | UnsetType = UNSET
    text: str | None | UnsetType = UNSET
    audio: str | None | UnsetType = UNSET
    transcript: str | None | UnsetType = UNSET
    image_url: str | None | UnsetType = UNSET
    detail: str | None | UnsetType = UNSET
    format: str | UnsetType = UNSET


class Message(Tagged, tag="message"):
    """A system, user or assistant message in the conversation.

    Content parts by role: ``input_text`` (system); ``input_text``, ``input_audio``,
    ``input_image`` (user); ``output_text``, ``output_audio`` (assistant), and from the
    server also ``text`` and ``audio``, which a client event may not send.
    """

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


def _check_client_item(item: object, where: str) -> None:
    """Reject what only the server may send in an item a client event carries at ``where``."""
    if not isinstance(item, Message):
        return
    server_only = _SERVER_ONLY_CONTENT_TYPES.get(item.role)
    if server_only is None:
        return
    for index, part in enumerate(item.content):
        if part.type in server_only:
            allowed = sorted(_CLIENT_CONTENT_TYPES[item.role])
            raise SchemaError(
                f"Invalid content type {part.type!r} for an {item.role!r} message"
                f" sent by a client: expected one of {allowed}",
                code=ErrorCode.INVALID_VALUE,
                field=f"{where}.content[{index}].type",
            )


class ItemReference(Tagged, tag="item_reference"):
    """A reference to an item already in the conversation, in ``response.create``'s ``input``."""

    id: str


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
