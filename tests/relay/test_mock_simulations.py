"""The mock's simulations: one table by endpoint name, and a server that names no protocol.

A protocol the registry knows is served by the mock once a simulation is added for its
endpoint, in :data:`rtmsg.relay.simulations.SIMULATIONS` (every new server) or in one
server's ``protocol_sessions``, and refused with HTTP 404 until then, without a change to
:mod:`rtmsg.relay.mock`.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

import rtmsg
from rtmsg.engine import registry
from rtmsg.protocols import Endpoint, endpoint, endpoints
from rtmsg.relay.mock import MockServer, MockSession, Refused, SessionFactory
from rtmsg.relay.simulations import SIMULATIONS, MockSettings
from servers import ServeMock, receiver, run

_PATH = "/v1/echo/sessions"


@pytest.fixture
def echo_endpoint(monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    """An ``echo`` protocol on ``…/echo/sessions``, registered for one test only."""
    monkeypatch.setattr(registry, "_endpoints", list(registry._endpoints))
    monkeypatch.setattr(registry, "_by_name", dict(registry._by_name))
    declared = dataclasses.replace(endpoint("translation"), protocol="echo", route="/echo/sessions")
    return registry.register(declared)


class _Echo:
    """A simulation of ``echo``: says hello, then answers each frame with the count so far."""

    closed = False

    def __init__(self, numbers: Iterator[int]) -> None:
        self.number = next(numbers)
        self.count = 0

    def start(self) -> list[rtmsg.Unknown]:
        raw = b'{"type":"echo.hello","n":%d}' % self.number
        return [rtmsg.Unknown("echo.hello", raw)]

    def receive(self, frame: bytes | str) -> list[rtmsg.Unknown]:
        self.count += 1
        return [rtmsg.Unknown("echo.count", b'{"type":"echo.count","n":%d}' % self.count)]

    def take_response(self) -> None:
        return None


def _numbers(server: MockSettings) -> Iterator[int]:
    return itertools.count(1)


def _echo_simulation(server: MockSettings) -> SessionFactory:
    # Asked for on each connection, as Live's sessions are: made once per server.
    return lambda log: _Echo(server.shared(_numbers))


def test_a_registered_endpoint_without_a_simulation_is_refused_with_404(
    echo_endpoint: Endpoint,
) -> None:
    refused = MockServer().new_session(MockSession(_PATH, {}))
    assert refused == Refused(404, "Not found: the mock simulates no 'echo' session.\n")


def test_a_simulation_added_to_one_server_serves_its_endpoint(
    mock_server: ServeMock, echo_endpoint: Endpoint
) -> None:
    async def scenario() -> list[bytes]:
        async with mock_server() as (mock, url):
            mock.protocol_sessions["echo"] = lambda log: _Echo(itertools.count(7))
            async with connect(f"{url}{_PATH}") as ws:
                recv = receiver(ws, timeout=5)
                frames = [await recv()]
                await ws.send("{}")
                return [*frames, await recv()]

    assert run(scenario) == [b'{"type":"echo.hello","n":7}', b'{"type":"echo.count","n":1}']


def test_a_simulation_in_the_table_serves_its_endpoint_on_every_new_server(
    monkeypatch: pytest.MonkeyPatch, echo_endpoint: Endpoint
) -> None:
    monkeypatch.setitem(SIMULATIONS, "echo", _echo_simulation)
    first, second = MockServer(), MockServer()
    sessions = [server.new_session(MockSession(_PATH, {})) for server in (first, first, second)]
    assert all(isinstance(session, _Echo) for session in sessions)
    # State a simulation shares is one per server: the numbers of a server's connections.
    assert [session.number for session in sessions if isinstance(session, _Echo)] == [1, 2, 1]


def test_the_table_names_registered_endpoints_only() -> None:
    assert set(SIMULATIONS) <= {each.name for each in endpoints()}
