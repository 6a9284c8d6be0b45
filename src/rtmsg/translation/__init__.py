"""The Realtime translation protocol (``/v1/realtime/translations``): events and decoders.

A translation session streams speech in and translated speech and transcripts
out. Its events reuse names of the conversation protocol (``session.update``,
``session.created``) with other bodies, so they live in this namespace, named by
the same rule, with decoders and enums of the same names as the top level's::

    from rtmsg import translation

    event = translation.decode_server_event(frame)
    if isinstance(event, translation.SessionOutputAudioDelta):
        play(event.pcm())
    data = rtmsg.encode(translation.SessionClose())
"""

from __future__ import annotations

from . import protocol as _protocol  # noqa: F401  # registers the endpoint
from .codec import (
    ClientEventDecoder,
    ServerEventDecoder,
    decode_client_event,
    decode_server_event,
)
from .events import *  # noqa: F403  # re-exported; the names are listed in __all__ below
from .events import __all__ as _events_all
from .session import *  # noqa: F403  # re-exported
from .session import __all__ as _session_all

__all__ = [
    "ClientEventDecoder",
    "ServerEventDecoder",
    "decode_client_event",
    "decode_server_event",
    *_events_all,
    *_session_all,
]
