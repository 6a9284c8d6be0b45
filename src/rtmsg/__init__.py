"""rtmsg: a fast, exact codec for the OpenAI Realtime wire protocols, built on msgspec.

The conversation protocol's names (``/v1/realtime``) are exported here; the other protocols
have namespaces of their own (:mod:`rtmsg.translation`, :mod:`rtmsg.live`), since they reuse
event names with other shapes.
"""

from __future__ import annotations

from msgspec import UNSET, UnsetType

# The modules of 0.1.1, attributes of the package as they were (``rtmsg.server_events.Error``).
from . import client_events as client_events
from . import codec as codec
from . import errors as errors
from . import items as items
from . import live, translation
from . import responses as responses
from . import server_events as server_events
from . import session as session
from . import stream as stream
from . import tools as tools
from .common.errors import build_error, error_event
from .conversation.client_events import *  # noqa: F403  # re-exported; listed in __all__ below
from .conversation.client_events import __all__ as _client_events_all
from .conversation.codec import (
    ClientEventDecoder,
    ServerEventDecoder,
    decode_client_event,
    decode_server_event,
)
from .conversation.items import *  # noqa: F403  # re-exported
from .conversation.items import __all__ as _items_all
from .conversation.responses import *  # noqa: F403  # re-exported
from .conversation.responses import __all__ as _responses_all
from .conversation.server_events import *  # noqa: F403  # re-exported
from .conversation.server_events import __all__ as _server_events_all
from .conversation.session import *  # noqa: F403  # re-exported
from .conversation.session import __all__ as _session_all
from .conversation.stream import iter_client_events, iter_server_events
from .conversation.tools import *  # noqa: F403  # re-exported
from .conversation.tools import __all__ as _tools_all
from .engine.base import Event, Model
from .engine.decoding import DEFAULT_MAX_FRAME_BYTES, Frame, Unknown, UnknownFields, encode
from .engine.errors import DecodeError, ErrorCode, SchemaError, StreamDecodeError
from .engine.stream import LineSource

__version__ = "0.1.1"

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "UNSET",
    "ClientEventDecoder",
    "DecodeError",
    "ErrorCode",
    "Event",
    "Frame",
    "LineSource",
    "Model",
    "SchemaError",
    "ServerEventDecoder",
    "StreamDecodeError",
    "Unknown",
    "UnknownFields",
    "UnsetType",
    "build_error",
    "decode_client_event",
    "decode_server_event",
    "encode",
    "error_event",
    "iter_client_events",
    "iter_server_events",
    "live",
    "translation",
    *_client_events_all,
    *_server_events_all,
    *_session_all,
    *_items_all,
    *_responses_all,
    *_tools_all,
]
