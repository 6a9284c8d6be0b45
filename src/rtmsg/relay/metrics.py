"""The relay's metrics: plain integers on the hot path, Prometheus families at scrape time.

A frame costs the relay a couple of integer increments on its session (see
:class:`~rtmsg.relay._core.Session`); a finished session's counts are folded into
:class:`Metrics`, and :meth:`Metrics.render` adds the open sessions' counts when
``GET /metrics`` asks. ``prometheus_client`` formats the text (its custom-collector API), so
the exposition is the library's and the hot path pays nothing for it.

Every label is a small closed set: ``protocol`` (the registered protocol names),
``direction`` (``client``, ``server``), ``outcome`` (``known``, ``unknown``, ``invalid``),
``code`` (the codec's error codes, or a close code: the standard ones by number, private
ones as ``3xxx`` and ``4xxx``), ``cause`` (:data:`~rtmsg.relay._handshake.Cause`), ``side``
(``client``, ``upstream``). No session id, type string from the wire or header value is ever
a label: the unknown types are counted (up to :data:`MAX_UNKNOWN_TYPES`), and named in the log.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Final, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

__all__ = ["CONNECT_BUCKETS", "CONTENT_TYPE", "MAX_UNKNOWN_TYPES", "Metrics", "close_label"]

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
"""The media type of the Prometheus text format."""

CONNECT_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds, in seconds, of the upstream connect time histogram (``+Inf`` added)."""

MAX_UNKNOWN_TYPES: Final = 1000
"""How many distinct unknown event types the relay remembers (and counts, and logs once)."""

_STANDARD_CLOSES: Final = frozenset({*range(1000, 1004), *range(1005, 1016)})


class Session(Protocol):
    """The counts of one session (:class:`rtmsg.relay._core.Session`)."""

    @property
    def name(self) -> str: ...

    client_known: int
    client_unknown: int
    client_bytes: int
    server_known: int
    server_unknown: int
    server_bytes: int


def close_label(code: int) -> str:
    """A close code as a label value: standard codes by number, private ranges as classes."""
    if code in _STANDARD_CLOSES:
        return str(code)
    if 3000 <= code < 5000:
        return f"{code // 1000}xxx"
    return "other"


class Metrics:
    """The relay's counters; ``live`` gives the open sessions, whose counts are not folded yet."""

    def __init__(self, live: Callable[[], Iterable[Session]]) -> None:
        self._live = live
        self.draining = False
        self.sessions_total: dict[str, int] = {}
        self.sessions_open: dict[str, int] = {}
        # (direction, outcome) for known and unknown frames, folded from finished sessions.
        self.frames: dict[tuple[str, str], int] = {}
        # (direction, code) of invalid frames: rare, counted as they happen.
        self.invalid: dict[tuple[str, str], int] = {}
        self.bytes: dict[str, int] = {"client": 0, "server": 0}
        self.unknown_types: set[str] = set()
        self.handshake_failures: dict[str, int] = {}
        self.closes: dict[tuple[str, str], int] = {}
        self.capture_errors = 0
        self.internal_errors = 0
        self._buckets = [0] * (len(CONNECT_BUCKETS) + 1)
        self._connect_sum = 0.0
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(_Collector(self))

    # --- updates (cold path: once per session or per rare event) ----------------

    def opened(self, protocol: str) -> None:
        self.sessions_total[protocol] = self.sessions_total.get(protocol, 0) + 1
        self.sessions_open[protocol] = self.sessions_open.get(protocol, 0) + 1

    def closed(self, session: Session) -> None:
        """Fold a finished session's counts in."""
        self.sessions_open[session.name] -= 1
        for key, count in _session_frames(session):
            self.frames[key] = self.frames.get(key, 0) + count
        self.bytes["client"] += session.client_bytes
        self.bytes["server"] += session.server_bytes

    def connect_time(self, seconds: float) -> None:
        self._buckets[bisect.bisect_left(CONNECT_BUCKETS, seconds)] += 1
        self._connect_sum += seconds

    def handshake_failed(self, cause: str) -> None:
        self.handshake_failures[cause] = self.handshake_failures.get(cause, 0) + 1

    def leg_closed(self, side: str, code: int) -> None:
        key = (side, close_label(code))
        self.closes[key] = self.closes.get(key, 0) + 1

    def invalid_frame(self, direction: str, code: str) -> None:
        key = (direction, code)
        self.invalid[key] = self.invalid.get(key, 0) + 1

    def unknown_type(self, event_type: str) -> bool:
        """Remember ``event_type``; whether it is new (and remembered)."""
        if event_type in self.unknown_types or len(self.unknown_types) >= MAX_UNKNOWN_TYPES:
            return False
        self.unknown_types.add(event_type)
        return True

    # --- scrape -----------------------------------------------------------------

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric, open sessions included."""
        return generate_latest(self._registry)

    def families(self) -> Iterator[Metric]:
        live = list(self._live())
        frames = dict(self.frames)
        sent = dict(self.bytes)
        for session in live:
            for key, count in _session_frames(session):
                frames[key] = frames.get(key, 0) + count
            sent["client"] += session.client_bytes
            sent["server"] += session.server_bytes

        gauge = GaugeMetricFamily(
            "rtmsg_relay_sessions_open", "Sessions open now, by protocol.", labels=["protocol"]
        )
        for protocol, count in sorted(self.sessions_open.items()):
            gauge.add_metric([protocol], count)
        yield gauge
        family = CounterMetricFamily(
            "rtmsg_relay_sessions", "Sessions opened, by protocol.", labels=["protocol"]
        )
        for protocol, count in sorted(self.sessions_total.items()):
            family.add_metric([protocol], count)
        yield family
        family = CounterMetricFamily(
            "rtmsg_relay_frames",
            "Frames received, by sender and outcome of their decode (code: the error code of "
            "an invalid frame).",
            labels=["direction", "outcome", "code"],
        )
        for (direction, outcome), count in sorted(frames.items()):
            family.add_metric([direction, outcome, ""], count)
        for (direction, code), count in sorted(self.invalid.items()):
            family.add_metric([direction, "invalid", code], count)
        yield family
        family = CounterMetricFamily(
            "rtmsg_relay_bytes", "Payload bytes received, by sender.", labels=["direction"]
        )
        for direction, count in sorted(sent.items()):
            family.add_metric([direction], count)
        yield family
        yield GaugeMetricFamily(
            "rtmsg_relay_unknown_types_seen",
            f"Distinct unknown event types seen (at most {MAX_UNKNOWN_TYPES}; the log names each).",
            value=len(self.unknown_types),
        )
        cumulative, buckets = 0, []
        for bound, count in zip((*CONNECT_BUCKETS, float("inf")), self._buckets, strict=True):
            cumulative += count
            buckets.append((_bound(bound), cumulative))
        yield HistogramMetricFamily(
            "rtmsg_relay_upstream_connect_seconds",
            "Time to open the upstream WebSocket connection (TCP, TLS and handshake).",
            buckets=buckets,
            sum_value=self._connect_sum,
        )
        family = CounterMetricFamily(
            "rtmsg_relay_handshake_failures",
            "Opening handshakes that did not become a session, by cause.",
            labels=["cause"],
        )
        for cause, count in sorted(self.handshake_failures.items()):
            family.add_metric([cause], count)
        yield family
        family = CounterMetricFamily(
            "rtmsg_relay_closes",
            "Legs of sessions closed, by side and the close code that leg ended with.",
            labels=["side", "code"],
        )
        for (side, code), count in sorted(self.closes.items()):
            family.add_metric([side, code], count)
        yield family
        yield CounterMetricFamily(
            "rtmsg_relay_capture_errors",
            "Capture writes or opens that failed (the session went on without them).",
            value=self.capture_errors,
        )
        yield CounterMetricFamily(
            "rtmsg_relay_internal_errors",
            "Sessions ended by an unexpected error in the relay (closed with 1011).",
            value=self.internal_errors,
        )
        yield GaugeMetricFamily(
            "rtmsg_relay_draining",
            "1 while the relay drains (refusing new sessions), else 0.",
            value=int(self.draining),
        )


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


def _session_frames(session: Session) -> Iterator[tuple[tuple[str, str], int]]:
    yield ("client", "known"), session.client_known
    yield ("client", "unknown"), session.client_unknown
    yield ("server", "known"), session.server_known
    yield ("server", "unknown"), session.server_unknown


class _Collector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return self._metrics.families()
