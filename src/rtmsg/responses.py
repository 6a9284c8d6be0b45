"""The old home of the conversation's ``responses``, kept working.

The models are declared in :mod:`rtmsg.conversation.responses`.
"""

from __future__ import annotations

from .conversation.responses import *  # noqa: F403  # re-exported
from .conversation.responses import __all__ as __all__
