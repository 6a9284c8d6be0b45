"""The relay over picows (and uvloop, when the command runs it): the fast transport.

picows calls back once per WebSocket *frame* with a view into its read buffer, and sends
without ever blocking; this adapter turns that into what :mod:`._core` expects and no more:

- a single-frame message (the usual case) is judged and forwarded straight from picows'
  buffer: no copy, no allocation besides what the decode makes; fragmented messages are
  reassembled here, bounded by the relay's ``max_size`` (1009 past it);
- backpressure: when one leg's socket buffer passes its high-water mark (``pause_writing``),
  the other leg stops reading until it drains (``resume_writing``), so memory per session
  is bounded by the two write buffers, picows' read buffers and one message being assembled;
- the close handshake is the relay's: a close frame is answered and the TCP connection
  closed, the other leg closed with :mod:`._core`'s mapping, a peer that does not answer a
  close is cut after ``close_timeout``; codes are always explicit (picows' default is 0);
- the opening handshake: picows sends the 101 when the listener factory returns, before the
  upstream can be asked. The client gets the first subprotocol it offered (never an
  ``openai-insecure-api-key.…`` one), the upstream is offered them all, and a disagreement
  ends the session (1014). An upstream refusal reaches the client as a close code: 4000 + the
  HTTP status (4401, 4404, 4503) with the status in the reason; unreachable or timed out, 1014.
  Until the upstream is open what the client sends is held (up to 1 MiB, then its reading
  pauses), and its leaving is seen at once.
  If the client leaves meanwhile, the upstream's socket is shut down at once;
- an exception in a callback is logged (one ERROR line; the traceback at DEBUG), counted,
  and closes both legs with 1011.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Final

from picows import (
    WSCloseCode,
    WSFrame,
    WSHandshakeError,
    WSListener,
    WSMsgType,
    WSParsedURL,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_connect,
    ws_create_server,
)

from ._core import (
    BAD_GATEWAY,
    GOING_AWAY,
    INTERNAL_ERROR,
    PROTOCOL_ERROR,
    TOO_BIG,
    RelayCore,
    Reply,
    Session,
    Verdict,
    upstream_refused_close,
)
from ._handshake import Upgrade
from ._logging import picows_logger

__all__ = ["PicowsRelay", "choose_subprotocol", "close_reason", "reply_response"]

log = logging.getLogger("rtmsg.relay")

_TEXT: Final = WSMsgType.TEXT
_BINARY: Final = WSMsgType.BINARY
_CONTINUATION: Final = WSMsgType.CONTINUATION
_CLOSE: Final = WSMsgType.CLOSE

# Codes picows closes a peer with when it breaks the protocol.
_FAULTS: Final = frozenset({1002, 1003, 1007, 1009})
_KEY_PREFIX: Final = "openai-insecure-api-key."

_CONNECTING, _OPEN, _CLOSED = 0, 1, 2

_EARLY_BYTES: Final = 1 << 20
"""What a client may send before the upstream is open, before the relay stops reading it."""


def close_reason(reason: str) -> bytes:
    """``reason`` as a close frame carries it: UTF-8, at most 123 bytes, never a cut character."""
    return reason.encode()[:123].decode("utf-8", "ignore").encode()


def choose_subprotocol(offered: tuple[str, ...]) -> str | None:
    """The subprotocol a 101 names before the upstream has chosen: the first offered that
    does not carry a key (browser clients offer ``realtime`` and their key)."""
    for token in offered:
        if not token.startswith(_KEY_PREFIX):
            return token
    return None


def reply_response(reply: Reply) -> WSUpgradeResponseWithListener:
    """A picows HTTP response for a reply of the core (the connection closes after it)."""
    headers = [("Content-Type", reply.content_type), *reply.headers]
    if reply.status < 400:
        response = WSUpgradeResponse.create_ok_response(reply.body, headers)
        response.status = HTTPStatus(reply.status)
    else:
        response = WSUpgradeResponse.create_error_response(reply.status, reply.body, headers)
    return WSUpgradeResponseWithListener(response, None)


def server_options(core: RelayCore, logger: str) -> dict[str, Any]:
    """The picows options every server and client of the relay and the mock share."""
    config = core.config
    options: dict[str, Any] = {
        "max_frame_size": config.max_size,
        "websocket_handshake_timeout": config.open_timeout,
        "logger_name": picows_logger(logger),
    }
    if config.ping_interval is not None:
        timeout = config.ping_timeout if config.ping_timeout is not None else config.ping_interval
        options["enable_auto_ping"] = True
        options["auto_ping_idle_timeout"] = config.ping_interval
        options["auto_ping_reply_timeout"] = min(timeout, config.ping_interval)
    return options


class PicowsRelay:
    """Serves a :class:`~._core.RelayCore` with picows."""

    def __init__(self, core: RelayCore) -> None:
        self.core = core
        self.links: set[_Link] = set()

    async def start(self, host: str | None, port: int) -> asyncio.Server:
        return await ws_create_server(
            self._accept, host, port, **server_options(self.core, "rtmsg.relay.picows")
        )

    def close_all(self, code: int, reason: str) -> None:
        """Close both legs of every session (and every client still waiting for upstream)."""
        for link in list(self.links):
            link.shut(code, reason)

    def _accept(self, request: WSUpgradeRequest) -> WSUpgradeResponseWithListener:
        core = self.core
        verdict = core.request(
            request.method.decode("latin-1"),
            request.path.decode("latin-1"),
            list(request.headers.items()),
        )
        if isinstance(verdict, Reply):
            return reply_response(verdict)
        link = _Link(self, verdict)
        chosen = link.subprotocol
        headers = [("Sec-WebSocket-Protocol", chosen)] if chosen is not None else None
        return WSUpgradeResponseWithListener(
            WSUpgradeResponse.create_101_response(headers), link.client
        )


class _Leg(WSListener):
    """One side of a relayed session: the client's connection, or the upstream's."""

    def __init__(self, link: _Link, side: str) -> None:
        super().__init__()
        self.link = link
        self.side = side
        self.transport: WSTransport | None = None
        # While both legs are open: the other leg's transport, and the core's judge.
        self.peer: WSTransport | None = None
        self.judge: Callable[[Any, bool], Verdict | None] | None = None
        self.fragments: bytearray | None = None
        self.fragments_type = _TEXT
        self.read_holds = 0
        self.write_paused = False
        self.answer_hold = False
        self.close_sent = False
        self.ended = False
        self.disconnected = False
        self.timer: asyncio.TimerHandle | None = None

    # --- picows callbacks ----------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        try:
            self.transport = transport
            self.link.connected(self)
        except Exception as exc:
            self.link.crash(exc)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        try:
            kind = frame.msg_type
            if (kind is _TEXT or kind is _BINARY) and frame.fin and self.fragments is None:
                peer = self.peer
                if peer is None or frame.rsv1 or frame.rsv2 or frame.rsv3:
                    self._held(kind, frame)
                    return
                data = frame.get_payload_as_memoryview()
                verdict = self.judge(data, kind is _BINARY)  # type: ignore[misc]
                if verdict is None:
                    peer.send(kind, data)
                else:
                    self.link.verdict(self, verdict, kind, data)
                return
            if kind is _CLOSE:
                self.link.close_received(self, frame.get_payload_as_bytes())
            elif kind is _CONTINUATION or kind is _TEXT or kind is _BINARY:
                self._fragment(kind, frame)
            # Pings are answered by picows; pongs need nothing.
        except Exception as exc:
            self.link.crash(exc)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        try:
            self.disconnected = True
            if self.timer is not None:
                self.timer.cancel()
            self.link.disconnected(self, transport)
        except Exception as exc:
            self.link.crash(exc)

    def pause_writing(self) -> None:
        self.write_paused = True
        self.link.other(self).hold()

    def resume_writing(self) -> None:
        self.write_paused = False
        self.link.other(self).release()
        if self.answer_hold:
            self.answer_hold = False
            self.release()

    # --- messages --------------------------------------------------------------------

    def _held(self, kind: WSMsgType, frame: WSFrame) -> None:
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            self.link.fault(self, PROTOCOL_ERROR, "reserved bits set")
        else:
            self.link.early(self, kind, frame.get_payload_as_bytes())

    def _fragment(self, kind: WSMsgType, frame: WSFrame) -> None:
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            self.link.fault(self, PROTOCOL_ERROR, "reserved bits set")
            return
        if kind is _CONTINUATION:
            if self.fragments is None:
                self.link.fault(self, PROTOCOL_ERROR, "continuation without a message")
                return
        elif self.fragments is not None:
            self.link.fault(self, PROTOCOL_ERROR, "new message inside a fragmented one")
            return
        else:
            self.fragments = bytearray()
            self.fragments_type = kind
        if len(self.fragments) + frame.payload_size > self.link.max_size:
            self.fragments = None
            self.link.fault(self, TOO_BIG, "message too big")
            return
        self.fragments += frame.get_payload_as_memoryview()
        if frame.fin:
            data, self.fragments = self.fragments, None
            self.deliver(self.fragments_type, data)

    def deliver(self, kind: WSMsgType, data: bytes | bytearray) -> None:
        """A whole message that did not take the fast path: judge and forward it."""
        peer = self.peer
        if peer is None:
            self.link.early(self, kind, bytes(data))
            return
        verdict = self.judge(data, kind is _BINARY)  # type: ignore[misc]
        if verdict is None:
            peer.send(kind, data)
        else:
            self.link.verdict(self, verdict, kind, data)

    # --- flow and close ----------------------------------------------------------------

    def hold(self) -> None:
        """Stop reading this leg's socket (one more reason to)."""
        self.read_holds += 1
        if self.read_holds == 1 and self.transport is not None and not self.disconnected:
            self.transport.underlying_transport.pause_reading()

    def release(self) -> None:
        self.read_holds -= 1
        if self.read_holds == 0 and self.transport is not None and not self.disconnected:
            self.transport.underlying_transport.resume_reading()

    def unhold(self) -> None:
        """Read again whatever held it (the leg is closing: its close frame must be seen)."""
        if self.read_holds > 0:
            self.read_holds = 1
            self.release()

    def close(self, code: int, reason: str) -> None:
        """Send a close frame (once) and cut the connection if none answers in time."""
        self.peer = None
        transport = self.transport
        if transport is None or self.close_sent or self.disconnected:
            return
        self.close_sent = True
        transport.send_close(WSCloseCode(code), close_reason(reason))
        self.unhold()
        self.timer = asyncio.get_running_loop().call_later(
            self.link.close_timeout, transport.disconnect, False
        )


class _Link:
    """A client leg and an upstream leg, and the session between them once both are open."""

    def __init__(self, relay: PicowsRelay, upgrade: Upgrade) -> None:
        self.relay = relay
        self.core = relay.core
        self.upgrade = upgrade
        self.max_size = self.core.config.max_size
        self.close_timeout = self.core.config.close_timeout
        self.client = _Leg(self, "client")
        self.upstream = _Leg(self, "upstream")
        self.subprotocol = choose_subprotocol(upgrade.subprotocols)
        self.session: Session | None = None
        self.state = _CONNECTING
        self.early_messages: list[tuple[_Leg, WSMsgType, bytes]] = []
        self.early_bytes = 0
        self.connecting: asyncio.Task[None] | None = None
        self.sock: socket.socket | None = None
        self.first: _Leg | None = None
        relay.links.add(self)

    def other(self, leg: _Leg) -> _Leg:
        return self.upstream if leg is self.client else self.client

    # --- opening ---------------------------------------------------------------------

    def connected(self, leg: _Leg) -> None:
        if leg is self.client:
            # The client is still read meanwhile, so that its leaving is seen at once.
            self.connecting = asyncio.ensure_future(self._open_upstream())
        else:
            leg.hold()  # until the session is open

    async def _open_upstream(self) -> None:
        core, upgrade = self.core, self.upgrade
        config = core.config
        loop = asyncio.get_running_loop()
        started = loop.time()
        timer = loop.call_later(config.open_timeout, self._abandon)
        headers = list(upgrade.headers)
        if upgrade.subprotocols:
            headers.append(("Sec-WebSocket-Protocol", ", ".join(upgrade.subprotocols)))
        try:
            transport, _ = await ws_connect(
                lambda request, response: self.upstream,
                config.upstream_url(upgrade.target),
                extra_headers=headers,
                socket_factory=self._socket,
                max_redirects=5,
                **server_options(core, "rtmsg.relay.picows"),
            )
        except WSHandshakeError as exc:
            status = exc.response.status if exc.response is not None else None
            if self.state is not _CONNECTING:
                return
            if status is None or status == 101:
                self._refused("upstream_unreachable", "invalid handshake", BAD_GATEWAY)
            else:
                code, reason = upstream_refused_close(int(status))
                self._refused("upstream_refused", f"HTTP {int(status)}", code, reason)
            return
        except (OSError, asyncio.CancelledError, TimeoutError, Exception) as exc:
            if self.state is _CONNECTING:
                timed_out = loop.time() - started >= config.open_timeout
                cause = "upstream_timeout" if timed_out else "upstream_unreachable"
                self._refused(cause, type(exc).__name__, BAD_GATEWAY)
            return
        finally:
            timer.cancel()
            self.sock = None
        if self.state is not _CONNECTING or self.upstream.transport is None:
            # The client left, or the connect was abandoned: nothing is kept open.
            if self.state is _CONNECTING:
                self._refused("upstream_timeout", "timed out", BAD_GATEWAY)
            transport.disconnect(False)
            return
        chosen = transport.response.headers.get("Sec-WebSocket-Protocol")
        if chosen != self.subprotocol:
            self.upstream.close(GOING_AWAY, "subprotocol mismatch")
            self._refused("upstream_subprotocol", "upstream chose another subprotocol", BAD_GATEWAY)
            return
        core.metrics.connect_time(loop.time() - started)
        self._open()

    async def _socket(self, url: WSParsedURL) -> socket.socket:
        """The upstream's socket, kept so that it can be shut down if the client leaves."""
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(url.host, url.port, type=socket.SOCK_STREAM)
        error: BaseException = OSError(f"no address for {url.host}")
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            self.sock = sock
            try:
                await loop.sock_connect(sock, address)
            except BaseException as exc:
                self.sock = None
                sock.close()
                if isinstance(exc, asyncio.CancelledError):
                    raise
                error = exc
                continue
            return sock
        raise error

    def _abandon(self) -> None:
        """Stop opening the upstream (client gone, timeout): nothing of it stays open."""
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                return
            except OSError:
                pass
        if self.connecting is not None:
            self.connecting.cancel()

    def _refused(self, cause: Any, detail: str, code: int, reason: str | None = None) -> None:
        self.core.handshake_failed(cause, detail, self.upgrade.path)
        self.state = _CLOSED
        self.client.close(code, reason or detail)

    def _open(self) -> None:
        session = self.session = self.core.start(self.upgrade)
        client, upstream = self.client, self.upstream
        client.judge = session.from_client
        upstream.judge = session.from_server
        client.peer = upstream.transport
        upstream.peer = client.transport
        self.state = _OPEN
        held, self.early_messages = self.early_messages, []
        for leg, kind, data in held:
            if self.state is not _OPEN:
                break
            leg.deliver(kind, data)
        if self.early_bytes > _EARLY_BYTES:
            client.release()
        upstream.release()

    def early(self, leg: _Leg, kind: WSMsgType, data: bytes) -> None:
        """A message that cannot go on yet (held while the upstream opens) or any more."""
        if self.state is _CONNECTING:
            self.early_messages.append((leg, kind, data))
            if leg is self.client:
                before, self.early_bytes = self.early_bytes, self.early_bytes + len(data)
                if before <= _EARLY_BYTES < self.early_bytes:
                    leg.hold()  # enough held: read no more until the upstream is open

    # --- verdicts, faults, closes ------------------------------------------------------

    def verdict(self, leg: _Leg, verdict: Verdict, kind: WSMsgType, data: Any) -> None:
        if verdict.close is not None:
            self.fault(leg, *verdict.close)
            return
        transport = leg.transport
        if verdict.answer is not None and transport is not None:
            transport.send(_TEXT, verdict.answer)
            if leg.write_paused and not leg.answer_hold:
                # The sender does not read its answers: read it no more until it does.
                leg.answer_hold = True
                leg.hold()
        if verdict.forward and leg.peer is not None:
            leg.peer.send(kind, data)

    def fault(self, leg: _Leg, code: int, reason: str) -> None:
        """``leg``'s peer broke the protocol: close it with ``code``, the other leg so."""
        leg.close(code, reason)
        self._ended(leg, code, reason, fault=True)

    def close_received(self, leg: _Leg, payload: bytes) -> None:
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
        reason = payload[2:].decode("utf-8", "replace")
        transport = leg.transport
        assert transport is not None
        fault = _fault_of(transport)
        if not transport.is_close_frame_sent:
            leg.close_sent = True
            transport.send_close(WSCloseCode(code if code is not None else 1000))
        leg.peer = None
        transport.disconnect()
        if fault is not None:  # the answer to a close picows sent for a protocol violation
            self._ended(leg, fault[0], fault[1], fault=True)
        else:
            self._ended(leg, 1005 if code is None else code, reason, fault=False)

    def disconnected(self, leg: _Leg, transport: WSTransport) -> None:
        if not leg.ended:
            fault = _fault_of(transport)
            if fault is not None:
                self._ended(leg, fault[0], fault[1], fault=True)
            else:
                self._ended(leg, None, "", fault=False)
        self._maybe_end()

    def _ended(self, leg: _Leg, code: int | None, reason: str, *, fault: bool) -> None:
        """``leg``'s connection ended (``code`` ``None``: without a close frame)."""
        if leg.ended:
            return
        leg.ended = True
        other = self.other(leg)
        leg.peer = other.peer = None
        if self.state is _CONNECTING:  # the client, before the upstream opened
            self.state = _CLOSED
            self.core.handshake_failed(
                "client_gone", "client closed before the upstream opened", self.upgrade.path
            )
            self._abandon()
            return
        session = self.session
        if session is None or other.ended:
            return
        self.state = _CLOSED
        if leg is self.client:
            end = session.client_fault if fault else session.client_closed
        else:
            end = session.upstream_fault if fault else session.upstream_closed
        code_out, reason_out = end(code, reason)  # type: ignore[arg-type]
        other.ended = True
        session.other_leg(other.side, code_out)
        other.close(code_out, reason_out)

    def _maybe_end(self) -> None:
        client, upstream = self.client, self.upstream
        if client.disconnected and (upstream.disconnected or upstream.transport is None):
            self.relay.links.discard(self)
            if self.session is not None:
                self.session.end()

    def crash(self, exc: BaseException) -> None:
        """An unexpected error in a callback: logged and counted, both legs closed (1011)."""
        if self.session is not None and not self.session.ended:
            code, reason = self.session.crashed(exc)
        else:
            self.core.metrics.internal_errors += 1
            log.error(
                "internal error outside a session (%s)",
                type(exc).__name__,
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            code, reason = INTERNAL_ERROR, "relay internal error"
        self.shut(code, reason)

    def shut(self, code: int, reason: str) -> None:
        """Close both legs with ``code`` (the relay stops, or failed)."""
        if self.state is _CONNECTING:
            self._abandon()
        self.state = _CLOSED
        for leg in (self.client, self.upstream):
            if not leg.ended:
                leg.ended = True
                if self.session is not None:
                    self.session.other_leg(leg.side, code)
            with contextlib.suppress(Exception):
                leg.close(code, reason)


def _fault_of(transport: WSTransport) -> tuple[int, str] | None:
    """The close picows sent first for a protocol violation of the peer, if it did."""
    handshake = transport.close_handshake
    sent = handshake.sent if handshake is not None else None
    if sent is None or handshake.recv_then_sent or sent.code.value not in _FAULTS:
        return None
    return sent.code.value, sent.reason or ""
