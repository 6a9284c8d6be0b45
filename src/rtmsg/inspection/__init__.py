"""Checking and summarising recorded sessions: the logic behind ``rtmsg check`` and ``rtmsg stats``.

Two concerns, one module each: :mod:`.check` decodes every frame and reports what it found,
:mod:`.stats` summarises what each session did. Both take any iterable of capture records and
return plain Structs, so the command line only reads files and prints.
"""

from __future__ import annotations

from .check import CheckReport, InvalidFrame, check_records
from .stats import (
    FrameStats,
    LatencySummary,
    SessionsNotNumbered,
    SessionStats,
    TokenTotals,
    iter_frame_stats,
    percentile,
    session_stats,
    sessions_stats,
)

__all__ = [
    "CheckReport",
    "FrameStats",
    "InvalidFrame",
    "LatencySummary",
    "SessionStats",
    "SessionsNotNumbered",
    "TokenTotals",
    "check_records",
    "iter_frame_stats",
    "percentile",
    "session_stats",
    "sessions_stats",
]
