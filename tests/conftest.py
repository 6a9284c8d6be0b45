"""Fixtures for the tests that need servers: a mock Realtime server, and a relay in front of one.

Each fixture is the async context manager that starts them (see :mod:`servers`), to be
entered inside the test's own event loop: ``async with relay_pair(capture=path) as pair``.
"""

from __future__ import annotations

import pytest

from servers import ServeMock, ServeRelayPair, serving_mock, serving_relay_pair


@pytest.fixture
def mock_server() -> ServeMock:
    """``async with mock_server(**options) as (mock, url)``: a :class:`MockServer` listening."""
    return serving_mock


@pytest.fixture
def relay_pair() -> ServeRelayPair:
    """``async with relay_pair(capture=…, **mock_options) as pair``: a mock and a relay to it."""
    return serving_relay_pair
