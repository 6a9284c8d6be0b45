"""A protocol-faithful stand-in for the Realtime service, for tests and demos: the server side.

It speaks the GA protocol over WebSocket with rtmsg's own Structs: ``session.created`` on
connect, ``session.updated`` for each ``session.update``, and for a committed input audio buffer
followed by ``response.create`` the whole response sequence, with audio deltas of a synthetic
tone in the session's output format and transcript deltas, ending with ``response.done`` and
its usage. It also handles clear, cancel, truncate, item create/retrieve/delete, and answers
unknown or invalid client events with an ``error`` event as the service does.

What to answer is decided without I/O by a session object (:class:`Conversation` for the
realtime protocol, see :mod:`rtmsg.relay.conversation`), chosen by the request path; the
server only accepts connections, sends what the session returns and sleeps when it says so.
It runs on either transport, as the relay does: picows (the default) or websockets
(:mod:`._mock_picows`, :mod:`._mock_websockets`); both record, pace and close alike.

A connection on ``/v1/realtime/translations`` is a translation session instead (the protocol
registry tells, :mod:`rtmsg.protocols`), answered by
:class:`~rtmsg.relay.translation_mock.TranslationSession` (in
:attr:`MockServer.protocol_sessions`): deltas for each 200 ms of input audio, and
``session.closed`` (then a normal close) for ``session.close``. A connection on
``/v1/live/sessions`` is a Live session (:class:`~rtmsg.relay.live_mock.LiveSession`), kept by
its id in :attr:`MockServer.live` while it runs, so that a sideband
(``/v1/live/sessions/{id}/attach``) joins it and a fork (``…/{id}/fork``) starts from it; an
id the mock does not keep is refused with HTTP 404, as the service refuses it.
"""

from __future__ import annotations

import contextlib
import logging
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Literal

from ..protocols import route
from ._logging import loggable
from ._mock_base import Accepted, MockSession, Refused, Sent, SessionKind
from .conversation import Conversation
from .live_mock import LiveSessions
from .translation_mock import TranslationSession

__all__ = ["MockServer", "MockSession", "Refused", "Sent", "SessionKind"]

SessionFactory = Callable[[MockSession], SessionKind | Refused]
"""Makes the session of a new connection from its record, or refuses the connection."""

logger = logging.getLogger("rtmsg.mock")

Transport = Literal["picows", "websockets"]


class MockServer:
    """The mock Realtime service. Use ``async with mock.serve(host, port) as server``.

    ``audio_ms`` of tone per response in chunks of ``chunk_ms``; ``first_audio_delay_s``
    simulates the model's thinking time before the first audio delta. With ``record`` every
    connection's frames are kept in :attr:`sessions`. With ``require_api_key`` a handshake
    without an ``Authorization: Bearer …`` header is refused with HTTP 401, as the service does.
    ``transport`` is ``picows`` (the default) or ``websockets``.
    """

    def __init__(
        self,
        *,
        audio_ms: int = 600,
        chunk_ms: int = 100,
        first_audio_delay_s: float = 0.0,
        record: bool = False,
        require_api_key: bool = False,
        transport: Transport = "picows",
    ) -> None:
        if transport not in ("picows", "websockets"):
            raise ValueError("transport must be one of picows, websockets")
        self.require_api_key = require_api_key
        self.audio_ms = audio_ms
        self.chunk_ms = chunk_ms
        self.first_audio_delay_s = first_audio_delay_s
        self.record = record
        self.transport: Transport = transport
        self.sessions: list[MockSession] = []
        self.live = LiveSessions(chunk_ms=chunk_ms, first_audio_delay_s=first_audio_delay_s)
        """The Live sessions, by id: running ones, and stored ones that can be forked."""
        # Request path (without its query) -> the kind of session it opens, before the
        # protocols: a test serves a session of its own on a path of its own.
        self.session_kinds: dict[str, SessionFactory] = {}
        # The protocol endpoint a path routes to (see rtmsg.protocols) -> its simulation.
        self.protocol_sessions: dict[str, SessionFactory] = {
            "conversation": self._conversation,
            "translation": _translation_session,
            "live": lambda log: self.live.open(),
            "live/attach": lambda log: self.live.attach(_session_id(log)),
            "live/fork": lambda log: self.live.fork(_session_id(log)),
        }

    @contextlib.asynccontextmanager
    async def serve(self, host: str | None, port: int) -> AsyncIterator[Any]:
        """Listen on ``host:port``; on exit, close every connection with 1001 and stop."""
        if self.transport == "websockets":
            from ._mock_websockets import serve_websockets

            async with serve_websockets(self, host, port) as server:
                yield server
        else:
            from ._mock_picows import serve_picows

            async with serve_picows(self, host, port) as server:
                yield server

    def accept(self, path: str, headers: Sequence[tuple[str, str]]) -> Accepted | Refused:
        """The record and the session of a new connection to ``path`` (the record kept in
        :attr:`sessions` when recording), or the refusal of its handshake."""
        refused = self.refusal(headers)
        if refused is not None:
            return refused
        log = MockSession(path, dict(headers))
        session = self.new_session(log)
        if isinstance(session, Refused):
            return session
        if self.record:
            self.sessions.append(log)
        return log, session

    def new_session(self, log: MockSession) -> SessionKind | Refused:
        """The session object for a connection to ``log.path``, or its refusal: 404 for a
        path whose protocol the mock does not simulate, or a Live session it does not keep."""
        path = urllib.parse.urlsplit(log.path).path
        kind = self.session_kinds.get(path)
        if kind is None:
            name = route(path).endpoint.name
            kind = self.protocol_sessions.get(name)
            if kind is None:
                # A protocol this mock does not simulate: the client's request is refused as
                # a path the service does not serve, with one line in the log.
                why = f"the mock simulates no {name!r} session"
                logger.warning("refused %s: %s", loggable(path), why)
                return Refused(404, f"Not found: {why}.\n")
        return kind(log)

    def _conversation(self, log: MockSession) -> Conversation:
        return Conversation(
            model=log.query.get("model", "gpt-realtime"),
            audio_ms=self.audio_ms,
            chunk_ms=self.chunk_ms,
            first_audio_delay_s=self.first_audio_delay_s,
        )

    def refusal(self, headers: Sequence[tuple[str, str]]) -> Refused | None:
        """The refusal of a handshake with ``headers`` (no API key, if one is required)."""
        if not self.require_api_key:
            return None
        for name, value in headers:
            if name.lower() == "authorization" and value.startswith("Bearer "):
                return None
        return Refused(401, "Missing bearer authentication in header.\n")


def _translation_session(log: MockSession) -> TranslationSession:
    return TranslationSession(log.query.get("model", "gpt-realtime-translate"))


def _session_id(log: MockSession) -> str:
    """The running session a connection's path names (``…/sessions/{id}/attach``)."""
    session_id = route(log.path).session_id
    assert session_id is not None  # the route of the endpoints that call this has one
    return session_id
