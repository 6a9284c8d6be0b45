"""The servers the relay, mock and command tests talk to, and how they wait for frames.

Every test runs its servers on ephemeral 127.0.0.1 ports inside :func:`run`, which gives the
scenario a deadline, so nothing outlives a test and nothing waits forever. The fixtures in
``conftest.py`` hand these context managers to the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from websockets.asyncio.client import ClientConnection, connect

import rtmsg
from rtmsg.relay import MockServer, Relay
from rtmsg.relay.proxy import Transport

DEADLINE_S = 30.0

T = TypeVar("T")


def run(scenario: Callable[[], Coroutine[Any, Any, T]], timeout: float = DEADLINE_S) -> T:
    """Run ``scenario()`` in a new event loop, failing it after ``timeout`` seconds."""

    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), timeout)

    return asyncio.run(bounded())


def port_of(server: Any) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


def free_port() -> int:
    """A port nothing listens on now, for a server started by a command."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving_mock(**options: Any) -> AsyncIterator[tuple[MockServer, str]]:
    """A mock server with ``options`` (``transport`` too); yields it and its ``ws://`` URL."""
    mock = MockServer(**options)
    async with mock.serve("127.0.0.1", 0) as server:
        yield mock, f"ws://127.0.0.1:{port_of(server)}"


ServeMock = Callable[..., AbstractAsyncContextManager[tuple[MockServer, str]]]
"""The type of :func:`serving_mock`, the ``mock_server`` fixture."""


class RelayPair(NamedTuple):
    """A recording mock and a relay in front of it, with their base URLs, and the relay."""

    mock: MockServer
    mock_url: str
    relay_url: str
    relay: Relay


@asynccontextmanager
async def serving_relay_pair(
    *,
    capture: Path | None = None,
    forward_invalid: bool = False,
    transport: Transport = "picows",
    relay_options: dict[str, Any] | None = None,
    **mock_options: Any,
) -> AsyncIterator[RelayPair]:
    """A recording mock with ``mock_options`` and a relay to it, capturing to ``capture``;
    both on ``transport``, the relay built with ``relay_options`` too."""
    async with serving_mock(record=True, transport=transport, **mock_options) as (mock, url):
        path = None if capture is None else str(capture)
        relay = Relay(
            url,
            capture=path,
            forward_invalid=forward_invalid,
            transport=transport,
            **(relay_options or {}),
        )
        try:
            async with relay.serve("127.0.0.1", 0) as relay_server:
                relay_url = f"ws://127.0.0.1:{port_of(relay_server)}"
                yield RelayPair(mock, url, relay_url, relay)
        finally:
            relay.close()


ServeRelayPair = Callable[..., AbstractAsyncContextManager[RelayPair]]
"""The type of :func:`serving_relay_pair`, the ``relay_pair`` fixture."""


def receiver(ws: ClientConnection, timeout: float | None = None) -> Callable[[], Awaitable[bytes]]:
    """Receives the next frame of ``ws`` as bytes (within ``timeout`` seconds, if given)."""

    async def recv() -> bytes:
        frame = await asyncio.wait_for(ws.recv(decode=False), timeout)
        assert isinstance(frame, bytes)
        return frame

    return recv


async def recv_until(
    recv: Callable[[], Awaitable[bytes]],
    last_type: str,
    decode: Callable[[bytes], rtmsg.Event | rtmsg.Unknown] = rtmsg.decode_server_event,
) -> list[bytes]:
    """The frames received up to and including the first of type ``last_type``.

    Each is decoded as a server event on the way (by ``decode``, the conversation's server
    decoder unless given): an invalid one raises.
    """
    frames = []
    while True:
        frame = await recv()
        frames.append(frame)
        if decode(frame).event_type == last_type:
            return frames


async def until_still(count: Callable[[], int]) -> tuple[int, int]:
    """Wait until ``count()`` stops moving between two looks half a second apart (for at most
    twenty seconds: a loaded machine gets there later); the last two counts it saw."""
    before, now = -1, count()
    for _ in range(40):
        await asyncio.sleep(0.5)
        before, now = now, count()
        if before == now:
            break
    return before, now


async def first_frame(url: str, deadline: float) -> bytes:
    """The first frame of a session at ``url``, retrying until a server listens there."""
    while True:
        try:
            async with connect(url, open_timeout=2) as ws:
                return await receiver(ws)()
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


# --- the commands as processes -------------------------------------------------------


class Process:
    """``rtmsg ARGS...`` running in a subprocess, its stderr in a file; see :func:`started`."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.args = args
        self.log = log
        self._stderr = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rtmsg", *args],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        self.port = 0

    def text(self) -> str:
        """Everything the process logged so far."""
        return self.log.read_text("utf-8", "replace")

    def wait_banner(self, timeout: float = 15.0) -> int:
        """The port from the ``listening on ws://HOST:PORT`` banner, once it is printed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"listening on ws://(\[[^\]]+\]|[^:/]+):(\d+)", self.text())
            if match:
                self.port = int(match.group(2))
                return self.port
            if self.proc.poll() is not None:
                raise AssertionError(f"rtmsg {self.args[0]} exited: {self.text()}")
            time.sleep(0.02)
        raise AssertionError(f"no banner from rtmsg {self.args[0]}: {self.text()}")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self) -> int:
        """End the process (SIGKILL after 10 s of SIGTERM) and return its exit status."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGCONT)  # a test may have stopped it
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._stderr.close()
        return self.proc.returncode


@contextlib.contextmanager
def started(args: list[str], log: Path) -> Iterator[Process]:
    """``rtmsg ARGS...`` (listening on port 0) started, its banner read; stopped on exit."""
    process = Process(args, log)
    try:
        process.wait_banner()
        yield process
    finally:
        process.stop()


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """A plain ``GET path`` to 127.0.0.1:PORT: the status and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return read_response(sock)


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """The status and body of the HTTP response on ``sock`` (read until it closes)."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        if sep and length and len(body) >= int(length.group(1)):
            break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def upgrade_request(path: str = "/v1/realtime", **headers: str) -> bytes:
    """A valid WebSocket upgrade request for ``path``, with ``headers`` added (``_`` is ``-``)."""
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def established(port: int) -> int:
    """How many TCP connections to 127.0.0.1:PORT are established (from /proc/net/tcp)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01":
                    count += 1
    return count
