"""The Live protocol's declaration: its three endpoints, registered when the package is imported.

One declaration per kind of connection, each with its decoders and its ``error`` answer; the
sideband's and the fork's routes name the running session, whose id the registry keeps.
"""

from __future__ import annotations

from typing import Final

from ..engine.registry import Endpoint, register
from .codec import (
    AttachClientEventDecoder,
    AttachServerEventDecoder,
    ClientEventDecoder,
    ForkClientEventDecoder,
    ForkServerEventDecoder,
    ServerEventDecoder,
    decode_attach_client_event,
    decode_attach_server_event,
    decode_client_event,
    decode_fork_client_event,
    decode_fork_server_event,
    decode_server_event,
    error_event,
)
from .reading import LiveReader

__all__ = ["ATTACH", "ENDPOINT", "FORK"]

ENDPOINT: Final = register(
    Endpoint(
        protocol="live",
        route="/live/sessions",
        client=ClientEventDecoder,
        server=ServerEventDecoder,
        decode_client=decode_client_event,
        decode_server=decode_server_event,
        error_event=error_event,
        reader=LiveReader,
    )
)
"""A Live session's primary connection: ``/v1/live/sessions``."""

ATTACH: Final = register(
    Endpoint(
        protocol="live",
        connection="attach",
        route="/live/sessions/{session_id}/attach",
        client=AttachClientEventDecoder,
        server=AttachServerEventDecoder,
        decode_client=decode_attach_client_event,
        decode_server=decode_attach_server_event,
        error_event=error_event,
        reader=LiveReader,
    )
)
"""A sideband attached to a running session: ``/v1/live/sessions/{session_id}/attach``."""

FORK: Final = register(
    Endpoint(
        protocol="live",
        connection="fork",
        route="/live/sessions/{session_id}/fork",
        client=ForkClientEventDecoder,
        server=ForkServerEventDecoder,
        decode_client=decode_fork_client_event,
        decode_server=decode_fork_server_event,
        error_event=error_event,
        reader=LiveReader,
    )
)
"""A fork of a stored session: ``/v1/live/sessions/{session_id}/fork``."""
