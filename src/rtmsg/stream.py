"""The old home of the JSONL stream readers, kept working: see :mod:`rtmsg.engine.stream`
(the reading) and :mod:`rtmsg.conversation.stream` (the conversation's typed readers)."""

from __future__ import annotations

from .conversation.stream import iter_client_events, iter_server_events
from .engine.stream import LineSource, StreamDecodeError

__all__ = ["LineSource", "StreamDecodeError", "iter_client_events", "iter_server_events"]
