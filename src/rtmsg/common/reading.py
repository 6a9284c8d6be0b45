"""What the shared ``error`` event means for a session: its code, param and message."""

from __future__ import annotations

from ..engine.reading import Reading, text
from .errors import Error

__all__ = ["read_error"]


def read_error(event: Error) -> Reading:
    """The reading of an ``error`` event: the columns ``rtmsg export`` gives it."""
    error = event.error
    return Reading(
        event_id=event.event_id,
        code=text(error.code),
        param=text(error.param),
        message=error.message,
    )
