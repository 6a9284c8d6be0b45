"""A Live mock session's commands, on its primary connection and on its sidebands.

:class:`LiveSession` is a session and its primary connection: it starts with
``session.start`` (or a fork's, from a stored session), answers each client frame, and
handles the commands any of its connections may send (mutes, context, fixtures,
``session.update``, the Responses backend's commands, ``session.close``), whose answers every
connection sees. :class:`LiveSideband` is a connection attached to a running session: it
sends those commands and sees what the session does. The timeline they share is
:mod:`._live_timeline`'s; :mod:`.live_mock` is the public module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import msgspec
from msgspec import UNSET

from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..live import (
    AttachClientEvent,
    AttachClientEventType,
    Audio,
    AudioFormat,
    AudioOutput,
    AudioPcm,
    ClientEvent,
    ForkClientEvent,
    ForkSessionStart,
    ResponseCreate,
    ResponseItemCreate,
    ResponsesDelegation,
    Session,
    SessionClose,
    SessionClosed,
    SessionCommentaryAppend,
    SessionCommentaryAppended,
    SessionInputAudioAppend,
    SessionInputAudioMute,
    SessionInputAudioMuted,
    SessionInputAudioUnmute,
    SessionInputAudioUnmuted,
    SessionInstructionsAppend,
    SessionInstructionsAppended,
    SessionOutputAudioFixturePlay,
    SessionOutputAudioFixturePlayed,
    SessionOutputAudioFixturePlaying,
    SessionStart,
    SessionStarted,
    SessionThinkingAppend,
    SessionThinkingAppended,
    SessionUpdate,
    SessionUpdated,
    TransportDtmfSend,
    decode_attach_client_event,
    decode_client_event,
    decode_fork_client_event,
    error_event,
)
from ._live_connection import Command, Connection, LiveOutput, client_echo
from ._live_fork import fork_session
from ._live_timeline import Timeline
from ._mock_base import Sleep

__all__ = ["LiveSession", "LiveSideband"]


class LiveSession(Timeline["LiveSideband"]):
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
        # A fork goes on from the stored session's timeline.
        super().__init__(
            turn_ms=turn_ms,
            chunk_ms=chunk_ms,
            first_audio_delay_s=first_audio_delay_s,
            heard_ms=0 if stored is None else stored._heard_ms,
            turns=0 if stored is None else stored._turns,
        )
        self.session_id = session_id
        self.expires_at = int(time.time()) + 3600 if expires_at is None else expires_at
        self.closed = False
        self.stored = stored

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

    def command(self, event: Command, origin: Connection) -> list[LiveOutput]:
        """Handle a command any connection may send; the events ``origin`` gets at once."""
        assert self.session is not None
        echo = client_echo(event)
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
        return [SessionStarted(event_id=self.new_id(), session=self.session, **client_echo(event))]

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

    def _update(self, event: SessionUpdate, origin: Connection) -> list[LiveOutput]:
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
        updated = SessionUpdated(event_id=self.new_id(), session=self.session, **client_echo(event))
        return self._publish([updated], origin)

    # --- context, the Responses backend --------------------------------------------------------

    def _appended(
        self, event: SessionInstructionsAppend | SessionThinkingAppend | SessionCommentaryAppend
    ) -> LiveOutput:
        at = self._heard_ms
        echo = client_echo(event)
        if isinstance(event, SessionInstructionsAppend):
            return SessionInstructionsAppended(
                event_id=self.new_id(), start_ms=at, end_ms=at, **echo
            )
        if isinstance(event, SessionThinkingAppend):
            return SessionThinkingAppended(event_id=self.new_id(), start_ms=at, end_ms=at, **echo)
        return SessionCommentaryAppended(event_id=self.new_id(), start_ms=at, end_ms=at, **echo)

    def _responses_command(
        self, event: ResponseItemCreate | ResponseCreate, origin: Connection
    ) -> list[LiveOutput]:
        assert self.session is not None
        if not isinstance(self.session.delegation, ResponsesDelegation):
            message = f"{event.event_type} requires Responses delegation."
            return [self._error("invalid_request", message, event)]
        if isinstance(event, ResponseCreate):
            origin._stream = self._backend_only(self.new_id("resp"))
        return []


class LiveSideband(Connection):
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
