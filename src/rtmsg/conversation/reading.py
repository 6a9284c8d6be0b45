"""What the conversation's events mean for a session: audio, turns, responses, usage, text.

The reader keeps the session's audio formats (set by ``session.update``, ``session.created``
and ``session.updated``, and a response's own format if it names one) to turn base64 sizes
into seconds: pcm16 at 24 kHz is 48000 bytes/s, G.711 at 8 kHz 8000 bytes/s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..common.reading import read_error
from ..engine.base import base64_size, given
from ..engine.reading import NOTHING, Reading, TokenTotals, ids_of, text
from . import client_events as ce
from . import server_events as se
from .responses import Usage
from .session import AudioFormat

__all__ = ["ConversationReader", "tokens_of"]

# The events whose text is part of a transcript or a text answer, and the field holding it.
_TEXT_FIELD: Final[dict[type, str]] = {
    se.ResponseOutputTextDelta: "delta",
    se.ResponseOutputTextDone: "text",
    se.ResponseOutputAudioTranscriptDelta: "delta",
    se.ResponseOutputAudioTranscriptDone: "transcript",
    se.ConversationItemInputAudioTranscriptionDelta: "delta",
    se.ConversationItemInputAudioTranscriptionCompleted: "transcript",
    se.ConversationItemInputAudioTranscriptionSegment: "text",
}

# The pieces of the transcripts of the user's speech and of the model's.
_TRANSCRIPT_IN: Final = se.ConversationItemInputAudioTranscriptionDelta
_TRANSCRIPT_OUT: Final = se.ResponseOutputAudioTranscriptDelta

_ITEM_EVENTS: Final = (
    se.ConversationItemAdded,
    se.ConversationItemCreated,
    se.ConversationItemDone,
    se.ConversationItemRetrieved,
    se.ResponseOutputItemAdded,
    se.ResponseOutputItemDone,
    ce.ConversationItemCreate,
)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def tokens_of(usage: Usage) -> TokenTotals:
    """The token counts of a response's ``usage``; an absent or null count is 0."""
    totals = TokenTotals(
        input_tokens=_int(usage.input_tokens),
        output_tokens=_int(usage.output_tokens),
        total_tokens=_int(usage.total_tokens),
    )
    details = usage.input_token_details
    if given(details):
        totals.input_audio_tokens = _int(details.audio_tokens)
        totals.input_text_tokens = _int(details.text_tokens)
        totals.input_cached_tokens = _int(details.cached_tokens)
    out = usage.output_token_details
    if given(out):
        totals.output_audio_tokens = _int(out.audio_tokens)
        totals.output_text_tokens = _int(out.text_tokens)
    return totals


class ConversationReader:
    """Reads one conversation session's events in order (see :mod:`rtmsg.engine.reading`)."""

    def __init__(self) -> None:
        self.input_bps = self.output_bps = AudioFormat().bytes_per_second
        self.response_bps: dict[str, int] = {}
        self._special: dict[type, Callable[[Any], Reading]] = {
            ce.InputAudioBufferAppend: self._append,
            se.ResponseOutputAudioDelta: self._audio_delta,
            ce.SessionUpdate: self._session,
            se.SessionCreated: self._session,
            se.SessionUpdated: self._session,
            se.InputAudioBufferSpeechStopped: self._speech_stopped,
            ce.InputAudioBufferCommit: self._commit,
            se.InputAudioBufferCommitted: self._committed,
            se.ResponseCreated: self._response_created,
            se.ResponseDone: self._response_done,
            se.Error: read_error,
            **dict.fromkeys(_ITEM_EVENTS, self._item),
        }

    def read(self, event: Any) -> Reading:
        special = self._special.get(type(event))
        if special is not None:
            return special(event)
        event_id, response_id, item_id = ids_of(event)
        field = _TEXT_FIELD.get(type(event))
        if field is None:
            if event_id is None and response_id is None and item_id is None:
                return NOTHING
            return Reading(event_id=event_id, response_id=response_id, item_id=item_id)
        value = text(getattr(event, field))
        return Reading(
            event_id=event_id,
            response_id=response_id,
            item_id=item_id,
            text=value,
            transcript_in=value if type(event) is _TRANSCRIPT_IN else None,
            transcript_out=value if type(event) is _TRANSCRIPT_OUT else None,
        )

    def _append(self, event: ce.InputAudioBufferAppend) -> Reading:
        size = base64_size(event.audio)
        return Reading(
            event_id=text(event.event_id), audio_bytes=size, audio_seconds=size / self.input_bps
        )

    def _audio_delta(self, event: se.ResponseOutputAudioDelta) -> Reading:
        size = base64_size(event.delta)
        bps = self.response_bps.get(event.response_id, self.output_bps)
        return Reading(
            event_id=event.event_id,
            response_id=event.response_id,
            item_id=event.item_id,
            audio_bytes=size,
            audio_seconds=size / bps,
            audio_out=True,
        )

    def _session(self, event: ce.SessionUpdate | se.SessionCreated | se.SessionUpdated) -> Reading:
        session = event.session
        if session.input_format is not None:
            self.input_bps = session.input_format.bytes_per_second
        if session.output_format is not None:
            self.output_bps = session.output_format.bytes_per_second
        model = (
            None if isinstance(event, ce.SessionUpdate) else text(getattr(session, "model", None))
        )
        return Reading(
            event_id=text(event.event_id),
            model=model,
            session_started=type(event) is se.SessionCreated,
        )

    def _speech_stopped(self, event: se.InputAudioBufferSpeechStopped) -> Reading:
        return Reading(event_id=event.event_id, item_id=event.item_id, turn_end="speech")

    def _commit(self, event: ce.InputAudioBufferCommit) -> Reading:
        return Reading(event_id=text(event.event_id), turn_end="commit")

    def _committed(self, event: se.InputAudioBufferCommitted) -> Reading:
        return Reading(event_id=event.event_id, item_id=text(event.item_id), turn=True)

    def _response_created(self, event: se.ResponseCreated) -> Reading:
        response = event.response
        response_id = text(response.id)
        response_format = response.output_format
        if response_id is not None and response_format is not None:
            self.response_bps[response_id] = response_format.bytes_per_second
        return Reading(event_id=event.event_id, response_id=response_id)

    def _response_done(self, event: se.ResponseDone) -> Reading:
        response = event.response
        usage = response.usage
        return Reading(
            event_id=event.event_id,
            response_id=text(response.id),
            response_done=True,
            status=text(response.status),
            tokens=tokens_of(usage) if isinstance(usage, Usage) else None,
        )

    def _item(self, event: Any) -> Reading:
        return Reading(
            event_id=text(event.event_id),
            response_id=text(getattr(event, "response_id", None)),
            item_id=text(getattr(event.item, "id", None)),
        )
