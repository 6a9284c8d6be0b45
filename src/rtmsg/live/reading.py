"""What Live's events mean for a session: audio both ways, transcripts, delegated responses.

The reader keeps the session's audio format (set by ``session.start`` and
``session.started``: 24 kHz pcm16 until one says otherwise) to turn base64 sizes into
seconds; a sideband's reflected audio is always 24 kHz pcm16. A delegated response's
lifecycle and text come from the nested Responses events of ``response.event``, read for
the purpose (a nested event that is not valid says nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..engine.base import base64_size
from ..engine.errors import DecodeError
from ..engine.reading import NOTHING, Reading, TokenTotals, ids_of, text
from . import events as ev
from . import responses as nested
from .session import Audio, AudioFormat, AudioPcm

__all__ = ["LiveReader"]

_PCM16_24KHZ: Final = 48_000
"""Bytes per second of 24 kHz pcm16 mono: the default format, and the sideband's."""

_RESPONSE_ENDS: Final = (nested.ResponseCompleted, nested.ResponseFailed, nested.ResponseIncomplete)


def _bytes_per_second(fmt: AudioFormat) -> int:
    return fmt.rate * 2 if isinstance(fmt, AudioPcm) else fmt.rate


class LiveReader:
    """Reads one Live session's events (see :mod:`rtmsg.engine.reading`)."""

    def __init__(self) -> None:
        self._rate = _PCM16_24KHZ
        self._special: dict[type, Callable[[Any], Reading]] = {
            ev.SessionStart: self._start,
            ev.SessionStarted: self._session,
            ev.SessionUpdated: self._session,
            ev.SessionClosed: self._session,
            ev.SessionInputAudioAppend: self._append,
            ev.SessionInputAudioAppendReflection: self._reflection,
            ev.SessionOutputAudioDelta: self._audio_delta,
            ev.SessionInputTranscriptDelta: self._input_transcript,
            ev.SessionOutputTranscriptDelta: self._output_transcript,
            ev.ResponseEvent: self._response_event,
            ev.Error: self._error,
        }

    def read(self, event: Any) -> Reading:
        special = self._special.get(type(event))
        if special is not None:
            return special(event)
        event_id = ids_of(event)[0]
        return NOTHING if event_id is None else Reading(event_id=event_id)

    def _set_format(self, audio: object) -> None:
        if isinstance(audio, Audio) and isinstance(audio.format, AudioFormat):
            self._rate = _bytes_per_second(audio.format)

    def _start(self, event: ev.SessionStart) -> Reading:
        self._set_format(event.session.audio)
        return Reading(event_id=text(event.event_id), model=event.session.model)

    def _session(self, event: ev.SessionStarted | ev.SessionUpdated | ev.SessionClosed) -> Reading:
        self._set_format(event.session.audio)
        return Reading(event_id=event.event_id, model=event.session.model)

    def _append(self, event: ev.SessionInputAudioAppend) -> Reading:
        size = base64_size(event.audio)
        return Reading(
            event_id=text(event.event_id), audio_bytes=size, audio_seconds=size / self._rate
        )

    def _reflection(self, event: ev.SessionInputAudioAppendReflection) -> Reading:
        size = base64_size(event.audio)
        return Reading(audio_bytes=size, audio_seconds=size / _PCM16_24KHZ)

    def _audio_delta(self, event: ev.SessionOutputAudioDelta) -> Reading:
        size = base64_size(event.delta)
        # A sideband's reflected delta has its place on the timeline, and is 24 kHz pcm16.
        reflected = isinstance(event.start_ms, int) and isinstance(event.end_ms, int)
        rate = _PCM16_24KHZ if reflected else self._rate
        return Reading(audio_bytes=size, audio_seconds=size / rate, audio_out=True)

    def _input_transcript(self, event: ev.SessionInputTranscriptDelta) -> Reading:
        return Reading(event_id=event.event_id, text=event.delta, transcript_in=event.delta)

    def _output_transcript(self, event: ev.SessionOutputTranscriptDelta) -> Reading:
        return Reading(event_id=event.event_id, text=event.delta, transcript_out=event.delta)

    def _error(self, event: ev.Error) -> Reading:
        error = event.error
        return Reading(
            event_id=event.event_id, code=error.code, param=text(error.param), message=error.message
        )

    def _response_event(self, event: ev.ResponseEvent) -> Reading:
        try:
            inner = event.nested()
        except DecodeError:
            return Reading(event_id=event.event_id)
        if isinstance(inner, _RESPONSE_ENDS):
            response = inner.response
            usage = response.usage
            tokens = (
                TokenTotals(
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    total_tokens=usage.total_tokens,
                    input_cached_tokens=usage.input_tokens_details.cached_tokens,
                )
                if isinstance(usage, nested.ResponseUsage)
                else None
            )
            return Reading(
                event_id=event.event_id,
                response_id=response.id,
                response_done=True,
                status=text(response.status),
                tokens=tokens,
                model=response.model,
            )
        if isinstance(inner, nested.ResponseOutputTextDelta):
            return Reading(event_id=event.event_id, item_id=inner.item_id, text=inner.delta)
        return Reading(event_id=event.event_id)
