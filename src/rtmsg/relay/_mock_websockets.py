"""The mock server over websockets: sends what a session answers, paced as it says.

The session logic is :class:`~rtmsg.relay.mock.SessionKind`'s; this module accepts
connections, records frames in wire order, plays response streams and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ..engine.decoding import encode
from ._logging import wire_logger
from ._mock_base import MockHost, MockSession, Sent, SessionKind, select_subprotocol
from .conversation import Sleep

__all__ = ["serve_websockets"]


@contextlib.asynccontextmanager
async def serve_websockets(mock: MockHost, host: str | None, port: int) -> AsyncIterator[Server]:
    """Serve ``mock`` with websockets; on exit, connections close with 1001."""

    async def handle(connection: ServerConnection) -> None:
        request = connection.request
        path = request.path if request else "/"
        headers = dict(request.headers.raw_items()) if request else {}
        log = mock.open(path, headers)
        await _Link(connection, log if mock.record else None).run(mock.new_session(log))
        log.close_code = connection.close_code
        log.close_reason = connection.close_reason

    def check(connection: ServerConnection, request: Request) -> Response | None:
        refusal = mock.refusal(request.path, list(request.headers.raw_items()))
        return None if refusal is None else connection.respond(*refusal)

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
            for task in streams:
                task.cancel()

    async def _play(self, stream: Iterator[Sent | Sleep]) -> None:
        with contextlib.suppress(ConnectionClosed):
            for step in stream:
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                else:
                    await self.send((step,))
