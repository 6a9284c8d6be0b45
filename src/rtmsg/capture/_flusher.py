"""The capture's flusher: one daemon thread per process that flushes every open writer.

It flushes a writer when its interval is up, on the beat that writers of one interval share
(one wake-up an interval for all of them), or sooner when the writer is hurried (a mebibyte
waits), and closes a writer whose owner does not wait. It is apart from
:class:`~rtmsg.capture.writer.CaptureWriter`, which it knows only as :class:`Flushed`: an
interval, ``flush()`` and ``close()``. :mod:`.writer` makes the process's one flusher, which
closes the writers still open at exit and starts with none in a forked child.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from typing import Final, Generic, Protocol, TypeVar

__all__ = ["Flushed", "Flusher"]

_EARLY_S: Final = 0.01
"""How early the flusher may flush a writer, to flush several on one wake-up."""


class Flushed(Protocol):
    """A writer as the flusher sees it."""

    @property
    def flush_interval(self) -> float:
        """Seconds between two flushes; ``0``: only when hurried."""
        ...

    def flush(self) -> None:
        """Write what waits."""
        ...

    def close(self) -> None:
        """Write what waits and close the file."""
        ...


_W = TypeVar("_W", bound=Flushed)


class Flusher(Generic[_W]):
    """The thread that flushes every open writer: when its interval is up, or when hurried."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._wakeup = threading.Condition()
        self._open: dict[_W, None] = {}
        self._due: list[tuple[float, int, _W]] = []
        self._hurried: dict[_W, None] = {}
        self._closing: dict[_W, None] = {}
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def open(self, writer: _W) -> None:
        with self._wakeup:
            self._open[writer] = None
            if writer.flush_interval:
                due = _next_beat(time.monotonic(), writer.flush_interval)
                heapq.heappush(self._due, (due, next(self._order), writer))
                self._start()
                self._wakeup.notify()

    def hurry(self, writer: _W) -> None:
        with self._wakeup:
            self._hurried[writer] = None
            self._start()
            self._wakeup.notify()

    def close(self, writer: _W) -> None:
        with self._wakeup:
            self._open.pop(writer, None)
            self._hurried.pop(writer, None)
            self._closing.pop(writer, None)

    def close_later(self, writer: _W) -> None:
        with self._wakeup:
            self._closing[writer] = None
            self._start()
            self._wakeup.notify()

    def close_all(self) -> None:
        with self._wakeup:
            writers = list(self._open)
        for writer in writers:
            writer.close()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="rtmsg-capture", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                due = self._take_due()
                while not due and not self._closing:
                    timeout = self._due[0][0] - time.monotonic() if self._due else None
                    self._wakeup.wait(timeout)
                    due = self._take_due()
                closing = list(self._closing)
            for writer in closing:
                writer.close()
            for writer, _ in due:
                writer.flush()
            with self._wakeup:
                for writer, at in due:
                    if at is not None and writer in self._open:
                        # On the next beat; the one after now if it fell behind.
                        at += writer.flush_interval
                        now = time.monotonic()
                        if at < now:
                            at = _next_beat(now, writer.flush_interval)
                        heapq.heappush(self._due, (at, next(self._order), writer))

    def _take_due(self) -> list[tuple[_W, float | None]]:
        """The writers to flush now, each once, with when it was due (``None``: hurried)."""
        now = time.monotonic()
        due: dict[_W, float | None] = dict.fromkeys(self._hurried)
        self._hurried.clear()
        while self._due and self._due[0][0] <= now + _EARLY_S:
            at, _, writer = heapq.heappop(self._due)
            due[writer] = at
        return list(due.items())


def _next_beat(now: float, interval: float) -> float:
    """The next multiple of ``interval`` after ``now``.

    Writers of one interval share their beats, so the flusher wakes once an interval for
    all of them, not once for each.
    """
    return (math.floor(now / interval) + 1) * interval
