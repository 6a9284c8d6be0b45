"""Writing captures from a relay's event loop: a cheap write, a flusher thread, a bounded loss.

:meth:`CaptureWriter.write` runs on the caller's thread for every frame, so it only encodes
the record (its envelope is built once per kind of record) and appends it to a list: no
system call, no compression. One daemon thread per process, the flusher, takes each writer's
pending records every ``flush_interval`` seconds (sooner once a mebibyte waits), compresses
them for ``.gz`` and writes them with one ``os.write`` per batch. zlib and the write release
the GIL, so the compression runs beside the event loop rather than on it. The thread is
:mod:`._flusher`'s; this module is the writer and its files.

The file on disk is always whole records, up to the last flush: a plain file grows by whole
lines, and a ``.gz`` by whole gzip members, one per flush (gzip readers read a file of
several members as one stream). A process killed with ``kill -9`` loses at most what came in
since the last flush. A write that fails (disk full, I/O error) is cut back to the last
flush where the system allows, reported once at ERROR, and stops the capture: later frames
are dropped and counted, and :meth:`CaptureWriter.write` never raises for it.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import math
import os
import threading
import time
import zlib
from typing import Final

from ._flusher import Flusher
from .reader import StrPath
from .records import DEFAULT_PROTOCOL, Direction, Protocol, envelope, record_line

__all__ = [
    "DEFAULT_COMPRESSLEVEL",
    "DEFAULT_FLUSH_INTERVAL",
    "DEFAULT_MAX_PENDING_BYTES",
    "FLUSH_BYTES",
    "CaptureWriter",
]

log = logging.getLogger("rtmsg.capture")

DEFAULT_FLUSH_INTERVAL: Final = 1.0
"""Seconds between two flushes of a writer: what a crash of the process may lose."""

FLUSH_BYTES: Final = 1 << 20
"""Pending bytes that get a writer flushed before its interval is up, with or without one."""

DEFAULT_MAX_PENDING_BYTES: Final = 64 << 20
"""Pending bytes past which a writer gives up: the disk does not keep up with the frames."""

DEFAULT_COMPRESSLEVEL: Final = 1
"""The gzip level of a ``.gz`` capture. A voice session is mostly base64 audio, which higher
levels hardly shrink further (noise-like speech: 68.0 % of the records on disk at level 1,
66.4 % at level 6) for more CPU on the flusher thread (1.2 times level 1's on noise, three
times on a tone or silence): ``python -m bench.capture level``."""

_ENVELOPES_KEPT: Final = 4096
"""Envelopes a writer keeps; a capture shared by many sessions starts over past that many."""

_Key = tuple[Direction, Protocol, str | None, int | None, str | None, bool]
"""What sets a record's envelope: the arguments of :meth:`CaptureWriter.write` but the frame."""

_OPEN_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


class _File:
    """A capture file as the flusher writes it: whole batches, cut back if one fails."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, _OPEN_FLAGS, 0o666)
        self._size = 0

    def encode(self, data: bytes) -> bytes:
        return data

    def write(self, data: bytes) -> None:
        """Write ``data`` (after :meth:`encode`) whole; on failure, cut the file back and raise."""
        view = memoryview(self.encode(data))
        size = len(view)
        try:
            while view:
                written = os.write(self._fd, view)
                if not written:
                    raise OSError(errno.EIO, "the file took none of the bytes written to it")
                view = view[written:]
        except BaseException:
            # If it cannot be cut back, readers report the piece left as the cut (truncated_file).
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += size

    def close(self) -> None:
        os.close(self._fd)


class _GzipFile(_File):
    """A ``.gz`` capture: one gzip member per batch, so each flush leaves a whole gzip file."""

    def __init__(self, path: str, compresslevel: int) -> None:
        super().__init__(path)
        self._level = compresslevel

    def encode(self, data: bytes) -> bytes:
        member = zlib.compressobj(self._level, zlib.DEFLATED, 31)  # 31: gzip header and trailer
        return member.compress(data) + member.flush()


def open_file(path: str, compresslevel: int = DEFAULT_COMPRESSLEVEL) -> _File:
    """The capture file at ``path``, emptied; gzip-compressed if the name ends in ``.gz``."""
    return _GzipFile(path, compresslevel) if path.endswith(".gz") else _File(path)


class CaptureWriter:
    """Writes a capture file; ``.gz`` paths are gzip-compressed.

    :meth:`write` encodes a record and keeps it; the process's flusher thread writes what
    waits every ``flush_interval`` seconds (``0``: only when a mebibyte waits, on
    :meth:`flush` and on :meth:`close`), so a crash loses at most that interval's frames.
    :meth:`close` (or leaving the ``with`` block) writes the rest and waits for it; from an
    event loop, ``await asyncio.to_thread(writer.close)`` keeps that wait off the loop.
    Opening the file may raise :class:`OSError`; nothing after does for a failing disk: the
    capture stops, :attr:`error` says why (one ERROR log line says it too, with no frame in
    it) and :attr:`dropped_frames` counts the frames it did not keep. So does a disk too slow
    for the frames, once ``max_pending_bytes`` wait. A writer stays open until it is closed,
    referenced or not; writers still open when the interpreter exits are closed then.
    """

    def __init__(
        self,
        path: StrPath,
        *,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        compresslevel: int = DEFAULT_COMPRESSLEVEL,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
    ) -> None:
        if not (math.isfinite(flush_interval) and flush_interval >= 0):
            raise ValueError(f"flush_interval must be seconds >= 0, not {flush_interval!r}")
        if not 0 <= compresslevel <= 9:
            raise ValueError(f"compresslevel must be from 0 to 9, not {compresslevel!r}")
        self.path = os.fspath(path)
        self.flush_interval = flush_interval
        self.max_pending_bytes = max_pending_bytes
        self.closed = False
        self.error: str | None = None
        self._file: _File | None = open_file(self.path, compresslevel)
        self._pending: list[bytes] = []
        # Bytes ever appended (by write) and ever taken (by a flush); each has one writer.
        self._added = 0
        self._taken = 0
        self._hurried = False
        self._stopped = False
        self._closing = False
        self._refused = 0
        self._lost = 0
        self._envelopes: dict[_Key, bytes] = {}
        self._io = threading.Lock()
        self._close_lock = threading.Lock()
        _flusher.open(self)

    @property
    def dropped_frames(self) -> int:
        """Frames given to :meth:`write` that the file does not hold, since the capture stopped."""
        waiting = len(self._pending) if self._stopped and self._file is None else 0
        return self._refused + self._lost + waiting

    def write(
        self,
        direction: Direction,
        frame: bytes | bytearray | memoryview | str,
        t: float | None = None,
        *,
        protocol: Protocol = DEFAULT_PROTOCOL,
        connection: str | None = None,
        session: int | None = None,
        session_id: str | None = None,
        binary: bool = False,
    ) -> None:
        """Record ``frame``, sent by ``direction`` at ``t`` (now by default).

        ``protocol``, ``connection``, ``session`` and ``session_id`` say where it was sent;
        ``binary`` that it was a binary WebSocket frame (a ``str`` is a text frame's text).
        """
        if self._stopped:
            self._refuse()
            return
        key: _Key = (direction, protocol, connection, session, session_id, binary)
        head = self._envelopes.get(key)
        if head is None:
            head = self._envelope(key)
        line = record_line(time.time() if t is None else t, head, frame)
        size = len(line)
        waiting = self._added - self._taken + size
        if waiting > self.max_pending_bytes and self._added != self._taken:
            self._stop(f"{waiting} bytes wait to be written: the disk does not keep up")
            self._refused += 1
            return
        self._pending.append(line)
        self._added += size
        if waiting >= FLUSH_BYTES and not self._hurried:
            self._hurried = True
            _flusher.hurry(self)

    def _envelope(self, key: _Key) -> bytes:
        head = envelope(*key)
        if len(self._envelopes) >= _ENVELOPES_KEPT:
            self._envelopes.clear()
        self._envelopes[key] = head
        return head

    def _refuse(self) -> None:
        if self.closed or self._closing:
            raise ValueError(f"write to a closed capture ({self.path})")
        self._refused += 1

    def flush(self) -> None:
        """Write what waits now, and return once the system has it (no ``fsync``)."""
        with self._io:
            file = self._file
            if file is None:
                return
            self._hurried = False
            count = len(self._pending)
            if not count:
                return
            batch = self._pending[:count]
            # Only this side removes, and only from the front; write() appends at the end.
            del self._pending[:count]
            data = b"".join(batch)
            self._taken += len(data)
            try:
                file.write(data)
            except Exception as exc:  # whatever it is, it must not reach write()'s callers
                self._lost += count
                self._file = None
                self._stop(_reason(exc))
                _close_quietly(file)

    def close(self, *, wait: bool = True) -> None:
        """Write what waits and close the file; the file is whole when this returns.

        ``wait=False`` hands the last write and the closing to the flusher thread and
        returns at once, for an event loop that must not compress or wait on a disk; later
        writes are refused as after a close, and the file is whole once :attr:`closed`.
        """
        if self.closed:
            return
        self._stopped = True
        if not wait:
            self._closing = True
            _flusher.close_later(self)
            return
        # One close at a time: a second caller returns once the first has closed the file.
        with self._close_lock:
            if self.closed:
                return
            self.flush()
            with self._io:
                file, self._file = self._file, None
            if file is not None:
                try:
                    file.close()
                except OSError as exc:
                    self._stop(_reason(exc))
            else:
                self._lost += len(self._pending)
            self._pending.clear()
            self.closed = True
        _flusher.close(self)

    def _stop(self, reason: str) -> None:
        """Stop the capture for ``reason``: said once, at ERROR, with no frame in it."""
        self._stopped = True
        if self.error is None:
            self.error = reason
            log.error("capture %s stopped: %s; later frames are dropped", self.path, reason)

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "stopped" if self._stopped else "open"
        return f"<CaptureWriter {self.path!r} {state}>"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} (errno {exc.errno})"
    return type(exc).__name__


def _close_quietly(file: _File) -> None:
    with contextlib.suppress(OSError):
        file.close()


_flusher: Final = Flusher[CaptureWriter]()
atexit.register(_flusher.close_all)
if hasattr(os, "register_at_fork"):
    # A child starts with no writers of its own: its parent's are the parent's to flush.
    os.register_at_fork(after_in_child=_flusher._reset)
