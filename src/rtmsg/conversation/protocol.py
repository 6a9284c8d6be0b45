"""The conversation protocol's declaration: its endpoint, registered when the package is imported.

It is the default endpoint: a connection on any path no other protocol claims is a
conversation, as the service's ``/v1/realtime`` and every base URL in front of it are.
"""

from __future__ import annotations

from typing import Final

from ..common.errors import error_event
from ..engine.registry import Endpoint, register
from .codec import ClientEventDecoder, ServerEventDecoder, decode_client_event, decode_server_event
from .reading import ConversationReader

__all__ = ["ENDPOINT"]

ENDPOINT: Final = register(
    Endpoint(
        protocol="conversation",
        route="/realtime",
        client=ClientEventDecoder,
        server=ServerEventDecoder,
        decode_client=decode_client_event,
        decode_server=decode_server_event,
        error_event=error_event,
        reader=ConversationReader,
    ),
    default=True,
)
"""A conversation: ``/v1/realtime``."""
