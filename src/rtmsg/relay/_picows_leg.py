"""One leg of a session relayed over picows: a connection's messages, its flow, its close.

picows calls a listener back once per WebSocket *frame*, with a view into its read buffer
that lives only during the call. A :class:`Leg` is that listener, for the client's
connection or the upstream's, and turns frames into what :mod:`._session` judges:

- a single-frame message (the usual case) is judged and forwarded straight from picows'
  buffer to the other leg: no copy, no allocation besides what the decode makes;
- a fragmented message is reassembled here, bounded by the relay's ``max_size`` (1009
  past it), then judged and forwarded whole; reserved bits, a continuation without a
  message, or a new message inside one are protocol errors (1002);
- once a close frame went to the peer, its messages are dropped: picows closes a peer that
  sends a frame over the limit (1009) as the frame's header arrives, yet hands the frame
  over when the rest of it has;
- flow: a leg whose socket buffer is over its high-water mark (``pause_writing``) stops the
  other leg's reading until it drains (``resume_writing``);
- its close: a close frame is sent once, with an explicit code (picows' default is 0), and
  the connection is cut if the peer does not answer within ``close_timeout``.

What a leg cannot decide alone (the session, the other leg, the closes) is its link's
(:class:`Link` says what a leg asks of it; :class:`~._picows.Link` is it). Exceptions in a
callback go to the link, which closes both legs with 1011.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final, Protocol

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from ._closes import PROTOCOL_ERROR, TOO_BIG
from ._session import Verdict

__all__ = ["Leg", "Link", "close_reason"]

_TEXT: Final = WSMsgType.TEXT
_BINARY: Final = WSMsgType.BINARY
_CONTINUATION: Final = WSMsgType.CONTINUATION
_CLOSE: Final = WSMsgType.CLOSE


def close_reason(reason: str) -> bytes:
    """``reason`` as a close frame carries it: UTF-8, at most 123 bytes, never a cut character."""
    return reason.encode()[:123].decode("utf-8", "ignore").encode()


class Link(Protocol):
    """What a leg asks of the link between it and the other leg (:class:`~._picows.Link`)."""

    def connected(self, leg: Leg) -> None: ...

    def verdict(self, leg: Leg, verdict: Verdict, kind: WSMsgType, data: Any) -> None: ...

    def early(self, leg: Leg, kind: WSMsgType, data: bytes) -> None: ...

    def fault(self, leg: Leg, code: int, reason: str) -> None: ...

    def close_received(self, leg: Leg, payload: bytes) -> None: ...

    def disconnected(self, leg: Leg, transport: WSTransport) -> None: ...

    def other(self, leg: Leg) -> Leg: ...

    def crash(self, exc: BaseException) -> None: ...


class Leg(WSListener):
    """One side of a relayed session: the client's connection, or the upstream's.

    ``max_size`` bounds a message being reassembled; ``close_timeout`` is how long a peer
    has to answer a close.
    """

    def __init__(self, link: Link, side: str, *, max_size: int, close_timeout: float) -> None:
        super().__init__()
        # The link lets go of its legs once the session is over (see unlink in ._picows), so
        # that a session is freed when it ends rather than by the cyclic garbage collector.
        self.link: Link | None = link
        self.side = side
        self.max_size = max_size
        self.close_timeout = close_timeout
        self.transport: WSTransport | None = None
        # While both legs are open: the other leg's transport, and the session's judge.
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
        self.transport = transport
        link = self.link
        if link is None:  # the session was over before this connection opened
            transport.disconnect(False)
            return
        try:
            link.connected(self)
        except Exception as exc:
            link.crash(exc)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        try:
            kind = frame.msg_type
            if transport.is_close_frame_sent and kind is not _CLOSE:
                # picows closes a peer that breaks the protocol (1009 at the header of a
                # frame over the limit) but hands over what arrives until it disconnects,
                # that frame included: none of it is judged, recorded or forwarded.
                return
            if (kind is _TEXT or kind is _BINARY) and frame.fin and self.fragments is None:
                peer = self.peer
                if peer is not None and not (frame.rsv1 or frame.rsv2 or frame.rsv3):
                    data = frame.get_payload_as_memoryview()
                    verdict = self.judge(data, kind is _BINARY)  # type: ignore[misc]
                    if verdict is None:
                        peer.send(kind, data)
                    elif self.link is not None:
                        self.link.verdict(self, verdict, kind, data)
                    return
                self._held(kind, frame)
            elif kind is _CLOSE:
                if self.link is not None:
                    self.link.close_received(self, frame.get_payload_as_bytes())
            elif kind is _CONTINUATION or kind is _TEXT or kind is _BINARY:
                self._fragment(kind, frame)
            # Pings are answered by picows; pongs need nothing.
        except Exception as exc:
            if self.link is not None:
                self.link.crash(exc)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.disconnected = True
        if self.timer is not None:
            self.timer.cancel()
        link = self.link
        if link is None:
            return
        try:
            link.disconnected(self, transport)
        except Exception as exc:
            link.crash(exc)

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.link is not None:
            self.link.other(self).hold()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.link is not None:
            self.link.other(self).release()
        if self.answer_hold:
            self.answer_hold = False
            self.release()

    # --- messages --------------------------------------------------------------------

    def _held(self, kind: WSMsgType, frame: WSFrame) -> None:
        """A whole message off the fast path: reserved bits, or no session open (yet)."""
        link = self.link
        if link is None:
            return
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            link.fault(self, PROTOCOL_ERROR, "reserved bits set")
        else:
            link.early(self, kind, frame.get_payload_as_bytes())

    def _fragment(self, kind: WSMsgType, frame: WSFrame) -> None:
        link = self.link
        if link is None:
            return
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            link.fault(self, PROTOCOL_ERROR, "reserved bits set")
            return
        if kind is _CONTINUATION:
            if self.fragments is None:
                link.fault(self, PROTOCOL_ERROR, "continuation without a message")
                return
        elif self.fragments is not None:
            link.fault(self, PROTOCOL_ERROR, "new message inside a fragmented one")
            return
        else:
            self.fragments = bytearray()
            self.fragments_type = kind
        if len(self.fragments) + frame.payload_size > self.max_size:
            self.fragments = None
            link.fault(self, TOO_BIG, "message too big")
            return
        self.fragments += frame.get_payload_as_memoryview()
        if frame.fin:
            data, self.fragments = self.fragments, None
            self.deliver(self.fragments_type, data)

    def deliver(self, kind: WSMsgType, data: bytes | bytearray) -> None:
        """A whole message that did not take the fast path: judge and forward it."""
        link = self.link
        if link is None:
            return
        peer = self.peer
        if peer is None:
            link.early(self, kind, bytes(data))
            return
        verdict = self.judge(data, kind is _BINARY)  # type: ignore[misc]
        if verdict is None:
            peer.send(kind, data)
        else:
            link.verdict(self, verdict, kind, data)

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
            self.close_timeout, transport.disconnect, False
        )
