"""What the command's parts share: the exit statuses, standard input's name, error lines."""

from __future__ import annotations

from typing import Final

__all__ = ["EXIT_STATUS", "STDIN", "os_error"]

EXIT_STATUS: Final = """\
exit status:
  0    success (export: invalid rows are data and a warning, not a failure)
  1    check found an invalid frame; export --strict found an invalid row
  2    a usage error, or a file that cannot be read or is not what the command needs
  141  the reader of the output went away (rtmsg check ... | head -1), as after SIGPIPE"""
"""The exit statuses of every command, as ``rtmsg --help`` prints them."""

STDIN: Final = "-"
"""The file name that stands for standard input (``check`` and ``stats``)."""


def os_error(exc: OSError) -> str:
    """One line naming the file and what is wrong with it, without ``[Errno N]``."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror.lower()}"
    return str(exc)
