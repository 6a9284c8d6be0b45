"""A Live mock session's timeline: what its connections see, in order, and the model's turns.

The base of :class:`~rtmsg.relay.live_mock.LiveSession`, apart from its commands: the state a
session's connections share (its configuration once started, ids, the caller's audio heard so
far), how an item that happens in the session is shown to each connection (the primary one
hears the model in the session's format; a sideband gets the caller's audio reflected and the
model's with its place on the timeline, both 24 kHz pcm16), and the turns: input audio heard
in pieces, a turn ended every ``turn_ms``, and the model's answer to it, delegated first to
the Responses backend (:mod:`._live_backend`) on every other turn when the session has one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Final, Generic, TypeVar

import msgspec

from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..live import (
    Audio,
    AudioFormat,
    AudioPcm,
    DelegationInfo,
    Error,
    ErrorDetail,
    ResponseEvent,
    ResponsesDelegation,
    Session,
    SessionDelegationCreated,
    SessionInputAudioAppend,
    SessionInputAudioAppendReflection,
    SessionInputTranscriptDelta,
    SessionOutputAudioDelta,
    SessionOutputTranscriptDelta,
    SessionUsage,
    SessionUsageUpdated,
)
from ..live import responses as nested
from . import audio
from ._live_backend import ANSWER, backend_answer
from ._live_connection import Command, Connection, Heard, Item, LiveOutput, Spoken
from ._mock_base import Sleep

__all__ = ["HEARD_MS", "Timeline"]

_Sideband = TypeVar("_Sideband", bound=Connection)

HEARD_MS: Final = 300
"""How much input audio each input transcript delta stands for."""

_PCM16_24KHZ_PER_MS: Final = 48
"""Bytes per millisecond of 24 kHz pcm16 mono: a sideband's audio, both ways."""

_CALLER: Final = "could you check whether a table for two is free tonight"
_SPOKEN: Final = "of course, one moment while I look at the bookings for tonight"


class Timeline(Connection, Generic[_Sideband]):
    """A Live session's shared state and timeline, and its primary connection.

    ``heard_ms`` and ``turns`` are where the timeline starts: a fork goes on from the stored
    session's. :attr:`sidebands` are the connections attached to the session, of the type a
    subclass names (:class:`~rtmsg.relay.live_mock.LiveSideband`).
    """

    def __init__(
        self,
        *,
        turn_ms: int,
        chunk_ms: int,
        first_audio_delay_s: float,
        heard_ms: int = 0,
        turns: int = 0,
    ) -> None:
        if turn_ms < HEARD_MS or chunk_ms < 1:
            raise ValueError(f"turn_ms must be >= {HEARD_MS} and chunk_ms >= 1")
        super().__init__()
        self.turn_ms = turn_ms
        self.chunk_ms = chunk_ms
        self.first_audio_delay_s = first_audio_delay_s
        self.session: Session | None = None
        self.muted = False
        self.sidebands: list[_Sideband] = []
        self._primary_gone = False
        self._ids = itertools.count(1)
        self._heard_ms = heard_ms
        self._turns = turns
        self._pending_bytes = 0  # input audio not yet heard

    def new_id(self, prefix: str = "event") -> str:
        return f"{prefix}_{next(self._ids):05d}"

    # --- what each connection sees -------------------------------------------------------------

    def _connections(self) -> list[Connection]:
        primary: list[Connection] = [] if self._primary_gone else [self]
        return primary + list(self.sidebands)

    def _publish(self, items: Iterable[Item], origin: Connection) -> list[LiveOutput]:
        """Show ``items`` to every connection of the session; what ``origin`` sees of them."""
        connections = self._connections()
        seen: list[LiveOutput] = []
        for item in items:
            for connection in connections:
                view = self._view(item, sideband=connection is not self)
                if view is None:
                    continue
                if connection is origin:
                    seen.append(view)
                else:
                    connection._queue(view)
        for connection in connections:
            if connection is not origin:
                connection._notify()
        return seen

    def _view(self, item: Item, *, sideband: bool) -> LiveOutput | None:
        """``item`` as the primary connection, or a sideband, sees it."""
        if isinstance(item, Heard):
            return SessionInputAudioAppendReflection.from_pcm(item.pcm) if sideband else None
        if isinstance(item, Spoken):
            if sideband:
                pcm = audio.tone("audio/pcm", item.duration_ms)
                end_ms = item.start_ms + item.duration_ms
                return SessionOutputAudioDelta.from_pcm(pcm, start_ms=item.start_ms, end_ms=end_ms)
            return SessionOutputAudioDelta.from_pcm(self._tone(item.duration_ms))
        return item

    def _take_stream(self, origin: Connection) -> Iterator[LiveOutput | Sleep] | None:
        stream, origin._stream = origin._stream, None
        return None if stream is None else self._play(stream, origin)

    def _play(
        self, stream: Iterator[Item | Sleep], origin: Connection
    ) -> Iterator[LiveOutput | Sleep]:
        """A stream played on ``origin``'s connection, shown to the others as it goes."""
        for step in stream:
            if isinstance(step, Sleep):
                yield step
            else:
                yield from self._publish((step,), origin)

    # --- the session's format and usage --------------------------------------------------------

    def _usage(self) -> SessionUsage:
        return SessionUsage(seconds=float(self._heard_ms // 1000))

    def _format(self) -> AudioFormat:
        assert self.session is not None
        assert isinstance(self.session.audio, Audio)
        fmt = self.session.audio.format
        assert isinstance(fmt, AudioFormat)
        return fmt

    def _bytes_per_ms(self) -> int:
        fmt = self._format()
        return fmt.rate * 2 // 1000 if isinstance(fmt, AudioPcm) else fmt.rate // 1000

    def _tone(self, duration_ms: int) -> bytes:
        """``duration_ms`` of the model's voice in the session's format."""
        kind = self._format().__struct_config__.tag
        assert isinstance(kind, str)
        return audio.tone(kind, duration_ms)[: duration_ms * self._bytes_per_ms()]

    # --- input audio and turns -----------------------------------------------------------------

    def _append(self, event: SessionInputAudioAppend) -> list[LiveOutput]:
        try:
            pcm = event.pcm()
        except DecodeError as exc:
            return [self._error("invalid_value", str(exc), event, param="audio")]
        fmt = self._format()
        if isinstance(fmt, AudioPcm) and fmt.rate == 24000:
            reflected = pcm
        else:  # the service converts the caller's audio to 24 kHz pcm16; the mock sends silence
            reflected = bytes(len(pcm) // self._bytes_per_ms() * _PCM16_24KHZ_PER_MS)
        items: list[Item] = [Heard(reflected)]
        if self.muted:
            return self._publish(items, self)
        self._pending_bytes += len(pcm)
        piece = HEARD_MS * self._bytes_per_ms()
        words = _CALLER.split()
        while self._pending_bytes >= piece:
            self._pending_bytes -= piece
            start = self._heard_ms
            self._heard_ms += HEARD_MS
            index = start % self.turn_ms // HEARD_MS
            items.append(
                SessionInputTranscriptDelta(
                    event_id=self.new_id(),
                    delta=("" if index == 0 else " ") + words[index % len(words)],
                    start_ms=start,
                    end_ms=self._heard_ms,
                )
            )
            if self._heard_ms % self.turn_ms < HEARD_MS:
                self._turns += 1
                self._stream = self._answer(self._heard_ms, delegate=self._delegates())
        return self._publish(items, self)

    def _delegates(self) -> bool:
        assert self.session is not None
        return isinstance(self.session.delegation, ResponsesDelegation) and self._turns % 2 == 0

    def _answer(self, at_ms: int, *, delegate: bool) -> Iterator[Item | Sleep]:
        """The model's answer to the caller's turn ending at ``at_ms``, after its thinking time."""
        if self.first_audio_delay_s:
            yield Sleep(self.first_audio_delay_s)
        text = _SPOKEN
        if delegate:
            delegation_id = self.new_id("item")
            response_id = self.new_id("resp")
            yield SessionDelegationCreated(
                event_id=self.new_id(),
                offset_ms=at_ms,
                delegation=DelegationInfo(
                    id=delegation_id, target="responses", type="delegation", response_id=response_id
                ),
            )
            for event in self.backend_answer(response_id):
                yield ResponseEvent(
                    event_id=self.new_id(),
                    delegation_id=delegation_id,
                    event=msgspec.Raw(msgspec.json.encode(event)),
                )
                yield Sleep(0)
            text = ANSWER
        yield from self._speak(text, at_ms)
        yield SessionUsageUpdated(event_id=self.new_id(), usage=self._usage())

    def _speak(self, text: str, at_ms: int) -> Iterator[Item | Sleep]:
        for index, word in enumerate(text.split()):
            start = at_ms + index * self.chunk_ms
            yield Spoken(start, self.chunk_ms)
            yield SessionOutputTranscriptDelta(
                event_id=self.new_id(),
                delta=("" if index == 0 else " ") + word,
                start_ms=start,
                end_ms=start + self.chunk_ms,
            )
            yield Sleep(0)

    def backend_answer(self, response_id: str) -> list[nested.ResponseStreamEvent]:
        """The Responses backend's stream for a delegated turn: a short text answer."""
        return backend_answer(response_id, self.new_id)

    def _backend_only(self, response_id: str) -> Iterator[Item | Sleep]:
        for event in self.backend_answer(response_id):
            yield ResponseEvent(
                event_id=self.new_id(), event=msgspec.Raw(msgspec.json.encode(event))
            )

    def _error(self, code: str, message: str, cause: Command, *, param: str | None = None) -> Error:
        """An ``invalid_request_error`` naming the client event ``cause``."""
        event_id = (
            cause.event_id if isinstance(cause, Unknown) else getattr(cause, "event_id", None)
        )
        client = {"client_event_id": event_id} if isinstance(event_id, str) else {}
        return Error(
            event_id=self.new_id(),
            error=ErrorDetail(
                code=code,
                message=message,
                type="invalid_request_error",
                **client,
                **({"param": param} if param is not None else {}),
            ),
            **client,
        )
