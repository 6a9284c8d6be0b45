"""The relay over websockets (asyncio API): the reference transport, a thin adapter on the core.

The upstream connection is opened during the client's opening handshake (in
``process_request``), so an upstream refusal is answered with the upstream's own HTTP status
and the subprotocol the upstream chose is the one the client gets (one the client did not
offer is HTTP 502, counted as ``upstream_subprotocol``). If the client goes away
meanwhile, the upstream connect is cancelled or, once open, closed: an upstream connection
never outlives its client. Each direction is a pump that awaits each send before it reads
the next message (websockets stops reading a socket once ``max_queue`` messages wait), so
memory per session stays bounded whatever the peers do.

Text messages arrive as ``str`` (websockets checks their UTF-8) and go on as ``str``; binary
ones as ``bytes``. Everything else (the decode, the answers, the capture, the close codes,
the metrics, the handshake checks) is :mod:`._core`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Sequence

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConnectionClosed,
    InvalidMessage,
    InvalidStatus,
    NegotiationError,
)
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ._closes import GOING_AWAY
from ._core import RelayCore, Reply
from ._handshake import Upgrade
from ._logging import wire_logger
from ._session import Session

__all__ = ["WebsocketsRelay"]

log = logging.getLogger("rtmsg.relay")

# Codes websockets closes a peer with when it breaks the protocol (not when it closes).
_FAULTS = frozenset({1002, 1003, 1007, 1009})


class WebsocketsRelay:
    """Serves a :class:`~._core.RelayCore` with websockets."""

    def __init__(self, core: RelayCore, *, max_queue: int) -> None:
        self.core = core
        self.max_queue = max_queue
        self._pending: dict[ServerConnection, tuple[ClientConnection, Upgrade]] = {}
        self._gone: weakref.WeakSet[ServerConnection] = weakref.WeakSet()
        self._open: dict[int, tuple[ServerConnection, ClientConnection]] = {}
        self._watches: set[asyncio.Task[None]] = set()
        self._log = wire_logger("rtmsg.relay.websockets", self._handshake_failure)

    def serve(self, host: str | None, port: int) -> contextlib.AbstractAsyncContextManager[Server]:
        # A class in websockets 15 and 16, a function returning its server in 17: the type
        # both give is an async context manager of the server.
        config = self.core.config
        return serve(
            self._handle,
            host,
            port,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
            max_size=config.max_size,
            max_queue=self.max_queue,
            compression=None,
            # The upstream connect happens inside the client's handshake.
            open_timeout=config.open_timeout + config.close_timeout,
            close_timeout=config.close_timeout,
            ping_interval=config.ping_interval,
            ping_timeout=config.ping_timeout,
            logger=self._log,
        )

    async def close_all(self, code: int, reason: str) -> None:
        """Close every open session's client leg (the upstream follows), and wait."""
        closing = [client.close(code, reason) for client, _ in list(self._open.values())]
        await asyncio.gather(*closing, return_exceptions=True)

    # --- handshake ---------------------------------------------------------------

    def _handshake_failure(self, record: logging.LogRecord) -> str | None:
        """The cause of a handshake websockets failed (``None``: already counted)."""
        connection = getattr(record, "websocket", None)
        if connection is not None and connection in self._gone:
            return None
        if record.getMessage() != "opening handshake failed":
            return "internal"
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, InvalidMessage) and isinstance(exc.__cause__, EOFError):
            return "incomplete"  # a bare connect (a probe): not a handshake, not counted
        self.core.metrics.handshake_failed("bad_request")
        return "bad_request"

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        verdict = self.core.request("GET", request.path, list(request.headers.raw_items()))
        if isinstance(verdict, Reply):
            return _respond(connection, verdict)
        started = time.monotonic()
        opening = asyncio.ensure_future(self._connect(verdict))
        lost = asyncio.ensure_future(connection.wait_closed())
        try:
            done, _ = await asyncio.wait((opening, lost), return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        client_left = lost in done
        if not opening.done():
            # The client left first: websockets aborts a cancelled connect's transport.
            opening.cancel()
            with contextlib.suppress(BaseException):
                await opening
            return self._client_gone(connection, verdict)
        try:
            upstream = opening.result()
        except InvalidStatus as exc:
            status = exc.response.status_code
            self.core.handshake_failed("upstream_refused", f"HTTP {status}", verdict.path)
            body = exc.response.body.decode("utf-8", "replace") if exc.response.body else ""
            return connection.respond(status, body or f"Upstream refused: HTTP {status}.\n")
        except NegotiationError:  # a subprotocol the client did not offer
            self.core.handshake_failed(
                "upstream_subprotocol", "upstream chose another subprotocol", verdict.path
            )
            return connection.respond(502, "Upstream chose another subprotocol.\n")
        except TimeoutError:
            self.core.handshake_failed("upstream_timeout", "timed out", verdict.path)
            return connection.respond(504, "Upstream timed out.\n")
        except Exception as exc:
            self.core.handshake_failed("upstream_unreachable", type(exc).__name__, verdict.path)
            return connection.respond(502, "Upstream unreachable.\n")
        self.core.metrics.connect_time(time.monotonic() - started)
        if client_left:
            await upstream.close(GOING_AWAY, "client went away")
            return self._client_gone(connection, verdict)
        self._pending[connection] = (upstream, verdict)
        # Should the client vanish before its 101 goes out, websockets never calls the
        # handler: this watch closes the upstream then.
        watch = asyncio.ensure_future(self._watch(connection))
        self._watches.add(watch)
        watch.add_done_callback(self._watches.discard)
        return None

    def _client_gone(self, connection: ServerConnection, upgrade: Upgrade) -> Response:
        self._gone.add(connection)
        self.core.handshake_failed("client_gone", "client left during the handshake", upgrade.path)
        return connection.respond(400, "Client went away.\n")

    async def _watch(self, connection: ServerConnection) -> None:
        await connection.wait_closed()
        pending = self._pending.pop(connection, None)
        if pending is not None:
            upstream, upgrade = pending
            self._gone.add(connection)
            self.core.handshake_failed(
                "client_gone", "client closed during the handshake", upgrade.path
            )
            await upstream.close(GOING_AWAY, "client went away")

    async def _connect(self, upgrade: Upgrade) -> ClientConnection:
        config = self.core.config
        headers = Headers()
        user_agent = None
        for name, value in upgrade.headers:
            if name.lower() == "user-agent":
                user_agent = value
            else:
                headers[name] = value
        return await connect(
            config.upstream_url(upgrade.target),
            additional_headers=headers,
            user_agent_header=user_agent,
            subprotocols=[Subprotocol(s) for s in upgrade.subprotocols] or None,
            max_size=config.max_size,
            max_queue=self.max_queue,
            compression=None,
            open_timeout=config.open_timeout,
            close_timeout=config.close_timeout,
            ping_interval=config.ping_interval,
            ping_timeout=config.ping_timeout,
            logger=self._log,
        )

    def _select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        pending = self._pending.get(connection)
        return pending[0].subprotocol if pending is not None else None

    # --- session -----------------------------------------------------------------

    async def _handle(self, client: ServerConnection) -> None:
        upstream, upgrade = self._pending.pop(client)
        session = self.core.start(upgrade)
        self._open[session.number] = (client, upstream)
        up = asyncio.create_task(self._pump_client(session, client, upstream))
        down = asyncio.create_task(self._pump_server(session, upstream, client))
        try:
            done, _ = await asyncio.wait((up, down), return_when=asyncio.FIRST_COMPLETED)
            first = up if up in done else down
            other = down if first is up else up
            other.cancel()
            with contextlib.suppress(BaseException):
                await other
            try:
                code, reason, fault = first.result()
            except Exception as exc:
                code, reason = session.crashed(exc)
                await asyncio.gather(_close(client, code, reason), _close(upstream, code, reason))
                session.other_leg("client", code)
                session.other_leg("upstream", code)
                return
            if first is up:
                end = session.client_fault if fault else session.client_closed
                code, reason = end(code, reason)  # type: ignore[arg-type]
                await _close(upstream, code, reason)
                session.other_leg("upstream", code)
            else:
                end = session.upstream_fault if fault else session.upstream_closed
                code, reason = end(code, reason)  # type: ignore[arg-type]
                await _close(client, code, reason)
                session.other_leg("client", code)
        finally:
            up.cancel()
            down.cancel()
            self._open.pop(session.number, None)
            if upstream.state.name != "CLOSED":
                upstream.transport.abort()
            session.end()

    async def _pump_client(
        self, session: Session, client: ServerConnection, upstream: ClientConnection
    ) -> tuple[int | None, str, bool]:
        """Client to upstream, until the client's connection ends: how it ended."""
        from_client = session.from_client
        with contextlib.suppress(ConnectionClosed):
            async for message in client:
                verdict = from_client(message, message.__class__ is bytes)
                if verdict is None:
                    await _forward(upstream, message)
                    continue
                if verdict.close is not None:
                    code, reason = verdict.close
                    await _close(client, code, reason)
                    return code, reason, True
                if verdict.answer is not None:
                    await client.send(verdict.answer, text=True)
                if verdict.forward:
                    await _forward(upstream, message)
        return _ending(client)

    async def _pump_server(
        self, session: Session, upstream: ClientConnection, client: ServerConnection
    ) -> tuple[int | None, str, bool]:
        """Upstream to client, until the upstream's connection ends: how it ended."""
        from_server = session.from_server
        with contextlib.suppress(ConnectionClosed):
            async for message in upstream:
                verdict = from_server(message, message.__class__ is bytes)
                if verdict is None:
                    await _forward(client, message)
                elif verdict.close is not None:
                    code, reason = verdict.close
                    await _close(upstream, code, reason)
                    return code, reason, True
        return _ending(upstream)


async def _forward(sink: Connection, message: str | bytes) -> None:
    """Send ``message`` on; if ``sink`` is closed, wait: the other pump reports its end."""
    try:
        await sink.send(message)
    except ConnectionClosed:
        await asyncio.Event().wait()


def _ending(connection: Connection) -> tuple[int | None, str, bool]:
    """How ``connection`` ended: its peer's close code and reason (``None``: no close
    frame), and whether websockets closed it for breaking the protocol."""
    protocol = connection.protocol
    rcvd, sent = protocol.close_rcvd, protocol.close_sent
    if sent is not None and not protocol.close_rcvd_then_sent and sent.code in _FAULTS:
        return sent.code, sent.reason, True
    if rcvd is not None:
        return rcvd.code, rcvd.reason, False
    return None, "", False


async def _close(connection: Connection, code: int, reason: str) -> None:
    """Close ``connection``, reading (and dropping) what still arrives so that its close
    frame is seen even when its receive queue was full."""

    async def discard() -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _ in connection:
                pass

    reader = asyncio.create_task(discard())
    try:
        await connection.close(code, reason)
    finally:
        reader.cancel()


def _respond(connection: ServerConnection, reply: Reply) -> Response:
    response = connection.respond(reply.status, reply.body.decode("utf-8", "replace"))
    response.headers["Content-Type"] = reply.content_type
    for name, value in reply.headers:
        response.headers[name] = value
    return response
