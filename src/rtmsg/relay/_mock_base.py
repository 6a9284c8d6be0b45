"""What the mock's two transports share: a connection's record, the session protocols, and the
host they serve (:class:`~rtmsg.relay.mock.MockServer`), apart so that they import no facade.

Typed against the engine's base types only (an :class:`~rtmsg.engine.base.Event` or an
:class:`~rtmsg.engine.decoding.Unknown`), not against any protocol: the transports send a
session's events whatever its protocol, and import no protocol package.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from ..engine.base import Event
from ..engine.decoding import Unknown

__all__ = [
    "Accepted",
    "MockHost",
    "MockSession",
    "Refused",
    "Sent",
    "SessionFactory",
    "SessionKind",
    "Shared",
    "Sleep",
    "select_subprotocol",
]

Sent = Event | Unknown
"""What a session gives the server to send: a server event of any protocol, or an Unknown."""


@dataclasses.dataclass(frozen=True)
class Sleep:
    """An instruction to the server: wait ``seconds`` before the next event (0: let others run)."""

    seconds: float


class SessionKind(Protocol):
    """What the server drives for one connection: a session that answers without I/O."""

    def start(self) -> Sequence[Sent]:
        """The events to send on connect."""
        ...

    def receive(self, frame: bytes | str) -> Sequence[Sent]:
        """The events answering one client frame."""
        ...

    def take_response(self) -> Iterator[Sent | Sleep] | None:
        """A stream of events (and pauses) to send alongside, started by the last frame."""
        ...

    @property
    def closed(self) -> bool:
        """Whether the session is over: the server then closes the connection (1000)."""
        ...


@runtime_checkable
class Shared(Protocol):
    """A session that other connections share: it has events for this one that no frame of
    this one asked for (a Live session's sidebands see what its primary connection does).

    The server calls :meth:`bind` once the connection is open, sends :meth:`take_pending`
    whenever the session calls ``wake()``, closes the connection (1000) once the session is
    :attr:`~SessionKind.closed`, and calls :meth:`disconnected` when the connection is gone.
    """

    def bind(self, wake: Callable[[], None]) -> None:
        """The connection is open; ``wake()`` asks the server to send what is pending."""
        ...

    def take_pending(self) -> Sequence[Sent]:
        """The events waiting for this connection, once."""
        ...

    def disconnected(self) -> None:
        """The connection is gone."""
        ...


@dataclasses.dataclass(frozen=True)
class Refused:
    """A handshake the simulated service refuses: the HTTP status and body it answers."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class MockSession:
    """What one connection to the mock exchanged, kept when the mock records.

    ``received`` and ``sent`` hold the exact frames, as UTF-8 bytes, in wire order.
    """

    def __init__(self, path: str, headers: dict[str, str]) -> None:
        self.path = path
        self.headers = headers
        self.received: list[bytes] = []
        self.sent: list[bytes] = []
        self.close_code: int | None = None
        self.close_reason: str | None = None

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


Accepted = tuple[MockSession, SessionKind]
"""A connection the mock takes: its record, and the session that answers it."""

SessionFactory = Callable[[MockSession], SessionKind | Refused]
"""Makes the session of a new connection from its record, or refuses the connection."""


class MockHost(Protocol):
    """What a transport asks of the mock server for each connection."""

    @property
    def record(self) -> bool: ...

    def accept(self, path: str, headers: Sequence[tuple[str, str]]) -> Accepted | Refused:
        """The record and the session of a new connection to ``path``, or a refusal."""
        ...


def select_subprotocol(offered: Sequence[str]) -> str | None:
    """Browser clients offer "realtime" plus their key as a second subprotocol."""
    return "realtime" if "realtime" in offered else None
