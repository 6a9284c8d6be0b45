"""The Live protocol's events, and the unions and enums of its three kinds of connection.

A Live session is spoken on three kinds of WebSocket, each with its own client
and server unions (the SDK's ``ClientEvent``/``ServerEvent``,
``ConnectClientEvent``/``ConnectServerEvent`` and
``ForkClientEvent``/``ForkServerEvent``):

- the primary connection, ``/v1/live/sessions``: :data:`ClientEvent`, :data:`ServerEvent`;
- the sideband, ``/v1/live/sessions/{id}/attach``: :data:`AttachClientEvent`,
  :data:`AttachServerEvent` (no ``session.start`` nor audio appends; DTMF sends, and
  the ``session.paused``/``resumed`` notices);
- a fork of a stored session, ``/v1/live/sessions/{id}/fork``: :data:`ForkClientEvent`
  (its ``session.start`` overrides the stored session), :data:`ForkServerEvent`.

Two type strings name different events by direction, so their classes do not
follow the naming rule alone:

- ``session.input_audio.append`` is the client's audio (:class:`SessionInputAudioAppend`)
  and, from the server, the caller's audio reflected to a sideband
  (:class:`SessionInputAudioAppendReflection`: no ``event_id``, always 24 kHz PCM16);
- ``transport.dtmf.send`` is the sideband's command to send a DTMF key
  (:class:`TransportDtmfSend`) and, from the server, the legacy notice that one
  was sent (:class:`LegacyTransportDtmfSend`; current servers send
  ``transport.dtmf.sent``).

And ``session.start`` is :class:`SessionStart` on a primary connection,
:class:`ForkSessionStart` on a fork. Every other event has one class, shared by
the unions that list it.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Final, Literal, Self, get_args

import msgspec
from msgspec import UNSET, UnsetType

from ..engine.base import Event, Model, b64decode, b64encode, register_events
from ..engine.decoding import Unknown
from ..engine.errors import DecodeError, ErrorCode
from .items import Decision, DecisionItem, StoredDecisionItem
from .responses import ResponseStreamEvent, decode_response_event, reroot
from .session import ForkSessionConfig, Session, SessionConfig, SessionUpdateConfig

__all__ = [
    "AttachClientEvent",
    "AttachClientEventType",
    "AttachServerEvent",
    "AttachServerEventType",
    "ClientEvent",
    "ClientEventType",
    "ContextWindow",
    "DecisionCompleted",
    "DecisionCreate",
    "DecisionEvent",
    "DecisionItemCreate",
    "DecisionItemCreated",
    "DecisionItemDelete",
    "DecisionItemDeleted",
    "DelegationInfo",
    "Error",
    "ErrorDetail",
    "ForkClientEvent",
    "ForkClientEventType",
    "ForkServerEvent",
    "ForkServerEventType",
    "ForkSessionStart",
    "Info",
    "LegacyTransportDtmfSend",
    "ResponseCreate",
    "ResponseEvent",
    "ResponseItemCreate",
    "ServerEvent",
    "ServerEventType",
    "SessionClose",
    "SessionClosed",
    "SessionCommentaryAppend",
    "SessionCommentaryAppended",
    "SessionDelegationCreated",
    "SessionInputAudioAppend",
    "SessionInputAudioAppendReflection",
    "SessionInputAudioMute",
    "SessionInputAudioMuted",
    "SessionInputAudioUnmute",
    "SessionInputAudioUnmuted",
    "SessionInputTranscriptDelta",
    "SessionInstructionsAppend",
    "SessionInstructionsAppended",
    "SessionOutputAudioDelta",
    "SessionOutputAudioFixturePlay",
    "SessionOutputAudioFixturePlayed",
    "SessionOutputAudioFixturePlaying",
    "SessionOutputTranscriptDelta",
    "SessionPaused",
    "SessionResumed",
    "SessionStart",
    "SessionStarted",
    "SessionThinkingAppend",
    "SessionThinkingAppended",
    "SessionUpdate",
    "SessionUpdated",
    "SessionUsage",
    "SessionUsageUpdated",
    "TransportAnswered",
    "TransportDtmfReceived",
    "TransportDtmfSend",
    "TransportDtmfSent",
    "TransportFailed",
    "TransportFailedError",
    "TransportRinging",
]


# --- client events -------------------------------------------------------------------------------


class SessionStart(Event, tag="session.start"):
    """Start the session on a primary connection: the first event; wait for ``session.started``."""

    session: SessionConfig
    event_id: str | None | UnsetType = UNSET


class ForkSessionStart(Event, tag="session.start"):
    """Start a fork of a stored session, with overrides (an empty object keeps them all)."""

    session: ForkSessionConfig
    event_id: str | None | UnsetType = UNSET


class SessionUpdate(Event, tag="session.update"):
    """Change the delegation's settings or the triggers; answered by ``session.updated``."""

    session: SessionUpdateConfig
    event_id: str | None | UnsetType = UNSET


class SessionInputAudioAppend(Event, tag="session.input_audio.append"):
    """Send audio, base64, in the session's format, over a primary WebSocket; never answered."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    audio: str
    event_id: str | None | UnsetType = UNSET

    @classmethod
    def from_pcm(cls, data: bytes, *, event_id: str | None | UnsetType = UNSET) -> Self:
        """Build the event from raw audio bytes in the session's format."""
        return cls(audio=b64encode(data), event_id=event_id)

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`~rtmsg.DecodeError` if ``audio`` is not valid base64."""
        return b64decode(self.audio, "$.audio")


class SessionInputAudioMute(Event, tag="session.input_audio.mute"):
    """Mute the audio going to the model, without closing the session."""

    event_id: str | None | UnsetType = UNSET


class SessionInputAudioUnmute(Event, tag="session.input_audio.unmute"):
    """Resume the audio going to the model after a mute."""

    event_id: str | None | UnsetType = UNSET


class SessionOutputAudioFixturePlay(Event, tag="session.output_audio.fixture.play"):
    """Play a whole audio clip (24 kHz PCM16, at most 30 s) to the listener, muting the input."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    audio: str
    event_id: str | None | UnsetType = UNSET

    @classmethod
    def from_pcm(cls, data: bytes, *, event_id: str | None | UnsetType = UNSET) -> Self:
        """Build the event from raw 24 kHz PCM16 mono audio bytes."""
        return cls(audio=b64encode(data), event_id=event_id)

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`~rtmsg.DecodeError` if ``audio`` is not valid base64."""
        return b64decode(self.audio, "$.audio")


class SessionInstructionsAppend(Event, tag="session.instructions.append"):
    """Append developer instructions; ``delegation_id`` is required, null for the whole session."""

    content: str
    delegation_id: str | None
    event_id: str | None | UnsetType = UNSET


class SessionThinkingAppend(Event, tag="session.thinking.append"):
    """Append silent context; ``delegation_id`` is required, null for the whole session."""

    content: str
    delegation_id: str | None
    event_id: str | None | UnsetType = UNSET


class SessionCommentaryAppend(Event, tag="session.commentary.append"):
    """Give the model something to say; ``delegation_id`` is required, null for the session."""

    content: str
    delegation_id: str | None
    event_id: str | None | UnsetType = UNSET


class DecisionCreate(Event, tag="decision.create"):
    """Evaluate the configured questions now; the ``event_id`` is required and never reused."""

    event_id: str


class DecisionItemCreate(Event, tag="decision.item.create"):
    """Add an input item for future decisions."""

    item: DecisionItem
    event_id: str | None | UnsetType = UNSET


class DecisionItemDelete(Event, tag="decision.item.delete"):
    """Remove an input item from future decisions."""

    item_id: str
    event_id: str | None | UnsetType = UNSET


class ResponseItemCreate(Event, tag="response.item.create"):
    """Add an input item to the Responses backend's conversation (a message, a tool's result).

    ``item`` is a Responses API input item, kept as the JSON object it is: the
    Responses backend reads it, and its shapes are the Responses API's to grow.
    """

    item: dict[str, Any]
    event_id: str | None | UnsetType = UNSET


class ResponseCreate(Event, tag="response.create"):
    """Ask the Responses backend for a response, or continue one waiting for tool results."""

    event_id: str | None | UnsetType = UNSET


class SessionClose(Event, tag="session.close"):
    """Close the session; ``session.closed`` follows with the reason and the final usage."""

    event_id: str | None | UnsetType = UNSET


class TransportDtmfSend(Event, tag="transport.dtmf.send"):
    """Send one DTMF key (``0`` to ``9``, ``A`` to ``D``, ``*``, ``#``) to a SIP call (sideband)."""

    event: str
    event_id: str | None | UnsetType = UNSET


# --- server events -------------------------------------------------------------------------------


class SessionStarted(Event, tag="session.started"):
    """The session started, with its whole configuration and the server's defaults."""

    event_id: str
    session: Session
    client_event_id: str | None | UnsetType = UNSET


class SessionUpdated(Event, tag="session.updated"):
    """A ``session.update`` was accepted: the configuration after it."""

    event_id: str
    session: Session
    client_event_id: str | None | UnsetType = UNSET


class SessionPaused(Event, tag="session.paused"):
    """The idle timeout paused inference in a WebRTC session (its connections stay)."""

    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class SessionResumed(Event, tag="session.resumed"):
    """Speech woke inference in a WebRTC session and it is ready for audio."""

    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class SessionInputAudioMuted(Event, tag="session.input_audio.muted"):
    """The input audio is muted, as asked."""

    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class SessionInputAudioUnmuted(Event, tag="session.input_audio.unmuted"):
    """The input audio is no longer muted, as asked."""

    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class SessionOutputAudioFixturePlaying(Event, tag="session.output_audio.fixture.playing"):
    """The audio fixture was accepted and is playing."""

    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class SessionOutputAudioFixturePlayed(Event, tag="session.output_audio.fixture.played"):
    """The audio fixture has left the server's mixer; normal inference resumed."""

    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class SessionInstructionsAppended(Event, tag="session.instructions.appended"):
    """Instructions were added to the session's timeline, from ``start_ms`` to ``end_ms``."""

    end_ms: int
    event_id: str
    start_ms: int
    client_event_id: str | None | UnsetType = UNSET


class SessionThinkingAppended(Event, tag="session.thinking.appended"):
    """Silent context was added to the session's timeline."""

    end_ms: int
    event_id: str
    start_ms: int
    client_event_id: str | None | UnsetType = UNSET


class SessionCommentaryAppended(Event, tag="session.commentary.appended"):
    """Commentary was added to the session's timeline (not yet spoken, maybe)."""

    end_ms: int
    event_id: str
    start_ms: int
    client_event_id: str | None | UnsetType = UNSET


class SessionInputAudioAppendReflection(Event, tag="session.input_audio.append"):
    """The caller's audio, reflected to a sideband before muting: 24 kHz PCM16 mono, base64."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"audio"})

    audio: str

    @classmethod
    def from_pcm(cls, data: bytes) -> Self:
        """Build the event from raw 24 kHz PCM16 mono audio bytes."""
        return cls(audio=b64encode(data))

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`~rtmsg.DecodeError` if ``audio`` is not valid base64."""
        return b64decode(self.audio, "$.audio")


class SessionOutputAudioDelta(Event, tag="session.output_audio.delta"):
    """A chunk of the model's audio, base64; a sideband's copy has its place on the timeline."""

    _audio_fields: ClassVar[frozenset[str]] = frozenset({"delta"})

    delta: str
    end_ms: int | None | UnsetType = UNSET
    start_ms: int | None | UnsetType = UNSET

    @classmethod
    def from_pcm(
        cls,
        data: bytes,
        *,
        start_ms: int | None | UnsetType = UNSET,
        end_ms: int | None | UnsetType = UNSET,
    ) -> Self:
        """Build the event from raw audio bytes in the session's format."""
        return cls(delta=b64encode(data), start_ms=start_ms, end_ms=end_ms)

    def pcm(self) -> bytes:
        """The raw audio bytes; a :class:`~rtmsg.DecodeError` if ``delta`` is not valid base64."""
        return b64decode(self.delta, "$.delta")


class SessionInputTranscriptDelta(Event, tag="session.input_transcript.delta"):
    """More of the caller's transcript: append the fragments in order (there is no *done*)."""

    delta: str
    end_ms: int
    event_id: str
    start_ms: int
    client_event_id: str | None | UnsetType = UNSET


class SessionOutputTranscriptDelta(Event, tag="session.output_transcript.delta"):
    """More of the model's transcript: append the fragments in order (there is no *done*)."""

    delta: str
    end_ms: int
    event_id: str
    start_ms: int
    client_event_id: str | None | UnsetType = UNSET


class DelegationInfo(Model):
    """A delegated task's ID and destination (``client``, ``responses``, ``decisions``); no text."""

    id: str
    target: str
    type: Literal["delegation"]
    response_id: str | None | UnsetType = UNSET


class SessionDelegationCreated(Event, tag="session.delegation.created"):
    """The model delegated a task, at ``offset_ms`` on the session's timeline."""

    delegation: DelegationInfo
    event_id: str
    offset_ms: int
    client_event_id: str | None | UnsetType = UNSET


class DecisionCompleted(Model):
    """A completed Decision, nested in a ``decision.event``."""

    decision: Decision
    type: Literal["decision.completed"]


class DecisionEvent(Event, tag="decision.event"):
    """A Decision for a delegation, or for a trigger (naming the transcript delta that fired)."""

    event: DecisionCompleted
    event_id: str
    delegation_id: str | None | UnsetType = UNSET
    source_event_id: str | None | UnsetType = UNSET
    source_event_type: str | None | UnsetType = UNSET
    trigger_id: str | None | UnsetType = UNSET


class DecisionItemCreated(Event, tag="decision.item.created"):
    """An input item was added for future decisions."""

    event_id: str
    item: StoredDecisionItem
    client_event_id: str | None | UnsetType = UNSET


class DecisionItemDeleted(Event, tag="decision.item.deleted"):
    """An input item was removed from future decisions."""

    event_id: str
    item_id: str
    client_event_id: str | None | UnsetType = UNSET


_OPEN_BRACE: Final = ord("{")


class ResponseEvent(Event, tag="response.event"):
    """A Responses API streaming event of a delegated backend, with its delegation's ID.

    ``event`` keeps the nested event's exact bytes (a :class:`msgspec.Raw`): a
    proxy forwards it unread, at the cost of one scan that checks it is JSON and
    nothing more, not even that it is an object (the SDK checks that). :meth:`nested`
    reads it, each time it is called, as a typed event of :mod:`rtmsg.live.responses`
    or an :class:`~rtmsg.Unknown`, and raises :class:`~rtmsg.DecodeError` if it is not
    a valid event.
    """

    event: msgspec.Raw
    event_id: str
    client_event_id: str | None | UnsetType = UNSET
    delegation_id: str | None | UnsetType = UNSET

    def nested(self) -> ResponseStreamEvent | Unknown:
        """The nested Responses event, typed (see :mod:`rtmsg.live.responses`) or Unknown.

        Decoded at each call. An invalid event of a typed kind raises
        :class:`~rtmsg.DecodeError`, its path rooted at ``$.event``.
        """
        if memoryview(self.event)[0] != _OPEN_BRACE:
            raise DecodeError(
                "Expected `object` - at `$.event`", path="$.event", code=ErrorCode.INVALID_TYPE
            )
        try:
            return decode_response_event(self.event)
        except DecodeError as error:
            raise reroot(error, "event") from None


class SessionUsage(Model):
    """The session's billable seconds so far (not to be summed across events)."""

    seconds: float
    active_seconds: int | None | UnsetType = UNSET
    paused_seconds: int | None | UnsetType = UNSET


class ContextWindow(Model):
    """How full the model's context is: the last measured token count over its limit."""

    usage_ratio: float


class SessionUsageUpdated(Event, tag="session.usage.updated"):
    """The session's audio usage so far, and its context window's when known."""

    event_id: str
    usage: SessionUsage
    client_event_id: str | None | UnsetType = UNSET
    context_window: ContextWindow | None | UnsetType = UNSET


class SessionClosed(Event, tag="session.closed"):
    """The session is closed and finalized: why, its last snapshot and its final usage."""

    event_id: str
    reason: str
    session: Session
    usage: SessionUsage
    client_event_id: str | None | UnsetType = UNSET


class ErrorDetail(Model):
    """What went wrong: ``code``, ``message``, the offending ``param`` and client event if known."""

    code: str
    message: str
    type: str
    client_event_id: str | None | UnsetType = UNSET
    param: str | None | UnsetType = UNSET


class Error(Event, tag="error"):
    """An error, such as an invalid client command (``error.client_event_id`` names it)."""

    error: ErrorDetail
    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class Info(Event, tag="info"):
    """A notice about the session, such as the data channel's permissions."""

    code: str
    event_id: str
    message: str
    client_event_id: str | None | UnsetType = UNSET


class TransportDtmfReceived(Event, tag="transport.dtmf.received"):
    """The SIP caller pressed a DTMF key (sideband only)."""

    event: str
    event_id: str


class LegacyTransportDtmfSend(Event, tag="transport.dtmf.send"):
    """The legacy notice that a DTMF key was sent; current servers send ``transport.dtmf.sent``."""

    event: str
    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class TransportDtmfSent(Event, tag="transport.dtmf.sent"):
    """A DTMF key was sent to the SIP trunk (sideband only)."""

    event: str
    event_id: str
    client_event_id: str | None | UnsetType = UNSET


class TransportRinging(Event, tag="transport.ringing"):
    """The outbound SIP call is ringing (sideband only)."""

    event_id: str
    session_id: str


class TransportAnswered(Event, tag="transport.answered"):
    """The outbound SIP call was answered and media flows (sideband only)."""

    event_id: str
    session_id: str


class TransportFailedError(Model):
    """Why an outbound SIP call could not be set up."""

    code: str
    message: str
    type: str
    param: str | None | UnsetType = UNSET


class TransportFailed(Event, tag="transport.failed"):
    """The outbound SIP call could not be set up (sideband only)."""

    error: TransportFailedError
    event_id: str
    session_id: str


# --- unions and enums ----------------------------------------------------------------------------

ClientEvent = (
    SessionStart
    | SessionUpdate
    | SessionInputAudioAppend
    | SessionInputAudioMute
    | SessionInputAudioUnmute
    | SessionOutputAudioFixturePlay
    | SessionInstructionsAppend
    | SessionThinkingAppend
    | SessionCommentaryAppend
    | DecisionCreate
    | DecisionItemCreate
    | DecisionItemDelete
    | ResponseItemCreate
    | ResponseCreate
    | SessionClose
)
"""Any client event of a primary connection (``/v1/live/sessions``)."""

AttachClientEvent = (
    SessionUpdate
    | SessionInputAudioMute
    | SessionInputAudioUnmute
    | SessionOutputAudioFixturePlay
    | TransportDtmfSend
    | SessionInstructionsAppend
    | SessionThinkingAppend
    | SessionCommentaryAppend
    | DecisionCreate
    | DecisionItemCreate
    | DecisionItemDelete
    | ResponseItemCreate
    | ResponseCreate
    | SessionClose
)
"""Any client event of a sideband (``/v1/live/sessions/{id}/attach``; the SDK's
``ConnectClientEvent``)."""

ForkClientEvent = (
    ForkSessionStart
    | SessionUpdate
    | SessionInputAudioAppend
    | SessionInputAudioMute
    | SessionInputAudioUnmute
    | SessionOutputAudioFixturePlay
    | SessionInstructionsAppend
    | SessionThinkingAppend
    | SessionCommentaryAppend
    | DecisionCreate
    | DecisionItemCreate
    | DecisionItemDelete
    | ResponseItemCreate
    | ResponseCreate
    | SessionClose
)
"""Any client event of a fork (``/v1/live/sessions/{id}/fork``)."""

ServerEvent = (
    SessionStarted
    | SessionUpdated
    | SessionInputAudioMuted
    | SessionInputAudioUnmuted
    | SessionOutputAudioFixturePlaying
    | SessionOutputAudioFixturePlayed
    | SessionInstructionsAppended
    | SessionThinkingAppended
    | SessionCommentaryAppended
    | SessionInputAudioAppendReflection
    | SessionOutputAudioDelta
    | SessionInputTranscriptDelta
    | SessionOutputTranscriptDelta
    | SessionDelegationCreated
    | DecisionEvent
    | DecisionItemCreated
    | DecisionItemDeleted
    | ResponseEvent
    | SessionUsageUpdated
    | SessionClosed
    | Error
    | Info
    | TransportDtmfReceived
    | LegacyTransportDtmfSend
    | TransportDtmfSent
    | TransportRinging
    | TransportAnswered
    | TransportFailed
)
"""Any server event of a primary connection."""

AttachServerEvent = ServerEvent | SessionPaused | SessionResumed
"""Any server event of a sideband (the SDK's ``ConnectServerEvent``)."""

ForkServerEvent = ServerEvent
"""Any server event of a fork: those of a primary connection."""


class ClientEventType(enum.StrEnum):
    """The wire ``type`` of every client event of a primary connection."""

    SESSION_START = "session.start"
    SESSION_UPDATE = "session.update"
    SESSION_INPUT_AUDIO_APPEND = "session.input_audio.append"
    SESSION_INPUT_AUDIO_MUTE = "session.input_audio.mute"
    SESSION_INPUT_AUDIO_UNMUTE = "session.input_audio.unmute"
    SESSION_OUTPUT_AUDIO_FIXTURE_PLAY = "session.output_audio.fixture.play"
    SESSION_INSTRUCTIONS_APPEND = "session.instructions.append"
    SESSION_THINKING_APPEND = "session.thinking.append"
    SESSION_COMMENTARY_APPEND = "session.commentary.append"
    DECISION_CREATE = "decision.create"
    DECISION_ITEM_CREATE = "decision.item.create"
    DECISION_ITEM_DELETE = "decision.item.delete"
    RESPONSE_ITEM_CREATE = "response.item.create"
    RESPONSE_CREATE = "response.create"
    SESSION_CLOSE = "session.close"


class AttachClientEventType(enum.StrEnum):
    """The wire ``type`` of every client event of a sideband."""

    SESSION_UPDATE = "session.update"
    SESSION_INPUT_AUDIO_MUTE = "session.input_audio.mute"
    SESSION_INPUT_AUDIO_UNMUTE = "session.input_audio.unmute"
    SESSION_OUTPUT_AUDIO_FIXTURE_PLAY = "session.output_audio.fixture.play"
    TRANSPORT_DTMF_SEND = "transport.dtmf.send"
    SESSION_INSTRUCTIONS_APPEND = "session.instructions.append"
    SESSION_THINKING_APPEND = "session.thinking.append"
    SESSION_COMMENTARY_APPEND = "session.commentary.append"
    DECISION_CREATE = "decision.create"
    DECISION_ITEM_CREATE = "decision.item.create"
    DECISION_ITEM_DELETE = "decision.item.delete"
    RESPONSE_ITEM_CREATE = "response.item.create"
    RESPONSE_CREATE = "response.create"
    SESSION_CLOSE = "session.close"


ForkClientEventType = ClientEventType
"""The wire ``type`` of every client event of a fork: those of a primary connection."""


class ServerEventType(enum.StrEnum):
    """The wire ``type`` of every server event of a primary connection or a fork."""

    SESSION_STARTED = "session.started"
    SESSION_UPDATED = "session.updated"
    SESSION_INPUT_AUDIO_MUTED = "session.input_audio.muted"
    SESSION_INPUT_AUDIO_UNMUTED = "session.input_audio.unmuted"
    SESSION_OUTPUT_AUDIO_FIXTURE_PLAYING = "session.output_audio.fixture.playing"
    SESSION_OUTPUT_AUDIO_FIXTURE_PLAYED = "session.output_audio.fixture.played"
    SESSION_INSTRUCTIONS_APPENDED = "session.instructions.appended"
    SESSION_THINKING_APPENDED = "session.thinking.appended"
    SESSION_COMMENTARY_APPENDED = "session.commentary.appended"
    SESSION_INPUT_AUDIO_APPEND = "session.input_audio.append"
    SESSION_OUTPUT_AUDIO_DELTA = "session.output_audio.delta"
    SESSION_INPUT_TRANSCRIPT_DELTA = "session.input_transcript.delta"
    SESSION_OUTPUT_TRANSCRIPT_DELTA = "session.output_transcript.delta"
    SESSION_DELEGATION_CREATED = "session.delegation.created"
    DECISION_EVENT = "decision.event"
    DECISION_ITEM_CREATED = "decision.item.created"
    DECISION_ITEM_DELETED = "decision.item.deleted"
    RESPONSE_EVENT = "response.event"
    SESSION_USAGE_UPDATED = "session.usage.updated"
    SESSION_CLOSED = "session.closed"
    ERROR = "error"
    INFO = "info"
    TRANSPORT_DTMF_RECEIVED = "transport.dtmf.received"
    TRANSPORT_DTMF_SEND = "transport.dtmf.send"
    TRANSPORT_DTMF_SENT = "transport.dtmf.sent"
    TRANSPORT_RINGING = "transport.ringing"
    TRANSPORT_ANSWERED = "transport.answered"
    TRANSPORT_FAILED = "transport.failed"


class AttachServerEventType(enum.StrEnum):
    """The wire ``type`` of every server event of a sideband: a primary's and two more."""

    SESSION_STARTED = "session.started"
    SESSION_UPDATED = "session.updated"
    SESSION_INPUT_AUDIO_MUTED = "session.input_audio.muted"
    SESSION_INPUT_AUDIO_UNMUTED = "session.input_audio.unmuted"
    SESSION_OUTPUT_AUDIO_FIXTURE_PLAYING = "session.output_audio.fixture.playing"
    SESSION_OUTPUT_AUDIO_FIXTURE_PLAYED = "session.output_audio.fixture.played"
    SESSION_INSTRUCTIONS_APPENDED = "session.instructions.appended"
    SESSION_THINKING_APPENDED = "session.thinking.appended"
    SESSION_COMMENTARY_APPENDED = "session.commentary.appended"
    SESSION_INPUT_AUDIO_APPEND = "session.input_audio.append"
    SESSION_OUTPUT_AUDIO_DELTA = "session.output_audio.delta"
    SESSION_INPUT_TRANSCRIPT_DELTA = "session.input_transcript.delta"
    SESSION_OUTPUT_TRANSCRIPT_DELTA = "session.output_transcript.delta"
    SESSION_DELEGATION_CREATED = "session.delegation.created"
    DECISION_EVENT = "decision.event"
    DECISION_ITEM_CREATED = "decision.item.created"
    DECISION_ITEM_DELETED = "decision.item.deleted"
    RESPONSE_EVENT = "response.event"
    SESSION_USAGE_UPDATED = "session.usage.updated"
    SESSION_CLOSED = "session.closed"
    ERROR = "error"
    INFO = "info"
    TRANSPORT_DTMF_RECEIVED = "transport.dtmf.received"
    TRANSPORT_DTMF_SEND = "transport.dtmf.send"
    TRANSPORT_DTMF_SENT = "transport.dtmf.sent"
    TRANSPORT_RINGING = "transport.ringing"
    TRANSPORT_ANSWERED = "transport.answered"
    TRANSPORT_FAILED = "transport.failed"
    SESSION_PAUSED = "session.paused"
    SESSION_RESUMED = "session.resumed"


ForkServerEventType = ServerEventType
"""The wire ``type`` of every server event of a fork: those of a primary connection."""

register_events(get_args(ClientEvent), ClientEventType)
register_events(get_args(AttachClientEvent), AttachClientEventType)
register_events(get_args(ForkClientEvent), ForkClientEventType)
register_events(get_args(ServerEvent), ServerEventType)
register_events(get_args(AttachServerEvent), AttachServerEventType)
