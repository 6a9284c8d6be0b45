"""Which protocol a WebSocket session speaks, told by its request path, and its decoder types.

The SDK opens a translation session on ``<base>/realtime/translations`` and a conversation on
``<base>/realtime``; the relay and the mock server pick their decoders and answers by the path.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Final

from .. import translation
from ..capture import Protocol
from ..codec import ClientEventDecoder, ServerEventDecoder, _EventDecoder

__all__ = ["DECODER_TYPES", "TRANSLATIONS_PATH", "protocol_of"]

TRANSLATIONS_PATH: Final = "/realtime/translations"
"""How the path of a translation session ends (``/v1/realtime/translations``)."""

DECODER_TYPES: Final[dict[Protocol, tuple[type[_EventDecoder[Any]], type[_EventDecoder[Any]]]]] = {
    "conversation": (ClientEventDecoder, ServerEventDecoder),
    "translation": (translation.ClientEventDecoder, translation.ServerEventDecoder),
}
"""Each protocol's client and server decoder classes, built by the relay with its frame limit."""


def protocol_of(path: str) -> Protocol:
    """The protocol of a session opened on ``path`` (its query, if any, is ignored)."""
    route = urllib.parse.urlsplit(path).path.rstrip("/")
    return "translation" if route.endswith(TRANSLATIONS_PATH) else "conversation"
