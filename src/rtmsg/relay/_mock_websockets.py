"""The mock server over websockets: sends what a session answers, paced as it says.

The session logic is :class:`~rtmsg.relay.mock.SessionKind`'s; this module accepts
connections, records frames in wire order, plays response streams and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Iterator, Sequence

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ..engine.decoding import encode
from ._logging import wire_logger
from ._mock_base import (
    Accepted,
    MockHost,
    MockSession,
    Refused,
    Sent,
    SessionKind,
    Shared,
    Sleep,
    select_subprotocol,
)

__all__ = ["serve_websockets"]


@contextlib.asynccontextmanager
async def serve_websockets(mock: MockHost, host: str | None, port: int) -> AsyncIterator[Server]:
    """Serve ``mock`` with websockets; on exit, connections close with 1001."""

    # The session of each connection, made while its handshake is checked, so that it can
    # be refused with an HTTP status; a connection whose handshake fails later is dropped.
    accepted: weakref.WeakKeyDictionary[ServerConnection, Accepted] = weakref.WeakKeyDictionary()

    async def handle(connection: ServerConnection) -> None:
        log, session = accepted.pop(connection)
        await _Link(connection, log if mock.record else None).run(session)
        log.close_code = connection.close_code
        log.close_reason = connection.close_reason

    def check(connection: ServerConnection, request: Request) -> Response | None:
        verdict = mock.accept(request.path, list(request.headers.raw_items()))
        if not isinstance(verdict, Refused):
            accepted[connection] = verdict
            return None
        response = connection.respond(verdict.status, verdict.body)
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = verdict.content_type
        return response

    def choose(
        connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        chosen = select_subprotocol(subprotocols)
        return None if chosen is None else Subprotocol(chosen)

    async with serve(
        handle,
        host,
        port,
        max_size=None,
        compression=None,
        logger=wire_logger("rtmsg.mock.websockets"),
        process_request=check,
        select_subprotocol=choose,
    ) as server:
        yield server


class _Link:
    """One connection: sends a session's events, runs its response streams, records frames."""

    def __init__(self, connection: ServerConnection, log: MockSession | None) -> None:
        self.connection = connection
        self.log = log
        # The response stream and the answers to client frames share the socket: each frame
        # is recorded and sent as one step, so the record is in wire order.
        self._send_lock = asyncio.Lock()

    async def send(self, events: Sequence[Sent]) -> None:
        for event in events:
            data = encode(event)
            async with self._send_lock:
                if self.log is not None:
                    self.log.sent.append(data)
                await self.connection.send(data, text=True)

    async def run(self, session: SessionKind) -> None:
        streams: set[asyncio.Task[None]] = set()
        try:
            await self.send(session.start())
            if isinstance(session, Shared):
                wake = asyncio.Event()
                session.bind(wake.set)
                pump = asyncio.create_task(self._pump(session, wake))
                streams.add(pump)
                pump.add_done_callback(streams.discard)
            if session.closed:
                await self.connection.close()
                return
            async for message in self.connection:
                frame = message.encode() if isinstance(message, str) else message
                if self.log is not None:
                    self.log.received.append(frame)
                await self.send(session.receive(frame))
                if session.closed:
                    await self.connection.close()
                    break
                stream = session.take_response()
                if stream is not None:
                    task = asyncio.create_task(self._play(stream))
                    streams.add(task)
                    task.add_done_callback(streams.discard)
        except ConnectionClosed:
            pass
        finally:
            for task in list(streams):
                task.cancel()
            if isinstance(session, Shared):
                session.disconnected()

    async def _pump(self, session: SessionKind, wake: asyncio.Event) -> None:
        """Send what a shared session holds for this connection; close once the session ends."""
        assert isinstance(session, Shared)
        with contextlib.suppress(ConnectionClosed):
            while True:
                await wake.wait()
                wake.clear()
                await self.send(session.take_pending())
                if session.closed:
                    await self.connection.close()
                    return

    async def _play(self, stream: Iterator[Sent | Sleep]) -> None:
        with contextlib.suppress(ConnectionClosed):
            for step in stream:
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                else:
                    await self.send((step,))
