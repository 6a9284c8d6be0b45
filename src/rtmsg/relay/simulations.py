"""The protocols the mock server simulates: each endpoint's name, and what opens its sessions.

The one place that names a protocol's simulation. :data:`SIMULATIONS` maps the name of a
registered endpoint (:attr:`rtmsg.engine.Endpoint.name`: ``conversation``, ``live/attach``,
...) to a :data:`Simulation`, which each :class:`~rtmsg.relay.mock.MockServer` calls once,
with itself, for the factory of that endpoint's sessions (its
:attr:`~rtmsg.relay.mock.MockServer.protocol_sessions`). The server routes a connection's
path through the protocol registry and never names a protocol: simulating a new protocol is
one entry here (or, for one server, ``mock.protocol_sessions[name] = factory``), and a
registered endpoint without a simulation is refused with HTTP 404.

State that the connections of a protocol share is kept once per server by
``server.shared(make)``: the Live sessions by id (:func:`live_sessions`), which a sideband
joins and a fork starts from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol, TypeVar

from ..protocols import route
from ._mock_base import MockSession, Refused, SessionFactory
from .conversation import Conversation
from .live_mock import LiveSession, LiveSessions, LiveSideband
from .translation_mock import TranslationSession

__all__ = ["SIMULATIONS", "MockSettings", "Simulation", "live_sessions"]

_T = TypeVar("_T")


class MockSettings(Protocol):
    """What a simulation reads of the server it runs on (a :class:`~rtmsg.relay.MockServer`)."""

    @property
    def audio_ms(self) -> int:
        """The tone a conversation's response speaks, in milliseconds."""
        ...

    @property
    def chunk_ms(self) -> int:
        """The audio of one delta, in milliseconds."""
        ...

    @property
    def first_audio_delay_s(self) -> float:
        """The model's thinking time before its first audio delta."""
        ...

    def shared(self, make: Callable[[MockSettings], _T]) -> _T:
        """The one object ``make(server)`` makes for this server, made on first use."""
        ...


Simulation = Callable[[MockSettings], SessionFactory]
"""Makes, for one mock server, the factory of one endpoint's sessions."""


def _conversation(server: MockSettings) -> SessionFactory:
    def session(log: MockSession) -> Conversation:
        return Conversation(
            model=log.query.get("model", "gpt-realtime"),
            audio_ms=server.audio_ms,
            chunk_ms=server.chunk_ms,
            first_audio_delay_s=server.first_audio_delay_s,
        )

    return session


def _translation(server: MockSettings) -> SessionFactory:
    def session(log: MockSession) -> TranslationSession:
        return TranslationSession(log.query.get("model", "gpt-realtime-translate"))

    return session


def _new_live_sessions(server: MockSettings) -> LiveSessions:
    return LiveSessions(chunk_ms=server.chunk_ms, first_audio_delay_s=server.first_audio_delay_s)


def live_sessions(server: MockSettings) -> LiveSessions:
    """The Live sessions of ``server``, by id: running ones, and stored ones to fork."""
    return server.shared(_new_live_sessions)


def _live(server: MockSettings) -> SessionFactory:
    def session(log: MockSession) -> LiveSession:
        return live_sessions(server).open()

    return session


def _live_attach(server: MockSettings) -> SessionFactory:
    def session(log: MockSession) -> LiveSideband | Refused:
        return live_sessions(server).attach(_session_id(log))

    return session


def _live_fork(server: MockSettings) -> SessionFactory:
    def session(log: MockSession) -> LiveSession | Refused:
        return live_sessions(server).fork(_session_id(log))

    return session


def _session_id(log: MockSession) -> str:
    """The running session a connection's path names (``…/sessions/{id}/attach``)."""
    session_id = route(log.path).session_id
    assert session_id is not None  # the route of the endpoints that call this has one
    return session_id


SIMULATIONS: Final[dict[str, Simulation]] = {
    "conversation": _conversation,
    "translation": _translation,
    "live": _live,
    "live/attach": _live_attach,
    "live/fork": _live_fork,
}
"""The endpoint a connection's path routes to (its name) -> the simulation of its sessions."""
