"""The old home of the conversation's ``items``, kept working.

The models are declared in :mod:`rtmsg.conversation.items`.
"""

from __future__ import annotations

from .conversation.items import *  # noqa: F403  # re-exported
from .conversation.items import __all__ as __all__
