"""One relayed session without I/O: each message judged, counted and recorded; its closes.

:meth:`Session.from_client` and :meth:`Session.from_server` take each message and return
``None`` (forward it: the fast path allocates nothing) or a :class:`Verdict` (an answer to
send back, whether to forward, or a close); :meth:`Session.client_closed`,
:meth:`Session.upstream_closed` and their ``_fault`` twins say how the other leg is closed
(:mod:`._closes`); :meth:`Session.end` folds its counts into the metrics, closes its capture
and logs one line. Captures and metrics never end a session: a failing write is logged once
per session, counted, and the frame goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any, Final, Protocol

from ..capture import CaptureWriter, Direction
from ..engine.base import Event
from ..engine.decoding import Frame, Unknown, encode
from ..engine.errors import DecodeError
from ..engine.redact import redact
from ._closes import (
    ABNORMAL,
    BAD_GATEWAY,
    GOING_AWAY,
    INTERNAL_ERROR,
    INVALID_DATA,
    close_for_client,
    close_for_upstream,
)
from ._logging import loggable
from .metrics import Metrics

__all__ = ["Core", "Session", "Verdict"]

log = logging.getLogger("rtmsg.relay")


class Core(Protocol):
    """What a session asks of the relay that runs it (:class:`~._core.RelayCore`)."""

    metrics: Metrics
    sessions: dict[int, Session]

    @property
    def forward_invalid(self) -> bool:
        """Whether an invalid client message is forwarded as well as answered."""
        ...

    def closing_captures(self, capture: CaptureWriter) -> None:
        """Keep a session's capture being closed on the capture's thread until it is."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with a message that is not simply forwarded.

    ``answer``: a frame to send back to the message's sender (the relay's ``error`` event);
    ``forward``: whether the message still goes on; ``close``: close the sender with this code
    and reason (a protocol violation), the other leg as :meth:`Session.client_fault` says.
    """

    answer: bytes | None = None
    forward: bool = False
    close: tuple[int, str] | None = None


# str(buffer, "utf-8") checks a text message's UTF-8 (the decoders check only what they keep).
_utf8: Final[Callable[[Any, str], str]] = str


class Session:
    """One relayed connection: its decoders, counters, capture, and how it ended."""

    __slots__ = (
        "_capture",
        "_capture_failed",
        "_core",
        "_decode_client",
        "_decode_server",
        "_error_event",
        "_owns_capture",
        "client_bytes",
        "client_code",
        "client_known",
        "client_unknown",
        "connection",
        "ended",
        "number",
        "path",
        "protocol",
        "server_bytes",
        "server_known",
        "server_unknown",
        "session_id",
        "upstream_code",
    )

    def __init__(
        self,
        core: Core,
        number: int,
        path: str,
        protocol: str,
        decode_client: Callable[[Frame], Any],
        decode_server: Callable[[Frame], Any],
        error_event: Callable[[DecodeError], Event],
        capture: CaptureWriter | None,
        *,
        owns_capture: bool,
    ) -> None:
        self._core = core
        self.number = number
        self.path = path
        self.protocol = protocol
        self.connection: str | None = None
        self.session_id: str | None = None
        self._decode_client = decode_client
        self._decode_server = decode_server
        self._error_event = error_event
        self._capture = capture
        self._owns_capture = owns_capture
        self._capture_failed = False
        self.client_known = self.client_unknown = self.client_bytes = 0
        self.server_known = self.server_unknown = self.server_bytes = 0
        self.client_code: int | None = None
        self.upstream_code: int | None = None
        self.ended = False

    @property
    def name(self) -> str:
        """The endpoint's name: the protocol, or ``protocol/connection`` (``live/attach``)."""
        return self.protocol if self.connection is None else f"{self.protocol}/{self.connection}"

    @property
    def label(self) -> str:
        """How a log line names the session: its number, and the session id of an attach or
        a fork (``session 3 (live/attach sess_123)``), so that its lines say which it joined."""
        if self.session_id is None:
            return f"session {self.number}"
        return f"session {self.number} ({self.name} {loggable(self.session_id)})"

    # --- frames ------------------------------------------------------------------

    def from_client(self, data: Frame, binary: bool) -> Verdict | None:
        """A message from the client: ``None`` to forward it as it is, else a verdict.

        ``data`` is the payload (a ``memoryview`` is read during the call only); a text
        message given as bytes is checked to be UTF-8 (a ``str`` is, by construction).
        """
        self.client_bytes += len(data)
        if not binary and data.__class__ is not str:
            try:
                _utf8(data, "utf-8")
            except UnicodeDecodeError:
                return self._bad_text("client")
        try:
            event = self._decode_client(data)
        except DecodeError as exc:
            return self._invalid_client(data, binary, exc)
        if event.__class__ is Unknown:
            self._unknown("client", event)
        else:
            self.client_known += 1
        if self._capture is not None:
            self._record("client", data, binary)
        return None

    def from_server(self, data: Frame, binary: bool) -> Verdict | None:
        """A message from the upstream: ``None`` to forward it, else a verdict (a close).

        An invalid server frame is logged and forwarded: the relay does not police the server.
        """
        self.server_bytes += len(data)
        if not binary and data.__class__ is not str:
            try:
                _utf8(data, "utf-8")
            except UnicodeDecodeError:
                return self._bad_text("server")
        try:
            event = self._decode_server(data)
        except DecodeError as exc:
            self._log_invalid("server", exc)
        else:
            if event.__class__ is Unknown:
                self._unknown("server", event)
            else:
                self.server_known += 1
        if self._capture is not None:
            self._record("server", data, binary)
        return None

    def _invalid_client(self, data: Frame, binary: bool, exc: DecodeError) -> Verdict:
        self._log_invalid("client", exc)
        answer = encode(self._error_event(exc))
        if self._capture is not None:
            self._record("client", data, binary)
            self._record("server", answer, False)
        return Verdict(answer=answer, forward=self._core.forward_invalid)

    def _log_invalid(self, sender: Direction, exc: DecodeError) -> None:
        self._core.metrics.invalid_frame(sender, exc.code)
        log.warning(
            "%s: invalid %s event %s (event_id %s): %s",
            self.label,
            sender,
            loggable(exc.event_type) if exc.event_type is not None else None,
            loggable(exc.event_id) if exc.event_id is not None else None,
            redact(str(exc)),
        )

    def _unknown(self, sender: Direction, event: Unknown) -> None:
        if sender == "client":
            self.client_unknown += 1
        else:
            self.server_unknown += 1
        if self._core.metrics.unknown_type(event.type):
            log.info(
                "%s: first %s event of unknown type %s",
                self.label,
                sender,
                loggable(event.type[:64]),
            )

    def _bad_text(self, sender: Direction) -> Verdict:
        self._core.metrics.invalid_frame(sender, "invalid_utf8")
        log.warning("%s: %s sent a text frame that is not UTF-8", self.label, sender)
        return Verdict(close=(INVALID_DATA, "invalid UTF-8 in a text frame"))

    def _record(self, direction: Direction, data: Frame, binary: bool) -> None:
        """The one place the relay writes to a capture."""
        assert self._capture is not None
        frame = data if isinstance(data, bytes | str) else bytes(data)
        try:
            self._capture.write(
                direction,
                frame,
                protocol=self.protocol,
                connection=self.connection,
                session=self.number,
                session_id=self.session_id,
                binary=binary,
            )
        except Exception as exc:
            self._core.metrics.capture_errors += 1
            if not self._capture_failed:
                self._capture_failed = True
                log.error(
                    "%s: capture write failed (%s); the session goes on",
                    self.label,
                    type(exc).__name__,
                )

    # --- closes ------------------------------------------------------------------

    def client_closed(self, code: int | None, reason: str) -> tuple[int, str]:
        """The client's connection ended with ``code`` (``None``: dropped); close upstream so."""
        self._leg("client", code)
        return close_for_upstream(code, reason)

    def upstream_closed(self, code: int | None, reason: str) -> tuple[int, str]:
        """The upstream's connection ended with ``code``; close the client so."""
        self._leg("upstream", code)
        return close_for_client(code, reason)

    def client_fault(self, code: int, reason: str) -> tuple[int, str]:
        """The relay closed the client for breaking the protocol; how the upstream is closed."""
        self._leg("client", code)
        return GOING_AWAY, f"client closed by the relay: {reason}"[:120]

    def upstream_fault(self, code: int, reason: str) -> tuple[int, str]:
        """The relay closed the upstream for breaking the protocol; how the client is closed."""
        self._leg("upstream", code)
        return BAD_GATEWAY, f"upstream closed by the relay: {reason}"[:120]

    def other_leg(self, side: str, code: int) -> None:
        """The relay closed the other leg with ``code`` (as one of the methods above said)."""
        self._leg(side, code)

    def crashed(self, exc: BaseException) -> tuple[int, str]:
        """An unexpected error in the relay: logged, counted; both legs close with 1011."""
        self._core.metrics.internal_errors += 1
        log.error(
            "%s: internal error (%s), closing with 1011",
            self.label,
            type(exc).__name__,
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return INTERNAL_ERROR, "relay internal error"

    def _leg(self, side: str, code: int | None) -> None:
        final = ABNORMAL if code is None else code
        if side == "client":
            if self.client_code is not None:
                return
            self.client_code = final
        else:
            if self.upstream_code is not None:
                return
            self.upstream_code = final
        self._core.metrics.leg_closed(side, final)

    def end(self) -> None:
        """The session is over (both legs closed): fold its counts, close its capture, log."""
        if self.ended:
            return
        self.ended = True
        core = self._core
        core.sessions.pop(self.number, None)
        core.metrics.closed(self)
        # A shared capture is flushed by the capture's own thread; a session's own capture
        # is closed by it too, so that its last interval is not compressed on the loop.
        if self._capture is not None and self._owns_capture:
            try:
                self._capture.close(wait=False)
                core.closing_captures(self._capture)
            except Exception as exc:
                core.metrics.capture_errors += 1
                log.error("%s: capture close failed: %s", self.label, type(exc).__name__)
        log.info(
            "%s closed: client %s, upstream %s",
            self.label,
            self.client_code,
            self.upstream_code,
        )
