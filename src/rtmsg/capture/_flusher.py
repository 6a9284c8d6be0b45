"""The capture's flusher: one daemon thread per process that flushes every open writer.

Apart from :class:`~rtmsg.capture.writer.CaptureWriter`, which it knows only by its
``flush_interval``, :meth:`~Flushed.flush` and :meth:`~Flushed.close`: when a writer's
interval is up, on the beat that writers of one interval share (one wake-up an interval for
all of them), when a writer is hurried (a mebibyte waits), or to close a writer whose owner
does not wait. At exit it closes the writers still open; a forked child starts with none.
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import math
import os
import threading
import time
from typing import Final, Protocol

__all__ = ["FLUSHER", "Flushed", "Flusher"]

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


class Flusher:
    """The thread that flushes every open writer: when its interval is up, or when hurried."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._wakeup = threading.Condition()
        self._open: dict[Flushed, None] = {}
        self._due: list[tuple[float, int, Flushed]] = []
        self._hurried: dict[Flushed, None] = {}
        self._closing: dict[Flushed, None] = {}
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def open(self, writer: Flushed) -> None:
        with self._wakeup:
            self._open[writer] = None
            if writer.flush_interval:
                due = _next_beat(time.monotonic(), writer.flush_interval)
                heapq.heappush(self._due, (due, next(self._order), writer))
                self._start()
                self._wakeup.notify()

    def hurry(self, writer: Flushed) -> None:
        with self._wakeup:
            self._hurried[writer] = None
            self._start()
            self._wakeup.notify()

    def close(self, writer: Flushed) -> None:
        with self._wakeup:
            self._open.pop(writer, None)
            self._hurried.pop(writer, None)
            self._closing.pop(writer, None)

    def close_later(self, writer: Flushed) -> None:
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

    def _take_due(self) -> list[tuple[Flushed, float | None]]:
        """The writers to flush now, each once, with when it was due (``None``: hurried)."""
        now = time.monotonic()
        due: dict[Flushed, float | None] = dict.fromkeys(self._hurried)
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


FLUSHER: Final = Flusher()
"""The process's flusher."""

atexit.register(FLUSHER.close_all)
if hasattr(os, "register_at_fork"):
    # A child starts with no writers of its own: its parent's are the parent's to flush.
    os.register_at_fork(after_in_child=FLUSHER._reset)
