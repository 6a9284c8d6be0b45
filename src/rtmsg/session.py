"""The old home of the conversation's ``session``, kept working.

The models are declared in :mod:`rtmsg.conversation.session`.
"""

from __future__ import annotations

from .conversation.session import *  # noqa: F403  # re-exported
from .conversation.session import __all__ as __all__
