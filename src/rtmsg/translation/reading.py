"""What the translation protocol's events mean for a session: audio both ways, transcripts.

Input audio is 24 kHz pcm16 mono; translated audio is pcm16 at the rate and channel count a
delta announces (24 kHz mono unless it says otherwise). A translation session has no turns,
responses or token usage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..common.errors import Error
from ..common.reading import read_error
from ..engine.base import base64_size
from ..engine.reading import NOTHING, Reading, ids_of, text
from . import events as ev

__all__ = ["TranslationReader"]

_PCM16_24KHZ: Final = 48_000
"""Bytes per second of 24 kHz pcm16 mono: the input audio, and the output's default."""


def _bytes_per_second(delta: ev.SessionOutputAudioDelta) -> int:
    rate = delta.sample_rate if isinstance(delta.sample_rate, int) and delta.sample_rate > 0 else 0
    channels = delta.channels if isinstance(delta.channels, int) and delta.channels > 0 else 1
    return 2 * channels * rate if rate else _PCM16_24KHZ * channels


class TranslationReader:
    """Reads one translation session's events (see :mod:`rtmsg.engine.reading`)."""

    def __init__(self) -> None:
        self._special: dict[type, Callable[[Any], Reading]] = {
            ev.SessionInputAudioBufferAppend: self._append,
            ev.SessionOutputAudioDelta: self._audio_delta,
            ev.SessionInputTranscriptDelta: self._input_transcript,
            ev.SessionOutputTranscriptDelta: self._output_transcript,
            ev.SessionCreated: self._session,
            ev.SessionUpdated: self._session,
            Error: read_error,
        }

    def read(self, event: Any) -> Reading:
        special = self._special.get(type(event))
        if special is not None:
            return special(event)
        event_id = ids_of(event)[0]
        return NOTHING if event_id is None else Reading(event_id=event_id)

    def _append(self, event: ev.SessionInputAudioBufferAppend) -> Reading:
        size = base64_size(event.audio)
        return Reading(
            event_id=text(event.event_id), audio_bytes=size, audio_seconds=size / _PCM16_24KHZ
        )

    def _audio_delta(self, event: ev.SessionOutputAudioDelta) -> Reading:
        size = base64_size(event.delta)
        return Reading(
            event_id=event.event_id,
            audio_bytes=size,
            audio_seconds=size / _bytes_per_second(event),
            audio_out=True,
        )

    def _input_transcript(self, event: ev.SessionInputTranscriptDelta) -> Reading:
        return Reading(event_id=event.event_id, text=event.delta, transcript_in=event.delta)

    def _output_transcript(self, event: ev.SessionOutputTranscriptDelta) -> Reading:
        return Reading(event_id=event.event_id, text=event.delta, transcript_out=event.delta)

    def _session(self, event: ev.SessionCreated | ev.SessionUpdated) -> Reading:
        return Reading(
            event_id=event.event_id,
            model=text(event.session.model),
            session_started=type(event) is ev.SessionCreated,
        )
