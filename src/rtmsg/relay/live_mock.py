"""The mock's Live sessions: what a stand-in ``/v1/live/sessions`` answers, on each connection.

No I/O: a session object takes client frames or events and returns the server events to
send, so it is tested without a socket, and a server only sends them. It follows the
service's stream as its SDK and public clients describe it:

- :class:`LiveSession` is a session and its primary connection. Nothing is sent before
  ``session.start``; it is answered by ``session.started`` with the resolved configuration
  (the default format and voice filled in), and any other command before it by an ``error``;
- input audio is heard in pieces: each 300 ms of ``session.input_audio.append`` is answered
  by a ``session.input_transcript.delta``, and every ``turn_ms`` of it ends a turn of the
  caller's (audio sent while the input is muted is reflected to sidebands, not heard);
- the model answers each turn (:meth:`LiveSession.take_response`), after
  ``first_audio_delay_s`` of thinking: audio deltas of a tone in the session's format with a
  transcript delta each, then ``session.usage.updated``. With a
  Responses backend (``delegation.type == "responses"``) every other turn is delegated first:
  ``session.delegation.created``, then the backend's short text answer as nested Responses
  events in ``response.event`` frames, which the model then speaks;
- context appends, mutes and audio fixtures are acknowledged; ``session.close`` is answered
  by ``session.closed`` with the final usage, after which the server closes (1000);
- an invalid or unknown client frame is answered by Live's ``error`` event, naming the
  command by its ``client_event_id``, on the connection that sent it only.

A sideband (:class:`LiveSideband`, from :meth:`LiveSession.attach`) sees what the session
does, as the service shows it to one: the caller's audio reflected
(``session.input_audio.append`` from the server), the model's audio with its place on the
timeline (``start_ms``, ``end_ms``; both always 24 kHz pcm16), and every other event the
primary connection gets but the answers to its frames. It sends commands of its own
(``session.update``, mutes, context, ``session.close``, ...), whose answers every connection
sees. The mock's sessions are WebSocket sessions, not SIP calls: ``transport.dtmf.send`` is
answered by an ``error``, as the service answers it outside a SIP call; nor do they pause (a
WebRTC session's idle timeout). When the primary connection drops, the session ends with
``session.closed`` (``connection_lost``) on its sidebands.

A fork (:meth:`LiveSession.fork`) is a new session on a new primary connection, started from
a stored session (``store: true``) by the fork's ``session.start``: it keeps the stored
configuration and timeline, with the fork's overrides. :class:`LiveSessions` keeps a mock
server's sessions by id, and refuses an attach to a session that is not running, or a fork of
one that is not stored, with HTTP 404.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Final

import msgspec
from msgspec import UNSET

from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..live import (
    AttachClientEvent,
    AttachClientEventType,
    AttachServerEvent,
    Audio,
    AudioFormat,
    AudioOutput,
    AudioPcm,
    ClientEvent,
    ClientEventType,
    DelegationInfo,
    Error,
    ErrorDetail,
    ForkClientEvent,
    ForkSessionStart,
    ResponseCreate,
    ResponseEvent,
    ResponseItemCreate,
    ResponsesDelegation,
    Session,
    SessionClose,
    SessionClosed,
    SessionCommentaryAppend,
    SessionCommentaryAppended,
    SessionDelegationCreated,
    SessionInputAudioAppend,
    SessionInputAudioAppendReflection,
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
    TransportDtmfSend,
    decode_attach_client_event,
    decode_client_event,
    decode_fork_client_event,
    error_event,
)
from ..live import responses as nested
from . import audio
from ._live_backend import ANSWER, backend_answer
from ._live_fork import fork_session
from ._mock_base import Refused
from ._response import Sleep

__all__ = ["LiveOutput", "LiveSession", "LiveSessions", "LiveSideband"]

_HEARD_MS: Final = 300
"""How much input audio each input transcript delta stands for."""

_PCM16_24KHZ_PER_MS: Final = 48
"""Bytes per millisecond of 24 kHz pcm16 mono: a sideband's audio, both ways."""

_CALLER: Final = "could you check whether a table for two is free tonight"
_SPOKEN: Final = "of course, one moment while I look at the bookings for tonight"

LiveOutput = AttachServerEvent | Unknown
"""What a session gives the server to send."""


@dataclasses.dataclass(frozen=True)
class _Spoken:
    """The model's audio: ``duration_ms`` of it at ``start_ms`` on the session's timeline."""

    start_ms: int
    duration_ms: int


@dataclasses.dataclass(frozen=True)
class _Heard:
    """The caller's audio as the primary connection sent it, as 24 kHz pcm16."""

    pcm: bytes


_Item = LiveOutput | _Spoken | _Heard
"""What happens in a session, before it is shown to one connection or another."""

_Command = ClientEvent | AttachClientEvent | ForkClientEvent | Unknown


class _Connection:
    """One WebSocket of a Live session: the events waiting for it, and its response stream."""

    _supported: Iterable[str] = ClientEventType

    def __init__(self) -> None:
        self._pending: list[LiveOutput] = []
        self._wake: Callable[[], None] | None = None
        self._stream: Iterator[_Item | Sleep] | None = None

    def bind(self, wake: Callable[[], None]) -> None:
        """The connection is open: ``wake()`` asks the server to send :meth:`take_pending`."""
        self._wake = wake
        if self._pending:
            wake()

    def take_pending(self) -> list[LiveOutput]:
        """The events for this connection that no frame of its own asked for, once."""
        pending, self._pending = self._pending, []
        return pending

    def _queue(self, event: LiveOutput) -> None:
        self._pending.append(event)

    def _notify(self) -> None:
        if self._pending and self._wake is not None:
            self._wake()


class LiveSession(_Connection):
    """One mock Live session and its primary connection: configuration, timeline and ids.

    A :class:`~rtmsg.relay.mock.SessionKind`: ``start()`` sends nothing (the client speaks
    first), ``receive(frame)`` (or ``handle(event)``) answers a client frame at once, and
    :meth:`take_response` gives the model's answer to the last turn the caller ended, to
    send alongside. Once :attr:`closed`, the server closes the connection. ``stored`` is the
    stored session a fork starts from: its first frame is then a fork's ``session.start``.
    """

    def __init__(
        self,
        *,
        session_id: str = "live_mock",
        expires_at: int | None = None,
        turn_ms: int = 1500,
        chunk_ms: int = 100,
        first_audio_delay_s: float = 0.0,
        stored: LiveSession | None = None,
    ) -> None:
        if turn_ms < _HEARD_MS or chunk_ms < 1:
            raise ValueError(f"turn_ms must be >= {_HEARD_MS} and chunk_ms >= 1")
        super().__init__()
        self.session_id = session_id
        self.expires_at = int(time.time()) + 3600 if expires_at is None else expires_at
        self.turn_ms = turn_ms
        self.chunk_ms = chunk_ms
        self.first_audio_delay_s = first_audio_delay_s
        self.session: Session | None = None
        self.closed = False
        self.muted = False
        self.stored = stored
        self.sidebands: list[LiveSideband] = []
        self._primary_gone = False
        self._ids = itertools.count(1)
        # A fork goes on from the stored session's timeline.
        self._heard_ms: int = 0 if stored is None else stored._heard_ms
        self._turns: int = 0 if stored is None else stored._turns
        self._pending_bytes = 0  # input audio not yet heard

    def new_id(self, prefix: str = "event") -> str:
        return f"{prefix}_{next(self._ids):05d}"

    def attach(self) -> LiveSideband:
        """A sideband for this session; it sees the session's events once the server binds it."""
        return LiveSideband(self)

    def fork(self, session_id: str) -> LiveSession:
        """A new session forked from this stored one, on a new primary connection."""
        return LiveSession(
            session_id=session_id,
            turn_ms=self.turn_ms,
            chunk_ms=self.chunk_ms,
            first_audio_delay_s=self.first_audio_delay_s,
            stored=self,
        )

    @property
    def running(self) -> bool:
        """Started and not closed: a sideband may attach."""
        return self.session is not None and not self.closed

    # --- the primary connection, as the server drives it ---------------------------------------

    def start(self) -> list[LiveOutput]:
        """Nothing: a Live session starts when the client sends ``session.start``."""
        return []

    def take_response(self) -> Iterator[LiveOutput | Sleep] | None:
        """The model's answer to the turn the last frame ended, once, or ``None``."""
        return self._take_stream(self)

    def receive(self, frame: bytes | str) -> list[LiveOutput]:
        """The answer to one client frame; an invalid one is answered with an ``error``."""
        try:
            event = (decode_client_event if self.stored is None else decode_fork_client_event)(
                frame
            )
        except DecodeError as exc:
            return [error_event(exc, event_id=self.new_id())]
        return self.handle(event)

    def handle(self, event: ClientEvent | ForkClientEvent | Unknown) -> list[LiveOutput]:
        """The events that answer ``event`` on this connection, in order."""
        if self.closed:
            return [self._error("session_closed", "The session is closed.", event)]
        if self.session is None:
            return self._begin(event)
        match event:
            case SessionStart() | ForkSessionStart():
                return [self._error("session_already_started", "The session started.", event)]
            case SessionInputAudioAppend():
                return self._append(event)
            case _:
                return self.command(event, self)

    def disconnected(self) -> None:
        """The primary connection is gone: the session ends, and its sidebands are told."""
        self._primary_gone = True
        running, self.closed = self.running, True
        if running:
            assert self.session is not None
            closed = SessionClosed(
                event_id=self.new_id(),
                reason="connection_lost",
                session=self.session,
                usage=self._usage(),
            )
            self._publish([closed], self)

    # --- what every connection shares ----------------------------------------------------------

    def command(self, event: _Command, origin: _Connection) -> list[LiveOutput]:
        """Handle a command any connection may send; the events ``origin`` gets at once."""
        assert self.session is not None
        echo = _echo(event)
        match event:
            case SessionInputAudioMute():
                self.muted = True
                muted = SessionInputAudioMuted(event_id=self.new_id(), **echo)
                return self._publish([muted], origin)
            case SessionInputAudioUnmute():
                self.muted = False
                unmuted = SessionInputAudioUnmuted(event_id=self.new_id(), **echo)
                return self._publish([unmuted], origin)
            case SessionInstructionsAppend() | SessionThinkingAppend() | SessionCommentaryAppend():
                return self._publish([self._appended(event)], origin)
            case SessionOutputAudioFixturePlay():
                playing = SessionOutputAudioFixturePlaying(event_id=self.new_id(), **echo)
                played = SessionOutputAudioFixturePlayed(event_id=self.new_id(), **echo)
                return self._publish([playing, played], origin)
            case SessionUpdate():
                return self._update(event, origin)
            case ResponseItemCreate() | ResponseCreate():
                return self._responses_command(event, origin)
            case SessionClose():
                self.closed = True
                closed = SessionClosed(
                    event_id=self.new_id(),
                    reason="close_requested",
                    session=self.session,
                    usage=self._usage(),
                    **echo,
                )
                return self._publish([closed], origin)
            case TransportDtmfSend():
                message = (
                    "transport.dtmf.send is supported only for SIP calls; this session's "
                    "primary connection is a WebSocket."
                )
                return [self._error("invalid_request", message, event)]
            case Unknown():
                supported = ", ".join(repr(str(t)) for t in origin._supported)
                message = f"Invalid value: {event.type!r}. Supported values are: {supported}."
                return [self._error("invalid_value", message, event, param="type")]
            case _:
                message = f"{event.event_type!r} is not supported by the mock."
                return [self._error("unsupported", message, event, param="type")]

    def _connections(self) -> list[_Connection]:
        primary: list[_Connection] = [] if self._primary_gone else [self]
        return primary + list(self.sidebands)

    def _publish(self, items: Iterable[_Item], origin: _Connection) -> list[LiveOutput]:
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

    def _view(self, item: _Item, *, sideband: bool) -> LiveOutput | None:
        """``item`` as the primary connection, or a sideband, sees it."""
        if isinstance(item, _Heard):
            return SessionInputAudioAppendReflection.from_pcm(item.pcm) if sideband else None
        if isinstance(item, _Spoken):
            if sideband:
                pcm = audio.tone("audio/pcm", item.duration_ms)
                end_ms = item.start_ms + item.duration_ms
                return SessionOutputAudioDelta.from_pcm(pcm, start_ms=item.start_ms, end_ms=end_ms)
            return SessionOutputAudioDelta.from_pcm(self._tone(item.duration_ms))
        return item

    def _take_stream(self, origin: _Connection) -> Iterator[LiveOutput | Sleep] | None:
        stream, origin._stream = origin._stream, None
        return None if stream is None else self._play(stream, origin)

    def _play(
        self, stream: Iterator[_Item | Sleep], origin: _Connection
    ) -> Iterator[LiveOutput | Sleep]:
        """A stream played on ``origin``'s connection, shown to the others as it goes."""
        for step in stream:
            if isinstance(step, Sleep):
                yield step
            else:
                yield from self._publish((step,), origin)

    # --- the session ---------------------------------------------------------------------------

    def _begin(self, event: ClientEvent | ForkClientEvent | Unknown) -> list[LiveOutput]:
        if self.stored is None and isinstance(event, SessionStart):
            self.session = self._resolve(event)
        elif self.stored is not None and isinstance(event, ForkSessionStart):
            assert self.stored.session is not None
            forked = fork_session(self.stored.session, event.session, self.session_id)
            if isinstance(forked, tuple):
                message, param = forked
                return [self._error("invalid_value", message, event, param=param)]
            self.session = msgspec.structs.replace(forked, expires_at=self.expires_at)
        else:
            message = "The first client event must be 'session.start'."
            return [self._error("session_not_started", message, event)]
        return [SessionStarted(event_id=self.new_id(), session=self.session, **_echo(event))]

    def _resolve(self, event: SessionStart) -> Session:
        config = event.session
        requested = config.audio if isinstance(config.audio, Audio) else Audio()
        output = requested.output if isinstance(requested.output, AudioOutput) else AudioOutput()
        resolved = Audio(
            format=requested.format
            if isinstance(requested.format, AudioFormat)
            else AudioPcm(rate=24000),
            output=AudioOutput(voice=output.voice if isinstance(output.voice, str) else "marin"),
        )
        return Session(
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

    def _update(self, event: SessionUpdate, origin: _Connection) -> list[LiveOutput]:
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
        updated = SessionUpdated(event_id=self.new_id(), session=self.session, **_echo(event))
        return self._publish([updated], origin)

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
        items: list[_Item] = [_Heard(reflected)]
        if self.muted:
            return self._publish(items, self)
        self._pending_bytes += len(pcm)
        piece = _HEARD_MS * self._bytes_per_ms()
        words = _CALLER.split()
        while self._pending_bytes >= piece:
            self._pending_bytes -= piece
            start = self._heard_ms
            self._heard_ms += _HEARD_MS
            index = start % self.turn_ms // _HEARD_MS
            items.append(
                SessionInputTranscriptDelta(
                    event_id=self.new_id(),
                    delta=("" if index == 0 else " ") + words[index % len(words)],
                    start_ms=start,
                    end_ms=self._heard_ms,
                )
            )
            if self._heard_ms % self.turn_ms < _HEARD_MS:
                self._turns += 1
                self._stream = self._answer(self._heard_ms, delegate=self._delegates())
        return self._publish(items, self)

    def _delegates(self) -> bool:
        assert self.session is not None
        return isinstance(self.session.delegation, ResponsesDelegation) and self._turns % 2 == 0

    def _answer(self, at_ms: int, *, delegate: bool) -> Iterator[_Item | Sleep]:
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

    def _speak(self, text: str, at_ms: int) -> Iterator[_Item | Sleep]:
        for index, word in enumerate(text.split()):
            start = at_ms + index * self.chunk_ms
            yield _Spoken(start, self.chunk_ms)
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

    # --- context, the Responses backend, errors ------------------------------------------------

    def _appended(
        self, event: SessionInstructionsAppend | SessionThinkingAppend | SessionCommentaryAppend
    ) -> LiveOutput:
        at = self._heard_ms
        echo = _echo(event)
        if isinstance(event, SessionInstructionsAppend):
            return SessionInstructionsAppended(
                event_id=self.new_id(), start_ms=at, end_ms=at, **echo
            )
        if isinstance(event, SessionThinkingAppend):
            return SessionThinkingAppended(event_id=self.new_id(), start_ms=at, end_ms=at, **echo)
        return SessionCommentaryAppended(event_id=self.new_id(), start_ms=at, end_ms=at, **echo)

    def _responses_command(
        self, event: ResponseItemCreate | ResponseCreate, origin: _Connection
    ) -> list[LiveOutput]:
        assert self.session is not None
        if not isinstance(self.session.delegation, ResponsesDelegation):
            message = f"{event.event_type} requires Responses delegation."
            return [self._error("invalid_request", message, event)]
        if isinstance(event, ResponseCreate):
            origin._stream = self._backend_only(self.new_id("resp"))
        return []

    def _backend_only(self, response_id: str) -> Iterator[_Item | Sleep]:
        for event in self.backend_answer(response_id):
            yield ResponseEvent(
                event_id=self.new_id(), event=msgspec.Raw(msgspec.json.encode(event))
            )

    def _error(
        self, code: str, message: str, cause: _Command, *, param: str | None = None
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


def _echo(event: _Command) -> dict[str, str]:
    """``client_event_id`` for the answer to a client event that named itself."""
    event_id = getattr(event, "event_id", None)
    return {"client_event_id": event_id} if isinstance(event_id, str) else {}


class LiveSideband(_Connection):
    """A sideband attached to a running :class:`LiveSession`: a
    :class:`~rtmsg.relay.mock.SessionKind` that sees the session's events and sends commands.

    It joins the session when the server binds it (:meth:`bind`), so a connection that never
    opens never receives anything; it ends when the session closes.
    """

    _supported = AttachClientEventType

    def __init__(self, session: LiveSession) -> None:
        super().__init__()
        self.session = session

    @property
    def closed(self) -> bool:
        return self.session.closed

    def start(self) -> list[LiveOutput]:
        """Nothing: a sideband sees the session's events from now on."""
        return []

    def bind(self, wake: Callable[[], None]) -> None:
        self.session.sidebands.append(self)
        super().bind(wake)

    def disconnected(self) -> None:
        """The sideband is gone; the session goes on."""
        if self in self.session.sidebands:
            self.session.sidebands.remove(self)

    def receive(self, frame: bytes | str) -> list[LiveOutput]:
        """The answer to one client frame; an invalid one is answered with an ``error``."""
        try:
            event = decode_attach_client_event(frame)
        except DecodeError as exc:
            return [error_event(exc, event_id=self.session.new_id())]
        return self.handle(event)

    def handle(self, event: AttachClientEvent | Unknown) -> list[LiveOutput]:
        """The events that answer ``event`` on this connection, in order."""
        if self.session.closed:
            return [self.session._error("session_closed", "The session is closed.", event)]
        return self.session.command(event, self)

    def take_response(self) -> Iterator[LiveOutput | Sleep] | None:
        """The backend's stream a ``response.create`` of this sideband started, once."""
        return self.session._take_stream(self)


_NOT_FOUND: Final = (
    '{{"error":{{"message":"No {what} found for the provided session_id.",'
    '"type":"invalid_request_error","code":"session_not_found","param":null}}}}\n'
)


class LiveSessions:
    """A mock server's Live sessions, by id: new ones, sidebands of running ones, forks.

    Running sessions are kept while they run; a closed session is kept only if it is stored
    (``store: true``, so that it can be forked), at most ``keep`` of them, the oldest dropped.
    An attach to a session that is not running, or a fork of one that is not stored, is
    :class:`~rtmsg.relay.mock.Refused` with HTTP 404, as the service refuses a session id it
    does not know.
    """

    def __init__(
        self,
        *,
        turn_ms: int = 1500,
        chunk_ms: int = 100,
        first_audio_delay_s: float = 0.0,
        keep: int = 1000,
    ) -> None:
        self.turn_ms = turn_ms
        self.chunk_ms = chunk_ms
        self.first_audio_delay_s = first_audio_delay_s
        self.keep = keep
        self.sessions: dict[str, LiveSession] = {}
        self._numbers = itertools.count(1)

    def open(self) -> LiveSession:
        """A new session, on a new primary connection."""
        session = LiveSession(
            session_id=self._new_id(),
            turn_ms=self.turn_ms,
            chunk_ms=self.chunk_ms,
            first_audio_delay_s=self.first_audio_delay_s,
        )
        return self._kept(session)

    def attach(self, session_id: str) -> LiveSideband | Refused:
        """A sideband of the running session ``session_id``, or the refusal."""
        session = self.sessions.get(session_id)
        if session is None or not session.running:
            return Refused(404, _NOT_FOUND.format(what="running session"), "application/json")
        return session.attach()

    def fork(self, session_id: str) -> LiveSession | Refused:
        """A fork of the stored session ``session_id``, or the refusal."""
        stored = self.sessions.get(session_id)
        if stored is None or stored.session is None or stored.session.store is not True:
            return Refused(404, _NOT_FOUND.format(what="stored session"), "application/json")
        return self._kept(stored.fork(self._new_id()))

    def _new_id(self) -> str:
        return f"sess_mock{next(self._numbers):06d}"

    def _kept(self, session: LiveSession) -> LiveSession:
        """Keep ``session``, dropping closed ones that are not stored, and stored ones over
        :attr:`keep`."""
        kept = {
            key: each
            for key, each in self.sessions.items()
            if not each.closed or (each.session is not None and each.session.store is True)
        }
        closed = [key for key, each in kept.items() if each.closed]
        for key in closed[: max(0, len(closed) - self.keep)]:
            del kept[key]
        kept[session.session_id] = session
        self.sessions = kept
        return session
