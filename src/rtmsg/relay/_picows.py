"""The relay over picows (and uvloop, when the command runs it): the fast transport.

:class:`PicowsRelay` accepts clients; each accepted client gets a :class:`Link`, which opens
the upstream behind it and joins the two :class:`~._picows_leg.Leg` listeners (the frames,
the reassembly, the flow, each connection's close) through the core's session:

- the opening handshake: picows sends the 101 when the listener factory returns, before the
  upstream can be asked. The client gets the first subprotocol it offered (never an
  ``openai-insecure-api-key.…`` one), the upstream is offered them all, and a disagreement
  ends the session (1014). An upstream refusal reaches the client as a close code: 4000 + the
  HTTP status (4401, 4404, 4503) with the status in the reason; unreachable or timed out, 1014.
  Until the upstream is open what the client sends is held (up to 1 MiB, then its reading
  pauses), and its leaving is seen at once;
- an upstream never outlives its client: if the client leaves while the upstream's TCP (or
  TLS) connection is being opened, the connect is cancelled; if it leaves while the
  upstream's WebSocket handshake is in flight, the upstream connection is closed the moment
  it opens (or when picows' handshake timeout, ``open_timeout``, cuts it);
- backpressure: a leg whose socket buffer passes its high-water mark stops the other leg's
  reading until it drains, so memory per session is bounded by the two write buffers,
  picows' read buffers and one message being assembled;
- the close handshake is the relay's: a close frame is answered and the TCP connection
  closed, the other leg closed with :mod:`._closes`' mapping;
- an exception in a callback is logged (one ERROR line; the traceback at DEBUG), counted,
  and closes both legs with 1011.

Both legs run on the event loop's own TCP transport (uvloop's, in C), not on the
``aiofastnet`` transport picows picks by default when it is installed: uvloop's opens a
connection in half the CPU time, which a relay of short sessions pays for at every session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from http import HTTPStatus
from typing import Any, Final

from picows import (
    WSCloseCode,
    WSHandshakeError,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_connect,
    ws_create_server,
)

from ._closes import BAD_GATEWAY, GOING_AWAY, INTERNAL_ERROR, upstream_refused_close
from ._core import Config, RelayCore, Reply
from ._handshake import Upgrade
from ._logging import picows_logger
from ._picows_leg import Leg, close_reason
from ._session import Session, Verdict

__all__ = ["Link", "PicowsRelay", "choose_subprotocol", "close_reason", "reply_response"]

log = logging.getLogger("rtmsg.relay")

_TEXT: Final = WSMsgType.TEXT

# Codes picows closes a peer with when it breaks the protocol.
_FAULTS: Final = frozenset({1002, 1003, 1007, 1009})
_KEY_PREFIX: Final = "openai-insecure-api-key."

_CONNECTING, _OPEN, _CLOSED = 0, 1, 2

_EARLY_BYTES: Final = 1 << 20
"""What a client may send before the upstream is open, before the relay stops reading it."""


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


def picows_options(config: Config, logger: str) -> dict[str, Any]:
    """The picows options the relay's server and its upstream connections share."""
    options: dict[str, Any] = {
        "use_aiofastnet": False,
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
        self.links: set[Link] = set()
        self.options = picows_options(core.config, "rtmsg.relay.picows")

    async def start(self, host: str | None, port: int) -> asyncio.Server:
        return await ws_create_server(self._accept, host, port, **self.options)

    def close_all(self, code: int, reason: str) -> None:
        """Close both legs of every session (and every client still waiting for upstream)."""
        for link in list(self.links):
            link.shut(code, reason)

    def _accept(self, request: WSUpgradeRequest) -> WSUpgradeResponseWithListener:
        verdict = self.core.request(
            request.method.decode("latin-1"),
            request.path.decode("latin-1"),
            list(request.headers.items()),
        )
        if isinstance(verdict, Reply):
            return reply_response(verdict)
        link = Link(self, verdict)
        chosen = link.subprotocol
        headers = [("Sec-WebSocket-Protocol", chosen)] if chosen is not None else None
        return WSUpgradeResponseWithListener(
            WSUpgradeResponse.create_101_response(headers), link.client
        )


class Link:
    """A client leg and an upstream leg, and the session between them once both are open."""

    def __init__(self, relay: PicowsRelay, upgrade: Upgrade) -> None:
        self.relay = relay
        self.core = relay.core
        self.upgrade = upgrade
        size, timeout = self.core.config.max_size, self.core.config.close_timeout
        self.client = Leg(self, "client", max_size=size, close_timeout=timeout)
        self.upstream = Leg(self, "upstream", max_size=size, close_timeout=timeout)
        self.subprotocol = choose_subprotocol(upgrade.subprotocols)
        self.session: Session | None = None
        self.state = _CONNECTING
        self.early_messages: list[tuple[Leg, WSMsgType, bytes]] = []
        self.early_bytes = 0
        # The close of a client that closed before the upstream opened, to pass on after its
        # held messages once it does.
        self.client_close: tuple[int, str] | None = None
        self.connecting: asyncio.Task[None] | None = None
        relay.links.add(self)

    def other(self, leg: Leg) -> Leg:
        return self.upstream if leg is self.client else self.client

    # --- opening ---------------------------------------------------------------------

    def connected(self, leg: Leg) -> None:
        if leg is self.client:
            # The client is still read meanwhile, so that its leaving is seen at once.
            self.connecting = asyncio.ensure_future(self._open_upstream())
        elif self.state is _CONNECTING:
            leg.hold()  # until the session is open
        else:  # the client left while the upstream's handshake was in flight
            leg.ended = True
            assert leg.transport is not None
            leg.transport.disconnect(False)

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
                self._upstream_leg,
                config.upstream_url(upgrade.target),
                extra_headers=headers,
                max_redirects=5,
                **self.relay.options,
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

    def _upstream_leg(self, request: Any, response: Any) -> Leg:
        """picows' listener factory for the upstream connection, called on its 101."""
        return self.upstream

    def _abandon(self) -> None:
        """Stop opening the upstream (client gone, timeout): nothing of it stays open.

        An upstream already open (its 101 in, the connect not yet returned) is cut now; a
        connect under way is cancelled, which closes its socket, or, with the WebSocket
        handshake in flight, leaves it to :meth:`connected` to cut on its 101.
        """
        upstream = self.upstream.transport
        if upstream is not None:
            upstream.disconnect(False)
        if self.connecting is not None:
            self.connecting.cancel()

    def _refused(self, cause: Any, detail: str, code: int, reason: str | None = None) -> None:
        self.core.handshake_failed(cause, detail, self.upgrade.path)
        self.state = _CLOSED
        self.client.close(code, reason or detail)
        if self.client_close is not None:  # the client is gone already: so is the link
            self._maybe_end()

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
        if self.client_close is not None and self.state is _OPEN:
            code, reason = self.client_close
            self.client_close = None
            client.peer = upstream.peer = None
            self.state = _CLOSED
            code_out, reason_out = session.client_closed(code, reason)
            upstream.ended = True
            session.other_leg(upstream.side, code_out)
            upstream.close(code_out, reason_out)

    def early(self, leg: Leg, kind: WSMsgType, data: bytes) -> None:
        """A message that cannot go on yet (held while the upstream opens) or any more."""
        if self.state is _CONNECTING:
            self.early_messages.append((leg, kind, data))
            if leg is self.client:
                before, self.early_bytes = self.early_bytes, self.early_bytes + len(data)
                if before <= _EARLY_BYTES < self.early_bytes:
                    leg.hold()  # enough held: read no more until the upstream is open

    # --- verdicts, faults, closes ------------------------------------------------------

    def verdict(self, leg: Leg, verdict: Verdict, kind: WSMsgType, data: Any) -> None:
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

    def fault(self, leg: Leg, code: int, reason: str) -> None:
        """``leg``'s peer broke the protocol: close it with ``code``, the other leg so."""
        leg.close(code, reason)
        self._ended(leg, code, reason, fault=True)

    def close_received(self, leg: Leg, payload: bytes) -> None:
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

    def disconnected(self, leg: Leg, transport: WSTransport) -> None:
        if not leg.ended:
            fault = _fault_of(transport)
            if fault is not None:
                self._ended(leg, fault[0], fault[1], fault=True)
            else:
                self._ended(leg, None, "", fault=False)
        self._maybe_end()

    def _ended(self, leg: Leg, code: int | None, reason: str, *, fault: bool) -> None:
        """``leg``'s connection ended (``code`` ``None``: without a close frame)."""
        if leg.ended:
            return
        leg.ended = True
        other = self.other(leg)
        leg.peer = other.peer = None
        if self.state is _CONNECTING:  # the client, before the upstream opened
            if leg is self.client and code is not None and not fault:
                # It said what it had to say and closed: its messages and its close go on
                # once the upstream opens (within the open timeout, as for any client).
                self.client_close = (code, reason)
                return
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
        if self.state is _CONNECTING and self.client_close is not None:
            return  # the upstream opens for the client's messages and close
        if client.disconnected and (upstream.disconnected or upstream.transport is None):
            self.relay.links.discard(self)
            if self.session is not None:
                self.session.end()
            if self.connecting is None or self.connecting.done():
                self.unlink()

    def unlink(self) -> None:
        """Nothing calls the legs back any more: they let go of the link, and the session
        is freed as it ends, by reference counting, instead of by the cyclic garbage
        collector, whose passes over every live object a relay of many sessions would pay."""
        self.client.link = self.upstream.link = None

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
        self._maybe_end()  # a client gone already, its upstream given up: nothing to wait for


def _fault_of(transport: WSTransport) -> tuple[int, str] | None:
    """The close picows sent first for a protocol violation of the peer, if it did."""
    handshake = transport.close_handshake
    sent = handshake.sent if handshake is not None else None
    if sent is None or handshake.recv_then_sent or sent.code.value not in _FAULTS:
        return None
    return sent.code.value, sent.reason or ""
