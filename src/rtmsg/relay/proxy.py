"""The relay: a WebSocket hop between a Realtime client and its server that validates and records.

For each client connection the relay opens one upstream connection with the client's path,
query, end-to-end headers and subprotocols, and forwards every message both ways,
byte-identical and in order. Each message is decoded on the way by the decoders of the
session's protocol, told by the path: a valid or Unknown one is forwarded; an invalid client
message is answered with an OpenAI-style ``error`` event naming its ``event_id`` and dropped
(forwarded too with ``forward_invalid``); an invalid server message is logged and forwarded,
since the relay does not police the server. With a capture, every message is recorded as the
client saw it: in one file for all sessions, or one per session when the path has a
``{session}`` placeholder (sessions are numbered from 1).

The same listening port answers ``GET /healthz`` (200, or 503 while draining) and
``GET /metrics`` (Prometheus text format). :meth:`Relay.drain` stops accepting sessions and
waits for the open ones, then closes what is left with 1001.

Two transports run the one logic of :mod:`._core`: ``picows`` (the default, the fast one)
and ``websockets`` (the reference; it mirrors an upstream's refusal as the same HTTP status,
where picows, whose 101 goes out first, closes with 4000 + the status). Headers are forwarded
but never logged or captured: ``Authorization`` and API-key subprotocols carry secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any, Final, Literal

from ..capture.writer import DEFAULT_COMPRESSLEVEL, DEFAULT_FLUSH_INTERVAL
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ._closes import GOING_AWAY
from ._core import Config, RelayCore
from .metrics import Metrics

__all__ = ["DEFAULT_MAX_QUEUE", "TRANSPORTS", "Relay", "Transport"]

Transport = Literal["picows", "websockets"]
TRANSPORTS: Final[tuple[Transport, ...]] = ("picows", "websockets")

DEFAULT_MAX_QUEUE: Final = 32
"""websockets: messages received and not yet forwarded, per direction, before it stops reading."""

_SHUTDOWN: Final = "relay shutting down"


class Relay:
    """Relays Realtime sessions to ``upstream`` (a ``ws://`` or ``wss://`` base URL).

    The client's path and query are appended to the upstream URL's path. ``capture`` is a
    capture file path, with ``{session}`` in it for one file per session, written to disk
    every ``flush_interval`` seconds (what a crash of the relay may lose), gzip-compressed at
    ``capture_level`` (1 by default, 0 to 9) when its name ends in ``.gz``. ``max_size`` is
    the largest message accepted, in bytes, by the sockets and the decoders alike (the
    codec's ``max_frame_bytes``, 16 MiB by default). ``open_timeout`` bounds the upstream's
    opening, ``close_timeout`` a peer's answer to a close; ``ping_interval`` and
    ``ping_timeout`` (seconds, ``None`` for no pings) detect dead peers on both legs.
    ``max_queue`` is websockets' receive queue per direction.

    Use ``async with relay.serve(host, port) as server`` to listen (``server.sockets`` tells
    the port), :meth:`drain` to stop gracefully and :meth:`close` when done.
    """

    def __init__(
        self,
        upstream: str,
        *,
        capture: str | None = None,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        capture_level: int = DEFAULT_COMPRESSLEVEL,
        forward_invalid: bool = False,
        max_size: int = DEFAULT_MAX_FRAME_BYTES,
        max_queue: int = DEFAULT_MAX_QUEUE,
        open_timeout: float = 10.0,
        close_timeout: float = 5.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        transport: Transport = "picows",
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}")
        self.transport: Transport = transport
        self.core = RelayCore(
            Config(
                upstream,
                capture=capture,
                flush_interval=flush_interval,
                capture_level=capture_level,
                forward_invalid=forward_invalid,
                max_size=max_size,
                open_timeout=open_timeout,
                close_timeout=close_timeout,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
            )
        )
        self.max_queue = max_queue
        self._adapter: Any = None

    @property
    def metrics(self) -> Metrics:
        return self.core.metrics

    @property
    def sessions(self) -> int:
        """How many sessions were opened so far."""
        return sum(self.core.metrics.sessions_total.values())

    @property
    def open_sessions(self) -> int:
        return len(self.core.sessions)

    def upstream_url(self, path: str) -> str:
        """The upstream URL for a client request to ``path`` (path and query)."""
        return self.core.config.upstream_url(path)

    def close(self) -> None:
        """Close the capture file shared by all sessions, if any."""
        self.core.close()

    @contextlib.asynccontextmanager
    async def serve(self, host: str | None, port: int) -> AsyncIterator[Any]:
        """Listen on ``host:port``; on exit, close every open session with 1001 and stop."""
        if self.transport == "websockets":
            from ._websockets import WebsocketsRelay

            adapter = WebsocketsRelay(self.core, max_queue=self.max_queue)
            self._adapter = adapter
            async with adapter.serve(host, port) as server:
                try:
                    yield server
                finally:
                    await adapter.close_all(GOING_AWAY, _SHUTDOWN)
        else:
            from ._picows import PicowsRelay

            picows = PicowsRelay(self.core)
            self._adapter = picows
            listener = await picows.start(host, port)
            try:
                yield listener
            finally:
                listener.close()
                picows.close_all(GOING_AWAY, _SHUTDOWN)
                await self._ended(picows, self.core.config.close_timeout + 1)

    async def drain(self, timeout: float) -> int:
        """Refuse new sessions (``/healthz`` 503), wait up to ``timeout`` seconds for the
        open ones to end, then close the rest with 1001; how many were closed so."""
        self.core.drain()
        deadline = time.monotonic() + timeout
        while self.core.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        left = len(self.core.sessions)
        if left:
            await self.close_sessions()
        return left

    async def close_sessions(self) -> None:
        """Close every open session with 1001 now, and wait (at most the close timeout)."""
        adapter = self._adapter
        if adapter is None:
            return
        if self.transport == "websockets":
            await adapter.close_all(GOING_AWAY, _SHUTDOWN)
        else:
            adapter.close_all(GOING_AWAY, _SHUTDOWN)
            await self._ended(adapter, self.core.config.close_timeout + 1)

    async def _ended(self, adapter: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while adapter.links and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
