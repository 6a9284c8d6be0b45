"""A Live mock session's connections, and what happens in a session before each one sees it.

The vocabulary the other ``_live_*`` modules share: a :class:`Connection` is one WebSocket of
a session (the primary connection or a sideband), holding the events queued for it and the
response stream its last frame started; an :data:`Item` is what happens in the session (an
event, the model's audio, the caller's audio), which the session shows to each connection
as that connection sees it (:mod:`._live_timeline`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator

from ..engine.decoding import Unknown
from ..live import (
    AttachClientEvent,
    AttachServerEvent,
    ClientEvent,
    ClientEventType,
    ForkClientEvent,
)
from ._mock_base import Sleep

__all__ = ["Command", "Connection", "Heard", "Item", "LiveOutput", "Spoken", "client_echo"]

LiveOutput = AttachServerEvent | Unknown
"""What a session gives the server to send."""


@dataclasses.dataclass(frozen=True)
class Spoken:
    """The model's audio: ``duration_ms`` of it at ``start_ms`` on the session's timeline."""

    start_ms: int
    duration_ms: int


@dataclasses.dataclass(frozen=True)
class Heard:
    """The caller's audio as the primary connection sent it, as 24 kHz pcm16."""

    pcm: bytes


Item = LiveOutput | Spoken | Heard
"""What happens in a session, before it is shown to one connection or another."""

Command = ClientEvent | AttachClientEvent | ForkClientEvent | Unknown
"""A client event any of a session's connections may send, or one of a type it does not know."""


class Connection:
    """One WebSocket of a Live session: the events waiting for it, and its response stream."""

    _supported: Iterable[str] = ClientEventType

    def __init__(self) -> None:
        self._pending: list[LiveOutput] = []
        self._wake: Callable[[], None] | None = None
        self._stream: Iterator[Item | Sleep] | None = None

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


def client_echo(event: Command) -> dict[str, str]:
    """``client_event_id`` for the answer to a client event that named itself."""
    event_id = getattr(event, "event_id", None)
    return {"client_event_id": event_id} if isinstance(event_id, str) else {}
