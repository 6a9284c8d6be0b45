"""Fixtures for the tests that need servers: a mock Realtime server, and a relay in front of one.

Each fixture is the async context manager that starts them (see :mod:`servers`), to be
entered inside the test's own event loop: ``async with relay_pair(capture=path) as pair``.
Both are bound to the ``transport`` fixture, so every test that uses them runs on picows and
on websockets.
"""

from __future__ import annotations

import functools

import pytest

from rtmsg.relay.proxy import TRANSPORTS, Transport
from servers import ServeMock, ServeRelayPair, serving_mock, serving_relay_pair


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Transport:
    """Each transport of the relay and the mock in turn."""
    name: Transport = request.param
    return name


@pytest.fixture
def mock_server(transport: Transport) -> ServeMock:
    """``async with mock_server(**options) as (mock, url)``: a :class:`MockServer` listening."""
    return functools.partial(serving_mock, transport=transport)


@pytest.fixture
def relay_pair(transport: Transport) -> ServeRelayPair:
    """``async with relay_pair(capture=…, **mock_options) as pair``: a mock and a relay to it."""
    return functools.partial(serving_relay_pair, transport=transport)
