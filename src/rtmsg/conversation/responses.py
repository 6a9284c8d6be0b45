"""Responses: the parameters of ``response.create`` and the response object the server reports.

Usage and status details live here too: they only occur inside a response.
"""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, UnsetType

from ..engine.base import Model, given
from .items import ConversationItem, ItemReference, _check_client_item
from .session import AudioFormat, Reasoning, VoiceId
from .tools import Prompt, Tool, ToolChoiceFunction, ToolChoiceMcp

__all__ = [
    "CachedTokensDetails",
    "InputTokenDetails",
    "OutputTokenDetails",
    "Response",
    "ResponseAudio",
    "ResponseAudioOutput",
    "ResponseCreateAudioOutput",
    "ResponseCreateAudioOutputOutput",
    "ResponseCreateParams",
    "ResponseStatus",
    "ResponseStatusError",
    "Usage",
]


class ResponseCreateAudioOutputOutput(Model):
    """Output audio format and voice for one response."""

    format: AudioFormat | None | UnsetType = UNSET
    voice: str | VoiceId | None | UnsetType = UNSET


class ResponseCreateAudioOutput(Model):
    """Audio settings for one response."""

    output: ResponseCreateAudioOutputOutput | None | UnsetType = UNSET


class ResponseCreateParams(Model):
    """Parameters of one response, overriding the session's for that response only.

    ``input`` holds new items and references to items already in the conversation.
    """

    audio: ResponseCreateAudioOutput | None | UnsetType = UNSET
    conversation: str | None | UnsetType = UNSET
    input: list[ConversationItem | ItemReference] | None | UnsetType = UNSET
    instructions: str | None | UnsetType = UNSET
    max_output_tokens: int | Literal["inf"] | None | UnsetType = UNSET
    metadata: dict[str, str] | None | UnsetType = UNSET
    output_modalities: list[str] | None | UnsetType = UNSET
    parallel_tool_calls: bool | None | UnsetType = UNSET
    prompt: Prompt | None | UnsetType = UNSET
    reasoning: Reasoning | None | UnsetType = UNSET
    tool_choice: str | ToolChoiceFunction | ToolChoiceMcp | None | UnsetType = UNSET
    tools: list[Tool] | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        if isinstance(self.input, list):
            for index, item in enumerate(self.input):
                _check_client_item(item, f"input[{index}]")


class ResponseAudioOutput(Model):
    """The output audio format and voice a response used: a custom voice is an object."""

    format: AudioFormat | None | UnsetType = UNSET
    voice: str | VoiceId | None | UnsetType = UNSET


class ResponseAudio(Model):
    """Audio settings a response used."""

    output: ResponseAudioOutput | None | UnsetType = UNSET


class ResponseStatusError(Model):
    """The error that made a response fail."""

    code: str | None | UnsetType = UNSET
    message: str | None | UnsetType = UNSET
    type: str | None | UnsetType = UNSET


class ResponseStatus(Model):
    """Why a response ended as it did: cancelled, incomplete or failed."""

    error: ResponseStatusError | None | UnsetType = UNSET
    reason: str | None | UnsetType = UNSET
    type: str | None | UnsetType = UNSET


class CachedTokensDetails(Model):
    """Cached input tokens by modality."""

    audio_tokens: int | None | UnsetType = UNSET
    image_tokens: int | None | UnsetType = UNSET
    text_tokens: int | None | UnsetType = UNSET


class InputTokenDetails(Model):
    """Input tokens by modality, and how many were cached."""

    audio_tokens: int | None | UnsetType = UNSET
    cached_tokens: int | None | UnsetType = UNSET
    cached_tokens_details: CachedTokensDetails | None | UnsetType = UNSET
    image_tokens: int | None | UnsetType = UNSET
    text_tokens: int | None | UnsetType = UNSET


class OutputTokenDetails(Model):
    """Output tokens by modality."""

    audio_tokens: int | None | UnsetType = UNSET
    text_tokens: int | None | UnsetType = UNSET


class Usage(Model):
    """Token usage of a response."""

    input_token_details: InputTokenDetails | None | UnsetType = UNSET
    input_tokens: int | None | UnsetType = UNSET
    output_token_details: OutputTokenDetails | None | UnsetType = UNSET
    output_tokens: int | None | UnsetType = UNSET
    total_tokens: int | None | UnsetType = UNSET


class Response(Model):
    """A response as the server reports it: status, output items and usage."""

    id: str | None | UnsetType = UNSET
    audio: ResponseAudio | None | UnsetType = UNSET
    conversation_id: str | None | UnsetType = UNSET
    max_output_tokens: int | Literal["inf"] | None | UnsetType = UNSET
    metadata: dict[str, str] | None | UnsetType = UNSET
    object: str | None | UnsetType = UNSET
    output: list[ConversationItem] | None | UnsetType = UNSET
    output_modalities: list[str] | None | UnsetType = UNSET
    status: str | None | UnsetType = UNSET
    status_details: ResponseStatus | None | UnsetType = UNSET
    usage: Usage | None | UnsetType = UNSET

    @property
    def output_format(self) -> AudioFormat | None:
        """The output audio format the response names, ``None`` if it names none."""
        audio = self.audio
        if given(audio) and given(audio.output) and given(audio.output.format):
            return audio.output.format
        return None
