"""The relay and the mock Realtime server: the WebSocket side of rtmsg (extra ``relay``).

This subpackage is the only part of rtmsg that imports a network library (picows on uvloop,
and websockets); the codec itself never does. Install it with ``pip install 'rtmsg[relay]'``.
"""

from __future__ import annotations

from .conversation import Conversation
from .mock import MockServer, MockSession
from .proxy import Relay

__all__ = ["Conversation", "MockServer", "MockSession", "Relay"]
