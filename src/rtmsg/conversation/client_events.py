"""The client events (client to server), their union and the enum of their types."""

from __future__ import annotations

import enum
from typing import ClassVar, Self, get_args

from msgspec import UNSET, UnsetType

from ..engine.base import Event, b64decode, b64encode, register_events
from .items import ConversationItem, _check_client_item
from .responses import ResponseCreateParams
from .session import SessionConfig

__all__ = [
    "ClientEvent",
    "ClientEventType",
    "ConversationItemCreate",
    "ConversationItemDelete",
    "ConversationItemRetrieve",
    "ConversationItemTruncate",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCommit",
    "OutputAudioBufferClear",
    "ResponseCancel",
    "ResponseCreate",
    "SessionUpdate",
]


class SessionUpdate(Event, tag="session.update"):
    """Update the session's configuration; fields left out keep their current value."""

    session: SessionConfig
    event_id: str | None | UnsetType = UNSET


class InputAudioBufferAppend(Event, tag="input_audio_buffer.append"):
    """Append base64 audio, in the session's input format, to the input audio buffer."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    audio: str
    event_id: str | None | UnsetType = UNSET

    @classmethod
    def from_pcm(cls, data: bytes, *, event_id: str | None | UnsetType = UNSET) -> Self:
        """Build the event from raw audio bytes in the session's input format."""
        return cls(audio=b64encode(data), event_id=event_id)

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`DecodeError` if ``audio`` is not valid base64."""
        return b64decode(self.audio, "$.audio")


class InputAudioBufferCommit(Event, tag="input_audio_buffer.commit"):
    """Commit the input audio buffer as a new user message item."""

    event_id: str | None | UnsetType = UNSET


class InputAudioBufferClear(Event, tag="input_audio_buffer.clear"):
    """Discard the audio in the input audio buffer."""

    event_id: str | None | UnsetType = UNSET


class OutputAudioBufferClear(Event, tag="output_audio_buffer.clear"):
    """Cut off the audio being played out (WebRTC and SIP only)."""

    event_id: str | None | UnsetType = UNSET


class ConversationItemCreate(Event, tag="conversation.item.create"):
    """Add an item to the conversation, after ``previous_item_id`` if given."""

    item: ConversationItem
    event_id: str | None | UnsetType = UNSET
    previous_item_id: str | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        _check_client_item(self.item, "item")


class ConversationItemRetrieve(Event, tag="conversation.item.retrieve"):
    """Ask for the server's copy of an item, audio included."""

    item_id: str
    event_id: str | None | UnsetType = UNSET


class ConversationItemTruncate(Event, tag="conversation.item.truncate"):
    """Truncate an assistant message's audio at ``audio_end_ms``, e.g. after an interruption."""

    item_id: str
    content_index: int
    audio_end_ms: int
    event_id: str | None | UnsetType = UNSET


class ConversationItemDelete(Event, tag="conversation.item.delete"):
    """Remove an item from the conversation."""

    item_id: str
    event_id: str | None | UnsetType = UNSET


class ResponseCreate(Event, tag="response.create"):
    """Ask the model for a response, optionally with parameters for this response only."""

    response: ResponseCreateParams | None | UnsetType = UNSET
    event_id: str | None | UnsetType = UNSET


class ResponseCancel(Event, tag="response.cancel"):
    """Cancel the response in progress, or the one named by ``response_id``."""

    response_id: str | None | UnsetType = UNSET
    event_id: str | None | UnsetType = UNSET


class ClientEventType(enum.StrEnum):
    """The wire ``type`` of every client event."""

    SESSION_UPDATE = "session.update"
    INPUT_AUDIO_BUFFER_APPEND = "input_audio_buffer.append"
    INPUT_AUDIO_BUFFER_COMMIT = "input_audio_buffer.commit"
    INPUT_AUDIO_BUFFER_CLEAR = "input_audio_buffer.clear"
    OUTPUT_AUDIO_BUFFER_CLEAR = "output_audio_buffer.clear"
    CONVERSATION_ITEM_CREATE = "conversation.item.create"
    CONVERSATION_ITEM_RETRIEVE = "conversation.item.retrieve"
    CONVERSATION_ITEM_TRUNCATE = "conversation.item.truncate"
    CONVERSATION_ITEM_DELETE = "conversation.item.delete"
    RESPONSE_CREATE = "response.create"
    RESPONSE_CANCEL = "response.cancel"


ClientEvent = (
    SessionUpdate
    | InputAudioBufferAppend
    | InputAudioBufferCommit
    | InputAudioBufferClear
    | OutputAudioBufferClear
    | ConversationItemCreate
    | ConversationItemRetrieve
    | ConversationItemTruncate
    | ConversationItemDelete
    | ResponseCreate
    | ResponseCancel
)
"""Any client event, selected by its ``type``."""

_EVENTS: tuple[type[Event], ...] = get_args(ClientEvent)
register_events(_EVENTS, ClientEventType)
