"""The protocol registry: each protocol declares its endpoints once, and the tools look them up.

An :class:`Endpoint` is one kind of WebSocket connection of a protocol: the route its URL path
ends with, the decoder classes of its two directions (and their default instances), the
``error`` event its server answers an invalid client frame with, and the reader that says what
its events mean for a session (audio, turns, responses, usage). A protocol package declares
its endpoints and calls :func:`register` when it is imported. The relay, the mock server, the
capture readers, ``check``, ``stats`` and the export find an endpoint by the path a session was
opened on (:func:`route`) or by the names a capture record carries (:func:`endpoint`), and
never branch on a protocol's name: a new protocol is a new package and its registration.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any, Final, Literal

from .base import Event
from .decoding import DecodeFunction, EventDecoder
from .errors import DecodeError
from .limits import DEFAULT_MAX_FRAME_BYTES
from .reading import SessionReader

__all__ = [
    "Direction",
    "Endpoint",
    "Route",
    "endpoint",
    "endpoints",
    "register",
    "route",
]

Direction = Literal["client", "server"]
"""Who sent a frame: ``client`` (to the server) or ``server`` (to the client)."""

_SESSION_ID: Final = "{session_id}"
_MAX_LIMITS: Final = 8
"""Decoder pairs kept per endpoint for limits other than the default, the oldest dropped."""


@dataclasses.dataclass(frozen=True, eq=False)
class Endpoint:
    """One kind of connection of a protocol, declared once by the protocol's package.

    ``route`` is how the URL path of such a connection ends (``/realtime/translations``), so
    that it is found behind any base path (``/openai/v1/realtime/translations``); a
    ``{session_id}`` in it matches one path segment, kept as :attr:`Route.session_id`.
    ``connection`` names a protocol's secondary connections (``attach``, ``fork``); ``None``
    is its main one. ``decode_client`` and ``decode_server`` are the protocol's module-level
    decode functions, used for the default frame limit.
    """

    protocol: str
    route: str
    client: type[EventDecoder[Any]]
    server: type[EventDecoder[Any]]
    decode_client: DecodeFunction
    decode_server: DecodeFunction
    error_event: Callable[[DecodeError], Event]
    reader: Callable[[], SessionReader]
    connection: str | None = None
    _pattern: re.Pattern[str] = dataclasses.field(init=False, repr=False)
    _decoders: dict[int | None, tuple[DecodeFunction, DecodeFunction]] = dataclasses.field(
        init=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if not self.route.startswith("/") or self.route.endswith("/"):
            raise ValueError(f"a route starts with '/' and does not end with one: {self.route!r}")
        pattern = re.escape(self.route).replace(re.escape(_SESSION_ID), r"(?P<session_id>[^/]+)")
        object.__setattr__(self, "_pattern", re.compile(f"{pattern}$"))

    @property
    def name(self) -> str:
        """``protocol``, or ``protocol/connection`` for a secondary connection (``live/fork``)."""
        return self.protocol if self.connection is None else f"{self.protocol}/{self.connection}"

    def decoders(
        self, max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES
    ) -> tuple[DecodeFunction, DecodeFunction]:
        """The client and the server decode functions refusing frames over ``max_frame_bytes``.

        One decoder pair per limit, shared by every caller, so that readers with the same
        limit learn unknown types together.
        """
        if max_frame_bytes == DEFAULT_MAX_FRAME_BYTES:
            return self.decode_client, self.decode_server
        # Asked once per stream or session, not per frame: the lock costs nothing that shows.
        with _building:
            pair = self._decoders.get(max_frame_bytes)
            if pair is None:
                pair = (
                    self.client(max_frame_bytes=max_frame_bytes).decode,
                    self.server(max_frame_bytes=max_frame_bytes).decode,
                )
                if len(self._decoders) >= _MAX_LIMITS:
                    del self._decoders[next(iter(self._decoders))]
                self._decoders[max_frame_bytes] = pair
        return pair

    def decoder(
        self, direction: Direction, max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES
    ) -> DecodeFunction:
        """The decode function for frames sent by ``direction``."""
        client, server = self.decoders(max_frame_bytes)
        return client if direction == "client" else server

    def match(self, path: str) -> Route | None:
        """The :class:`Route` of a connection to ``path`` (no query) if it is one of these."""
        found = self._pattern.search(path)
        if found is None:
            return None
        return Route(self, found.groupdict().get("session_id"))


@dataclasses.dataclass(frozen=True)
class Route:
    """Where a connection goes: its endpoint, and the session id its path names, if any."""

    endpoint: Endpoint
    session_id: str | None = None


_building: Final = threading.Lock()
_endpoints: list[Endpoint] = []
_by_name: dict[tuple[str, str | None], Endpoint] = {}
_default: list[Endpoint] = []


def register(declared: Endpoint, *, default: bool = False) -> Endpoint:
    """Add an endpoint; ``default``: the endpoint of every path no route matches."""
    key = (declared.protocol, declared.connection)
    if key in _by_name:
        raise ValueError(f"endpoint {declared.name!r} is registered already")
    if default and _default:
        raise ValueError(f"the default endpoint is {_default[0].name!r} already")
    _by_name[key] = declared
    _endpoints.append(declared)
    # The longest route first: ``/realtime/translations`` before ``/realtime``.
    _endpoints.sort(key=lambda each: len(each.route), reverse=True)
    if default:
        _default.append(declared)
    return declared


def route(path: str) -> Route:
    """The endpoint of a connection opened on ``path`` (its query, if any, is ignored)."""
    route_path = urllib.parse.urlsplit(path).path.rstrip("/")
    for each in _endpoints:
        found = each.match(route_path)
        if found is not None:
            return found
    if not _default:
        raise LookupError(f"no endpoint for {route_path!r} and no default endpoint")
    return Route(_default[0])


def endpoint(protocol: str, connection: str | None = None) -> Endpoint:
    """The endpoint registered under these names; :class:`LookupError` if there is none."""
    found = _by_name.get((protocol, connection))
    if found is None:
        name = protocol if connection is None else f"{protocol}/{connection}"
        raise LookupError(f"no protocol endpoint named {name!r}")
    return found


def endpoints() -> tuple[Endpoint, ...]:
    """Every registered endpoint, in the order routes are tried (longest first)."""
    return tuple(_endpoints)
