"""rtmsg: a fast, exact codec for the OpenAI Realtime wire protocol, built on msgspec."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from . import live, translation
from ._base import Event, Model
from .client_events import *  # noqa: F403  # re-exported; the names are listed in __all__ below
from .client_events import __all__ as _client_events_all
from .codec import (
    DEFAULT_MAX_FRAME_BYTES,
    ClientEventDecoder,
    DecodeError,
    Frame,
    ServerEventDecoder,
    Unknown,
    UnknownFields,
    decode_client_event,
    decode_server_event,
    encode,
)
from .errors import ErrorCode, SchemaError, StreamDecodeError, build_error, error_event
from .items import *  # noqa: F403  # re-exported
from .items import __all__ as _items_all
from .responses import *  # noqa: F403  # re-exported
from .responses import __all__ as _responses_all
from .server_events import *  # noqa: F403  # re-exported
from .server_events import __all__ as _server_events_all
from .session import *  # noqa: F403  # re-exported
from .session import __all__ as _session_all
from .stream import LineSource, iter_client_events, iter_server_events
from .tools import *  # noqa: F403  # re-exported
from .tools import __all__ as _tools_all

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
