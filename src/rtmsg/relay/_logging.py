"""A logger for websockets that never shows a secret header's value.

At debug level websockets logs every handshake header, ``Authorization`` included. The relay
and the mock hand websockets a logger whose filter replaces the values of secret headers.
"""

from __future__ import annotations

import logging
from typing import Final

__all__ = ["SECRET_HEADERS", "wire_logger"]

SECRET_HEADERS: Final = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "api-key",
        "x-api-key",
        "openai-api-key",
        # Browser clients pass their key as a subprotocol: "openai-insecure-api-key.sk-…".
        "sec-websocket-protocol",
    }
)

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
