"""The conversation protocol (``/v1/realtime``): its events, models, decoders and declaration.

Everything here is also exported by :mod:`rtmsg` itself, where most users import it from
(``rtmsg.SessionUpdate``, ``rtmsg.decode_client_event``): the conversation is the protocol
rtmsg started with, and its names stay at the top level.
"""

from __future__ import annotations

from ..common.errors import build_error, error_event
from . import protocol as _protocol  # noqa: F401  # registers the endpoint
from .client_events import *  # noqa: F403  # re-exported; the names are listed in __all__ below
from .client_events import __all__ as _client_events_all
from .codec import ClientEventDecoder, ServerEventDecoder, decode_client_event, decode_server_event
from .items import *  # noqa: F403  # re-exported
from .items import __all__ as _items_all
from .responses import *  # noqa: F403  # re-exported
from .responses import __all__ as _responses_all
from .server_events import *  # noqa: F403  # re-exported
from .server_events import __all__ as _server_events_all
from .session import *  # noqa: F403  # re-exported
from .session import __all__ as _session_all
from .stream import iter_client_events, iter_server_events
from .tools import *  # noqa: F403  # re-exported
from .tools import __all__ as _tools_all

__all__ = [
    "ClientEventDecoder",
    "ServerEventDecoder",
    "build_error",
    "decode_client_event",
    "decode_server_event",
    "error_event",
    "iter_client_events",
    "iter_server_events",
    *_client_events_all,
    *_server_events_all,
    *_session_all,
    *_items_all,
    *_responses_all,
    *_tools_all,
]
