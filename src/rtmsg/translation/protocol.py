"""The translation protocol's declaration: its endpoint, registered when the package is imported."""

from __future__ import annotations

from typing import Final

from ..common.errors import error_event
from ..engine.registry import Endpoint, register
from .codec import ClientEventDecoder, ServerEventDecoder, decode_client_event, decode_server_event
from .reading import TranslationReader

__all__ = ["ENDPOINT"]

ENDPOINT: Final = register(
    Endpoint(
        protocol="translation",
        route="/realtime/translations",
        client=ClientEventDecoder,
        server=ServerEventDecoder,
        decode_client=decode_client_event,
        decode_server=decode_server_event,
        error_event=error_event,
        reader=TranslationReader,
    )
)
"""A translation session: ``/v1/realtime/translations``."""
