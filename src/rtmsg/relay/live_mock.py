"""The mock's Live session: what a stand-in ``/v1/live/sessions`` primary connection answers.

No I/O: :class:`LiveSession` takes client frames or events and returns the server events to
send, so it is tested without a socket, and a server only sends them. It follows the
service's stream as public clients observed it:

- nothing is sent before ``session.start``; it is answered by ``session.started`` with the
  resolved configuration (the default format and voice filled in), and any other command
  before it by an ``error``;
- input audio is heard in pieces: each 300 ms of ``session.input_audio.append`` is answered
  by a ``session.input_transcript.delta``, and every ``turn_ms`` of it ends a turn of the
  caller's;
- the model answers each turn (:meth:`LiveSession.take_response`): audio deltas of a tone in
  the session's format with a transcript delta each, then ``session.usage.updated``. With a
  Responses backend (``delegation.type == "responses"``) every other turn is delegated first:
  ``session.delegation.created``, then the backend's short text answer as nested Responses
  events in ``response.event`` frames, which the model then speaks;
- context appends, mutes and audio fixtures are acknowledged; ``session.close`` is answered
  by ``session.closed`` with the final usage, after which the server closes (1000);
- an invalid or unknown client frame is answered by Live's ``error`` event, naming the
  command by its ``client_event_id``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Final

import msgspec
from msgspec import UNSET

from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..live import (
    Audio,
    AudioFormat,
    AudioOutput,
    AudioPcm,
    ClientEvent,
    ClientEventType,
    DelegationInfo,
    Error,
    ErrorDetail,
    ResponseCreate,
    ResponseEvent,
    ResponseItemCreate,
    ResponsesDelegation,
    ServerEvent,
    Session,
    SessionClose,
    SessionClosed,
    SessionCommentaryAppend,
    SessionCommentaryAppended,
    SessionDelegationCreated,
    SessionInputAudioAppend,
    SessionInputAudioMute,
    SessionInputAudioMuted,
    SessionInputAudioUnmute,
    SessionInputAudioUnmuted,
    SessionInputTranscriptDelta,
    SessionInstructionsAppend,
    SessionInstructionsAppended,
    SessionOutputAudioDelta,
    SessionOutputAudioFixturePlay,
    SessionOutputAudioFixturePlayed,
    SessionOutputAudioFixturePlaying,
    SessionOutputTranscriptDelta,
    SessionStart,
    SessionStarted,
    SessionThinkingAppend,
    SessionThinkingAppended,
    SessionUpdate,
    SessionUpdated,
    SessionUsage,
    SessionUsageUpdated,
    decode_client_event,
    error_event,
)
from ..live import responses as nested
from . import audio
from ._response import Sleep

__all__ = ["LiveSession"]

_HEARD_MS: Final = 300
"""How much input audio each input transcript delta stands for."""

_CALLER: Final = "could you check whether a table for two is free tonight"
_SPOKEN: Final = "of course, one moment while I look at the bookings for tonight"
_ANSWER: Final = "A table for two is free at seven tonight."

LiveOutput = ServerEvent | Unknown
"""What the session gives the server to send."""


class LiveSession:
    """One mock Live session on a primary connection: its configuration, timeline and ids.

    A :class:`~rtmsg.relay.mock.SessionKind`: ``start()`` sends nothing (the client speaks
    first), ``receive(frame)`` (or ``handle(event)``) answers a client frame at once, and
    :meth:`take_response` gives the model's answer to the last turn the caller ended, to
    send alongside. Once :attr:`closed`, the server closes the connection.
    """

    def __init__(
        self,
        *,
        session_id: str = "live_mock",
        expires_at: int | None = None,
        turn_ms: int = 1500,
        chunk_ms: int = 100,
    ) -> None:
        if turn_ms < _HEARD_MS or chunk_ms < 1:
            raise ValueError(f"turn_ms must be >= {_HEARD_MS} and chunk_ms >= 1")
        self.session_id = session_id
        self.expires_at = int(time.time()) + 3600 if expires_at is None else expires_at
        self.turn_ms = turn_ms
        self.chunk_ms = chunk_ms
        self.session: Session | None = None
        self.closed = False
        self.muted = False
        self._ids = itertools.count(1)
        self._heard_ms = 0  # input audio received, in ms of the session's format
        self._pending = 0  # bytes of input audio not yet heard
        self._turns = 0
        self._response: Iterator[LiveOutput | Sleep] | None = None

    def new_id(self, prefix: str = "event") -> str:
        return f"{prefix}_{next(self._ids):05d}"

    def start(self) -> list[LiveOutput]:
        """Nothing: a Live session starts when the client sends ``session.start``."""
        return []

    def take_response(self) -> Iterator[LiveOutput | Sleep] | None:
        """The model's answer to the turn the last frame ended, once, or ``None``."""
        response, self._response = self._response, None
        return response

    def receive(self, frame: bytes | str) -> list[LiveOutput]:
        """The answer to one client frame; an invalid one is answered with an ``error``."""
        try:
            event = decode_client_event(frame)
        except DecodeError as exc:
            return [error_event(exc, event_id=self.new_id())]
        return self.handle(event)

    def handle(self, event: ClientEvent | Unknown) -> list[LiveOutput]:
        """The events that answer ``event``, in order."""
        if self.closed:
            return [self._error("session_closed", "The session is closed.", event)]
        if self.session is None:
            if isinstance(event, SessionStart):
                return [self._start(event)]
            message = "The first client event must be 'session.start'."
            return [self._error("session_not_started", message, event)]
        match event:
            case SessionStart():
                return [self._error("session_already_started", "The session started.", event)]
            case SessionInputAudioAppend():
                return self._append(event)
            case SessionInputAudioMute():
                self.muted = True
                return [SessionInputAudioMuted(event_id=self.new_id(), **self._echo(event))]
            case SessionInputAudioUnmute():
                self.muted = False
                return [SessionInputAudioUnmuted(event_id=self.new_id(), **self._echo(event))]
            case SessionInstructionsAppend() | SessionThinkingAppend() | SessionCommentaryAppend():
                return [self._appended(event)]
            case SessionOutputAudioFixturePlay():
                return [
                    SessionOutputAudioFixturePlaying(event_id=self.new_id(), **self._echo(event)),
                    SessionOutputAudioFixturePlayed(event_id=self.new_id(), **self._echo(event)),
                ]
            case SessionUpdate():
                return self._update(event)
            case ResponseItemCreate() | ResponseCreate():
                return self._responses_command(event)
            case SessionClose():
                self.closed = True
                return [
                    SessionClosed(
                        event_id=self.new_id(),
                        reason="close_requested",
                        session=self.session,
                        usage=self._usage(),
                        **self._echo(event),
                    )
                ]
            case Unknown():
                supported = ", ".join(repr(t.value) for t in ClientEventType)
                message = f"Invalid value: {event.type!r}. Supported values are: {supported}."
                return [self._error("invalid_value", message, event, param="type")]
            case _:
                message = f"{event.event_type!r} is not supported by the mock."
                return [self._error("unsupported", message, event, param="type")]

    # --- the session ---------------------------------------------------------------------------

    def _start(self, event: SessionStart) -> SessionStarted:
        config = event.session
        requested = config.audio if isinstance(config.audio, Audio) else Audio()
        output = requested.output if isinstance(requested.output, AudioOutput) else AudioOutput()
        resolved = Audio(
            format=requested.format
            if isinstance(requested.format, AudioFormat)
            else AudioPcm(rate=24000),
            output=AudioOutput(voice=output.voice if isinstance(output.voice, str) else "marin"),
        )
        self.session = Session(
            id=self.session_id,
            expires_at=self.expires_at,
            model=config.model,
            status="active",
            audio=resolved,
            client=config.client,
            delegation=config.delegation,
            input=config.input if isinstance(config.input, list) else [],
            instructions=config.instructions if isinstance(config.instructions, str) else "",
            safety_identifier=config.safety_identifier,
            store=config.store,
            triggers=config.triggers,
        )
        return SessionStarted(event_id=self.new_id(), session=self.session, **self._echo(event))

    def _update(self, event: SessionUpdate) -> list[LiveOutput]:
        assert self.session is not None
        update = event.session
        current = self.session.delegation
        kind = current.__struct_config__.tag if current not in (None, UNSET) else "client"
        if update.delegation not in (None, UNSET):
            asked = update.delegation.__struct_config__.tag
            if asked != kind:
                message = f"The delegation type cannot change from {kind!r} to {asked!r}."
                return [self._error("invalid_value", message, event, param="session.delegation")]
        if update.triggers is not UNSET:
            self.session = msgspec.structs.replace(self.session, triggers=update.triggers)
        return [SessionUpdated(event_id=self.new_id(), session=self.session, **self._echo(event))]

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

    # --- input audio and turns -----------------------------------------------------------------

    def _append(self, event: SessionInputAudioAppend) -> list[LiveOutput]:
        try:
            size = len(event.pcm())
        except DecodeError as exc:
            return [self._error("invalid_value", str(exc), event, param="audio")]
        self._pending += size
        out: list[LiveOutput] = []
        piece = _HEARD_MS * self._bytes_per_ms()
        words = _CALLER.split()
        while self._pending >= piece:
            self._pending -= piece
            start = self._heard_ms
            self._heard_ms += _HEARD_MS
            index = start % self.turn_ms // _HEARD_MS
            out.append(
                SessionInputTranscriptDelta(
                    event_id=self.new_id(),
                    delta=("" if index == 0 else " ") + words[index % len(words)],
                    start_ms=start,
                    end_ms=self._heard_ms,
                )
            )
            if self._heard_ms % self.turn_ms < _HEARD_MS:
                self._turns += 1
                self._response = self._answer(self._heard_ms, delegate=self._delegates())
        return out

    def _delegates(self) -> bool:
        assert self.session is not None
        return isinstance(self.session.delegation, ResponsesDelegation) and self._turns % 2 == 0

    def _answer(self, at_ms: int, *, delegate: bool) -> Iterator[LiveOutput | Sleep]:
        """The model's answer to the caller's turn ending at ``at_ms``."""
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
            text = _ANSWER
        yield from self._speak(text, at_ms)
        yield SessionUsageUpdated(event_id=self.new_id(), usage=self._usage())

    def _speak(self, text: str, at_ms: int) -> Iterator[LiveOutput | Sleep]:
        fmt = self._format()
        kind = fmt.__struct_config__.tag
        assert isinstance(kind, str)
        size = self.chunk_ms * self._bytes_per_ms()
        for index, word in enumerate(text.split()):
            pcm = audio.tone(kind, self.chunk_ms)[:size]
            yield SessionOutputAudioDelta.from_pcm(pcm)
            start = at_ms + index * self.chunk_ms
            yield SessionOutputTranscriptDelta(
                event_id=self.new_id(),
                delta=("" if index == 0 else " ") + word,
                start_ms=start,
                end_ms=start + self.chunk_ms,
            )
            yield Sleep(0)

    def backend_answer(self, response_id: str) -> list[nested.ResponseStreamEvent]:
        """The Responses backend's stream for a delegated turn: a short text answer."""
        sequence = itertools.count()
        snapshot = nested.Response(
            id=response_id,
            created_at=float(int(time.time())),
            model="gpt-5.5",
            object="response",
            output=[],
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            status="in_progress",
        )
        item_id = self.new_id("msg")
        empty = nested.OutputText(annotations=[], text="")
        done = nested.OutputText(annotations=[], text=_ANSWER)
        message = nested.OutputMessage(
            id=item_id, content=[], role="assistant", status="in_progress"
        )
        usage = nested.ResponseUsage(
            input_tokens=64,
            input_tokens_details=nested.InputTokensDetails(cache_write_tokens=0, cached_tokens=0),
            output_tokens=len(_ANSWER.split()),
            output_tokens_details=nested.OutputTokensDetails(reasoning_tokens=0),
            total_tokens=64 + len(_ANSWER.split()),
        )
        return [
            nested.ResponseCreated(response=snapshot, sequence_number=next(sequence)),
            nested.ResponseInProgress(response=snapshot, sequence_number=next(sequence)),
            nested.ResponseOutputItemAdded(
                item=message, output_index=0, sequence_number=next(sequence)
            ),
            nested.ResponseContentPartAdded(
                item_id=item_id,
                output_index=0,
                content_index=0,
                part=empty,
                sequence_number=next(sequence),
            ),
            *(
                nested.ResponseOutputTextDelta(
                    item_id=item_id,
                    output_index=0,
                    content_index=0,
                    delta=("" if i == 0 else " ") + word,
                    logprobs=[],
                    sequence_number=next(sequence),
                )
                for i, word in enumerate(_ANSWER.split())
            ),
            nested.ResponseOutputTextDone(
                item_id=item_id,
                output_index=0,
                content_index=0,
                text=_ANSWER,
                logprobs=[],
                sequence_number=next(sequence),
            ),
            nested.ResponseContentPartDone(
                item_id=item_id,
                output_index=0,
                content_index=0,
                part=done,
                sequence_number=next(sequence),
            ),
            nested.ResponseOutputItemDone(
                item=msgspec.structs.replace(message, content=[done], status="completed"),
                output_index=0,
                sequence_number=next(sequence),
            ),
            nested.ResponseCompleted(
                response=msgspec.structs.replace(
                    snapshot, status="completed", completed_at=snapshot.created_at, usage=usage
                ),
                sequence_number=next(sequence),
            ),
        ]

    # --- context, the Responses backend, errors ------------------------------------------------

    def _appended(
        self, event: SessionInstructionsAppend | SessionThinkingAppend | SessionCommentaryAppend
    ) -> LiveOutput:
        at = self._heard_ms
        echo = self._echo(event)
        if isinstance(event, SessionInstructionsAppend):
            return SessionInstructionsAppended(
                event_id=self.new_id(), start_ms=at, end_ms=at, **echo
            )
        if isinstance(event, SessionThinkingAppend):
            return SessionThinkingAppended(event_id=self.new_id(), start_ms=at, end_ms=at, **echo)
        return SessionCommentaryAppended(event_id=self.new_id(), start_ms=at, end_ms=at, **echo)

    def _responses_command(self, event: ResponseItemCreate | ResponseCreate) -> list[LiveOutput]:
        assert self.session is not None
        if not isinstance(self.session.delegation, ResponsesDelegation):
            message = f"{event.event_type} requires Responses delegation."
            return [self._error("invalid_request", message, event)]
        if isinstance(event, ResponseCreate):
            self._response = self._backend_only(self.new_id("resp"))
        return []

    def _backend_only(self, response_id: str) -> Iterator[LiveOutput | Sleep]:
        for event in self.backend_answer(response_id):
            yield ResponseEvent(
                event_id=self.new_id(), event=msgspec.Raw(msgspec.json.encode(event))
            )

    @staticmethod
    def _echo(event: ClientEvent) -> dict[str, str]:
        """``client_event_id`` for the answer to a client event that named itself."""
        event_id = getattr(event, "event_id", None)
        return {"client_event_id": event_id} if isinstance(event_id, str) else {}

    def _error(
        self, code: str, message: str, cause: ClientEvent | Unknown, *, param: str | None = None
    ) -> Error:
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
