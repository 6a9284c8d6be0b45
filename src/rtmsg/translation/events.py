"""The translation protocol's events: 3 client events, 7 server events, their unions and enums.

The protocol of ``/v1/realtime/translations`` reuses the names ``session.update``,
``session.created``, ``session.updated`` and ``error`` with other bodies (only
``error`` has the same shape), so its events live apart from the conversation's
and are decoded by decoders of their own. Class names follow the same rule: the
wire type in CamelCase without dots.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Self, get_args

from msgspec import UNSET, UnsetType

from ..common.errors import Error
from ..engine.base import Event, b64decode, b64encode, register_events
from .session import Session, SessionUpdateRequest

__all__ = [
    "ClientEvent",
    "ClientEventType",
    "Error",
    "ServerEvent",
    "ServerEventType",
    "SessionClose",
    "SessionClosed",
    "SessionCreated",
    "SessionInputAudioBufferAppend",
    "SessionInputTranscriptDelta",
    "SessionOutputAudioDelta",
    "SessionOutputTranscriptDelta",
    "SessionUpdate",
    "SessionUpdated",
]


# --- client events ----------------------------------------------------------


class SessionUpdate(Event, tag="session.update"):
    """Change the target language, source transcription or noise reduction of the session."""

    session: SessionUpdateRequest
    event_id: str | None | UnsetType = UNSET


class SessionInputAudioBufferAppend(Event, tag="session.input_audio_buffer.append"):
    """Append base64 audio (24 kHz pcm16 mono) to the audio being translated."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    audio: str
    event_id: str | None | UnsetType = UNSET

    @classmethod
    def from_pcm(cls, data: bytes, *, event_id: str | None | UnsetType = UNSET) -> Self:
        """Build the event from raw 24 kHz pcm16 mono audio bytes."""
        return cls(audio=b64encode(data), event_id=event_id)

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`DecodeError` if ``audio`` is not valid base64."""
        return b64decode(self.audio, "$.audio")


class SessionClose(Event, tag="session.close"):
    """Close the session once the pending audio is translated and sent."""

    event_id: str | None | UnsetType = UNSET


# --- server events ----------------------------------------------------------


class SessionCreated(Event, tag="session.created"):
    """The translation session was created: the first event of every connection."""

    event_id: str
    session: Session


class SessionUpdated(Event, tag="session.updated"):
    """The translation session was updated by a ``session.update``."""

    event_id: str
    session: Session


class SessionClosed(Event, tag="session.closed"):
    """The translation session is closed: nothing follows."""

    event_id: str


class SessionInputTranscriptDelta(Event, tag="session.input_transcript.delta"):
    """More source-language transcript text: append it, without adding spaces."""

    event_id: str
    delta: str
    elapsed_ms: int | None | UnsetType = UNSET


class SessionOutputTranscriptDelta(Event, tag="session.output_transcript.delta"):
    """More translated transcript text: append it, without adding spaces."""

    event_id: str
    delta: str
    elapsed_ms: int | None | UnsetType = UNSET


class SessionOutputAudioDelta(Event, tag="session.output_audio.delta"):
    """A chunk of translated audio (pcm16, 24 kHz mono unless said otherwise), of any length."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"delta"})

    event_id: str
    delta: str
    sample_rate: int | None | UnsetType = UNSET
    channels: int | None | UnsetType = UNSET
    format: str | None | UnsetType = UNSET
    elapsed_ms: int | None | UnsetType = UNSET

    @classmethod
    def from_pcm(
        cls,
        data: bytes,
        *,
        event_id: str,
        sample_rate: int | None | UnsetType = UNSET,
        channels: int | None | UnsetType = UNSET,
        format: str | None | UnsetType = UNSET,
        elapsed_ms: int | None | UnsetType = UNSET,
    ) -> Self:
        """Build the event from raw translated audio bytes."""
        return cls(
            event_id=event_id,
            delta=b64encode(data),
            sample_rate=sample_rate,
            channels=channels,
            format=format,
            elapsed_ms=elapsed_ms,
        )

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`DecodeError` if ``delta`` is not valid base64."""
        return b64decode(self.delta, "$.delta")


# --- unions and enums -------------------------------------------------------


class ClientEventType(enum.StrEnum):
    """The wire ``type`` of every translation client event."""

    SESSION_UPDATE = "session.update"
    SESSION_INPUT_AUDIO_BUFFER_APPEND = "session.input_audio_buffer.append"
    SESSION_CLOSE = "session.close"


class ServerEventType(enum.StrEnum):
    """The wire ``type`` of every translation server event."""

    ERROR = "error"
    SESSION_CREATED = "session.created"
    SESSION_UPDATED = "session.updated"
    SESSION_CLOSED = "session.closed"
    SESSION_INPUT_TRANSCRIPT_DELTA = "session.input_transcript.delta"
    SESSION_OUTPUT_TRANSCRIPT_DELTA = "session.output_transcript.delta"
    SESSION_OUTPUT_AUDIO_DELTA = "session.output_audio.delta"


ClientEvent = SessionUpdate | SessionInputAudioBufferAppend | SessionClose
"""Any translation client event, selected by its ``type``."""

ServerEvent = (
    Error
    | SessionCreated
    | SessionUpdated
    | SessionClosed
    | SessionInputTranscriptDelta
    | SessionOutputTranscriptDelta
    | SessionOutputAudioDelta
)
"""Any translation server event, selected by its ``type``; ``error`` is the conversation's."""

_CLIENT_EVENTS: tuple[type[Event], ...] = get_args(ClientEvent)
_SERVER_EVENTS: tuple[type[Event], ...] = get_args(ServerEvent)
register_events(_CLIENT_EVENTS, ClientEventType)
register_events(_SERVER_EVENTS, ServerEventType)
