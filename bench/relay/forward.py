"""Minimal relays, the floors the benchmark holds ``rtmsg relay`` to: forward, nothing else.

``python -m bench.relay.forward --transport picows|websockets --upstream ws://HOST:PORT``
listens on 127.0.0.1 (``--listen``, port 0 by default: the OS chooses) and, for each client
connection, opens one to the upstream with the client's path and query and forwards every
message both ways, unchanged and in order, and the close code. With ``--decode`` it also
decodes every message with rtmsg on the way (client frames as client events, server frames
as server events) and forwards it whatever the outcome: the cost of the codec alone, without
the rest of a relay. Nothing else: no header or subprotocol forwarding, no capture, no
logging, no metrics.

- ``picows``: on uvloop, with uvloop's own TCP transport as ``rtmsg relay`` uses it (not the
  ``aiofastnet`` one picows picks by default, which costs more per connection); frames are
  forwarded as they come (fragments as fragments), and each leg's
  ``pause_writing``/``resume_writing`` pauses and resumes reading on the other leg, so a slow
  reader pushes back on the sender instead of filling memory.
- ``websockets``: the asyncio API of websockets, as ``rtmsg relay`` has used it: one pump a
  direction awaiting each send, ``max_queue`` 32, no compression; on asyncio's own event
  loop unless ``--loop uvloop``.

Bench-only: these are not relays to deploy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any, Final

from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    ws_connect,
    ws_create_server,
)

import rtmsg
from bench.relay._runner import run

__all__ = ["main"]

MAX_FRAME: Final = 16 << 20
Decode = Callable[[bytes], object] | None


def _decoder(decode: Callable[[Any], object]) -> Callable[[bytes], object]:
    def checked(message: bytes) -> object:
        try:
            return decode(message)
        except rtmsg.DecodeError:
            return None

    return checked


# --- picows ------------------------------------------------------------------------------


class _Leg(WSListener):
    """One side of a picows session; ``peer`` is the other side's leg."""

    def __init__(self, decode: Decode) -> None:
        super().__init__()
        self.decode = decode
        self.transport: WSTransport | None = None
        self.peer: _Leg | None = None
        self.pending: list[tuple[WSMsgType, bytes, bool]] | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        peer = self.peer.transport if self.peer is not None else None
        if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY or kind is WSMsgType.CONTINUATION:
            if self.decode is not None and frame.fin and kind is not WSMsgType.CONTINUATION:
                self.decode(frame.get_payload_as_bytes())
            if peer is None:
                if self.pending is not None:
                    self.pending.append((kind, frame.get_payload_as_bytes(), frame.fin))
                return
            peer.send(kind, frame.get_payload_as_memoryview(), frame.fin)
        elif kind is WSMsgType.CLOSE:
            code, reason = frame.get_close_code(), frame.get_close_message()
            if peer is not None and not peer.is_close_frame_sent:
                peer.send_close(code, reason)
            if not transport.is_close_frame_sent:
                transport.send_close(code, reason)
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        peer = self.peer.transport if self.peer is not None else None
        if peer is not None and not peer.is_disconnected:
            if not peer.is_close_frame_sent:
                peer.send_close(WSCloseCode.GOING_AWAY)
            peer.disconnect()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.underlying_transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.underlying_transport.resume_reading()


class _ClientLeg(_Leg):
    def __init__(self, upstream: str, request: WSUpgradeRequest, decode: Decode, up: Decode):
        super().__init__(decode)
        self.url = upstream + request.path.decode("latin-1")
        self.upstream_decode = up
        self.pending = []

    def on_ws_connected(self, transport: WSTransport) -> None:
        super().on_ws_connected(transport)
        asyncio.get_running_loop().create_task(self._open_upstream(transport))

    async def _open_upstream(self, transport: WSTransport) -> None:
        upstream = _Leg(self.upstream_decode)
        upstream.peer = self
        try:
            await ws_connect(
                lambda: upstream, self.url, max_frame_size=MAX_FRAME, use_aiofastnet=False
            )
        except Exception:  # refused, unreachable, timed out: the client learns it by 1014
            transport.send_close(WSCloseCode.BAD_GATEWAY)
            transport.disconnect()
            return
        if transport.is_disconnected:
            assert upstream.transport is not None
            upstream.transport.send_close(WSCloseCode.GOING_AWAY)
            upstream.transport.disconnect()
            return
        self.peer = upstream
        assert upstream.transport is not None
        for kind, payload, fin in self.pending or ():
            upstream.transport.send(kind, payload, fin)
        self.pending = None


async def _serve_picows(upstream: str, port: int, decode: bool, stop: asyncio.Event) -> None:
    client = _decoder(rtmsg.decode_client_event) if decode else None
    server = _decoder(rtmsg.decode_server_event) if decode else None

    def listener(request: WSUpgradeRequest) -> WSListener:
        return _ClientLeg(upstream, request, client, server)

    running = await ws_create_server(
        listener, "127.0.0.1", port, max_frame_size=MAX_FRAME, use_aiofastnet=False
    )
    try:
        await stop.wait()
    finally:
        running.close()


# --- websockets --------------------------------------------------------------------------


async def _serve_websockets(upstream: str, port: int, decode: bool, stop: asyncio.Event) -> None:
    from websockets.asyncio.client import connect
    from websockets.asyncio.connection import Connection
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    client = _decoder(rtmsg.decode_client_event) if decode else None
    server = _decoder(rtmsg.decode_server_event) if decode else None

    async def pump(source: Connection, sink: Connection, check: Decode) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in source:
                if check is not None:
                    check(message if isinstance(message, bytes) else message.encode())
                await sink.send(message)
        code = source.close_code
        await sink.close(code if code is not None and code not in (1005, 1006) else 1000)

    async def handle(connection: ServerConnection) -> None:
        assert connection.request is not None
        url = upstream + connection.request.path
        async with connect(url, compression=None, max_size=MAX_FRAME) as up:
            await asyncio.gather(pump(connection, up, client), pump(up, connection, server))

    async with serve(handle, "127.0.0.1", port, compression=None, max_size=MAX_FRAME):
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relay.forward", description=__doc__)
    parser.add_argument("--transport", choices=("picows", "websockets"), required=True)
    parser.add_argument("--upstream", required=True, metavar="URL", help="ws://HOST:PORT")
    parser.add_argument("--port", type=int, default=0, help="on 127.0.0.1 (0: the OS chooses)")
    parser.add_argument("--decode", action="store_true", help="decode every message with rtmsg")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default=None)
    args = parser.parse_args(argv)
    upstream = args.upstream.rstrip("/")
    if args.transport == "picows":
        if args.loop == "asyncio":
            parser.error("the picows relay runs on uvloop")

        async def picows_main(stop: asyncio.Event) -> None:
            await _serve_picows(upstream, args.port, args.decode, stop)

        return run(picows_main)

    async def websockets_main(stop: asyncio.Event) -> None:
        await _serve_websockets(upstream, args.port, args.decode, stop)

    return run(websockets_main, loop=args.loop or "asyncio")


if __name__ == "__main__":
    raise SystemExit(main())
