"""WebSocket peers written at the socket level, for what a WebSocket library will not do.

A library closes properly: it sends a close frame with a status before it shuts TCP. The
relay must also cope with peers that do not: one that drops its TCP connection without a
close frame (a crash, a cut network), one whose close frame has no status. These peers
speak just enough of RFC 6455 for that: the opening handshake, unfragmented frames, and a
close of any shape. Server frames go out unmasked, client frames masked, as the RFC says.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Final

__all__ = [
    "CLOSE",
    "NO_CLOSE_FRAME",
    "TEXT",
    "RawPeer",
    "RecordingUpstream",
    "close_payload",
    "connect_raw",
    "serve_raw",
]

TEXT: Final = 0x1
CLOSE: Final = 0x8
_PING: Final = 0x9
_PONG: Final = 0xA
_GUID: Final = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

NO_CLOSE_FRAME: Final = "no close frame"
"""What :meth:`RawPeer.wait_close` returns when TCP ended without a close frame."""


def _accept(key: bytes) -> str:
    return base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()


def _masked(payload: bytes, key: bytes) -> bytes:
    """``payload`` XOR the repeated 4-byte ``key`` (masking and unmasking are the same)."""
    size = len(payload)
    stream = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(size, "big")


def close_payload(code: int | None = None, reason: str = "") -> bytes:
    """A close frame's payload; ``None``: no status at all (an empty payload)."""
    return b"" if code is None else struct.pack("!H", code) + reason.encode()


class RawPeer:
    """One end of a WebSocket connection, frame by frame; ``masks`` on the client's end."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, masks: bool
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.masks = masks
        self.path = ""

    async def send(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        mask_bit = 0x80 if self.masks else 0
        if size < 126:
            header = bytes([0x80 | opcode, mask_bit | size])
        elif size < 1 << 16:
            header = bytes([0x80 | opcode, mask_bit | 126]) + struct.pack("!H", size)
        else:
            header = bytes([0x80 | opcode, mask_bit | 127]) + struct.pack("!Q", size)
        if self.masks:
            key = os.urandom(4)
            header += key
            payload = _masked(payload, key)
        self.writer.write(header + payload)
        await self.writer.drain()

    async def send_text(self, text: str | bytes) -> None:
        await self.send(TEXT, text.encode() if isinstance(text, str) else text)

    async def send_close(self, code: int | None = None, reason: str = "") -> None:
        await self.send(CLOSE, close_payload(code, reason))

    async def recv(self) -> tuple[int, bytes]:
        """The next data or close frame as ``(opcode, payload)``; pings are answered."""
        while True:
            first, second = await self.reader.readexactly(2)
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
            key = await self.reader.readexactly(4) if second & 0x80 else None
            payload = await self.reader.readexactly(size)
            if key is not None:
                payload = _masked(payload, key)
            opcode = first & 0x0F
            if opcode == _PING:
                await self.send(_PONG, payload)
            elif opcode != _PONG:
                return opcode, payload

    async def recv_text(self) -> bytes:
        opcode, payload = await self.recv()
        assert opcode == TEXT, f"expected a text frame, got opcode {opcode}: {payload!r}"
        return payload

    async def wait_close(self, *, answer: bool = True) -> tuple[int | None, str] | str:
        """The peer's close as ``(code, reason)`` (``None``: no status), answered in kind.

        Data frames before it are skipped; :data:`NO_CLOSE_FRAME` if TCP ends first. With
        ``answer=False`` (this end closed first: the frame is the answer) nothing is sent.
        """
        try:
            while True:
                opcode, payload = await self.recv()
                if opcode == CLOSE:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            return NO_CLOSE_FRAME
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        if answer:
            with suppress(ConnectionError):
                await self.send(CLOSE, payload[:2])
        return code, payload[2:].decode()

    def drop(self, *, reset: bool) -> None:
        """End TCP without a close frame: with a reset (RST), or a plain shutdown (FIN)."""
        if reset:
            self.writer.transport.abort()
        else:
            self.writer.close()

    async def finish(self) -> None:
        """Shut TCP down, once the closing handshake is done (or was never started)."""
        self.writer.close()
        with suppress(ConnectionError):
            await self.writer.wait_closed()


async def _read_head(reader: asyncio.StreamReader) -> list[bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    return head[:-4].split(b"\r\n")


def _header(lines: list[bytes], name: bytes) -> bytes | None:
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


@asynccontextmanager
async def serve_raw(
    session: Callable[[RawPeer], Awaitable[None]],
) -> AsyncIterator[str]:
    """A WebSocket server on 127.0.0.1 running ``session`` for each connection; yields its URL.

    The handshake accepts any path (in :attr:`RawPeer.path`) and no subprotocol or extension.
    """
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        peer = RawPeer(reader, writer, masks=False)
        try:
            lines = await _read_head(reader)
            peer.path = lines[0].split(b" ")[1].decode()
            key = _header(lines, b"sec-websocket-key")
            assert key is not None, lines
            writer.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                + _accept(key).encode()
                + b"\r\n\r\n"
            )
            await writer.drain()
            await session(peer)
        finally:
            writer.close()
            tasks.discard(task)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def connect_raw(url: str, path: str = "/v1/realtime") -> RawPeer:
    """A client connection to ``url`` (``ws://host:port``) at ``path``, handshake done."""
    host, _, port = url.removeprefix("ws://").rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16))
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n".encode()
        + b"Sec-WebSocket-Key: "
        + key
        + b"\r\n\r\n"
    )
    await writer.drain()
    lines = await _read_head(reader)
    assert lines[0].split(b" ")[1] == b"101", lines[0]
    assert _header(lines, b"sec-websocket-accept") == _accept(key).encode()
    peer = RawPeer(reader, writer, masks=True)
    peer.path = path
    return peer


class RecordingUpstream:
    """A server session (for :func:`serve_raw`) that sends ``greeting``, then keeps every
    frame it receives in :attr:`received` until the other end closes; a frame that is a key
    of ``answers`` is answered with its value."""

    def __init__(self, greeting: bytes, answers: dict[bytes, bytes] | None = None) -> None:
        self.greeting = greeting
        self.answers = answers or {}
        self.received: list[bytes] = []

    async def __call__(self, peer: RawPeer) -> None:
        await peer.send_text(self.greeting)
        while True:
            opcode, payload = await peer.recv()
            if opcode == CLOSE:
                await peer.send(CLOSE, payload[:2])
                await peer.finish()
                return
            self.received.append(payload)
            if payload in self.answers:
                await peer.send_text(self.answers[payload])

    async def wait_for(self, count: int, timeout: float) -> list[bytes]:
        """:attr:`received`, once it holds ``count`` frames or after ``timeout`` seconds."""
        for _ in range(int(timeout * 100)):
            if len(self.received) >= count:
                break
            await asyncio.sleep(0.01)
        return self.received
