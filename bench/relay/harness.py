"""The relay benchmark's run: which relays, which loads, in which order, and what is measured.

Every process has its own: the upstream sink (:mod:`bench.relay.sink`), each relay under
test, and the load generators (:mod:`bench.relay.load`, ``Settings.workers`` processes sharing
the sessions). All listen on 127.0.0.1 on ports the OS chooses; all are stopped when the run
ends, fails or is interrupted (:mod:`bench.relay.processes`).

The relays are started once and stay up; each workload then runs against each relay in
turn, pass after pass, the order rotating from pass to pass (A B C, B C A, C A B), so that a
slow spell of the machine falls on all of them alike. One run: the load generators open the
sessions, start the load together, let it settle (``warmup``), then the harness marks the
start and the end of the measured window. At each mark it reads the CPU time of the relay,
the sink and the load generators from /proc (:mod:`bench.relay.procstat`) and the frame
counters of the sink and the clients. A frame relayed is one the sink received or a client
received in the window: relay CPU per frame is the relay's CPU seconds over the window
divided by those frames. ``direct`` runs the same load straight to the sink, no relay: its
figures are the load generator's and the sink's own, and its round trips the baseline of the
voice loads' added latency.

``rtmsg relay`` is driven through its command line only (``python -m rtmsg relay``), so the
harness measures whatever relay the checkout has. Options it may not have are looked for in
``rtmsg relay --help`` first: ``--transport`` (each transport it accepts gets its rows; without
the option the relay is the websockets relay it has always been) and ``--flush-interval``; its
``/metrics`` endpoint is looked for by asking it. What is missing is reported as not available,
and the targets that need it as not judged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bench.relay import frames
from bench.relay.processes import Channel, Child, ChildError, Children
from bench.relay.procstat import ProcError, cpu_seconds, thread_cpu_seconds
from bench.relay.report import percentile

__all__ = [
    "FULL",
    "QUICK",
    "RelayCli",
    "RelaySpec",
    "Settings",
    "Workload",
    "parse_help",
    "probe_cli",
    "relay_specs",
    "rotations",
    "run",
    "workloads",
]

TRANSPORTS: Final = ("picows", "websockets")
FAST: Final = "picows"
PATH: Final = "/v1/realtime?model=gpt-realtime"
_ANSWER_S: Final = 30.0  # how long a busy sink or load generator may take to answer a mark


@dataclass(frozen=True)
class Settings:
    """The sizes of a run. ``FULL`` is ``make relay-bench``'s; ``QUICK`` proves the harness."""

    passes: int = 3
    workers: int = 2
    warmup_s: float = 0.3
    window_s: float = 1.5
    flood_sessions: int = 8
    flood_window: int = 16
    short_lanes: int = 16
    short_requests: int = 2
    voice_sessions: tuple[int, ...] = (200, 1000)
    voice_rate: float = 50.0
    voice_warmup_s: float = 0.5
    voice_window_s: float = 2.0
    deadline_ms: float = 100.0
    grace_s: float = 1.0
    scrape_every_s: float = 1.0
    quick: bool = False

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FULL: Final = Settings()
QUICK: Final = Settings(
    passes=1,
    warmup_s=0.1,
    window_s=0.3,
    flood_sessions=2,
    flood_window=4,
    short_lanes=2,
    voice_sessions=(20, 50),
    voice_warmup_s=0.2,
    voice_window_s=0.4,
    grace_s=0.3,
    scrape_every_s=0.2,
    quick=True,
)


@dataclass(frozen=True)
class Workload:
    """One load: its name in the results, what the load generators are told, its timing."""

    name: str
    title: str
    sessions: int
    command: dict[str, Any]
    warmup_s: float
    window_s: float
    voice: bool = False


def workloads(settings: Settings) -> list[Workload]:
    """The loads of a run, in the order they run."""
    flood = {"workload": "flood", "window": settings.flood_window}
    voice = {"workload": "voice", "rate": settings.voice_rate}
    loads = [
        Workload(
            "flood",
            "20 ms audio flood",
            settings.flood_sessions,
            {**flood, "request": "append"},
            settings.warmup_s,
            settings.window_s,
        ),
        Workload(
            "small",
            "small frames",
            settings.flood_sessions,
            {**flood, "request": "clear"},
            settings.warmup_s,
            settings.window_s,
        ),
        Workload(
            "short",
            "short sessions",
            settings.short_lanes,
            {"workload": "short", "requests": settings.short_requests},
            settings.warmup_s,
            settings.window_s,
        ),
    ]
    loads += [
        Workload(
            f"voice-{n}",
            f"{n:,} voice sessions",
            n,
            voice,
            settings.voice_warmup_s,
            settings.voice_window_s,
            voice=True,
        )
        for n in settings.voice_sessions
    ]
    return loads


# --- what the relay offers ---------------------------------------------------------------


@dataclass(frozen=True)
class RelayCli:
    """What ``rtmsg relay`` accepts: its transports (``None``: no ``--transport`` option)."""

    transports: tuple[str, ...] | None
    flush_interval: bool

    def offered(self) -> tuple[str, ...]:
        """The transports there are rows for; a relay without the option is websockets."""
        return ("websockets",) if self.transports is None else self.transports

    def judged(self) -> str:
        """The transport the targets are judged on: the fast one if offered."""
        offered = self.offered()
        return FAST if FAST in offered else offered[0]


def parse_help(text: str) -> tuple[bool, bool]:
    """Whether ``rtmsg relay --help`` lists ``--transport`` and ``--flush-interval``."""
    return (
        re.search(r"(?m)^\s*--transport\b", text) is not None
        or re.search(r"\s--transport[\s=]", text) is not None,
        re.search(r"--flush-interval\b", text) is not None,
    )


def _relay_help(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rtmsg", "relay", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def probe_cli() -> RelayCli:
    """Ask ``rtmsg relay --help`` what it offers; a transport counts if ``--transport`` takes it."""
    shown = _relay_help()
    if shown.returncode != 0:
        raise ChildError(f"`rtmsg relay --help` failed: {shown.stderr.strip()[-400:]}")
    has_transport, flush = parse_help(shown.stdout)
    if not has_transport:
        return RelayCli(transports=None, flush_interval=flush)
    accepted = tuple(t for t in TRANSPORTS if _relay_help("--transport", t).returncode == 0)
    return RelayCli(transports=accepted, flush_interval=flush)


# --- the relays under test ---------------------------------------------------------------


@dataclass(frozen=True)
class RelaySpec:
    """A row of the report: a relay (or ``direct``: none), how to start it, what it runs."""

    id: str
    label: str
    kind: str  # rtmsg | raw | decode | direct
    transport: str | None
    variant: str  # plain | capture | capture-flush-0
    workloads: tuple[str, ...]
    argv: tuple[str, ...] = ()  # without --listen and --upstream
    available: bool = True
    reason: str = ""
    scrape: bool = False
    capture: bool = False

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def relay_specs(cli: RelayCli, names: Sequence[str]) -> list[RelaySpec]:
    """Every row of a run, available or not, for the workloads ``names``."""
    every = tuple(names)
    split = tuple(n for n in ("flood", "small") if n in names)
    floods = tuple(n for n in ("flood",) if n in names)
    specs = [
        RelaySpec("direct", "no relay (load straight to the sink)", "direct", None, "plain", every)
    ]
    for transport in TRANSPORTS:
        option = () if cli.transports is None else ("--transport", transport)
        label = f"`rtmsg relay`, {transport}"
        if transport in cli.offered():
            specs.append(
                RelaySpec(
                    f"rtmsg:{transport}",
                    label,
                    "rtmsg",
                    transport,
                    "plain",
                    every,
                    ("python", "-m", "rtmsg", "relay", *option),
                )
            )
        else:
            why = (
                "`rtmsg relay` has no --transport option"
                if cli.transports is None
                else f"`rtmsg relay --transport {transport}` is refused"
            )
            specs.append(
                RelaySpec(
                    f"rtmsg:{transport}", label, "rtmsg", transport, "plain", every,
                    available=False, reason=why,
                )
            )  # fmt: skip
    judged = cli.judged()
    option = () if cli.transports is None else ("--transport", judged)
    base = ("python", "-m", "rtmsg", "relay", *option)
    specs.append(
        RelaySpec(
            f"rtmsg:{judged}+capture",
            f"`rtmsg relay`, {judged}, gzip capture, /metrics scraped",
            "rtmsg",
            judged,
            "capture",
            floods,
            base,
            scrape=True,
            capture=True,
        )
    )
    flush0 = RelaySpec(
        f"rtmsg:{judged}+capture:flush-0",
        f"`rtmsg relay`, {judged}, gzip capture, /metrics scraped, --flush-interval 0",
        "rtmsg",
        judged,
        "capture-flush-0",
        floods,
        (*base, "--flush-interval", "0"),
        scrape=True,
        capture=True,
    )
    if not cli.flush_interval:
        flush0 = dataclasses.replace(
            flush0, argv=(), available=False, reason="`rtmsg relay` has no --flush-interval option"
        )
    specs.append(flush0)
    for transport in TRANSPORTS:
        forward = ("python", "-m", "bench.relay.forward", "--transport", transport)
        specs.append(
            RelaySpec(
                f"raw:{transport}",
                f"raw forward, {transport}" + (" + uvloop" if transport == "picows" else ""),
                "raw",
                transport,
                "plain",
                every,
                forward,
            )
        )
    specs.append(
        RelaySpec(
            "decode:picows",
            "raw forward + rtmsg decode, picows + uvloop",
            "decode",
            "picows",
            "plain",
            split,
            ("python", "-m", "bench.relay.forward", "--transport", "picows", "--decode"),
        )
    )
    return specs


def rotations(items: Sequence[str], passes: int) -> Iterator[tuple[int, list[str]]]:
    """Each pass's order: the list rotated by one more each pass (A B C, B C A, ...)."""
    for number in range(passes):
        shift = number % len(items) if items else 0
        yield number + 1, [*items[shift:], *items[:shift]]


# --- running -----------------------------------------------------------------------------


@dataclass
class Running:
    """A started relay (``child`` is ``None`` for ``direct``)."""

    spec: RelaySpec
    child: Child | None
    port: int
    metrics: bool | None = None
    capture_dir: Path | None = None
    dead: str = ""


def metrics_served(port: int, timeout: float = 3.0) -> bool:
    """Whether ``GET /metrics`` on ``port`` answers 200 with Prometheus text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        body = response.read(1 << 20)
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return response.status == 200 and (b"# TYPE" in body or b"# HELP" in body)


class Scraper:
    """Scrapes ``/metrics`` every ``every`` seconds on a thread, as Prometheus would."""

    def __init__(self, port: int, every: float) -> None:
        self.port, self.every = port, every
        self.ok = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Scraper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            if metrics_served(self.port):
                self.ok += 1
            else:
                self.failed += 1


@dataclass
class Mark:
    """CPU times read by the harness at ``t``, and the counters the processes answered."""

    t: float
    cpu: dict[str, float]
    sink: dict[str, Any]
    workers: list[dict[str, Any]]
    idle: bool = True


@dataclass
class Bench:
    """The processes of a run and how to drive them."""

    settings: Settings
    children: Children
    sink: Channel
    workers: list[Channel]
    upstream: str
    running: dict[str, Running] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def _cpu(self, relay: Running) -> dict[str, float]:
        pids = {"sink": self.sink.child.pid}
        pids.update({f"worker{i}": w.child.pid for i, w in enumerate(self.workers)})
        if relay.child is not None:
            pids["relay"] = relay.child.pid
        try:
            cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
            if relay.child is not None:
                # The main thread: the relay's event loop, without its capture's thread.
                cpu["relay_loop"] = thread_cpu_seconds(relay.child.pid)
        except ProcError as exc:
            raise ChildError(str(exc)) from None
        return cpu

    def _mark(self, relay: Running, active: Sequence[Channel]) -> Mark:
        for channel in (self.sink, *active):
            channel.send({"op": "mark"})
        cpu = self._cpu(relay)
        t = time.perf_counter()
        return Mark(t, cpu, self.sink.recv(_ANSWER_S), [w.recv(_ANSWER_S) for w in active])

    def _wait_idle(self, relay: Running, timeout: float = 3.0) -> bool:
        """Wait until the relay's CPU time stops moving (its sessions torn down, what it
        deferred done); whether it did within ``timeout``."""
        if relay.child is None:
            return True
        deadline = time.monotonic() + timeout
        with contextlib.suppress(ProcError):
            last = cpu_seconds(relay.child.pid)
            while time.monotonic() < deadline:
                time.sleep(0.1)
                now = cpu_seconds(relay.child.pid)
                if now - last < 0.005:
                    return True
                last = now
        return False

    def _settled(self, relay: Running) -> Mark:
        """CPU times and the sink's counters once the relay is idle after a run."""
        idle = self._wait_idle(relay)
        self.sink.send({"op": "mark"})
        cpu = self._cpu(relay)
        return Mark(time.perf_counter(), cpu, self.sink.recv(_ANSWER_S), [], idle=idle)

    def measure(self, relay: Running, workload: Workload, number: int) -> dict[str, Any]:
        """One run of ``workload`` through ``relay``; the record the report reads."""
        settings, count = self.settings, len(self.workers)
        shares = [
            workload.sessions // count + (i < workload.sessions % count) for i in range(count)
        ]
        active = [(w, share) for w, share in zip(self.workers, shares, strict=True) if share]
        url = f"ws://127.0.0.1:{relay.port}{PATH}"
        record: dict[str, Any] = {"workload": workload.name, "relay": relay.spec.id, "pass": number}
        started: list[Channel] = []
        scraper = Scraper(relay.port, settings.scrape_every_s) if relay.spec.scrape else None
        try:
            for channel, share in active:
                start = {"op": "start", "url": url, "sessions": share, "timeout": 30.0}
                channel.send(start | workload.command)
                started.append(channel)
            connect = max(
                float(c.recv(30.0 + 0.05 * workload.sessions)["connect_s"]) for c in started
            )
            for channel in started:
                channel.send({"op": "go"})
            for channel in started:
                channel.recv(_ANSWER_S)
            with scraper or contextlib.nullcontext():
                time.sleep(workload.warmup_s)
                first = self._mark(relay, started)
                time.sleep(workload.window_s)
                last = self._mark(relay, started)
            stops = [
                c.ask({"op": "stop", "grace": settings.grace_s}, settings.grace_s + 60)
                for c in started
            ]
            settled = self._settled(relay)
        except ChildError as exc:
            record.update(ok=False, error=str(exc))
            self._abandon(started, relay)
            self._wait_idle(relay)
        else:
            record.update(ok=True, **_figures(workload, settings, first, last, stops, connect))
            record.update(_settled_figures(first, settled, stops))
            if scraper is not None:
                record["scrapes"] = {"ok": scraper.ok, "failed": scraper.failed}
        if relay.capture_dir is not None:
            for path in relay.capture_dir.iterdir():
                path.unlink(missing_ok=True)
        return record

    def _abandon(self, started: Sequence[Channel], relay: Running) -> None:
        """After a failed run: stop the load wherever it got to; fail if a helper died."""
        for channel in (self.sink, *self.workers):
            if not channel.child.alive():
                raise ChildError(channel.child.failure())
        for channel in started:
            with contextlib.suppress(ChildError):
                channel.ask({"op": "stop", "grace": 0}, 60)
        if relay.child is not None and not relay.child.alive():
            relay.dead = relay.child.failure()


def _figures(
    workload: Workload,
    settings: Settings,
    first: Mark,
    last: Mark,
    stops: Sequence[dict[str, Any]],
    connect_s: float,
) -> dict[str, Any]:
    """The run's record from its two marks and the load generators' final answers.

    The window is the harness's, between its two readings of CPU time. A process answers a
    mark when it gets to it, a little later, and says when it read its counters: each
    counter is taken as its rate over the process's own interval times the window, so that a
    busy process that answers late does not stretch the frame count. ``mark_skew_s`` is the
    longest such delay.
    """
    window = last.t - first.t

    def scaled(a: dict[str, Any], b: dict[str, Any], key: str) -> float:
        span = float(b["t"]) - float(a["t"])
        count = int(b[key]) - int(a[key])
        return count * window / span if span > 0 else float(count)

    def delta(key: str) -> int:
        return round(
            sum(scaled(a, b, key) for a, b in zip(first.workers, last.workers, strict=True))
        )

    requests = round(scaled(first.sink, last.sink, "received"))
    answers = delta("received")
    cpu = {name: last.cpu[name] - first.cpu[name] for name in last.cpu}
    skew = max(
        abs(float(reply["t"]) - mark.t)
        for mark in (first, last)
        for reply in (mark.sink, *mark.workers)
    )
    figures: dict[str, Any] = {
        "window_s": window,
        "mark_skew_s": skew,
        "connect_s": connect_s,
        "frames": requests + answers,
        "requests": requests,
        "answers": answers,
        "sent": delta("sent"),
        "sessions": delta("sessions"),
        "skipped": delta("skipped"),
        "relay_cpu_s": cpu.get("relay"),
        "relay_loop_cpu_s": cpu.get("relay_loop"),
        "sink_cpu_s": cpu["sink"],
        "load_cpu_s": sum(v for k, v in cpu.items() if k.startswith("worker")),
        "errors": sorted({e for s in stops for e in s.get("errors", [])}),
    }
    if workload.voice:
        rtts = [r for s in stops for r in s["rtt_us"]]
        figures["nominal"] = workload.sessions * settings.voice_rate * window
        figures["rtt"] = rtt_summary(rtts, settings.deadline_ms)
    return figures


def _settled_figures(first: Mark, settled: Mark, stops: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """From the window's start until the relay is idle after the load stopped: what it spent
    on everything it relayed, work it deferred (a capture compressed and written on a
    thread a second later) and the sessions' closes included."""
    answers = sum(
        int(s["received"]) - int(w["received"]) for s, w in zip(stops, first.workers, strict=True)
    )
    requests = int(settled.sink["received"]) - int(first.sink["received"])
    relay, loop = settled.cpu.get("relay"), settled.cpu.get("relay_loop")
    return {
        "settled": {
            "s": settled.t - first.t,
            "idle": settled.idle,
            "frames": requests + answers,
            "relay_cpu_s": None if relay is None else relay - first.cpu["relay"],
            "relay_loop_cpu_s": None if loop is None else loop - first.cpu["relay_loop"],
        }
    }


def rtt_summary(rtts_us: Sequence[int], deadline_ms: float) -> dict[str, Any]:
    """Round trips of the window's appends (-1: never answered): counts and percentiles."""
    answered = sorted(r / 1000 for r in rtts_us if r >= 0)
    lost = len(rtts_us) - len(answered)
    ranked = answered + [float("inf")] * lost
    p50, p99 = percentile(ranked, 50), percentile(ranked, 99)
    return {
        "count": len(rtts_us),
        "answered": len(answered),
        "in_time": sum(1 for r in answered if r <= deadline_ms),
        "p50_ms": None if p50 is None or p50 == float("inf") else p50,
        "p99_ms": None if p99 is None or p99 == float("inf") else p99,
    }


def _start_relay(
    children: Children, spec: RelaySpec, upstream: str, tmp: Path, port: int = 0
) -> Running:
    """Start ``spec``'s relay listening on 127.0.0.1:``port`` (0: the OS chooses)."""
    if spec.kind == "direct":
        raise ValueError("direct has no process")
    argv = list(spec.argv)
    capture_dir = None
    if spec.capture:
        capture_dir = tmp / spec.id.replace(":", "-").replace("+", "-")
        capture_dir.mkdir(exist_ok=True)
        argv += ["--capture", str(capture_dir / "session-{session}.jsonl.gz")]
    if spec.kind == "rtmsg":
        argv += ["--listen", f"127.0.0.1:{port}", "--upstream", upstream]
    else:
        argv += ["--port", str(port), "--upstream", upstream]
    child = children.start(spec.id, argv)
    return Running(spec, child, 0, capture_dir=capture_dir)


def _free_port() -> int:
    """A port free at this moment, for a relay that refuses port 0 (another may take it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(children: Children, relay: Running, upstream: str, tmp: Path) -> Running:
    """``relay`` once it listens; one refusing ``--listen 127.0.0.1:0`` (a usage error, status
    2) is started again on a port free now. A relay that fails is returned with ``dead`` set."""
    assert relay.child is not None
    try:
        relay.port = relay.child.wait_listening()
        return relay
    except ChildError as exc:
        if relay.spec.kind != "rtmsg" or relay.child.popen.returncode != 2:
            relay.dead = str(exc)
            return relay
    again = _start_relay(children, relay.spec, upstream, tmp, port=_free_port())
    assert again.child is not None
    try:
        again.port = again.child.wait_listening()
    except ChildError as exc:
        again.dead = str(exc)
    return again


def run(
    settings: Settings,
    *,
    only: Sequence[str] = (),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the benchmark; return the results the report renders (see :mod:`bench.relay.report`)."""
    from bench.machine import describe, load_average

    began = time.perf_counter()
    machine = describe(
        ["rtmsg", "msgspec", "websockets", "picows", "uvloop", "aiofastnet", "prometheus-client"]
    )
    cli = probe_cli()
    loads = [w for w in workloads(settings) if not only or w.name in only]
    names = [w.name for w in loads]
    specs = relay_specs(cli, names)
    results: dict[str, Any] = {
        "schema": 1,
        "kind": "relay-bench",
        "quick": settings.quick,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "commit": _commit(),
        "settings": settings.as_json(),
        "cli": {"transports": cli.transports, "flush_interval": cli.flush_interval},
        "judged_transport": cli.judged(),
        "frames": frames.sizes(frames.build()),
        "workloads": [dataclasses.asdict(w) for w in loads],
        "relays": [spec.as_json() for spec in specs],
        "runs": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="rtmsg-relay-bench-"))
    try:
        with Children(tmp) as children:
            sink_child = children.start("sink", ["python", "-m", "bench.relay.sink"], commands=True)
            workers = [
                children.start(f"load{i}", ["python", "-m", "bench.relay.load"], commands=True)
                for i in range(settings.workers)
            ]
            sink_port = sink_child.wait_listening()
            upstream = f"ws://127.0.0.1:{sink_port}"
            bench = Bench(
                settings,
                children,
                Channel(sink_child),
                [Channel(w) for w in workers],
                upstream,
                log=log,
            )
            bench.running["direct"] = Running(specs[0], None, sink_port)
            for spec in specs:
                if spec.available and spec.kind != "direct" and set(spec.workloads) & set(names):
                    bench.running[spec.id] = _start_relay(children, spec, upstream, tmp)
            for rid, started in list(bench.running.items()):
                if started.child is not None:
                    bench.running[rid] = _listening(children, started, upstream, tmp)
            for relay in bench.running.values():
                if relay.spec.scrape and not relay.dead:
                    relay.metrics = metrics_served(relay.port)
            results["metrics"] = {
                rid: r.metrics for rid, r in bench.running.items() if r.spec.scrape
            }
            results["dead"] = {}
            for workload in loads:
                ids = [
                    s.id for s in specs if workload.name in s.workloads and s.id in bench.running
                ]
                for number, order in rotations(ids, settings.passes):
                    for rid in order:
                        relay = bench.running[rid]
                        if relay.dead:
                            record = {
                                "workload": workload.name,
                                "relay": rid,
                                "pass": number,
                                "ok": False,
                                "error": relay.dead,
                            }
                        else:
                            began_run = time.perf_counter()
                            record = bench.measure(relay, workload, number)
                            record["run_s"] = time.perf_counter() - began_run
                        results["runs"].append(record)
                        log(_progress(record, settings.passes))
            results["dead"] = {rid: r.dead for rid, r in bench.running.items() if r.dead}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["elapsed_s"] = time.perf_counter() - began
    results["load_average_end"] = load_average()
    return results


def _progress(record: dict[str, Any], passes: int) -> str:
    head = f"{record['workload']:>10} pass {record['pass']}/{passes}  {record['relay']:<34}"
    if not record.get("ok"):
        return f"{head} failed: {str(record.get('error', '')).splitlines()[0]}"
    frames, window = record["frames"], record["window_s"]
    text = f"{head} {frames / window:9,.0f} frames/s"
    if record.get("relay_cpu_s") is not None and frames:
        text += f"  {1e6 * record['relay_cpu_s'] / frames:7.1f} µs/frame"
        text += f" ({100 * record['relay_cpu_s'] / window:3.0f} % CPU"
        loop = record.get("relay_loop_cpu_s")
        if loop is not None and record["relay_cpu_s"] - loop > 0.1 * record["relay_cpu_s"]:
            text += f"; event loop {1e6 * loop / frames:.1f} µs/frame"
        text += ")"
    rtt = record.get("rtt")
    if rtt and rtt["count"]:
        text += f"  in time {100 * rtt['in_time'] / rtt['count']:5.1f} %"
    if record["mark_skew_s"] > 0.1 * window:
        text += f"  (counters read up to {record['mark_skew_s']:.2f} s late)"
    return text + f"  [{record.get('run_s', 0):.1f} s]"


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() + (" with uncommitted changes" if dirty.stdout.strip() else "")
