"""Which protocol a WebSocket session speaks, told by its request path, and its decoders.

The SDK opens a translation session on ``<base>/realtime/translations`` and a conversation on
``<base>/realtime``; the relay and the mock server pick their decoders and answers by the path.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any, Final

from .. import translation
from ..capture import Protocol
from ..codec import Frame, decode_client_event, decode_server_event

__all__ = ["DECODERS", "TRANSLATIONS_PATH", "protocol_of"]

TRANSLATIONS_PATH: Final = "/realtime/translations"
"""How the path of a translation session ends (``/v1/realtime/translations``)."""

DECODERS: Final[dict[Protocol, tuple[Callable[[Frame], Any], Callable[[Frame], Any]]]] = {
    "conversation": (decode_client_event, decode_server_event),
    "translation": (translation.decode_client_event, translation.decode_server_event),
}
"""Each protocol's client and server decode functions."""


def protocol_of(path: str) -> Protocol:
    """The protocol of a session opened on ``path`` (its query, if any, is ignored)."""
    route = urllib.parse.urlsplit(path).path.rstrip("/")
    return "translation" if route.endswith(TRANSLATIONS_PATH) else "conversation"
