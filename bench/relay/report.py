"""The relay benchmark's report: figures, ratios and targets from a run's saved results.

``python -m bench.relay.report [JSON] [--output PATH]`` renders a saved run (by default the
last full one, ``.benchmarks/relay.json``), prints it and writes it to ``PATH`` (by default
``.benchmarks/relay-report.md``, which git ignores). ``--publish`` writes it to
``docs/relay-benchmark.md`` and its summary into the README's "What the relay costs" block
instead, re-rendered from the saved results without running anything.

Every figure is the median over the run's passes. A ratio between two relays is paired: the
ratio within each pass (both measured minutes apart in the same rotation), then the median
of those (:func:`bench.stats.paired`). Targets are judged on those medians; a quick run is
never judged, nor a full run of one pass (a median of one is no median).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.stats import paired

__all__ = [
    "TARGETS",
    "ReportError",
    "Results",
    "Target",
    "Verdict",
    "judge",
    "main",
    "percentile",
    "publish",
    "readme_block",
    "render",
    "summary",
]

ROOT: Final = Path(__file__).resolve().parent.parent.parent
DEFAULT_JSON: Final = ROOT / ".benchmarks" / "relay.json"
DEFAULT_OUTPUT: Final = ROOT / ".benchmarks" / "relay-report.md"
DOCS: Final = ROOT / "docs" / "relay-benchmark.md"
README: Final = ROOT / "README.md"
README_START: Final = (
    "<!-- relay-bench:start (written by `make relay-bench-publish`; edits here are lost) -->"
)
README_END: Final = "<!-- relay-bench:end -->"
FAST: Final = "picows"
SLOW: Final = "websockets"
IN_TIME: Final = 99.0  # % of voice appends answered in time for a relay to count as keeping up


ONE_PASS: Final = "one pass: a target is judged on the median of 2 passes or more"
UNCARRIED: Final = "the machine did not carry the load even without a relay"
UNFORWARDED: Final = "the machine did not carry the load through a relay that only forwards"


class ReportError(Exception):
    """Results that cannot be reported or published as asked; the message says why."""


def percentile(ranked: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q``-th percentile of ``ranked`` (sorted ascending); ``None`` if empty.

    The smallest value with at least ``q`` % of the values at or below it: p50 of 1..4 is 2,
    p99 of 100 values is the 99th, of 1000 the 990th.
    """
    if not ranked:
        return None
    if not 0 < q <= 100:
        raise ValueError(f"a percentile is in (0, 100], not {q}")
    return ranked[max(1, math.ceil(q / 100 * len(ranked))) - 1]


# --- per-run figures ---------------------------------------------------------------------

Run = dict[str, Any]
Figure = Callable[[Run], float | None]


def us_per_frame(run: Run) -> float | None:
    """Relay CPU µs per frame relayed (both directions) in the window."""
    cpu, frames = run.get("relay_cpu_s"), run.get("frames")
    return None if cpu is None or not frames else 1e6 * float(cpu) / float(frames)


def settled_us_per_frame(run: Run) -> float | None:
    """Relay CPU µs per frame from the window's start until it was idle after the load: work
    it deferred past the window (a capture compressed on a thread) included."""
    settled = run.get("settled")
    if not settled or settled.get("relay_cpu_s") is None or not settled.get("frames"):
        return us_per_frame(run)
    return 1e6 * float(settled["relay_cpu_s"]) / float(settled["frames"])


def loop_us_per_frame(run: Run) -> float | None:
    """The relay's event-loop CPU µs per frame in the window: its main thread's alone, without
    the threads beside it (a capture's compression), which the relay does not wait for."""
    cpu, frames = run.get("relay_loop_cpu_s"), run.get("frames")
    return None if cpu is None or not frames else 1e6 * float(cpu) / float(frames)


def settled_loop_us_per_frame(run: Run) -> float | None:
    """The event loop's CPU µs per frame until the relay was idle after the load."""
    settled = run.get("settled")
    if not settled or settled.get("relay_loop_cpu_s") is None or not settled.get("frames"):
        return loop_us_per_frame(run)
    return 1e6 * float(settled["relay_loop_cpu_s"]) / float(settled["frames"])


SETTLED: Final = frozenset({"flood", "small"})
"""The loads whose CPU per frame is counted until the relay is idle (see the loads)."""


def per_frame(workload: str) -> Figure:
    """The CPU per frame the report gives for ``workload``."""
    return settled_us_per_frame if workload in SETTLED else us_per_frame


def loop_per_frame(workload: str) -> Figure:
    """The event loop's CPU per frame the report gives for ``workload``."""
    return settled_loop_us_per_frame if workload in SETTLED else loop_us_per_frame


def cpu_percent(run: Run) -> float | None:
    """Relay CPU seconds per second of window, in % of one core."""
    cpu = run.get("relay_cpu_s")
    return None if cpu is None else 100 * float(cpu) / float(run["window_s"])


def ms_per_session(run: Run) -> float | None:
    """Relay CPU ms per short session completed in the window, its frames included."""
    cpu, sessions = run.get("relay_cpu_s"), run.get("sessions")
    return None if cpu is None or not sessions else 1e3 * float(cpu) / float(sessions)


def frames_per_s(run: Run) -> float | None:
    return float(run["frames"]) / float(run["window_s"])


def sessions_per_s(run: Run) -> float | None:
    return float(run["sessions"]) / float(run["window_s"])


def load_us_per_frame(run: Run) -> float | None:
    return 1e6 * float(run["load_cpu_s"]) / run["frames"] if run["frames"] else None


def load_percent(run: Run) -> float | None:
    return 100 * float(run["load_cpu_s"]) / float(run["window_s"])


def sink_us_per_frame(run: Run) -> float | None:
    return 1e6 * float(run["sink_cpu_s"]) / run["frames"] if run["frames"] else None


def in_time(run: Run) -> float | None:
    """Share of the window's appends answered within the deadline, in %."""
    rtt = run.get("rtt")
    return None if not rtt or not rtt["count"] else 100 * float(rtt["in_time"]) / rtt["count"]


def sent_share(run: Run) -> float | None:
    """Appends sent over those the schedule asked for, in %: below 100, the load lagged."""
    nominal = run.get("nominal")
    return None if not nominal else 100 * float(run["sent"]) / float(nominal)


def _rtt(key: str) -> Figure:
    def figure(run: Run) -> float | None:
        rtt = run.get("rtt")
        if not rtt or not rtt["count"]:
            return None
        value = rtt[key]
        return math.inf if value is None else float(value)

    return figure


p50_ms, p99_ms = _rtt("p50_ms"), _rtt("p99_ms")


# --- the results ---------------------------------------------------------------------------


class Results:
    """A run's saved results, with the lookups the report needs."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("kind") != "relay-bench":
            raise ReportError("not the results of a relay benchmark run")
        self.data = data
        self.settings: dict[str, Any] = data["settings"]
        self.relays: dict[str, dict[str, Any]] = {r["id"]: r for r in data["relays"]}
        self.workloads: dict[str, dict[str, Any]] = {w["name"]: w for w in data["workloads"]}
        self.passes = int(self.settings["passes"])
        self.judged: str = data["judged_transport"]

    @property
    def quick(self) -> bool:
        return bool(self.data.get("quick"))

    def voice(self, which: str) -> str:
        """The name of the smaller (``small``) or larger (``large``) voice workload."""
        counts = self.settings["voice_sessions"]
        return f"voice-{min(counts) if which == 'small' else max(counts)}"

    def runs(self, workload: str, relay: str) -> dict[int, Run]:
        """The successful runs of ``relay`` on ``workload``, by pass."""
        return {
            r["pass"]: r
            for r in self.data["runs"]
            if r["workload"] == workload and r["relay"] == relay and r.get("ok")
        }

    def failures(self, workload: str, relay: str) -> list[str]:
        return [
            str(r.get("error", "?"))
            for r in self.data["runs"]
            if r["workload"] == workload and r["relay"] == relay and not r.get("ok")
        ]

    def values(self, workload: str, relay: str, figure: Figure) -> list[float]:
        found = (figure(run) for run in self.runs(workload, relay).values())
        return [v for v in found if v is not None]

    def median(self, workload: str, relay: str, figure: Figure) -> float | None:
        values = self.values(workload, relay, figure)
        return statistics.median(values) if values else None

    def ratio(
        self, workload: str, relay: str, baseline: str, figure: Figure | None = None
    ) -> float | None:
        """``relay``'s figure (CPU per frame) over ``baseline``'s, paired by pass, median."""
        figure = figure or per_frame(workload)
        mine, theirs = self.runs(workload, relay), self.runs(workload, baseline)
        pairs = [(figure(mine[p]), figure(theirs[p])) for p in sorted(mine.keys() & theirs.keys())]
        kept = [(a, b) for a, b in pairs if a is not None and b is not None and a > 0 and b > 0]
        if not kept:
            return None
        return paired([a for a, _ in kept], [b for _, b in kept]).median

    def added(self, workload: str, relay: str, figure: Figure) -> float | None:
        """``relay``'s round-trip percentile minus the direct load's, pass by pass, median."""
        mine, direct = self.runs(workload, relay), self.runs(workload, "direct")
        diffs = []
        for number in sorted(mine.keys() & direct.keys()):
            a, b = figure(mine[number]), figure(direct[number])
            if a is not None and b is not None:
                diffs.append(a - b if math.isfinite(a) else math.inf)
        return statistics.median(diffs) if diffs else None

    def metrics_served(self, relay: str) -> bool | None:
        value = (self.data.get("metrics") or {}).get(relay)
        return None if value is None else bool(value)


# --- targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A goal on one figure; ``{fast}`` and ``{judged}`` name transports in ``relay``/``baseline``.

    ``figure`` is ``ratio`` (the relay's CPU per frame over the baseline's), ``loop`` (the same
    ratio of their event loops' CPU per frame, the whole process's given beside it),
    ``session`` (CPU ms per short session) or ``in_time`` (% of voice appends answered within
    the deadline).
    ``workload`` may be ``voice-small`` or ``voice-large``; ``{sessions}`` in ``name`` is the
    voice load's session count.
    """

    key: str
    name: str
    issue: int
    workload: str
    figure: str
    relay: str
    baseline: str | None
    limit: float
    at_least: bool = False

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit

    def bound(self) -> str:
        unit = {"ratio": "×", "loop": "×", "session": " ms", "in_time": " %"}[self.figure]
        return f"{'≥' if self.at_least else '≤'} {self.limit:g}{unit}"


def _floor(workload: str, title: str) -> Target:
    return Target(
        f"floor-{workload}",
        f"fast transport / its raw-forward floor, {title}",
        17,
        workload,
        "ratio",
        "rtmsg:{fast}",
        "raw:{fast}",
        1.3,
    )


TARGETS: Final = [
    _floor("flood", "audio flood"),
    _floor("small", "small frames"),
    _floor("short", "short sessions (handshakes included)"),
    _floor("voice-small", "{sessions} voice sessions"),
    _floor("voice-large", "{sessions} voice sessions"),
    Target(
        "versus-flood",
        "fast transport / websockets relay, audio flood",
        17,
        "flood",
        "ratio",
        "rtmsg:{fast}",
        "rtmsg:websockets",
        0.35,
    ),
    Target(
        "versus-voice",
        "fast transport / websockets relay, paced voice",
        17,
        "voice-small",
        "ratio",
        "rtmsg:{fast}",
        "rtmsg:websockets",
        0.35,
    ),
    Target(
        "session",
        "relay CPU per short session (handshakes, 2 round trips, close)",
        17,
        "short",
        "session",
        "rtmsg:{judged}",
        None,
        1.0,
    ),
    Target(
        "voice-large",
        "{sessions} voice sessions: appends answered in time",
        17,
        "voice-large",
        "in_time",
        "rtmsg:{judged}",
        None,
        IN_TIME,
        at_least=True,
    ),
    Target(
        "capture",
        "gzip capture + /metrics scraped each second / plain, audio flood, event loop",
        17,
        "flood",
        "loop",
        "rtmsg:{judged}+capture",
        "rtmsg:{judged}",
        1.5,
    ),
    Target(
        "flush",
        "capture flushed every interval / --flush-interval 0, audio flood",
        16,
        "flood",
        "ratio",
        "rtmsg:{judged}+capture",
        "rtmsg:{judged}+capture:flush-0",
        1.1,
    ),
]


@dataclass(frozen=True)
class Verdict:
    """A target's value and state: ``met``, ``not met``, ``n/a``, ``failed`` or ``not judged``."""

    target: Target
    name: str
    value: float | None
    state: str
    note: str = ""

    @property
    def judged(self) -> bool:
        return self.state in ("met", "not met")


def _resolve(template: str | None, results: Results) -> str | None:
    return None if template is None else str(template).format(fast=FAST, judged=results.judged)


def _workload(results: Results, name: str) -> str:
    return results.voice(name.removeprefix("voice-")) if name.startswith("voice-") else name


def _missing(results: Results, relay: str, workload: str) -> str | None:
    """Why ``relay`` has no figure on ``workload``, or ``None`` if it has one."""
    spec = results.relays.get(relay)
    if spec is None:
        return f"no {relay} row in this run"
    if not spec["available"]:
        return str(spec["reason"])
    if workload not in results.workloads:
        return f"the {workload} load did not run"
    failures = results.failures(workload, relay)
    if not results.runs(workload, relay):
        return "every run failed: " + (failures[0].splitlines()[0] if failures else "no run")
    return None


def judge(results: Results) -> list[Verdict]:
    """Every target, judged on the run's medians (never on a quick run)."""
    verdicts = []
    for target in TARGETS:
        relay = _resolve(target.relay, results)
        baseline = _resolve(target.baseline, results)
        assert relay is not None
        workload = _workload(results, target.workload)
        name = target.name
        if workload.startswith("voice-"):
            name = name.format(sessions=f"{int(workload.removeprefix('voice-')):,}")
        value: float | None = None
        missing = next(
            (m for m in (_missing(results, r, workload) for r in (relay, baseline) if r) if m),
            None,
        )
        ratio = target.figure in ("ratio", "loop")
        if ratio and baseline is not None and missing is None:
            figure = loop_per_frame(workload) if target.figure == "loop" else None
            value = results.ratio(workload, relay, baseline, figure)
        elif target.figure == "session" and missing is None:
            value = results.median(workload, relay, ms_per_session)
        elif target.figure == "in_time" and missing is None:
            value = results.median(workload, relay, in_time)
        note = f"on {results.judged}" if "{judged}" in target.relay else ""
        if target.figure == "loop" and baseline is not None and missing is None:
            whole = results.ratio(workload, relay, baseline)
            note += (
                "; the whole process, the capture's compression thread included: "
                f"{_num(whole, 2, '×')}, the machine's cost of compressing"
            )
        if missing is not None:
            state, note = "n/a", missing
        elif value is None:
            state, note = "failed", "no figure"
        elif target.key == "capture" and not results.metrics_served(relay):
            state, note = "n/a", "/metrics not served: the figure is the capture's alone"
        elif results.quick:
            state = "not judged"
        elif results.passes < 2:
            state = "not judged"
            note = "; ".join(filter(None, [note, ONE_PASS]))
        else:
            state = "met" if target.met(value) else "not met"
        if ratio and baseline is not None and missing is None:
            behind = [
                f"{r} answered {_num(share, 1, ' %')} in time"
                for r in (relay, baseline)
                if (share := results.median(workload, r, in_time)) is not None and share < IN_TIME
            ]
            if behind:
                note = "; ".join(filter(None, [note, *behind]))
                note += ": a relay behind spends differently per frame than one keeping up"
            direct = results.median(workload, "direct", in_time)
            if direct is not None and direct < IN_TIME:
                uncarried = f"direct to the sink: {_num(direct, 1, ' %')}: {UNCARRIED}"
                note = "; ".join(filter(None, [note, uncarried]))
                if state in ("met", "not met"):
                    state = "n/a"
        if target.figure == "in_time" and missing is None:
            direct = results.median(workload, "direct", in_time)
            note += f"; direct to the sink: {_num(direct, 1, ' %')}"
            if state == "not met" and direct is not None and not target.met(direct):
                state = "n/a"
                note += f": {UNCARRIED}"
            # A relay that only forwards, on the same transport, falling behind as well: what
            # is measured is the machine (the load generator, the sink and a relay on two
            # cores), not what the relay adds.
            floor = f"raw:{results.judged}"
            share = None
            if _missing(results, floor, workload) is None:
                share = results.median(workload, floor, in_time)
            if state == "not met" and share is not None and not target.met(share):
                state = "n/a"
                note += f"; raw forward on {results.judged}: {_num(share, 1, ' %')}: {UNFORWARDED}"
        verdicts.append(Verdict(target, name, value, state, note))
    return verdicts


def summary(verdicts: Sequence[Verdict], *, quick: bool = False, passes: int = 2) -> str:
    """The report's last line: how many targets were met, and which were not or could not be."""
    if quick:
        return "quick run: the harness works; nothing is judged (run `make relay-bench`)"
    if passes < 2:
        return "not judged: one pass (a target is judged on 2 passes or more)"
    judged = [v for v in verdicts if v.judged]
    met = [v for v in judged if v.state == "met"]
    line = f"{len(met)}/{len(judged)} judged targets met"
    missed = [v for v in judged if v.state == "not met"]
    if missed:
        line += "; not met: " + "; ".join(
            f"{v.name} {_value(v.target, v.value)} ({v.target.bound()})" for v in missed
        )
    unjudged = len(verdicts) - len(judged)
    if unjudged:
        line += f"; {unjudged} not judged (n/a or failed, see the targets)"
    return line


# --- formatting ----------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "behind"
    return f"{value:,.{digits}f}{unit}"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "behind"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f} s"
    return f"{value:.1f} ms" if abs(value) < 100 else f"{value:.0f} ms"


def _value(target: Target, value: float | None) -> str:
    if value is None:
        return "—"
    if target.figure in ("ratio", "loop"):
        return f"{value:.2f}×"
    if target.figure == "session":
        return f"{value:.3f} ms"
    return f"{value:.1f} %"


def _spread(values: Sequence[float], digits: int = 1) -> str:
    if len(values) < 2:
        return ""
    return f" ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def _relay_order(results: Results) -> list[str]:
    order = [
        "rtmsg:picows",
        "rtmsg:websockets",
        f"rtmsg:{results.judged}+capture",
        f"rtmsg:{results.judged}+capture:flush-0",
        "decode:picows",
        "raw:picows",
        "raw:websockets",
    ]
    return [r for r in order if r in results.relays]


def _label(results: Results, relay: str) -> str:
    return str(results.relays[relay]["label"])


def _machine(results: Results) -> list[str]:
    data = results.data
    machine = data.get("machine", {})
    versions = dict(machine.get("versions", {}))
    rtmsg_version = versions.pop("rtmsg", "n/a")
    commit = data.get("commit")
    load = machine.get("load_average")
    end = data.get("load_average_end")
    load_text = (
        f"load average {load[0]:.1f} when the run started and {end[0]:.1f} when it ended "
        "(1-minute averages; the run itself keeps about 2 busy)"
        if load and end
        else "load average unknown"
    )
    cores = machine.get("logical_cores") or 1
    busy = bool(load and end and max(load[0], end[0]) > cores)
    return [
        f"- Machine: {machine.get('cpu', '?')}, {cores} logical "
        f"cores, {machine.get('os', '?')}; {load_text}"
        + (
            ". Other work kept the machine busier than its cores: compare the ratios "
            "within this run, not its absolute figures, and not its latencies"
            if busy
            else ""
        ),
        f"- Python {machine.get('python', '?')}; rtmsg {rtmsg_version}"
        + (f" at commit {commit}" if commit else "")
        + "; "
        + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- Run: {data.get('started', '?')}, {results.passes} interleaved "
        f"pass{'es' if results.passes != 1 else ''}, {data.get('elapsed_s', 0):.0f} s in all",
    ]


def _loads(results: Results) -> list[str]:
    s = results.settings
    deadline = s["deadline_ms"]
    size = {k: f"{v:,} bytes" for k, v in (results.data.get("frames") or {}).items()}
    append, delta = size.get("append", "?"), size.get("delta", "?")
    clear, cleared = size.get("clear", "?"), size.get("cleared", "?")
    return [
        f"- **audio flood**: {s['flood_sessions']} sessions, each keeping {s['flood_window']} "
        f"`input_audio_buffer.append` of 20 ms pcm16 at 24 kHz ({append}) in flight; the "
        f"sink answers each with a `response.output_audio.delta` of 20 ms ({delta}), so "
        "both directions flow as fast as the relay forwards. The audio is noise (it "
        "compresses as badly as speech's low bits), in 64 different frames sent in turn.",
        f"- **small frames**: the same with `input_audio_buffer.clear` ({clear}) answered "
        f"by `input_audio_buffer.cleared` ({cleared}).",
        f"- **short sessions**: {s['short_lanes']} lanes, each opening a session (the relay's "
        "handshake with the client and with the sink), waiting for `session.created` "
        f"({size.get('session_created', '?')}), making {s['short_requests']} clear/cleared "
        "round trips and closing "
        "with 1000, then again; per session, the relay's CPU over the sessions completed in "
        "the window, their frames included.",
        f"- **voice sessions**: N sessions each sending a 20 ms append every "
        f"{1000 / s['voice_rate']:g} ms, spread evenly over the period, each answered at once "
        f"by a 20 ms delta ({s['voice_rate']:g} frames/s each way a session). An append is "
        f"**in time** when its answer is back within {deadline:g} ms of its send (five frame "
        "periods: what a voice client's jitter buffer absorbs); an append never answered is "
        "late, and so is one the client could not send because the connection pushed back. "
        "Round trips are timed in the client; **added** is the relay's percentile minus the "
        "same load's straight to the sink in the same pass; **behind** means that the "
        f"percentile falls on appends still unanswered {s['grace_s']:g} s after the window.",
        f"- Windows: {s['window_s']:g} s measured after {s['warmup_s']:g} s of warm-up "
        f"({s['voice_window_s']:g} s after {s['voice_warmup_s']:g} s for voice); "
        f"{s['workers']} load generator processes (picows + uvloop) share the sessions. On the "
        "flood and the small frames, the relay's CPU is counted from the window's start until "
        "it is idle after the load stopped, over every frame it relayed in that time, so that "
        "work it defers (a capture compressed and written on a thread every second) is "
        "counted too; the details also give the window alone.",
    ]


HOW_MEASURED: Final = [
    "Each relay runs in its own process, and so do the upstream sink and the load generators, "
    "all on 127.0.0.1 with ports the OS chose. A relay's CPU is its process's user + system "
    "time from `/proc/PID/stat` (all its threads, and any process it starts) over the "
    "measured window, divided by the frames it relayed in the window (those the sink received "
    "plus those the clients received): CPU per frame, not wall time, so it does not depend on "
    "how fast the load came. The event loop's CPU is the relay's main thread's alone "
    "(`/proc/PID/task/PID/stat`): what the relay's capacity depends on, since a thread beside "
    "it (a capture's compression) runs on the other core and the loop never waits for it; the "
    "capture target is judged on it, the whole process's figure given beside it as what "
    "compressing costs the machine. Every load runs against every relay in turn, pass after "
    "pass, the "
    "order rotating each pass; a figure is the median over the passes (the range in "
    "parentheses in the details), and a ratio is the median of the ratios within each pass. "
    "The raw-forward relays (`bench/relay/forward.py`) forward every message unchanged with no "
    "decode: the floor of each transport. `direct` is the load straight to the sink: the load "
    "generator's and the sink's own cost, and the latency baseline.",
]


def _cell(results: Results, workload: str, relay: str, figure: Figure, digits: int = 1) -> str:
    if workload not in results.workloads:
        return "—"
    if not results.runs(workload, relay):
        return "failed" if results.failures(workload, relay) else "—"
    return _num(results.median(workload, relay, figure), digits)


def _main_table(results: Results) -> list[str]:
    small, large = results.voice("small"), results.voice("large")
    n_small, n_large = small.removeprefix("voice-"), large.removeprefix("voice-")
    header = [
        "relay",
        "audio flood µs/frame",
        "small frames µs/frame",
        "short sessions µs/frame (ms/session)",
        f"{int(n_small):,} voice sessions µs/frame (CPU %), added RTT p99",
        f"{int(n_large):,} voice sessions: in time, RTT p99 (CPU %)",
    ]
    rows = []
    for relay in _relay_order(results):
        spec = results.relays[relay]
        if not spec["available"]:
            rows.append(
                [_label(results, relay), f"not available: {spec['reason']}", "", "", "", ""]
            )
            continue
        short = _cell(results, "short", relay, us_per_frame)
        if results.runs("short", relay):
            short += f" ({_num(results.median('short', relay, ms_per_session), 2)} ms)"
        voice = _cell(results, small, relay, us_per_frame)
        if results.runs(small, relay):
            voice += (
                f" ({_num(results.median(small, relay, cpu_percent), 0)} %), "
                f"{_signed_ms(results.added(small, relay, p99_ms))}"
            )
        crowd = "—"
        if results.runs(large, relay):
            crowd = (
                f"{_num(results.median(large, relay, in_time), 1)} %, "
                f"{_ms(results.median(large, relay, p99_ms))} "
                f"({_num(results.median(large, relay, cpu_percent), 0)} %)"
            )
        elif results.failures(large, relay):
            crowd = "failed"
        flood = _cell(results, "flood", relay, per_frame("flood"))
        if spec.get("capture") and results.runs("flood", relay):
            loop = results.median("flood", relay, loop_per_frame("flood"))
            flood += f" ({_num(loop)} on the event loop)"
        rows.append(
            [
                _label(results, relay),
                flood,
                _cell(results, "small", relay, per_frame("small")),
                short,
                voice,
                crowd,
            ]
        )
    return _table(header, rows)


def _signed_ms(value: float | None) -> str:
    if value is None or math.isinf(value):
        return _ms(value)
    return ("+" if value >= 0 else "−") + _ms(abs(value))


def _ratio_table(results: Results) -> list[str]:
    names = [
        w
        for w in ("flood", "small", "short", results.voice("small"), results.voice("large"))
        if w in results.workloads
    ]
    rows = []
    pairs = [
        ("rtmsg:picows", "raw:picows"),
        ("rtmsg:websockets", "raw:websockets"),
        ("decode:picows", "raw:picows"),
        ("rtmsg:picows", "rtmsg:websockets"),
        ("raw:picows", "raw:websockets"),
    ]
    for relay, baseline in pairs:
        if not all(results.relays.get(r, {}).get("available") for r in (relay, baseline)):
            continue
        cells = []
        for name in names:
            value = results.ratio(name, relay, baseline)
            cells.append("—" if value is None else f"{value:.2f}×")
        rows.append([f"{_label(results, relay)} ÷ {_label(results, baseline)}", *cells])
    titles = [results.workloads[n]["title"] for n in names]
    return _table(["CPU per frame", *titles], rows) if rows else []


def _per_core(results: Results, *, heading: str = "### Voice sessions per core") -> list[str]:
    """Voice sessions one core carries through each relay: 1 s over a session's relay CPU."""
    rate = float(results.settings["voice_rate"])
    names = [results.voice("small"), results.voice("large")]
    names = [n for i, n in enumerate(names) if n in results.workloads and n not in names[:i]]
    rows = []
    for relay in _relay_order(results):
        if not results.relays[relay]["available"] or not any(results.runs(n, relay) for n in names):
            continue
        cells = []
        for name in names:
            per_frame = results.median(name, relay, us_per_frame)
            cells.append("—" if not per_frame else f"{1e6 / (per_frame * 2 * rate):,.0f}")
        rows.append([_label(results, relay), *cells])
    if not rows:
        return []
    header = ["relay", *(f"at {int(n.removeprefix('voice-')):,} sessions" for n in names)]
    return [
        heading,
        "",
        f"One core over the relay's CPU for a second of session ({2 * rate:g} frames, both "
        "ways) at the CPU per frame it spent on each voice load: the relay's work alone, "
        "not counting the clients', the server's or the machine's other work (the codec's "
        "own figure, decoding alone, is in `make bench`'s report). For a relay that fell "
        "behind on a load (its in-time share), the figure is not a capacity.",
        "",
        *_table(header, rows),
    ]


def _targets(verdicts: Sequence[Verdict]) -> list[str]:
    rows = [
        [
            v.name + (f" ({v.note})" if v.note else ""),
            f"#{v.target.issue}",
            _value(v.target, v.value),
            v.target.bound(),
            v.state,
        ]
        for v in verdicts
    ]
    return _table(["target", "issue", "value", "bound", "result"], rows)


def _details(results: Results, workload: str) -> list[str]:
    spec = results.workloads[workload]
    ids = [
        "direct",
        *(r for r in _relay_order(results) if workload in results.relays[r]["workloads"]),
    ]
    header = [
        "relay",
        "relay µs/frame",
        "relay CPU %",
        "frames/s",
        "load gen µs/frame (CPU %)",
        "sink µs/frame",
    ]
    voice = bool(spec.get("voice"))
    if workload in SETTLED:
        header.insert(2, "event loop µs/frame")
        header += ["relay µs/frame, window only"]
    if workload == "short":
        header += ["sessions/s", "relay ms/session"]
    if voice:
        header += ["sent / scheduled", "in time", "RTT p50 / p99", "added p50 / p99"]
    header.append("passes")
    rows = []
    for relay in ids:
        if relay not in results.relays or not results.relays[relay]["available"]:
            continue
        runs = results.runs(workload, relay)
        failures = results.failures(workload, relay)
        if not runs:
            if failures:
                rows.append(
                    [_label(results, relay), "failed: " + failures[0].splitlines()[0]]
                    + [""] * (len(header) - 2)
                )
            continue
        figure = per_frame(workload)
        values = results.values(workload, relay, figure)
        row = [
            _label(results, relay),
            _num(results.median(workload, relay, figure)) + _spread(values),
            _num(results.median(workload, relay, cpu_percent), 0),
            _num(results.median(workload, relay, frames_per_s), 0),
            f"{_num(results.median(workload, relay, load_us_per_frame))} "
            f"({_num(results.median(workload, relay, load_percent), 0)} %)",
            _num(results.median(workload, relay, sink_us_per_frame)),
        ]
        if workload in SETTLED:
            row.insert(2, _num(results.median(workload, relay, settled_loop_us_per_frame)))
            row.append(_num(results.median(workload, relay, us_per_frame)))
        if workload == "short":
            row += [
                _num(results.median(workload, relay, sessions_per_s), 0),
                _num(results.median(workload, relay, ms_per_session), 2),
            ]
        if voice:
            added = (
                "—"
                if relay == "direct"
                else (
                    f"{_signed_ms(results.added(workload, relay, p50_ms))} / "
                    f"{_signed_ms(results.added(workload, relay, p99_ms))}"
                )
            )
            row += [
                _num(results.median(workload, relay, sent_share), 1, " %"),
                _num(results.median(workload, relay, in_time), 1, " %"),
                f"{_ms(results.median(workload, relay, p50_ms))} / "
                f"{_ms(results.median(workload, relay, p99_ms))}",
                added,
            ]
        row.append(f"{len(runs)}/{len(runs) + len(failures)}")
        rows.append(row)
    return [f"### {spec['title'][:1].upper()}{spec['title'][1:]}", "", *_table(header, rows)]


_ONE_PASS_NOTE: Final = [
    "**One pass**: the figures are shown, but no target is judged on a single pass; run "
    "`make relay-bench` (3 passes) or `--passes 2` or more.",
    "",
]

_QUICK_NOTE: Final = [
    "**Quick run**: tiny loads for seconds prove that the harness works; the figures mean "
    "nothing and no target is judged. Run `make relay-bench`.",
    "",
]


def render(data: dict[str, Any]) -> str:
    """The markdown report of one run; its last line is :func:`summary`'s."""
    results = Results(data)
    verdicts = judge(results)
    lines = ["# What the relay costs: `make relay-bench`", "", *_machine(results), ""]
    if results.quick:
        lines += _QUICK_NOTE
    elif results.passes < 2:
        lines += _ONE_PASS_NOTE
    lines += ["## Targets", "", *_targets(verdicts)]
    lines += [
        "## Relay CPU per frame",
        "",
        "Medians over the passes; CPU % is of one core.",
        "",
        *_main_table(results),
        *_ratio_table(results),
        *_per_core(results),
        "## The loads",
        "",
        *_loads(results),
        "",
        "## How it is measured",
        "",
        *HOW_MEASURED,
        "",
        "## Details",
        "",
        "Per load, every row including the load generator's and the sink's own CPU per frame "
        "(the load generator's CPU % is of one core, summed over its processes).",
        "",
    ]
    for workload in results.workloads:
        lines += _details(results, workload)
    dead = data.get("dead") or {}
    if dead:
        lines += ["Relays that stopped during the run:", ""]
        lines += [f"- {relay}: {why.splitlines()[0]}" for relay, why in dead.items()]
        lines.append("")
    lines.append(summary(verdicts, quick=results.quick, passes=results.passes))
    return "\n".join(lines) + "\n"


def readme_block(data: dict[str, Any]) -> str:
    """The README's block: the machine, the targets and the main table."""
    results = Results(data)
    verdicts = judge(results)
    lines = [
        README_START,
        f"Latest run ({str(data.get('started', '?'))[:10]}; full report in "
        "[docs/relay-benchmark.md](docs/relay-benchmark.md)):",
        "",
        *_machine(results),
        "",
        *_targets(verdicts),
        *_main_table(results),
        *_ratio_table(results),
        *_per_core(results, heading="**Voice sessions per core**"),
        summary(verdicts, passes=results.passes),
        README_END,
    ]
    return "\n".join(lines)


def _replace_block(readme: str, block: str) -> str:
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ReportError(f"the README has no {README_START!r} … {README_END!r} block")
    return readme[:start] + block + readme[end + len(README_END) :]


def publish(data: dict[str, Any], *, readme: Path = README, docs: Path = DOCS) -> str:
    """Write the report to ``docs`` and its block into ``readme``; return the summary line."""
    results = Results(data)
    if results.quick:
        raise ReportError("a quick run is not published: run `make relay-bench`")
    text = render(data)
    readme.write_text(_replace_block(readme.read_text(), readme_block(data)))
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(text)
    return summary(judge(results), passes=results.passes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relay.report", description=__doc__)
    parser.add_argument("json", nargs="?", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--publish",
        action="store_true",
        help=f"write {DOCS.relative_to(ROOT)} and the README's block instead of --output",
    )
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.json.read_text())
    except FileNotFoundError:
        print(
            f"no relay benchmark run at {args.json}: run `make relay-bench` first", file=sys.stderr
        )
        return 2
    try:
        if args.publish:
            line = publish(data)
            print(f"published the run of {data.get('started', '?')} to {DOCS} and {README}")
            print(line)
            return 0
        text = render(data)
    except ReportError as exc:
        print(f"bench.relay.report: {exc}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text, end="")
    print(f"(written to {args.output})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
