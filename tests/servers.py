"""The servers the relay, mock and command tests talk to, and how they wait for frames.

Every test runs its servers on ephemeral 127.0.0.1 ports inside :func:`run`, which gives the
scenario a deadline, so nothing outlives a test and nothing waits forever. The fixtures in
``conftest.py`` hand these context managers to the tests.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
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
