"""A protocol-faithful stand-in for the Realtime service, for tests and demos: the server side.

It speaks the GA protocol over WebSocket with rtmsg's own Structs: ``session.created`` on
connect, ``session.updated`` for each ``session.update``, and for a committed input audio buffer
followed by ``response.create`` the whole response sequence, with audio deltas of a synthetic
tone in the session's output format and transcript deltas, ending with ``response.done`` and
its usage. It also handles clear, cancel, truncate, item create/retrieve/delete, and answers
unknown or invalid client events with an ``error`` event as the service does.

What to answer is decided without I/O by a session object (a
:class:`~rtmsg.relay.conversation.Conversation` for the realtime protocol), chosen by the
request path; the server only accepts connections, sends what the session returns and sleeps
when it says so.
It runs on either transport, as the relay does: picows (the default) or websockets
(:mod:`._mock_picows`, :mod:`._mock_websockets`); both record, pace and close alike.

The server names no protocol: the protocol registry (:mod:`rtmsg.protocols`) tells which
endpoint a path is, and :mod:`rtmsg.relay.simulations` which session simulates it (in
:attr:`MockServer.protocol_sessions`, by endpoint name). A connection on
``/v1/realtime/translations`` is a translation session
(:class:`~rtmsg.relay.translation_mock.TranslationSession`): deltas for each 200 ms of input
audio, and ``session.closed`` (then a normal close) for ``session.close``. A connection on
``/v1/live/sessions`` is a Live session (:class:`~rtmsg.relay.live_mock.LiveSession`), kept by
its id while it runs (:func:`~rtmsg.relay.simulations.live_sessions`), so that a sideband
(``/v1/live/sessions/{id}/attach``) joins it and a fork (``…/{id}/fork``) starts from it; an
id the mock does not keep is refused with HTTP 404, as the service refuses it. So is a
registered endpoint that has no simulation.
"""

from __future__ import annotations

import contextlib
import logging
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Literal, TypeVar, cast

from ..protocols import route
from ._logging import loggable
from ._mock_base import Accepted, MockSession, Refused, Sent, SessionFactory, SessionKind
from .simulations import SIMULATIONS

__all__ = ["MockServer", "MockSession", "Refused", "Sent", "SessionFactory", "SessionKind"]

_T = TypeVar("_T")

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
        self._shared: dict[Callable[[MockServer], object], object] = {}
        # Request path (without its query) -> the kind of session it opens, before the
        # protocols: a test serves a session of its own on a path of its own.
        self.session_kinds: dict[str, SessionFactory] = {}
        # The protocol endpoint a path routes to (see rtmsg.protocols) -> its simulation.
        self.protocol_sessions: dict[str, SessionFactory] = {
            name: simulate(self) for name, simulate in SIMULATIONS.items()
        }

    def shared(self, make: Callable[[MockServer], _T]) -> _T:
        """The one object ``make(self)`` makes for this server, made on first use: the state
        a protocol's connections share (the Live sessions a sideband joins)."""
        if make not in self._shared:
            self._shared[make] = make(self)
        return cast(_T, self._shared[make])

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
        path whose endpoint the mock does not simulate, or the refusal of its simulation (a
        Live session it does not keep)."""
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

    def refusal(self, headers: Sequence[tuple[str, str]]) -> Refused | None:
        """The refusal of a handshake with ``headers`` (no API key, if one is required)."""
        if not self.require_api_key:
            return None
        for name, value in headers:
            if name.lower() == "authorization" and value.startswith("Bearer "):
                return None
        return Refused(401, "Missing bearer authentication in header.\n")
