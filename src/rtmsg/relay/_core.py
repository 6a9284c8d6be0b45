"""The relay's logic without I/O: handshakes, sessions, captures and counts, written once.

A transport adapter (:mod:`._websockets`, :mod:`._picows`) owns the sockets and feeds this
core what happens on them; the core says what to do:

- :meth:`RelayCore.request` reads an HTTP request: an :class:`~._handshake.Upgrade` to open
  upstream, or a :class:`Reply` (``/healthz``, ``/metrics``, a refusal) to answer with;
- :meth:`RelayCore.start` turns an upgrade into a :class:`~._session.Session`, which judges
  each message and says how each leg is closed (:mod:`._session`, :mod:`._closes`).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import urllib.parse
from typing import Final

from ..capture import CaptureWriter
from ..capture.writer import DEFAULT_COMPRESSLEVEL, DEFAULT_FLUSH_INTERVAL
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..protocols import route
from ._handshake import Cause, Refusal, Upgrade, read_request
from ._logging import loggable
from ._session import Session
from .metrics import CONTENT_TYPE, Metrics

__all__ = ["Config", "RelayCore", "Reply"]

log = logging.getLogger("rtmsg.relay")

HEALTH_PATH: Final = "/healthz"
METRICS_PATH: Final = "/metrics"


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    """What every session of a relay shares; see :class:`~rtmsg.relay.Relay` for each option."""

    upstream: str
    capture: str | None = None
    flush_interval: float = DEFAULT_FLUSH_INTERVAL
    capture_level: int = DEFAULT_COMPRESSLEVEL
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
        if not 0 <= self.capture_level <= 9:
            raise ValueError(f"capture level must be from 0 to 9, not {self.capture_level}")

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
            CaptureWriter(
                config.capture,
                flush_interval=config.flush_interval,
                compresslevel=config.capture_level,
            )
            if config.capture is not None and not self._per_session
            else None
        )

    @property
    def forward_invalid(self) -> bool:
        return self.config.forward_invalid

    @property
    def draining(self) -> bool:
        return self.metrics.draining

    def drain(self) -> None:
        """Stop accepting sessions: ``/healthz`` says 503 and upgrades are refused."""
        if not self.metrics.draining:
            open_ = len(self.sessions)
            log.warning(
                "draining: %d session%s open, refusing new ones", open_, "" if open_ == 1 else "s"
            )
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
        log.warning("handshake failed (%s) for %s: %s", cause, loggable(path), detail)

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
                    compresslevel=self.config.capture_level,
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
        if log.isEnabledFor(logging.INFO):  # the path is masked only for a line that is written
            what = endpoint.name
            if found.session_id is not None:
                what += f", session id {loggable(found.session_id)}"
            log.info("session %d opened: %s (%s)", number, loggable(upgrade.path), what)
        return session


def _upgrading(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "upgrade" for name, _ in headers)
