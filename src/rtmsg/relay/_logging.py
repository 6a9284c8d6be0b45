"""The loggers the relay and the mock hand their WebSocket libraries: no secret, no noise.

websockets logs every handshake header at debug level, ``Authorization`` included, and every
failed opening handshake (a bare TCP connect, a health check's plain HTTP request) at ERROR
with a chained traceback. :func:`wire_logger` gives it a logger whose filter replaces the
values of the headers :mod:`rtmsg.engine.redact` names secret, masks keys in every other line, and
turns a failed handshake into one WARNING line without traceback (nothing above DEBUG for a
connection that closed before sending a request; the traceback, with every exception's
message left out, only at DEBUG).

picows logs raw requests at its own level 9, and per connection at INFO: :func:`picows_logger`
gives it a logger that never goes below WARNING and downgrades its ERROR lines about a peer's
protocol violations to WARNING, without traceback.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, Final

from ..engine.redact import SECRET_HEADERS, redact

__all__ = ["SECRET_HEADERS", "loggable", "picows_logger", "safe_traceback", "wire_logger"]

_HEADER_LINES: Final = frozenset({"> %s: %s", "< %s: %s"})
_HANDSHAKE_FAILED: Final = frozenset({"opening handshake failed", "unexpected internal error"})
# websockets' INFO lines for every connection, health checks included: DEBUG here.
_PER_CONNECTION: Final = frozenset(
    {"connection open", "connection rejected (%d %s)", "connection closed"}
)


def loggable(text: str) -> str:
    """A client's text (a path, an id) for a log line: secrets masked, non-ASCII replaced,
    cut at 200 characters."""
    text = redact(text.encode("utf-8", "replace").decode("ascii", "replace"))
    return text if len(text) <= 200 else text[:200] + "..."


def safe_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and its causes, each exception by its class name only.

    Exception messages may quote a header or a frame; code lines and class names do not.
    """
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.format_tb(current.__traceback__)
        lines[:0] = [*stack, f"{type(current).__module__}.{type(current).__qualname__}\n"]
        current = current.__cause__ or current.__context__
        if current is not None:
            lines[:0] = ["\nThe above exception led to:\n"]
    return "Traceback (most recent call last):\n" + "".join(lines).rstrip("\n")


class _WireFilter(logging.Filter):
    def __init__(self, classify: Callable[[logging.LogRecord], str | None] | None) -> None:
        super().__init__()
        self._classify = classify

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            record.msg in _HEADER_LINES
            and isinstance(args, tuple)
            and len(args) == 2
            and str(args[0]).lower() in SECRET_HEADERS
        ):
            record.args = (args[0], "[redacted]")
        if record.msg in _HANDSHAKE_FAILED:
            return self._handshake_failed(record)
        if record.msg in _PER_CONNECTION and record.levelno > logging.DEBUG:
            _set_level(record, logging.DEBUG)
            if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
                return False
        record.msg = redact(record.getMessage())
        record.args = None
        return True

    def _handshake_failed(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        cause = self._classify(record) if self._classify is not None else "bad_request"
        if cause is None:  # already logged and counted by the relay
            return False
        debug = logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        what = type(exc).__name__ if exc is not None else "unknown error"
        record.msg = f"handshake failed ({cause}): {what}"
        record.args = None
        if debug and exc is not None:
            record.msg += "\n" + safe_traceback(exc)
        record.exc_info = None
        record.exc_text = None
        if cause == "incomplete":
            _set_level(record, logging.DEBUG)
            return debug
        _set_level(record, logging.WARNING)
        return True


def _set_level(record: logging.LogRecord, level: int) -> None:
    record.levelno, record.levelname = level, logging.getLevelName(level)


def wire_logger(
    name: str, classify: Callable[[logging.LogRecord], str | None] | None = None
) -> logging.Logger:
    """The logger named ``name`` for websockets, filtered as the module says.

    ``classify`` is given each failed handshake's record and returns its cause, or ``None``
    for one the relay has logged and counted already.
    """
    logger = logging.getLogger(name)
    for old in [f for f in logger.filters if isinstance(f, _WireFilter)]:
        logger.removeFilter(old)
    logger.addFilter(_WireFilter(classify))
    return logger


class _PicowsLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """picows' logger: at least WARNING, its ERRORs (a peer's fault) as one WARNING line."""

    def isEnabledFor(self, level: int) -> bool:
        return level >= logging.WARNING and self.logger.isEnabledFor(level)

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if level < logging.WARNING or not self.logger.isEnabledFor(logging.WARNING):
            return
        kwargs.pop("exc_info", None)
        text = redact(str(msg) % args if args else str(msg))
        self.logger.warning("%s", text, **kwargs)

    # LoggerAdapter's shortcuts call log(); exception() passes exc_info, dropped above.
    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.log(logging.ERROR, msg, *args, **kwargs)


def picows_logger(name: str) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """The logger to give picows (``logger_name=``), named ``name``."""
    return _PicowsLog(logging.getLogger(name), {})
