"""The old home of the conversation's ``client_events``, kept working.

The models are declared in :mod:`rtmsg.conversation.client_events`.
"""

from __future__ import annotations

from .conversation.client_events import *  # noqa: F403  # re-exported
from .conversation.client_events import __all__ as __all__
