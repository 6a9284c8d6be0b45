"""The old home of the conversation's ``server_events``, kept working.

The models are declared in :mod:`rtmsg.conversation.server_events`.
"""

from __future__ import annotations

from .conversation.server_events import *  # noqa: F403  # re-exported
from .conversation.server_events import __all__ as __all__
