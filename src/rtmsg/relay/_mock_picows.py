"""The mock server over picows: the same sessions, records and pacing as over websockets.

picows calls back per frame: messages are reassembled here, a response stream waits while
the socket's buffer is over its high-water mark (``pause_writing``), so a client that does
not read holds the mock back, and the close handshake is answered here.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence

from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from ..engine.decoding import encode
from ._handshake import Refusal, read_request
from ._logging import picows_logger
from ._mock_base import (
    MockHost,
    MockSession,
    Refused,
    Sent,
    SessionKind,
    Shared,
    Sleep,
    select_subprotocol,
)

__all__ = ["serve_picows"]

_TEXT = WSMsgType.TEXT
_CLOSE_TIMEOUT = 5.0


@contextlib.asynccontextmanager
async def serve_picows(
    mock: MockHost, host: str | None, port: int
) -> AsyncIterator[asyncio.Server]:
    """Serve ``mock`` with picows; on exit, connections close with 1001."""
    legs: set[_Leg] = set()

    def accept(request: WSUpgradeRequest) -> WSUpgradeResponseWithListener:
        headers = list(request.headers.items())
        path = request.path.decode("latin-1")
        verdict = read_request(request.method.decode("latin-1"), path, headers)
        accepted = (
            Refused(verdict.status, verdict.text + "\n")
            if isinstance(verdict, Refusal)
            else mock.accept(path, headers)
        )
        if isinstance(accepted, Refused):
            response = WSUpgradeResponse.create_error_response(
                accepted.status, accepted.body.encode(), [("Content-Type", accepted.content_type)]
            )
            return WSUpgradeResponseWithListener(response, None)
        assert not isinstance(verdict, Refusal)
        chosen = select_subprotocol(verdict.subprotocols)
        log, session = accepted
        leg = _Leg(session, log, log if mock.record else None, legs)
        extra = [("Sec-WebSocket-Protocol", chosen)] if chosen is not None else None
        return WSUpgradeResponseWithListener(WSUpgradeResponse.create_101_response(extra), leg)

    server = await ws_create_server(
        accept,
        host,
        port,
        max_frame_size=sys.maxsize,
        logger_name=picows_logger("rtmsg.mock.picows"),
    )
    try:
        yield server
    finally:
        server.close()
        for leg in list(legs):
            leg.close(1001, "")
        deadline = time.monotonic() + _CLOSE_TIMEOUT + 1
        while legs and time.monotonic() < deadline:
            await asyncio.sleep(0.01)


class _Leg(WSListener):
    """One connection to the mock."""

    def __init__(
        self, session: SessionKind, log: MockSession, record: MockSession | None, legs: set[_Leg]
    ) -> None:
        super().__init__()
        self.session = session
        self.log = log
        self.record = record
        self.legs = legs
        self.transport: WSTransport | None = None
        self.writable = asyncio.Event()
        self.writable.set()
        self.streams: set[asyncio.Task[None]] = set()
        self.fragments: bytearray | None = None
        self.close_sent = False
        self.closed = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.legs.add(self)
        self._send(self.session.start())
        if isinstance(self.session, Shared):
            self.session.bind(self._flush)
        if self.session.closed:
            self.close(1000, "")

    def _flush(self) -> None:
        """Send what a shared session holds for this connection; close if the session ended."""
        assert isinstance(self.session, Shared)
        self._send(self.session.take_pending())
        if self.session.closed:
            self.close(1000, "")

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.CLOSE:
            payload = frame.get_payload_as_bytes()
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self.log.close_code is None:
                self.log.close_code = code
                self.log.close_reason = payload[2:].decode("utf-8", "replace")
            if not self.close_sent:
                self.close_sent = True
                transport.send_close(WSCloseCode(code if code != 1005 else 1000))
            transport.disconnect()
            return
        if kind not in (WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION):
            return
        if self.fragments is None:
            self.fragments = bytearray()
        self.fragments += frame.get_payload_as_memoryview()
        if frame.fin:
            data, self.fragments = bytes(self.fragments), None
            self._receive(data)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.closed = True
        self.writable.set()
        for task in self.streams:
            task.cancel()
        self.legs.discard(self)
        if isinstance(self.session, Shared):
            self.session.disconnected()
        if self.log.close_code is None:
            self.log.close_code = 1006
            self.log.close_reason = ""

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def close(self, code: int, reason: str) -> None:
        transport = self.transport
        if transport is None or self.close_sent or self.closed:
            return
        self.close_sent = True
        transport.send_close(WSCloseCode(code), reason.encode())
        asyncio.get_running_loop().call_later(_CLOSE_TIMEOUT, transport.disconnect, False)

    def _receive(self, frame: bytes) -> None:
        if self.record is not None:
            self.record.received.append(frame)
        self._send(self.session.receive(frame))
        if self.session.closed:
            self.close(1000, "")
            return
        stream = self.session.take_response()
        if stream is not None:
            task = asyncio.ensure_future(self._play(stream))
            self.streams.add(task)
            task.add_done_callback(self.streams.discard)

    def _send(self, events: Sequence[Sent]) -> None:
        transport = self.transport
        if transport is None or self.close_sent or self.closed:
            return
        for event in events:
            data = encode(event)
            if self.record is not None:
                self.record.sent.append(data)
            transport.send(_TEXT, data)

    async def _play(self, stream: Iterator[Sent | Sleep]) -> None:
        for step in stream:
            if self.closed or self.close_sent:
                return
            if isinstance(step, Sleep):
                await asyncio.sleep(step.seconds)
            else:
                await self.writable.wait()
                self._send((step,))
