"""The mock's translation session: what a stand-in ``/v1/realtime/translations`` answers.

No I/O: :class:`TranslationSession` takes client frames or events and returns the server
events to send, so it is tested without a socket, and the mock server only sends them.
It mirrors the service's stream: the input audio is cut into 200 ms frames, and each
complete frame is answered at once by its deltas (:meth:`TranslationSession.deltas`): the
source transcript when transcription is on, the translated transcript, and the translated
audio, a tone as long as the frame. ``session.close`` flushes the last, shorter frame and
ends with ``session.closed``.

The module depends on the codec only, not on the conversation mock or on a network
library; its tone (660 Hz, whole periods in every frame) is its own.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Iterator
from typing import Final

import msgspec
from msgspec import UNSET

from ..common.errors import Error, build_error, error_event
from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..translation import (
    Audio,
    AudioInput,
    AudioOutput,
    ClientEvent,
    ClientEventType,
    ServerEvent,
    Session,
    SessionClose,
    SessionClosed,
    SessionCreated,
    SessionInputAudioBufferAppend,
    SessionInputTranscriptDelta,
    SessionOutputAudioDelta,
    SessionOutputTranscriptDelta,
    SessionUpdate,
    SessionUpdated,
    decode_client_event,
)
from ._mock_config import merge

__all__ = ["FRAME_MS", "SAMPLE_RATE", "TranslationSession", "tone"]

FRAME_MS: Final = 200
"""The translation engine's frame: input audio is translated 200 ms at a time."""

SAMPLE_RATE: Final = 24_000
"""Input and output audio: pcm16 mono at 24 kHz."""

_BYTES_PER_MS: Final = SAMPLE_RATE * 2 // 1000
_FRAME_BYTES: Final = FRAME_MS * _BYTES_PER_MS

_SOURCE: Final = "this is the rtmsg mock speaking through a translation session"
_TRANSLATED: Final = {
    "es": "esta es la sesión de traducción simulada de rtmsg",
    "fr": "ceci est la session de traduction simulée de rtmsg",
    "de": "dies ist die simulierte Übersetzungssitzung von rtmsg",
}
"""What the mock "translates" into, by target language; other languages get a tagged echo."""


class TranslationSession:
    """One mock translation session: its configuration, the audio not yet translated, its ids.

    ``start()`` gives the events to send on connect, ``receive(frame)`` (or ``handle(event)``)
    those answering a client frame. Once :attr:`closed`, the server closes the connection.
    It is a :class:`~rtmsg.relay.mock.SessionKind`: every delta answers the append that
    completes its frame at once, so :meth:`take_response` has no stream to give.
    """

    def __init__(
        self,
        model: str = "gpt-realtime-translate",
        *,
        session_id: str = "sess_mock",
        expires_at: int | None = None,
    ) -> None:
        self.session = Session(
            type="translation",
            id=session_id,
            model=model,
            expires_at=int(time.time()) + 3600 if expires_at is None else expires_at,
            audio=Audio(
                input=AudioInput(transcription=None, noise_reduction=None),
                output=AudioOutput(language="es"),
            ),
        )
        self.closed = False
        self._ids = itertools.count(1)
        self._pending = 0  # bytes of input audio not yet translated
        self._frames = 0  # frames translated so far

    def new_id(self, prefix: str = "event") -> str:
        return f"{prefix}_{next(self._ids):05d}"

    def start(self) -> list[ServerEvent]:
        """What the server sends on connect: ``session.created``."""
        return [SessionCreated(event_id=self.new_id(), session=self.session)]

    def take_response(self) -> None:
        """Nothing: the deltas are in the answer to each append (see :meth:`receive`)."""
        return None

    def receive(self, frame: bytes | str) -> list[ServerEvent]:
        """The answer to one client frame; an invalid one is answered with an ``error``."""
        try:
            event = decode_client_event(frame)
        except DecodeError as exc:
            return [error_event(exc, event_id=self.new_id())]
        return self.handle(event)

    def handle(self, event: ClientEvent | Unknown) -> list[ServerEvent]:
        """The events that answer ``event``, in order."""
        if self.closed:
            return [self._error("session_closed", "The session is closed.", cause=event)]
        match event:
            case SessionUpdate(session=update):
                if isinstance(update.audio, Audio):
                    self.session = msgspec.structs.replace(
                        self.session, audio=merge(self.session.audio, update.audio)
                    )
                return [SessionUpdated(event_id=self.new_id(), session=self.session)]
            case SessionInputAudioBufferAppend():
                try:
                    self._pending += len(event.pcm())
                except DecodeError as exc:
                    return [self._error("invalid_value", str(exc), param="audio", cause=event)]
                return list(self.deltas())
            case SessionClose():
                self.closed = True
                return [*self.deltas(flush=True), SessionClosed(event_id=self.new_id())]
            case _:
                supported = ", ".join(repr(t.value) for t in ClientEventType)
                message = f"Invalid value: {event.event_type!r}. Supported values are: {supported}."
                return [self._error("invalid_value", message, param="type", cause=event)]

    def deltas(self, *, flush: bool = False) -> Iterator[ServerEvent]:
        """The deltas of every complete 200 ms frame of input audio (and, with ``flush``, of
        the rest), in order: source transcript, translated transcript, translated audio."""
        while self._pending >= _FRAME_BYTES or (flush and self._pending > 0):
            size = min(self._pending, _FRAME_BYTES)
            self._pending -= size
            index = self._frames
            self._frames += 1
            elapsed_ms = index * FRAME_MS + size // _BYTES_PER_MS
            separator = " " if index else ""
            if self._transcribing():
                source = _SOURCE.split()
                yield SessionInputTranscriptDelta(
                    event_id=self.new_id(),
                    delta=separator + source[index % len(source)],
                    elapsed_ms=elapsed_ms,
                )
            words = self._translated_words()
            yield SessionOutputTranscriptDelta(
                event_id=self.new_id(),
                delta=separator + words[index % len(words)],
                elapsed_ms=elapsed_ms,
            )
            yield SessionOutputAudioDelta.from_pcm(
                tone(size // _BYTES_PER_MS),
                event_id=self.new_id(),
                sample_rate=SAMPLE_RATE,
                channels=1,
                format="pcm16",
                elapsed_ms=elapsed_ms,
            )

    def _transcribing(self) -> bool:
        audio_in = self.session.audio.input
        return isinstance(audio_in, AudioInput) and audio_in.transcription not in (None, UNSET)

    def _translated_words(self) -> list[str]:
        output = self.session.audio.output
        language = output.language if isinstance(output, AudioOutput) else None
        language = language if isinstance(language, str) else "es"
        text = _TRANSLATED.get(language, f"[{language}] {_SOURCE}")
        return text.split()

    def _error(
        self,
        code: str,
        message: str,
        *,
        cause: ClientEvent | Unknown,
        param: str | None = None,
    ) -> Error:
        """An ``invalid_request_error`` naming the client event ``cause``."""
        client_event_id = getattr(cause, "event_id", None)
        return build_error(
            code,
            message,
            param=param,
            client_event_id=client_event_id if isinstance(client_event_id, str) else None,
            event_id=self.new_id(),
        )


def tone(duration_ms: int) -> bytes:
    """``duration_ms`` of a 660 Hz tone, pcm16 mono at 24 kHz: the mock's translated voice."""
    second = _tone_second()
    size = _BYTES_PER_MS * duration_ms
    # 660 whole periods fit in a second and 132 in a 200 ms frame: frames join without a click.
    return (second * (size // len(second) + 1))[:size]


@functools.cache
def _tone_second() -> bytes:
    samples = (
        int(6000 * math.sin(2 * math.pi * 660 * n / SAMPLE_RATE)) for n in range(SAMPLE_RATE)
    )
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)
