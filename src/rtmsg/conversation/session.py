"""Session configuration: audio formats, turn detection, transcription, tracing, truncation.

These are the objects inside ``session.update``, ``session.created`` and
``session.updated``. Both session kinds (``realtime`` and ``transcription``)
live here because they share their audio input types.

One Struct reads a session in both directions, as in the SDK: what only the
server reports (``id``, ``object``, ``expires_at``) is optional.
"""

from __future__ import annotations

from typing import Any, Literal

from msgspec import UNSET, UnsetType

from ..engine.base import Model, Tagged, given
from ..engine.errors import ErrorCode, SchemaError
from .tools import Prompt, Tool, ToolChoiceFunction, ToolChoiceMcp

__all__ = [
    "AudioConfig",
    "AudioConfigInput",
    "AudioConfigOutput",
    "AudioFormat",
    "AudioTranscription",
    "NoiseReduction",
    "Reasoning",
    "SemanticVad",
    "ServerVad",
    "Session",
    "SessionConfig",
    "TokenLimits",
    "TracingConfiguration",
    "TranscriptionSession",
    "TranscriptionSessionAudio",
    "TranscriptionSessionAudioInput",
    "TruncationRetentionRatio",
    "TurnDetection",
    "VoiceId",
]

_AUDIO_FORMAT_TYPES = frozenset({"audio/pcm", "audio/pcmu", "audio/pcma"})
_G711_TYPES = frozenset({"audio/pcmu", "audio/pcma"})
_PCM16_24KHZ_BYTES = 48_000
_G711_8KHZ_BYTES = 8_000


class AudioFormat(Model):
    """An audio format: ``audio/pcm`` (24 kHz pcm16), ``audio/pcmu`` or ``audio/pcma`` (G.711).

    The wire ``type`` is optional, so the three formats share one Struct; an
    absent type reads as ``audio/pcm`` unless a ``rate`` other than 24000 is given.
    """

    type: str | None | UnsetType = UNSET
    rate: int | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        kind = self.type
        if kind is not None and kind is not UNSET and kind not in _AUDIO_FORMAT_TYPES:
            raise SchemaError(
                f"Invalid audio format type {kind!r}:"
                " expected 'audio/pcm', 'audio/pcmu' or 'audio/pcma'",
                code=ErrorCode.INVALID_VALUE,
                field="type",
            )
        rate = self.rate
        if kind == "audio/pcm" and rate is not None and rate is not UNSET and rate != 24000:
            raise SchemaError(
                f"Invalid rate {rate!r} for 'audio/pcm': expected 24000",
                code=ErrorCode.INVALID_VALUE,
                field="rate",
            )

    @property
    def bytes_per_second(self) -> int:
        """48000 for pcm16 at 24 kHz (the default), 8000 for G.711 (pcmu, pcma) at 8 kHz."""
        return _G711_8KHZ_BYTES if self.type in _G711_TYPES else _PCM16_24KHZ_BYTES


class NoiseReduction(Model):
    """Input noise reduction: ``near_field`` or ``far_field``."""

    type: str | None | UnsetType = UNSET
    strength: float | None | UnsetType = UNSET


class AudioTranscription(Model):
    """How input audio is transcribed: model, language(s), prompt, keywords."""

    model: str | None | UnsetType = UNSET
    language: str | None | UnsetType = UNSET
    languages: list[str] | None | UnsetType = UNSET
    prompt: str | None | UnsetType = UNSET
    keywords: list[str] | None | UnsetType = UNSET
    delay: str | None | UnsetType = UNSET


class ServerVad(Tagged, tag="server_vad"):
    """Turn detection by a silence-based voice activity detector."""

    create_response: bool | None | UnsetType = UNSET
    idle_timeout_ms: int | None | UnsetType = UNSET
    interrupt_response: bool | None | UnsetType = UNSET
    prefix_padding_ms: int | None | UnsetType = UNSET
    silence_duration_ms: int | None | UnsetType = UNSET
    threshold: float | None | UnsetType = UNSET


class SemanticVad(Tagged, tag="semantic_vad"):
    """Turn detection by a model that judges whether the user has finished speaking."""

    create_response: bool | None | UnsetType = UNSET
    eagerness: str | None | UnsetType = UNSET
    interrupt_response: bool | None | UnsetType = UNSET


TurnDetection = ServerVad | SemanticVad
"""Either turn detection mode; ``None`` on the wire disables turn detection."""


class AudioConfigInput(Model):
    """Input audio: format, noise reduction, transcription and turn detection."""

    format: AudioFormat | None | UnsetType = UNSET
    noise_reduction: NoiseReduction | None | UnsetType = UNSET
    transcription: AudioTranscription | None | UnsetType = UNSET
    turn_detection: TurnDetection | None | UnsetType = UNSET


class VoiceId(Model):
    """A custom voice, referenced by its id."""

    id: str


class AudioConfigOutput(Model):
    """Output audio: format, speed and voice."""

    format: AudioFormat | None | UnsetType = UNSET
    speed: float | None | UnsetType = UNSET
    voice: str | VoiceId | None | UnsetType = UNSET


class AudioConfig(Model):
    """Audio configuration of a realtime session."""

    input: AudioConfigInput | None | UnsetType = UNSET
    output: AudioConfigOutput | None | UnsetType = UNSET


class TracingConfiguration(Model):
    """Tracing settings: workflow name, group id and free-form metadata."""

    group_id: str | None | UnsetType = UNSET
    metadata: Any | None | UnsetType = UNSET
    workflow_name: str | None | UnsetType = UNSET


class TokenLimits(Model):
    """Token limits applied when the conversation is truncated."""

    post_instructions: int | None | UnsetType = UNSET


class TruncationRetentionRatio(Model):
    """Truncate the conversation keeping this fraction of the context window.

    ``type`` is a plain required field: it is the only object in its union, and
    the protocol requires the tag, which msgspec would treat as optional.
    """

    type: Literal["retention_ratio"]
    retention_ratio: float
    token_limits: TokenLimits | None | UnsetType = UNSET


class Reasoning(Model):
    """Reasoning settings for models that support them."""

    effort: str | None | UnsetType = UNSET


class Session(Tagged, tag="realtime"):
    """A realtime (speech-to-speech) session configuration.

    :attr:`input_format` and :attr:`output_format` are the audio formats it sets, ``None``
    where it leaves them as they were (``session.update``) or as the default (pcm16, 24 kHz).

    ``id``, ``object`` (``"realtime.session"``) and ``expires_at`` (Unix seconds) are
    the server's: every ``session.created`` and ``session.updated`` carries them.
    """

    id: str | UnsetType = UNSET
    object: str | UnsetType = UNSET
    expires_at: int | UnsetType = UNSET
    audio: AudioConfig | None | UnsetType = UNSET
    include: list[str] | None | UnsetType = UNSET
    instructions: str | None | UnsetType = UNSET
    max_output_tokens: int | Literal["inf"] | None | UnsetType = UNSET
    model: str | None | UnsetType = UNSET
    output_modalities: list[str] | None | UnsetType = UNSET
    parallel_tool_calls: bool | None | UnsetType = UNSET
    prompt: Prompt | None | UnsetType = UNSET
    reasoning: Reasoning | None | UnsetType = UNSET
    tool_choice: str | ToolChoiceFunction | ToolChoiceMcp | None | UnsetType = UNSET
    tools: list[Tool] | None | UnsetType = UNSET
    tracing: str | TracingConfiguration | None | UnsetType = UNSET
    truncation: str | TruncationRetentionRatio | None | UnsetType = UNSET

    @property
    def input_format(self) -> AudioFormat | None:
        audio = self.audio
        if given(audio) and given(audio.input) and given(audio.input.format):
            return audio.input.format
        return None

    @property
    def output_format(self) -> AudioFormat | None:
        audio = self.audio
        if given(audio) and given(audio.output) and given(audio.output.format):
            return audio.output.format
        return None

    @property
    def turn_detection(self) -> TurnDetection | None:
        """The turn detection it sets, ``None`` where it disables it or leaves it unchanged."""
        audio = self.audio
        if given(audio) and given(audio.input) and given(audio.input.turn_detection):
            return audio.input.turn_detection
        return None


class TranscriptionSessionAudioInput(Model):
    """Input audio of a transcription session."""

    format: AudioFormat | None | UnsetType = UNSET
    noise_reduction: NoiseReduction | None | UnsetType = UNSET
    transcription: AudioTranscription | None | UnsetType = UNSET
    turn_detection: TurnDetection | None | UnsetType = UNSET


class TranscriptionSessionAudio(Model):
    """Audio configuration of a transcription session."""

    input: TranscriptionSessionAudioInput | None | UnsetType = UNSET


class TranscriptionSession(Tagged, tag="transcription"):
    """A transcription-only session configuration; it has input audio only.

    :attr:`input_format`, :attr:`output_format` and :attr:`turn_detection` are those of
    :class:`Session`.

    ``id``, ``object`` (``"realtime.transcription_session"``) and ``expires_at`` are the
    server's, as in :class:`Session`.
    """

    id: str | UnsetType = UNSET
    object: str | UnsetType = UNSET
    expires_at: int | UnsetType = UNSET
    audio: TranscriptionSessionAudio | None | UnsetType = UNSET
    include: list[str] | None | UnsetType = UNSET

    @property
    def input_format(self) -> AudioFormat | None:
        audio = self.audio
        if given(audio) and given(audio.input) and given(audio.input.format):
            return audio.input.format
        return None

    @property
    def output_format(self) -> None:
        return None

    @property
    def turn_detection(self) -> TurnDetection | None:
        audio = self.audio
        if given(audio) and given(audio.input) and given(audio.input.turn_detection):
            return audio.input.turn_detection
        return None


SessionConfig = Session | TranscriptionSession
"""Either session kind, selected by its ``type``."""
