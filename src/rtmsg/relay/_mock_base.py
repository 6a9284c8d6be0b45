"""What the mock's two transports share: a connection's record, the session protocol, and the
host they serve (:class:`~rtmsg.relay.mock.MockServer`), apart so that they import no facade.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Protocol

from .. import translation
from .conversation import Output, Sleep

__all__ = ["MockHost", "MockSession", "Sent", "SessionKind", "select_subprotocol"]

Sent = Output | translation.ServerEvent
"""What a session gives the server to send: a server event of either protocol, or an Unknown."""


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


class MockHost(Protocol):
    """What a transport asks of the mock server for each connection."""

    @property
    def record(self) -> bool: ...

    def open(self, path: str, headers: dict[str, str]) -> MockSession: ...

    def refusal(
        self, target: str, headers: Sequence[tuple[str, str]]
    ) -> tuple[int, str] | None: ...

    def new_session(self, log: MockSession) -> SessionKind: ...


def select_subprotocol(offered: Sequence[str]) -> str | None:
    """Browser clients offer "realtime" plus their key as a second subprotocol."""
    return "realtime" if "realtime" in offered else None
