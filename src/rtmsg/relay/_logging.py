"""A logger for websockets that never shows a secret header's value.

At debug level websockets logs every handshake header, ``Authorization`` included. The relay
and the mock hand websockets a logger whose filter replaces the values of the headers
:mod:`rtmsg.engine.redact` names secret.
"""

from __future__ import annotations

import logging
from typing import Final

from ..engine.redact import SECRET_HEADERS

__all__ = ["SECRET_HEADERS", "wire_logger"]

_HEADER_LINES: Final = frozenset({"> %s: %s", "< %s: %s"})


class _RedactSecretHeaders(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            record.msg in _HEADER_LINES
            and isinstance(args, tuple)
            and len(args) == 2
            and str(args[0]).lower() in SECRET_HEADERS
        ):
            record.args = (args[0], "[redacted]")
        return True


def wire_logger(name: str) -> logging.Logger:
    """The logger named ``name``, with secret header values redacted."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, _RedactSecretHeaders) for f in logger.filters):
        logger.addFilter(_RedactSecretHeaders())
    return logger
