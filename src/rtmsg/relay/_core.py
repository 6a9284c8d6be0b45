"""The relay's logic without I/O: handshakes, frames, closes, captures and counts, written once.

A transport adapter (:mod:`._websockets`, :mod:`._picows`) owns the sockets and feeds this
core what happens on them; the core says what to do:

- :meth:`RelayCore.request` reads an HTTP request: an :class:`~._handshake.Upgrade` to open
  upstream, or a :class:`Reply` (``/healthz``, ``/metrics``, a refusal) to answer with;
- :meth:`RelayCore.start` turns an upgrade into a :class:`Session`;
- :meth:`Session.from_client` and :meth:`Session.from_server` take each message and return
  ``None`` (forward it: the fast path allocates nothing) or a :class:`Verdict` (an answer to
  send back, whether to forward, or a close);
- :meth:`Session.client_closed`, :meth:`Session.upstream_closed` and their ``_fault`` twins
  say how the other leg is closed, by :func:`close_for_upstream` and :func:`close_for_client`;
- :meth:`Session.end` folds its counts into the metrics, closes its capture and logs one line.

Captures and metrics never end a session: a failing write is logged once per session,
counted, and the frame goes on.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any, Final

from ..capture import CaptureWriter, Direction
from ..capture.writer import DEFAULT_FLUSH_INTERVAL
from ..engine.base import Event
from ..engine.decoding import Frame, Unknown, encode
from ..engine.errors import DecodeError
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..engine.redact import redact
from ..protocols import route
from ._handshake import Cause, Refusal, Upgrade, read_request
from .metrics import CONTENT_TYPE, Metrics

__all__ = [
    "GOING_AWAY",
    "Config",
    "RelayCore",
    "Reply",
    "Session",
    "Verdict",
    "close_for_client",
    "close_for_upstream",
    "upstream_refused_close",
]

log = logging.getLogger("rtmsg.relay")

NORMAL: Final = 1000
GOING_AWAY: Final = 1001
PROTOCOL_ERROR: Final = 1002
NO_STATUS: Final = 1005
ABNORMAL: Final = 1006
INVALID_DATA: Final = 1007
TOO_BIG: Final = 1009
INTERNAL_ERROR: Final = 1011
BAD_GATEWAY: Final = 1014
TLS_FAILED: Final = 1015

# Codes an endpoint may put in a close frame (RFC 6455 7.4; 1004-1006 and 1015 are not).
_SENDABLE: Final = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)})

HEALTH_PATH: Final = "/healthz"
METRICS_PATH: Final = "/metrics"


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    """What every session of a relay shares; see :class:`~rtmsg.relay.Relay` for each option."""

    upstream: str
    capture: str | None = None
    flush_interval: float = DEFAULT_FLUSH_INTERVAL
    forward_invalid: bool = False
    max_size: int = DEFAULT_MAX_FRAME_BYTES
    open_timeout: float = 10.0
    close_timeout: float = 5.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.upstream)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ValueError(f"upstream must be a ws:// or wss:// URL, not {self.upstream!r}")
        if parts.query or parts.fragment:
            raise ValueError("upstream must not have a query or fragment: the client's is used")

    def upstream_url(self, target: str) -> str:
        """The upstream URL for a client request to ``target`` (path and query)."""
        parts = urllib.parse.urlsplit(self.upstream)
        path, _, query = target.partition("?")
        base = parts.path.rstrip("/")
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, base + path, query, ""))


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer to a request that is not (or may not become) a session."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


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


def close_for_upstream(code: int | None, reason: str) -> tuple[int, str]:
    """How the upstream is closed after the client's connection ended with ``code``.

    ``None``, 1006 and 1015 (no close frame) become 1001; 1005 (no status) becomes 1000.
    """
    if code is None or code in (ABNORMAL, TLS_FAILED):
        return GOING_AWAY, "client went away"
    return _passed(code, reason)


def close_for_client(code: int | None, reason: str) -> tuple[int, str]:
    """How the client is closed after the upstream's connection ended with ``code``.

    ``None``, 1006 and 1015 (no close frame) become 1014 (bad gateway); 1005 becomes 1000.
    """
    if code is None or code in (ABNORMAL, TLS_FAILED):
        return BAD_GATEWAY, "upstream went away"
    return _passed(code, reason)


def _passed(code: int, reason: str) -> tuple[int, str]:
    if code == NO_STATUS:
        return NORMAL, ""
    if code in _SENDABLE or 3000 <= code < 5000:
        return code, reason
    return NORMAL, reason


def upstream_refused_close(status: int) -> tuple[int, str]:
    """The close a client gets, after its 101, when the upstream answers ``status`` instead.

    4000 + the status for a 4xx or 5xx (4401, 4404, 4503), 1014 for anything else.
    """
    if 400 <= status < 600:
        return 4000 + status, f"upstream refused the handshake: HTTP {status}"
    return BAD_GATEWAY, f"upstream answered the handshake with HTTP {status}"


class RelayCore:
    """The state every session shares: config, decoders, metrics, open sessions, draining."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.sessions: dict[int, Session] = {}
        self.metrics = Metrics(self.sessions.values)
        self._numbers = itertools.count(1)
        self._closing: list[CaptureWriter] = []
        self._per_session = config.capture is not None and "{session}" in config.capture
        self._shared_capture = (
            CaptureWriter(config.capture, flush_interval=config.flush_interval)
            if config.capture is not None and not self._per_session
            else None
        )

    @property
    def draining(self) -> bool:
        return self.metrics.draining

    def drain(self) -> None:
        """Stop accepting sessions: ``/healthz`` says 503 and upgrades are refused."""
        if not self.metrics.draining:
            log.warning("draining: %d sessions open, refusing new ones", len(self.sessions))
        self.metrics.draining = True

    def close(self) -> None:
        """Close the capture file shared by all sessions, if any, and wait for the sessions'
        own captures to be closed, which their ends handed to the capture's thread."""
        if self._shared_capture is not None:
            self._shared_capture.close()
        for capture in self._closing:
            capture.close()
        self._closing.clear()

    def closing_captures(self, capture: CaptureWriter) -> None:
        """Keep a session's capture that is being closed, until :meth:`close` waits for it."""
        self._closing = [each for each in self._closing if not each.closed]
        self._closing.append(capture)

    # --- handshake ---------------------------------------------------------------

    def request(self, method: str, target: str, headers: list[tuple[str, str]]) -> Upgrade | Reply:
        """What to do with an HTTP request: an upgrade to relay, or a reply to send."""
        path = target.partition("?")[0]
        if method == "GET" and path in (HEALTH_PATH, METRICS_PATH) and not _upgrading(headers):
            return self._endpoint(path)
        verdict = read_request(method, target, headers)
        if isinstance(verdict, Refusal):
            return self.refuse(verdict.cause, verdict.status, verdict.text, path)
        if self.draining:
            return self.refuse("draining", 503, "The relay is shutting down.", path)
        return verdict

    def _endpoint(self, path: str) -> Reply:
        if path == HEALTH_PATH:
            if self.draining:
                return Reply(503, b"draining\n")
            return Reply(200, b"ok\n")
        try:
            return Reply(200, self.metrics.render(), CONTENT_TYPE)
        except Exception:  # metrics never take the relay down
            log.exception("rendering /metrics failed")
            return Reply(500, b"metrics failed\n")

    def refuse(self, cause: Cause, status: int, text: str, path: str) -> Reply:
        """Count and log one failed handshake (one line, no header value); the reply to send."""
        self.handshake_failed(cause, f"HTTP {status}", path)
        headers = (("Upgrade", "websocket"),) if status == 426 else ()
        return Reply(status, (text + "\n").encode(), headers=headers)

    def handshake_failed(self, cause: Cause, detail: str, path: str) -> None:
        self.metrics.handshake_failed(cause)
        log.warning("handshake failed (%s) for %s: %s", cause, _loggable(path), detail)

    # --- sessions ----------------------------------------------------------------

    def start(self, upgrade: Upgrade) -> Session:
        """A new session for an accepted upgrade, counted and logged."""
        number = next(self._numbers)
        found = route(upgrade.path)
        endpoint = found.endpoint
        capture = self._shared_capture
        if self._per_session:
            assert self.config.capture is not None
            try:
                capture = CaptureWriter(
                    self.config.capture.format(session=number),
                    flush_interval=self.config.flush_interval,
                )
            except Exception as exc:
                self.metrics.capture_errors += 1
                log.error("session %d: capture not opened: %s", number, type(exc).__name__)
                capture = None
        # The registry keeps one decoder pair per frame limit, shared by every session.
        decode_client, decode_server = endpoint.decoders(self.config.max_size)
        session = Session(
            self,
            number,
            upgrade.path,
            endpoint.protocol,
            decode_client,
            decode_server,
            endpoint.error_event,
            capture,
            owns_capture=self._per_session,
        )
        session.connection = endpoint.connection
        session.session_id = found.session_id
        self.sessions[number] = session
        self.metrics.opened(endpoint.name)
        if found.session_id is None:
            log.info("session %d opened: %s (%s)", number, _loggable(upgrade.path), endpoint.name)
        else:
            log.info(
                "session %d opened: %s (%s, session id %s)",
                number,
                _loggable(upgrade.path),
                endpoint.name,
                _loggable(found.session_id),
            )
        return session


def _upgrading(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "upgrade" for name, _ in headers)


def _loggable(path: str) -> str:
    """A path for a log line: secrets masked, cut short (it is the client's text)."""
    text = redact(path.encode("utf-8", "replace").decode("ascii", "replace"))
    return text if len(text) <= 200 else text[:200] + "..."


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
        core: RelayCore,
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
        return Verdict(answer=answer, forward=self._core.config.forward_invalid)

    def _log_invalid(self, sender: Direction, exc: DecodeError) -> None:
        self._core.metrics.invalid_frame(sender, exc.code)
        log.warning(
            "session %d: invalid %s event %s (event_id %s): %s",
            self.number,
            sender,
            _loggable(exc.event_type) if exc.event_type is not None else None,
            _loggable(exc.event_id) if exc.event_id is not None else None,
            redact(str(exc)),
        )

    def _unknown(self, sender: Direction, event: Unknown) -> None:
        if sender == "client":
            self.client_unknown += 1
        else:
            self.server_unknown += 1
        if self._core.metrics.unknown_type(event.type):
            log.info(
                "session %d: first %s event of unknown type %s",
                self.number,
                sender,
                _loggable(event.type[:64]),
            )

    def _bad_text(self, sender: Direction) -> Verdict:
        self._core.metrics.invalid_frame(sender, "invalid_utf8")
        log.warning("session %d: %s sent a text frame that is not UTF-8", self.number, sender)
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
                    "session %d: capture write failed (%s); the session goes on",
                    self.number,
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
            "session %d: internal error (%s), closing with 1011",
            self.number,
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
                log.error("session %d: capture close failed: %s", self.number, type(exc).__name__)
        log.info(
            "session %d closed: client %s, upstream %s",
            self.number,
            self.client_code,
            self.upstream_code,
        )
