"""The Live protocol (``/v1/live/sessions``, and ``…/{id}/attach`` and ``…/{id}/fork``).

A Live session (models ``gpt-live-1``, ``gpt-live-1.1``) streams audio both ways
with transcripts, appends context, delegates tasks to the application, to a
Responses backend or to Decisions, and reports usage. Its events reuse names of
the other protocols (``session.update``, ``error``) with other bodies, so they
live in this namespace, named by the same rule, with decoders for each kind of
connection and direction::

    from rtmsg import live

    event = live.decode_server_event(frame)  # a primary connection's server frame
    match event:
        case live.SessionOutputAudioDelta():
            play(event.pcm())
        case live.ResponseEvent():
            nested = event.nested()  # the Responses event inside, typed on demand
    data = rtmsg.encode(live.SessionClose())

A sideband's frames go to :func:`decode_attach_client_event` and
:func:`decode_attach_server_event`, a fork's to :func:`decode_fork_client_event`
and :func:`decode_fork_server_event`. :mod:`rtmsg.live.responses` holds the
nested Responses events.
"""

from __future__ import annotations

from . import protocol as _protocol  # noqa: F401  # registers the three endpoints
from . import responses
from .codec import *  # noqa: F403  # re-exported; the names are listed in __all__ below
from .codec import __all__ as _codec_all
from .events import *  # noqa: F403  # re-exported
from .events import __all__ as _events_all
from .items import *  # noqa: F403  # re-exported
from .items import __all__ as _items_all
from .session import *  # noqa: F403  # re-exported
from .session import __all__ as _session_all

__all__ = [
    "responses",
    *_codec_all,
    *_events_all,
    *_items_all,
    *_session_all,
]
