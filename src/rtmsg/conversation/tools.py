"""Tools, tool choice and prompt references, shared by sessions and responses.

Function tools and MCP tools share one Struct: the function tool's ``type`` is
optional on the wire, so the two cannot be told apart by a msgspec tag.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from ..engine.base import Model, Tagged
from ..engine.errors import ErrorCode, SchemaError

__all__ = [
    "McpToolApprovalFilter",
    "McpToolFilter",
    "Prompt",
    "PromptCacheBreakpoint",
    "PromptInputFile",
    "PromptInputImage",
    "PromptInputText",
    "PromptVariable",
    "Tool",
    "ToolChoiceFunction",
    "ToolChoiceMcp",
]


class McpToolFilter(Model):
    """Selects MCP tools by name or by their read-only hint."""

    read_only: bool | None | UnsetType = UNSET
    tool_names: list[str] | None | UnsetType = UNSET


class McpToolApprovalFilter(Model):
    """Which MCP tools always or never need approval."""

    always: McpToolFilter | None | UnsetType = UNSET
    never: McpToolFilter | None | UnsetType = UNSET


class Tool(Model):
    """A tool the model may call: a function (``type`` absent or ``function``) or MCP (``mcp``).

    An MCP tool must carry a ``server_label``; the other MCP fields are only
    meaningful with ``type="mcp"``.
    """

    type: str | None | UnsetType = UNSET
    # function tool
    name: str | None | UnsetType = UNSET
    description: str | None | UnsetType = UNSET
    parameters: Any | None | UnsetType = UNSET
    # MCP tool
    server_label: str | None | UnsetType = UNSET
    allowed_callers: list[str] | None | UnsetType = UNSET
    allowed_tools: list[str] | McpToolFilter | None | UnsetType = UNSET
    authorization: str | None | UnsetType = UNSET
    connector_id: str | None | UnsetType = UNSET
    defer_loading: bool | None | UnsetType = UNSET
    headers: dict[str, str] | None | UnsetType = UNSET
    require_approval: McpToolApprovalFilter | str | None | UnsetType = UNSET
    server_description: str | None | UnsetType = UNSET
    server_url: str | None | UnsetType = UNSET
    tunnel_id: str | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        kind = self.type
        if kind == "mcp":
            if self.server_label is UNSET:
                raise SchemaError(
                    "An 'mcp' tool requires `server_label`",
                    code=ErrorCode.MISSING_REQUIRED_PARAMETER,
                    field="server_label",
                )
            if self.server_label is None:
                raise SchemaError(
                    "An 'mcp' tool's `server_label` must be a string, not null",
                    code=ErrorCode.INVALID_TYPE,
                    field="server_label",
                )
        elif kind is not None and kind is not UNSET and kind != "function":
            raise SchemaError(
                f"Invalid tool type {kind!r}: expected 'function' or 'mcp'",
                code=ErrorCode.INVALID_VALUE,
                field="type",
            )


class ToolChoiceFunction(Tagged, tag="function"):
    """Force the model to call the named function."""

    name: str


class ToolChoiceMcp(Tagged, tag="mcp"):
    """Force the model to call a tool on the named MCP server."""

    server_label: str
    name: str | None | UnsetType = UNSET


class PromptCacheBreakpoint(Model):
    """Marks where a prompt's cacheable prefix ends."""

    mode: str
    ttl: str | None | UnsetType = UNSET


class PromptInputText(Tagged, tag="input_text"):
    """A text value for a prompt template variable."""

    text: str
    prompt_cache_breakpoint: PromptCacheBreakpoint | None | UnsetType = UNSET


class PromptInputImage(Tagged, tag="input_image"):
    """An image value for a prompt template variable."""

    detail: str
    file_id: str | None | UnsetType = UNSET
    image_url: str | None | UnsetType = UNSET
    prompt_cache_breakpoint: PromptCacheBreakpoint | None | UnsetType = UNSET


class PromptInputFile(Tagged, tag="input_file"):
    """A file value for a prompt template variable."""

    detail: str | None | UnsetType = UNSET
    file_data: str | None | UnsetType = UNSET
    file_id: str | None | UnsetType = UNSET
    file_url: str | None | UnsetType = UNSET
    filename: str | None | UnsetType = UNSET
    prompt_cache_breakpoint: PromptCacheBreakpoint | None | UnsetType = UNSET


PromptVariable = str | PromptInputText | PromptInputImage | PromptInputFile
"""A prompt template variable: plain text or a typed input."""


class Prompt(Model):
    """A reference to a stored prompt template and its variables."""

    id: str
    variables: dict[str, PromptVariable] | None | UnsetType = UNSET
    version: str | None | UnsetType = UNSET
