"""Every protocol rtmsg speaks, registered; the tools' one door to them.

Importing this module imports each protocol package, which registers its endpoints
(:mod:`rtmsg.engine.registry`); the tools (stream, capture readers, inspection, analytics,
relay, mock) look protocols up through the functions re-exported here and import no
protocol package themselves.
"""

from __future__ import annotations

from typing import NoReturn

from . import conversation as _conversation  # noqa: F401  # registers its endpoint
from . import live as _live  # noqa: F401  # registers its three endpoints
from . import translation as _translation  # noqa: F401  # registers its endpoint
from .engine.decoding import DecodeFunction, Frame
from .engine.errors import DecodeError, ErrorCode
from .engine.limits import DEFAULT_MAX_FRAME_BYTES
from .engine.registry import Direction, Endpoint, Route, endpoint, endpoints, route

__all__ = ["Direction", "Endpoint", "RecordDecoders", "Route", "endpoint", "endpoints", "route"]


class RecordDecoders:
    """The decode function of each recorded frame, by the protocol and side its record names.

    A record naming no registered protocol gets a decoder that refuses its frame with a
    :class:`~rtmsg.DecodeError` saying so, so that readers count it invalid and go on.
    """

    def __init__(self, max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._decoders: dict[tuple[str, str | None, Direction], DecodeFunction] = {}

    def decoder(
        self, protocol: str, direction: Direction, connection: str | None = None
    ) -> DecodeFunction:
        """The decode function for a frame sent by ``direction`` in ``protocol``."""
        key = (protocol, connection, direction)
        decode = self._decoders.get(key)
        if decode is None:
            try:
                found = endpoint(protocol, connection)
            except LookupError:
                decode = _unknown_protocol(
                    protocol if connection is None else f"{protocol}/{connection}"
                )
            else:
                decode = found.decoder(direction, self.max_frame_bytes)
            self._decoders[key] = decode
        return decode


def _unknown_protocol(protocol: str) -> DecodeFunction:
    message = f"the record names a protocol rtmsg does not know: {protocol[:64]!r}"

    def refuse(frame: Frame) -> NoReturn:
        raise DecodeError(message, code=ErrorCode.INVALID_VALUE, path="$.protocol")

    return refuse
