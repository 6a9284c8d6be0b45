"""What the kernel says about a process: its CPU time so far, and the ports it listens on.

CPU time comes from ``/proc/PID/stat``: ``utime`` + ``stime``, the 14th and 15th fields, in
clock ticks (``SC_CLK_TCK``, 100 a second on Linux). The thread-group leader's line counts
every thread of the process, the live ones and those that have exited, so a relay that
compresses its capture on a thread pays for it here too. One thread's own time is in
``/proc/PID/task/TID/stat``: the main thread's (TID = PID) is the event loop's, the relay's
capacity. Processes the relay starts are added through ``/proc/PID/task/TID/children``. The
second field (the command name, in parentheses) may itself hold spaces and parentheses:
fields are counted from the last ``)``.

Listening ports come from the process's socket inodes (``/proc/PID/fd``) matched against the
kernel's TCP tables (``/proc/net/tcp`` and ``tcp6``) in state LISTEN, so a server started on
port 0 is found whatever it prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

__all__ = [
    "CLOCK_TICKS",
    "ProcError",
    "cpu_seconds",
    "descendants",
    "listening_ports",
    "parse_listening",
    "parse_stat",
    "thread_cpu_seconds",
]

CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_LISTEN: Final = "0A"
PROC: Final = Path("/proc")


class ProcError(Exception):
    """A process's record cannot be read or makes no sense; the message says which."""


def parse_stat(text: str) -> int:
    """``utime + stime`` in clock ticks, from the text of a ``/proc/PID/stat`` file."""
    _, paren, rest = text.rpartition(")")
    fields = rest.split()
    # After the name: state (field 3) ... utime (14) and stime (15), i.e. [11] and [12] here.
    if not paren or len(fields) < 13:
        raise ProcError(f"not a /proc stat line: {text[:80]!r}")
    try:
        return int(fields[11]) + int(fields[12])
    except ValueError:
        raise ProcError(f"not a /proc stat line: {text[:80]!r}") from None


def descendants(pid: int, proc: Path = PROC) -> list[int]:
    """The processes ``pid`` started, and theirs, as far as they are alive."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list((proc / str(parent) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.append(child)
                    todo.append(child)
    return found


def cpu_seconds(pid: int, *, children: bool = True, proc: Path = PROC) -> float:
    """CPU seconds (user + system) ``pid`` has used, its threads and live children included.

    Raises :class:`ProcError` when ``pid`` is gone or its record unreadable.
    """
    try:
        ticks = parse_stat((proc / str(pid) / "stat").read_text())
    except OSError as exc:
        raise ProcError(f"process {pid} is gone ({exc.strerror})") from None
    if children:
        for child in descendants(pid, proc):
            try:
                ticks += parse_stat((proc / str(child) / "stat").read_text())
            except OSError:  # exited between the listing and the read
                continue
    return ticks / CLOCK_TICKS


def thread_cpu_seconds(pid: int, tid: int | None = None, *, proc: Path = PROC) -> float:
    """CPU seconds (user + system) one thread of ``pid`` has used: its main thread by default.

    Raises :class:`ProcError` when the thread is gone or its record unreadable.
    """
    tid = pid if tid is None else tid
    try:
        ticks = parse_stat((proc / str(pid) / "task" / str(tid) / "stat").read_text())
    except OSError as exc:
        raise ProcError(f"thread {tid} of process {pid} is gone ({exc.strerror})") from None
    return ticks / CLOCK_TICKS


def _socket_inodes(pid: int, proc: Path) -> set[str]:
    inodes = set()
    try:
        fds = list((proc / str(pid) / "fd").iterdir())
    except OSError as exc:
        raise ProcError(f"process {pid} is gone ({exc.strerror})") from None
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def parse_listening(lines: Iterable[str], inodes: set[str]) -> Iterator[int]:
    """The ports of the sockets in ``inodes`` that listen, from the lines of /proc/net/tcp."""
    for line in lines:
        fields = line.split()
        # sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        if len(fields) < 10 or fields[3] != _LISTEN or fields[9] not in inodes:
            continue
        _, _, port = fields[1].rpartition(":")
        yield int(port, 16)


def listening_ports(pid: int, proc: Path = PROC) -> list[int]:
    """The TCP ports process ``pid`` listens on (IPv4 and IPv6), sorted, without repeats."""
    inodes = _socket_inodes(pid, proc)
    ports: set[int] = set()
    if inodes:
        for table in ("tcp", "tcp6"):
            try:
                lines = (proc / "net" / table).read_text().splitlines()[1:]
            except OSError:
                continue
            ports.update(parse_listening(lines, inodes))
    return sorted(ports)
