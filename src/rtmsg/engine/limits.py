"""The frame size limit: its default, how an option turns into a bound, and what breaking it says.

Separate so that the decoders, the JSONL stream reader, the capture reader, the relay and
the command line share one bound and one message for it, and so that the capture format
can use it while keeping to the standard library.
"""

from __future__ import annotations

import sys
from typing import Final

__all__ = ["DEFAULT_MAX_FRAME_BYTES", "NO_LIMIT", "check_limit", "frame_too_large"]

DEFAULT_MAX_FRAME_BYTES: Final = 16 * 1024 * 1024
"""16 MiB: the service takes audio appends of up to 15 MiB; 1 MiB is left for the JSON around it."""

NO_LIMIT: Final = sys.maxsize
"""The limit that stands for ``None``, so that the hot path is one comparison either way."""


def check_limit(max_frame_bytes: int | None) -> int:
    """The limit to compare frame and line lengths with, :data:`NO_LIMIT` for ``None``.

    The decoders use it too, so ``max_frame_bytes`` means the same everywhere.
    """
    if max_frame_bytes is None:
        return NO_LIMIT
    if max_frame_bytes < 0:
        raise ValueError("max_frame_bytes must be >= 0 or None")
    return max_frame_bytes


def frame_too_large(limit: int | None, size: int | None = None) -> str:
    """The message for a frame longer than ``max_frame_bytes=limit``.

    ``size`` is the frame's length when it was measured whole; a reader that stopped
    reading at the limit does not know it.
    """
    if size is not None:
        return f"Frame of {size} bytes exceeds max_frame_bytes={limit}"
    return f"Frame longer than max_frame_bytes={limit}"
