"""The ``rtmsg`` command: check and summarise captures, run the relay and the mock server.

``main(argv)`` parses the arguments, does the work and returns the exit status, so tests call it
directly. The checking and summarising live in :mod:`rtmsg.inspection`, the WebSocket side in
:mod:`rtmsg.relay`; this package only reads files, prints and wires things together: the
options in :mod:`._options`, ``check`` and ``stats`` in :mod:`._inspect`, the servers in
:mod:`._servers`. Optional libraries (rich for the progress bar, the relay's WebSocket
libraries) are imported when used.

Exit status (:data:`EXIT_STATUS`, also in ``rtmsg --help``): 0 on success, 1 when ``check``
found an invalid frame or a file without frames (or ``export --strict`` an invalid row, or
``stats`` a file of sessions it cannot tell apart), 2 for a usage error, a file that cannot
be read or one ``stats`` has nothing to summarise in, 141 when the reader of the output went
away before the output was complete (``rtmsg check … | head -1``), standard output buffered
or not: the status a shell gives a program that SIGPIPE ended, and no message. ``export`` and
``query`` live in :mod:`rtmsg.analytics.commands`, imported only when one of them runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Final

from ._common import EXIT_STATUS, STDIN, os_error
from ._options import parser as _parser

__all__ = ["EXIT_STATUS", "STDIN", "main"]

_BROKEN_PIPE: Final = 128 + 13  # what a shell reports for a program ended by SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rtmsg`` command with ``argv`` (``sys.argv[1:]`` by default)."""
    with _whole_writes():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits on --help, --version and usage errors
            status = exc.code if isinstance(exc.code, int) else 2
        else:
            command: Callable[[argparse.Namespace], int] = args.run
            try:
                status = command(args)
            except OSError as exc:
                if isinstance(exc, BrokenPipeError):
                    raise
                print(f"rtmsg {args.command}: {os_error(exc)}", file=sys.stderr)
                status = 2
        sys.stdout.flush()  # a closed pipe shows here when the output was small
    except BrokenPipeError:
        _silence_stdout()
        return _BROKEN_PIPE
    return status


@contextlib.contextmanager
def _whole_writes() -> Iterator[None]:
    """Standard output buffered while the command runs, where Python's is not (``python -u``,
    ``PYTHONUNBUFFERED``).

    Unbuffered, a text stream hands each write to the file in one system call and takes it as
    done, whatever part of it was written. The reader of a pipe that leaves in the middle of a
    write larger than the pipe holds cuts it short without an error: the rest was lost and the
    command ended with status 0. A buffered writer writes the rest, and that write fails with
    ``BrokenPipeError``, which :func:`main` makes status 141.
    """
    stdout = sys.stdout
    try:
        unbuffered = isinstance(stdout.buffer, io.RawIOBase)
        fd = stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture, a closed one)
        unbuffered = False
    if not unbuffered:
        yield
        return
    buffered = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(fd, "w", closefd=False)),
        encoding=stdout.encoding,
        errors=stdout.errors,
        line_buffering=bool(stdout.line_buffering),
    )
    sys.stdout = buffered
    try:
        yield
    finally:
        sys.stdout = stdout
        with contextlib.suppress(OSError, ValueError):  # flushed already, or the reader left
            buffered.close()


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush is quiet."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
