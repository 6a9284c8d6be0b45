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

The session is written in three modules, each read alone: the connections and what happens in
a session (:mod:`._live_connection`), the timeline its connections see and the model's turns
(:mod:`._live_timeline`), and the commands of the primary connection and of sidebands
(:mod:`._live_session`); a fork's configuration is :mod:`._live_fork`'s and the Responses
backend's answer :mod:`._live_backend`'s. This module keeps the sessions of a server.
"""

from __future__ import annotations

import itertools
from typing import Final

from ._live_connection import LiveOutput
from ._live_session import LiveSession, LiveSideband
from ._mock_base import Refused

__all__ = ["LiveOutput", "LiveSession", "LiveSessions", "LiveSideband"]

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
