"""The old home of the conversation's ``tools``, kept working.

The models are declared in :mod:`rtmsg.conversation.tools`.
"""

from __future__ import annotations

from .conversation.tools import *  # noqa: F403  # re-exported
from .conversation.tools import __all__ as __all__
