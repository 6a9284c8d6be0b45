"""The upstream the relays talk to: a stand-in Realtime server that answers every request.

``python -m bench.relay.sink`` listens on 127.0.0.1 (a port the OS chooses), on picows and
uvloop so that it costs little beside the relay under test. On each connection it sends
``session.created``; to each ``input_audio_buffer.append`` it answers one
``response.output_audio.delta`` of the same audio length (its variants in turn), to each
``input_audio_buffer.clear`` an ``input_audio_buffer.cleared`` (:mod:`bench.relay.frames`);
it answers a close with the same close and drops nothing. A client that does not read its
answers is not read either until it does, so memory stays bounded. Commands on stdin:
``{"op": "mark"}`` answers the frames received and sent and the connections opened so far,
and when it counted them (``time.perf_counter()``: the system's monotonic clock, the same in
every process).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections.abc import Sequence
from typing import Any

from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

from bench.relay import frames
from bench.relay._runner import run, serve_commands

__all__ = ["Sink", "main"]


class Sink:
    """The server's state: its answers and its counters."""

    def __init__(self) -> None:
        built = frames.build()
        self.session_created = built.session_created
        self.replies = {
            kind: itertools.cycle(pool).__next__ for kind, pool in built.replies().items()
        }
        self.received = 0
        self.sent = 0
        self.connections = 0

    def listener(self, request: WSUpgradeRequest) -> WSListener:
        return _Connection(self)

    async def command(self, message: dict[str, Any]) -> dict[str, Any]:
        raise ValueError(f"unknown command {message!r}")

    def mark(self, message: dict[str, Any]) -> dict[str, Any]:
        """The counters, read on the command thread (plain ints: no lock needed)."""
        return {
            "t": time.perf_counter(),
            "received": self.received,
            "sent": self.sent,
            "connections": self.connections,
        }


class _Connection(WSListener):
    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink
        self.transport: WSTransport | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.sink.connections += 1
        transport.send(WSMsgType.TEXT, self.sink.session_created)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY or kind is WSMsgType.CONTINUATION:
            if not frame.fin:
                return
            sink = self.sink
            sink.received += 1
            reply = sink.replies.get(frames.event_type(frame.get_payload_as_bytes()))
            if reply is not None:
                transport.send(WSMsgType.TEXT, reply())
                sink.sent += 1
        elif kind is WSMsgType.CLOSE:
            if not transport.is_close_frame_sent:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    # A client that does not read its answers stops being read: memory stays bounded.
    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.underlying_transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None:
            self.transport.underlying_transport.resume_reading()


async def serve(stop: asyncio.Event) -> None:
    sink = Sink()
    server = await ws_create_server(
        sink.listener,
        "127.0.0.1",
        0,
        max_frame_size=16 << 20,
        websocket_handshake_timeout=30,
        use_aiofastnet=False,
    )
    try:
        await serve_commands(sink.command, stop, at_once=sink.mark)
    finally:
        server.close()


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m bench.relay.sink", description=__doc__).parse_args(argv)
    return run(serve)


if __name__ == "__main__":
    raise SystemExit(main())
