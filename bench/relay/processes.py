"""The harness's child processes: start them, talk to them, and stop every one of them.

Each relay, the sink and each load generator runs in a process of its own, started from the
repository root with this interpreter. :class:`Children` is the one place they are started:
leaving its ``with`` block, by the end of the run, an exception or Ctrl-C, stops every child
still running and whatever it started (each child leads a process group: SIGTERM to the
group, then SIGKILL after a grace period) and waits for it, and every child is also told by
the kernel to stop if the harness dies without that chance (``PR_SET_PDEATHSIG``, Linux).
A child's stderr goes to a log file, whose tail is quoted when it fails.

The sink and the load generators take commands: one JSON object a line on their stdin, one
JSON reply a line on their stdout (:class:`Channel`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from bench.relay.procstat import ProcError, listening_ports

__all__ = ["Channel", "Child", "ChildError", "Children"]

ROOT: Final = Path(__file__).resolve().parent.parent.parent
_PR_SET_PDEATHSIG: Final = 1


class ChildError(Exception):
    """A child process failed, answered with an error or not in time; the message says how."""


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the harness died before the line above
        os._exit(1)


class Child:
    """One process the harness started; ``log`` holds its stderr."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log: Path) -> None:
        self.name = name
        self.popen = popen
        self.log = log

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 8) -> str:
        """The last lines of the child's stderr."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def failure(self) -> str:
        """Why the child is gone (or that it still runs), with the tail of its log."""
        code = self.popen.poll()
        state = "still running" if code is None else f"exited with status {code}"
        tail = self.tail()
        return f"{self.name} {state}" + (f":\n{tail}" if tail else "")

    def wait_listening(self, timeout: float = 20.0) -> int:
        """The first TCP port the child listens on, once it does."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise ChildError(self.failure())
            try:
                ports = listening_ports(self.pid)
            except ProcError:
                ports = []
            if ports:
                return ports[0]
            if time.monotonic() > deadline:
                raise ChildError(f"{self.name} listens on no port after {timeout:g} s")
            time.sleep(0.02)


class Channel:
    """JSON lines to a child's stdin and from its stdout."""

    def __init__(self, child: Child) -> None:
        assert child.popen.stdin is not None
        assert child.popen.stdout is not None
        self.child = child
        self._stdin: IO[bytes] = child.popen.stdin
        self._fd = child.popen.stdout.fileno()
        self._buffer = b""
        self._sent = 0

    def send(self, message: dict[str, Any]) -> None:
        """Send a command; each is numbered, and its reply carries the number back."""
        self._sent += 1
        try:
            self._stdin.write(json.dumps({**message, "id": self._sent}).encode() + b"\n")
            self._stdin.flush()
        except OSError:
            raise ChildError(self.child.failure()) from None

    def recv(self, timeout: float) -> dict[str, Any]:
        """The reply to the last command sent, skipping replies to earlier ones (left by a
        failed run); :class:`ChildError` on a timeout, an exit or an ``error`` reply."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ChildError(f"{self.child.name} did not answer within {timeout:g} s")
                ready, _, _ = select.select([self._fd], [], [], left)
                if ready:
                    chunk = os.read(self._fd, 1 << 20)
                    if not chunk:
                        raise ChildError(self.child.failure())
                    self._buffer += chunk
            line, _, self._buffer = self._buffer.partition(b"\n")
            reply: dict[str, Any] = json.loads(line)
            if reply.get("id") == self._sent:
                break
        if "error" in reply:
            raise ChildError(f"{self.child.name}: {reply['error']}")
        return reply

    def ask(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.send(message)
        return self.recv(timeout)


class Children:
    """Starts child processes; stops all that still run when the ``with`` block is left."""

    def __init__(self, log_dir: Path, *, stop_timeout: float = 3.0) -> None:
        self.log_dir = log_dir
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []

    def __enter__(self) -> Children:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(self, name: str, argv: Sequence[str], *, commands: bool = False) -> Child:
        """Start ``argv`` (``python`` meaning this interpreter) from the repository root."""
        argv = [sys.executable if arg == "python" else arg for arg in argv]
        log = self.log_dir / f"{len(self.children):02d}-{name.replace(' ', '-')}.log"
        parent = os.getpid()
        with log.open("wb") as stderr:
            popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                stdin=subprocess.PIPE if commands else subprocess.DEVNULL,
                stdout=subprocess.PIPE if commands else subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group: what it starts is stopped too
                preexec_fn=lambda: _die_with_parent(parent),
                env=_untraced(os.environ),
            )
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def stop(self, children: Sequence[Child]) -> None:
        """SIGTERM each child's process group, SIGKILL what is left after the grace period.

        A child leads a process group of its own, so the processes it started are stopped
        with it, even when it is gone already.
        """
        for child in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(max(0.0, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.popen.wait()
            for pipe in (child.popen.stdin, child.popen.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()

    def stop_all(self) -> None:
        self.stop(list(reversed(self.children)))


def _untraced(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without what starts coverage in a child: the children are timed, and a
    test run that measures coverage in its subprocesses must not trace them."""
    return {
        key: value
        for key, value in environ.items()
        if key not in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")
    }
