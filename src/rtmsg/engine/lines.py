"""Reading lines of bounded length from a binary reader, for the stream and capture readers.

Separate so that both readers share one definition of a line, and so that
:mod:`rtmsg.capture` keeps to the standard library (the limit itself comes from
:mod:`.limits`). A line is read with ``readline(limit + 2)``: a line longer than the
limit is never held whole, whatever the size of the file; the rest of it is read and
dropped in buffer-sized pieces.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Final, Protocol

from .limits import NO_LIMIT

__all__ = ["LineReader", "content_length", "lines", "skip_rest"]

_SKIP_SIZE: Final = 1 << 16


class LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def lines(reader: LineReader, limit: int) -> Iterator[bytes]:
    """The lines of ``reader`` with their line ends, each cut after ``limit + 2`` bytes.

    The two bytes are room for a ``\\r\\n``: a line whose content fits the limit always comes
    whole. A longer one comes cut, and :func:`skip_rest` drops the rest of it.
    """
    size = -1 if limit >= NO_LIMIT else limit + 2
    # ``iter`` over a partial keeps the loop in C, as iterating the file itself would.
    return iter(functools.partial(reader.readline, size), b"")


def content_length(line: bytes) -> int:
    """The length of ``line`` without its line end; a cut line counts all of its bytes."""
    if line.endswith(b"\r\n"):
        return len(line) - 2
    if line.endswith(b"\n"):
        return len(line) - 1
    return len(line)


def skip_rest(reader: LineReader, line: bytes) -> None:
    """Read and drop what is left of ``line`` up to its line end, a buffer at a time."""
    while not line.endswith(b"\n"):
        line = reader.readline(_SKIP_SIZE)
        if not line:
            return
