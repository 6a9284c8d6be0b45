"""The relay: a WebSocket hop between a Realtime client and its server that validates and records.

For each client connection the relay opens one upstream connection, during the client's opening
handshake, with the client's path, query, headers and subprotocols; an upstream that refuses
(401, 404, …) is answered to the client with the same HTTP status. Then two pumps forward every
frame, byte-identical and in order, one per direction. Each frame is decoded with the codec on
the way, by the decoders of the session's protocol, told by the path (``…/realtime/translations``
is a translation session, any other path a conversation): a valid or Unknown frame is
forwarded; an invalid client frame is answered with an
OpenAI-style ``error`` event naming its ``event_id`` and dropped (forwarded too with
``forward_invalid``); an invalid server frame is logged and forwarded, since the relay does not
police the server. With a capture, every frame is recorded as the client saw it: in one file
for all sessions, or one file per session when the path has a ``{session}`` placeholder
(sessions are numbered from 1), which is what ``rtmsg stats`` wants; a translation session's
records say so.

Backpressure: a pump awaits each send before it reads the next frame, so a slow reader stops
the pump, websockets stops reading from the other socket once ``max_queue`` frames wait, and
TCP flow control pushes back on the sender. Memory per session is bounded by the two receive
queues (``max_queue`` frames of at most ``max_size`` bytes each) and the two write buffers.

Close codes travel both ways: when one side closes, the other is closed with the same code and
reason. A close without a status (1005) is passed on as 1000; an abnormal closure (1006, no
close frame) is passed on as 1014 (bad gateway) to the client and 1001 (going away) upstream.

Headers are forwarded but never logged or captured: the ``Authorization`` header and API-key
subprotocols carry secrets. Logs name the path only, without its query.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import urllib.parse
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .._limits import DEFAULT_MAX_FRAME_BYTES
from .._redact import redact
from ..capture import CaptureWriter, Direction, Protocol
from ..codec import Frame, encode
from ..errors import DecodeError, error_event
from ._logging import wire_logger
from ._protocols import DECODER_TYPES, protocol_of

__all__ = ["DEFAULT_MAX_QUEUE", "Relay"]

log = logging.getLogger("rtmsg.relay")
_wire_log = wire_logger("rtmsg.relay.websockets")

DEFAULT_MAX_QUEUE: Final = 32
"""Frames received and not yet forwarded, per direction, before the relay stops reading."""

# Headers that belong to one hop's HTTP handshake, not to the end-to-end request.
_HOP_HEADERS: Final = frozenset(
    {
        "host",
        "connection",
        "upgrade",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "content-length",
        "user-agent",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-accept",
        "sec-websocket-protocol",
    }
)


def _close_code_for(code: int | None, *, to_client: bool) -> int:
    """The code to close one side with after the other side closed with ``code``."""
    if code is None or code == CloseCode.ABNORMAL_CLOSURE or code == CloseCode.TLS_HANDSHAKE:
        return CloseCode.BAD_GATEWAY if to_client else CloseCode.GOING_AWAY
    if code == CloseCode.NO_STATUS_RCVD:
        return CloseCode.NORMAL_CLOSURE
    return code


class Relay:
    """Relays Realtime sessions to ``upstream`` (a ``ws://`` or ``wss://`` base URL).

    The client's path and query are appended to the upstream URL's path. ``capture`` is a
    capture file path, with ``{session}`` in it for one file per session. Use :meth:`serve` to
    listen and :meth:`close` when done; :attr:`sessions` counts the sessions opened so far.
    ``max_size`` is the largest frame accepted, in bytes, by the sockets and the decoders alike
    (the codec's ``max_frame_bytes``, 16 MiB by default).
    """

    def __init__(
        self,
        upstream: str,
        *,
        capture: str | None = None,
        forward_invalid: bool = False,
        max_size: int = DEFAULT_MAX_FRAME_BYTES,
        max_queue: int = DEFAULT_MAX_QUEUE,
        open_timeout: float = 10.0,
    ) -> None:
        parts = urllib.parse.urlsplit(upstream)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ValueError(f"upstream must be a ws:// or wss:// URL, not {upstream!r}")
        if parts.query or parts.fragment:
            raise ValueError("upstream must not have a query or fragment: the client's is used")
        self._upstream = parts
        self.capture = capture
        self._per_session = capture is not None and "{session}" in capture
        self._shared_capture = (
            CaptureWriter(capture) if capture is not None and not self._per_session else None
        )
        self.forward_invalid = forward_invalid
        self.max_size = max_size
        # websockets refuses longer frames already; the decoders agree with it on the bound.
        self._decoders = {
            protocol: (client_type(max_frame_bytes=max_size), server_type(max_frame_bytes=max_size))
            for protocol, (client_type, server_type) in DECODER_TYPES.items()
        }
        self._client_decoder, self._server_decoder = self._decoders["conversation"]
        self._sides = {
            protocol: (
                _Side("client", protocol, client_decoder.decode, answers_invalid=True),
                _Side("server", protocol, server_decoder.decode, answers_invalid=False),
            )
            for protocol, (client_decoder, server_decoder) in self._decoders.items()
        }
        self.max_queue = max_queue
        self.open_timeout = open_timeout
        self.sessions = 0
        self._ids = itertools.count(1)
        self._pending: dict[ServerConnection, ClientConnection] = {}

    def close(self) -> None:
        """Close the capture file shared by all sessions, if any."""
        if self._shared_capture is not None:
            self._shared_capture.close()

    def upstream_url(self, path: str) -> str:
        """The upstream URL for a client request to ``path`` (path and query)."""
        client = urllib.parse.urlsplit(path)
        base = self._upstream.path.rstrip("/")
        return urllib.parse.urlunsplit(
            (self._upstream.scheme, self._upstream.netloc, base + client.path, client.query, "")
        )

    def serve(self, host: str, port: int) -> contextlib.AbstractAsyncContextManager[Server]:
        """The websockets server for this relay; use as ``async with relay.serve(...) as srv``."""
        return serve(
            self._handle,
            host,
            port,
            process_request=self._open_upstream,
            process_response=self._drop_unused_upstream,
            select_subprotocol=self._select_subprotocol,
            max_size=self.max_size,
            max_queue=self.max_queue,
            compression=None,
            logger=_wire_log,
        )

    # --- handshake ------------------------------------------------------------

    async def _open_upstream(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Open the upstream connection before accepting the client; refuse as upstream does."""
        headers = Headers(
            (name, value)
            for name, value in request.headers.raw_items()
            if name.lower() not in _HOP_HEADERS
        )
        offered = [
            Subprotocol(token.strip())
            for value in request.headers.get_all("Sec-WebSocket-Protocol")
            for token in value.split(",")
            if token.strip()
        ]
        path = urllib.parse.urlsplit(request.path).path
        try:
            upstream = await connect(
                self.upstream_url(request.path),
                additional_headers=headers,
                user_agent_header=request.headers.get("User-Agent"),
                subprotocols=offered or None,
                max_size=self.max_size,
                max_queue=self.max_queue,
                compression=None,
                open_timeout=self.open_timeout,
                logger=_wire_log,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            log.warning("upstream refused %s with HTTP %d", path, status)
            body = exc.response.body.decode("utf-8", errors="replace") if exc.response.body else ""
            return connection.respond(status, body or f"Upstream refused: HTTP {status}.\n")
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            log.warning("upstream unreachable for %s: %s", path, type(exc).__name__)
            return connection.respond(HTTPStatus.BAD_GATEWAY, "Upstream unreachable.\n")
        self._pending[connection] = upstream
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        upstream = self._pending.get(connection)
        return upstream.subprotocol if upstream is not None else None

    async def _drop_unused_upstream(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            upstream = self._pending.pop(connection, None)
            if upstream is not None:
                await upstream.close()

    # --- session --------------------------------------------------------------

    async def _handle(self, client: ServerConnection) -> None:
        upstream = self._pending.pop(client)
        session = next(self._ids)
        self.sessions += 1
        path = urllib.parse.urlsplit(client.request.path if client.request else "").path
        protocol = protocol_of(path)
        log.info("session %d opened: %s (%s)", session, path, protocol)
        capture = self._shared_capture
        pumps: list[asyncio.Task[None]] = []
        try:
            if self._per_session:
                assert self.capture is not None
                capture = CaptureWriter(self.capture.format(session=session))
            client_side, server_side = self._sides[protocol]
            pumps = [
                asyncio.create_task(self._pump(session, client, upstream, capture, client_side)),
                asyncio.create_task(self._pump(session, upstream, client, capture, server_side)),
            ]
            await asyncio.gather(*pumps)
        finally:
            for pump in pumps:
                pump.cancel()
            await upstream.close()
            if capture is not None:
                if self._per_session:
                    capture.close()
                else:
                    capture.flush()
        log.info(
            "session %d closed: client %s, upstream %s",
            session,
            client.close_code,
            upstream.close_code,
        )

    async def _pump(
        self,
        session: int,
        source: Connection,
        sink: Connection,
        capture: CaptureWriter | None,
        side: _Side,
    ) -> None:
        """Forward every frame of ``source`` to ``sink``, validated as ``side`` says."""
        with contextlib.suppress(ConnectionClosed):
            async for message in source:
                if capture is not None:
                    capture.write(side.sender, message, protocol=side.protocol)
                try:
                    side.decode(message)
                except DecodeError as exc:
                    log.warning(
                        "session %d: invalid %s event %s (event_id %s): %s",
                        session,
                        side.sender,
                        exc.event_type,
                        exc.event_id,
                        redact(str(exc)),
                    )
                    if side.answers_invalid:
                        answer = encode(error_event(exc)).decode()
                        if capture is not None:
                            capture.write("server", answer, protocol=side.protocol)
                        await source.send(answer)
                        if not self.forward_invalid:
                            continue
                await sink.send(message)
        if source.close_code is not None:
            code = _close_code_for(source.close_code, to_client=side.sender == "server")
            await sink.close(code, source.close_reason or "")


@dataclasses.dataclass(frozen=True)
class _Side:
    """How the relay treats the frames one side sends.

    The relay polices the client: an invalid client frame is answered with an ``error`` event
    and dropped (unless ``forward_invalid``). It does not police the server: an invalid
    server frame is logged and forwarded.
    """

    sender: Direction
    protocol: Protocol
    decode: Callable[[Frame], object]
    answers_invalid: bool
