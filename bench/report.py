"""Turn the suite's pytest-benchmark JSON into the report: the machine, the targets, the figures.

``python -m bench.report [JSON] [--output PATH]`` renders a saved run (by default the last
full one, ``.benchmarks/latest.json``), prints it and writes it to ``PATH`` (by default
``.benchmarks/report.md``: ignored by git, so a run leaves the checkout clean).
``--publish`` writes it to ``docs/benchmarks.md`` instead and its summary into the README's
"Latest run" block, re-rendered from the saved JSON without running anything.

Every figure is a paired ratio (:mod:`bench.stats`): the median over rounds of the peer's
time over rtmsg's in the same round, beside the ratio of the two minimums and the noise
(rtmsg against itself in the same alternation). Targets are judged on the median.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import LIVE_FLAT, SEED
from bench.peers import (
    DECODE_PEERS,
    DECODER_OBJECT,
    ENCODE_PEERS,
    FLOOR,
    NESTED,
    PEER_NOTES,
    RTMSG,
    SDK_PARSE,
    SDK_PYDANTIC,
    STRICT_DECODER,
)
from bench.stats import Paired, paired

__all__ = [
    "TARGETS",
    "ReportError",
    "Results",
    "Target",
    "Verdict",
    "judge",
    "main",
    "publish",
    "readme_block",
    "render",
    "summary",
]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / ".benchmarks" / "latest.json"
DEFAULT_OUTPUT = ROOT / ".benchmarks" / "report.md"
DOCS = ROOT / "docs" / "benchmarks.md"
README = ROOT / "README.md"
README_START = "<!-- latest-run:start (written by `make bench-publish`; edits here are lost) -->"
README_END = "<!-- latest-run:end -->"

MIB = 1 << 20

Key = tuple[str, str, str]  # kind, mix, peer


class ReportError(Exception):
    """A run that cannot be reported or published as asked; the message says why."""


@dataclass(frozen=True)
class Target:
    """A goal on one paired ratio: ``median <= limit``, or ``>=`` when ``at_least``.

    The ratio is the ``peer``'s time over rtmsg's on ``mix``, or rtmsg's over the peer's with
    ``invert``; its noise is rtmsg over rtmsg on ``noise_mix`` (by default ``mix``).
    """

    name: str
    kind: str
    mix: str
    peer: str
    limit: float
    aim: float
    at_least: bool = False
    invert: bool = False
    noise_mix: str | None = None

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit

    def bound(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.limit:g}×"

    def goal(self) -> str:
        return f"{self.bound()} (aim {self.aim:g}×)"


_STREAMS = ("client stream", "server stream", "control events")


def _floor(mix: str, limit: float, aim: float) -> Target:
    """rtmsg's decode time over the untyped floor's on ``mix``."""
    return Target(f"{mix}: rtmsg / untyped floor", "decode", mix, FLOOR, limit, aim, invert=True)


TARGETS = [
    _floor("client stream", 1.25, 1.05),
    _floor("control events", 1.1, 1.05),
    _floor("server stream", 1.5, 1.1),
    _floor("translation stream", 1.25, 1.05),
    _floor("live stream", 1.25, 1.05),
    _floor("live server stream", 1.5, 1.1),
    Target(
        "live server stream: SDK parse path / rtmsg",
        "decode",
        "live server stream",
        SDK_PARSE,
        limit=15,
        aim=25,
        at_least=True,
    ),
    Target(
        "Live response.event / a flat event of the same size",
        "micro-decode",
        "live response.event, against a flat event",
        RTMSG,
        limit=1.1,
        aim=1.0,
        noise_mix=LIVE_FLAT,
    ),
    Target(
        "client stream: ClientEventDecoder().decode / decode_client_event",
        "decode",
        "client stream",
        DECODER_OBJECT,
        limit=1.03,
        aim=1.01,
    ),
    Target(
        "control events: SDK pydantic / rtmsg",
        "decode",
        "control events",
        SDK_PYDANTIC,
        limit=25,
        aim=40,
        at_least=True,
    ),
    Target(
        "server stream: SDK parse path / rtmsg",
        "decode",
        "server stream",
        SDK_PARSE,
        limit=15,
        aim=25,
        at_least=True,
    ),
    *(
        Target(f"encode {mix}: {name} / rtmsg", "encode", mix, peer, limit, aim, at_least=True)
        for peer, name, limit, aim in (
            ("json", "json.dumps", 3, 6),
            (SDK_PYDANTIC, SDK_PYDANTIC, 1.5, 2),
        )
        for mix in _STREAMS
    ),
    *(
        Target(
            f"Unknown / known, same size: {event}",
            "micro-decode",
            f"{event} as Unknown",
            RTMSG,
            limit=3,
            aim=1.5,
            noise_mix=event,
        )
        for event in ("audio_transcript.delta", "output_audio.delta 200 ms")
    ),
]


class Results:
    """The benchmarks of one run, by (kind, mix, peer)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.by_key: dict[Key, dict[str, Any]] = {}
        for bench in data.get("benchmarks", []):
            info = bench["extra_info"]
            if info["kind"] != "capture" and (
                "baseline_times" not in info or "data" not in bench["stats"]
            ):
                raise ReportError(
                    f"{bench.get('name', info['mix'])} has no per-round times: the JSON "
                    "comes from an older harness; run `make bench` again"
                )
            self.by_key[(info["kind"], info["mix"], info["peer"])] = bench

    @property
    def bench_info(self) -> dict[str, Any]:
        """What the run recorded about itself (``bench/conftest.py``); empty for old runs.

        The machine is in ``machine_info``, the load beside it (in ``machine_info`` too in
        runs of 0.1.1).
        """
        info = dict(self.data.get("machine_info", {}).get("rtmsg_bench", {}))
        info.update(self.data.get("rtmsg_bench_run", {}))
        return info

    @property
    def quick(self) -> bool:
        return bool(self.bench_info.get("quick", False))

    def pair(self, kind: str, mix: str, peer: str, *, invert: bool = False) -> Paired | None:
        """``peer``'s time over its baseline's (rtmsg on the same frames), round by round."""
        bench = self.by_key.get((kind, mix, peer))
        if bench is None:
            return None
        times, baseline = bench["stats"]["data"], bench["extra_info"]["baseline_times"]
        return paired(baseline, times) if invert else paired(times, baseline)

    def per_event(
        self, kind: str, mix: str, peer: str = RTMSG, *, baseline: bool = False
    ) -> float | None:
        """Median time of one round over its frames: seconds per event, or per call."""
        bench = self.by_key.get((kind, mix, peer))
        if bench is None:
            return None
        times: list[float] = (
            bench["extra_info"]["baseline_times"] if baseline else bench["stats"]["data"]
        )
        return statistics.median(times) / int(bench["extra_info"]["frames"])

    def mixes(self, kind: str) -> list[str]:
        seen: dict[str, None] = {}
        for k, mix, _ in self.by_key:
            if k == kind:
                seen.setdefault(mix, None)
        return list(seen)

    def info(self, kind: str, mix: str, peer: str = RTMSG) -> dict[str, Any]:
        return dict(self.by_key[(kind, mix, peer)]["extra_info"])

    def any_info(self, kind: str, mix: str) -> dict[str, Any]:
        """The frame and byte counts of a mix, from whichever of its benchmarks ran."""
        for (k, m, _), bench in self.by_key.items():
            if (k, m) == (kind, mix):
                return dict(bench["extra_info"])
        raise KeyError((kind, mix))


@dataclass(frozen=True)
class Verdict:
    """A target and what the run measured for it (None: not measured)."""

    target: Target
    value: Paired | None
    noise: Paired | None

    @property
    def result(self) -> str:
        if self.value is None:
            return "n/a"
        return "PASS" if self.target.met(self.value.median) else "MISS"


def judge(results: Results) -> list[Verdict]:
    """Every target, judged on the median of its paired ratios."""
    return [
        Verdict(
            target,
            results.pair(target.kind, target.mix, target.peer, invert=target.invert),
            results.pair(target.kind, target.noise_mix or target.mix, RTMSG),
        )
        for target in TARGETS
    ]


def summary(verdicts: Sequence[Verdict], *, quick: bool = False) -> str:
    """The last line: ``19/19 targets met``, or how many and which were not."""
    met = [v for v in verdicts if v.result == "PASS"]
    line = f"{len(met)}/{len(verdicts)} targets met"
    missed = [
        f"{v.target.name} ({_x(v.value.median)}, target {v.target.bound()})"
        for v in verdicts
        if v.value is not None and v.result == "MISS"
    ]
    unmeasured = [v.target.name for v in verdicts if v.value is None]
    details = []
    if missed:
        details.append("missed " + "; ".join(missed))
    if unmeasured:
        details.append("not measured: " + "; ".join(unmeasured))
    if details:
        line += ": " + "; ".join(details)
    if quick:
        line += " (quick run: too few rounds to judge anything; run `make bench`)"
    return line


def _us(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e6:,.2f}"


def _x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:,.2f}×"


def _cell(pair: Paired | None) -> str:
    """A figure: the median of the paired ratios, and the ratio of the minimums."""
    return "n/a" if pair is None else f"{_x(pair.median)} (min {_x(pair.minimum)})"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _load(value: Any) -> str:
    return "n/a" if not value else f"{value[0]:.1f}"


def _machine(results: Results) -> list[str]:
    """Where and with what the run was made, as recorded at the time of the run."""
    data, info = results.data, results.bench_info
    machine = data.get("machine_info", {})
    versions = dict(info.get("versions", {}))
    versions.setdefault("pytest-benchmark", str(data.get("version", "n/a")))
    rtmsg_version = versions.pop("rtmsg", "n/a")
    commit = data.get("commit_info", {})
    commit_id = str(commit.get("id") or "")[:10]
    if commit_id and commit.get("dirty"):
        commit_id += " with uncommitted changes"
    cores = info.get("logical_cores") or machine.get("cpu", {}).get("count", "?")
    lines = [
        f"- Machine: {info.get('cpu') or machine.get('cpu', {}).get('brand_raw', 'unknown CPU')}, "
        f"{cores} logical cores, {info.get('os') or machine.get('system', platform.system())}; "
        f"load average {_load(info.get('load_average_start'))} when the run started and "
        f"{_load(info.get('load_average_end'))} when it ended (1-minute averages; the run "
        "itself adds about 1 to the second, anything more is other work on the machine)",
        f"- Python {machine.get('python_version', '?')} "
        f"({machine.get('python_implementation', '?')}); rtmsg {rtmsg_version}"
        + (f" at commit {commit_id}" if commit_id else "")
        + "; "
        + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- Run: {data.get('datetime', '?')}; corpus seed {SEED}",
    ]
    return lines


HOW_TO_READ = [
    "How to read the figures: a benchmark times a peer and rtmsg on the same frames in "
    "alternation, one round each in turn (a round is a whole stream, or 200 calls for one "
    "event; rtmsg runs once untimed before each of its rounds, so that it does not pay for "
    "the caches the peer filled), timed in CPU time of the thread, so that the time the "
    "process waits for a core does not count. Each figure is the peer's time over "
    "rtmsg's: 20× means rtmsg takes a twentieth of the peer's time, below 1× the peer is "
    "faster.",
    "",
    "- **median**: the median over rounds of the ratio within each round; targets are "
    "judged on it. A slow spell on the machine slows both sides of the rounds it covers, so "
    "it cancels out of their ratios.",
    "- **min**: the ratio of the two sides' fastest rounds, which may come from different "
    "moments. Close to the median on a quiet machine; far from it, the run was disturbed.",
    "- **noise**: the same median for rtmsg timed against itself in the same alternation "
    "(the `rtmsg ÷ rtmsg` column). It would be 1.00× on a quiet machine: a figure that is "
    "no further from another than this is from 1.00× is no evidence of a difference.",
]


def _targets_section(verdicts: Sequence[Verdict], quick: bool) -> list[str]:
    rows = [
        [
            v.target.name,
            _x(None if v.value is None else v.value.median),
            _x(None if v.value is None else v.value.minimum),
            _x(None if v.noise is None else v.noise.median),
            v.target.goal(),
            v.result,
            "" if v.value is None else str(v.value.rounds),
        ]
        for v in verdicts
    ]
    return [
        *_table(["ratio", "median", "min", "noise", "target", "result", "rounds"], rows),
        "",
        summary(verdicts, quick=quick),
        "",
    ]


def _figures_section(
    results: Results,
    kind: str,
    peers: Sequence[str],
    title: str,
    columns: tuple[str, str, str, str],
) -> list[str]:
    """One row per mix (the Unknown pairs have their own section): size, rtmsg time, ratios."""
    name, size, size_key, unit = columns
    header = [name, size, f"rtmsg {unit}", *(f"{p} ÷ rtmsg" for p in peers)]
    rows = []
    for mix in results.mixes(kind):
        if mix.endswith("as Unknown"):
            continue
        info = results.any_info(kind, mix)
        rows.append(
            [
                mix,
                f"{info[size_key]:,}",
                _us(results.per_event(kind, mix)),
                *(_cell(results.pair(kind, mix, p)) for p in peers),
            ]
        )
    if not rows:
        return []
    return [f"### {title}", "", *_table(header, rows), ""]


def _stream_section(results: Results, kind: str, peers: Sequence[str], title: str) -> list[str]:
    return _figures_section(results, kind, peers, title, ("mix", "events", "frames", "µs/event"))


def _micro_section(results: Results, kind: str, peers: Sequence[str], title: str) -> list[str]:
    return _figures_section(results, kind, peers, title, ("event", "bytes", "bytes", "µs"))


def _unknown_section(results: Results) -> list[str]:
    rows = []
    for mix in results.mixes("micro-decode"):
        if not mix.endswith("as Unknown"):
            continue
        known = mix.removesuffix(" as Unknown")
        rows.append(
            [
                known,
                f"{results.any_info('micro-decode', mix)['bytes']:,}",
                _us(results.per_event("micro-decode", mix, baseline=True)),
                _us(results.per_event("micro-decode", mix)),
                _cell(results.pair("micro-decode", mix, RTMSG)),
                _cell(results.pair("micro-decode", mix, FLOOR)),
            ]
        )
    if not rows:
        return []
    return [
        "### Unknown against known, same size",
        "",
        "The known event with its `type` renamed to a future one (same bytes otherwise), "
        "decoded by rtmsg, in steady state: a type already seen once decodes in one pass. "
        "Each round pairs the Unknown with rtmsg decoding the known event.",
        "",
        *_table(
            [
                "event",
                "bytes",
                "known µs",
                "as Unknown µs",
                "Unknown ÷ known",
                "untyped floor on the Unknown ÷ known",
            ],
            rows,
        ),
        "",
    ]


SESSION_STACKS: list[tuple[str, str, str, str]] = [
    # name, client decode peer, server decode peer, encode peer
    (RTMSG, RTMSG, RTMSG, RTMSG),
    (FLOOR, FLOOR, FLOOR, FLOOR),
    ("orjson", "orjson", "orjson", "orjson"),
    ("json", "json", "json", "json"),
    (SDK_PYDANTIC, SDK_PYDANTIC, SDK_PYDANTIC, SDK_PYDANTIC),
    (SDK_PARSE, "", SDK_PARSE, ""),
]


def _sessions_section(results: Results) -> list[str]:
    client, server = "client stream", "server stream"
    if not all(("decode", m, RTMSG) in results.by_key for m in (client, server)):
        return []
    seconds = float(results.info("decode", client)["seconds"])
    client_rate = results.info("decode", client)["frames"] / seconds
    server_rate = results.info("decode", server)["frames"] / seconds

    def cost(kind: str, mix: str, peer: str) -> float | None:
        """A peer's time on a stream: rtmsg's median time there times the median ratio."""
        pair = results.pair(kind, mix, peer) if peer else None
        rtmsg_time = results.per_event(kind, mix)
        if pair is None or rtmsg_time is None:
            return None
        return pair.median * rtmsg_time * int(results.any_info(kind, mix)["frames"])

    def per_core(*parts: float | None) -> str:
        if any(part is None for part in parts):
            return "n/a"
        return f"{seconds / sum(part for part in parts if part is not None):,.0f}"

    rows = []
    for name, client_peer, server_peer, encode_peer in SESSION_STACKS:
        dec_c, dec_s = cost("decode", client, client_peer), cost("decode", server, server_peer)
        enc_c, enc_s = cost("encode", client, encode_peer), cost("encode", server, encode_peer)
        rows.append(
            [
                name,
                per_core(dec_s),
                per_core(dec_c, dec_s),
                per_core(dec_c, dec_s, enc_c, enc_s),
            ]
        )
    return [
        "### Voice sessions per core",
        "",
        f"Session profile, from the corpus: {client_rate:.1f} client events/s "
        f"(mostly audio appends) and {server_rate:.1f} server events/s. Per second of "
        "session a core spends the stream's time (rtmsg's median time times the peer's "
        "median paired ratio, over the corpus's seconds); sessions per core = 1 s / that "
        "time. Codec work only: no sockets, no audio processing.",
        "",
        *_table(
            [
                "stack",
                "decode server events (a client app)",
                "decode both ways (a relay)",
                "decode + encode both ways (a proxy)",
            ],
            rows,
        ),
        "",
    ]


def _capture_section(results: Results) -> list[str]:
    rows = []
    for mix in results.mixes("capture"):
        info = results.info("capture", mix)
        rt, floor = info["rtmsg"], info["floor"]
        size_mb = rt["bytes"] / 1e6
        rows.append(
            [
                f"{rt['bytes'] / MIB:,.0f} MiB",
                f"{rt['events']:,}",
                f"{rt['cpu_seconds']:.2f}",
                f"{size_mb / rt['cpu_seconds']:,.0f}",
                f"{rt['events'] / rt['cpu_seconds']:,.0f}",
                f"{(rt['peak_rss_after'] - rt['peak_rss_before']) / MIB:.2f} MiB",
                f"{rt['peak_rss_after'] / MIB:.1f} MiB",
                f"{size_mb / floor['cpu_seconds']:,.0f}",
            ]
        )
    if not rows:
        return []
    return [
        "### Big captures in constant memory",
        "",
        "`rtmsg.iter_server_events(open(path, 'rb'))` over a JSONL capture (the server "
        "stream written over and over), in a fresh process, once; CPU seconds of the decode "
        "loop; peak RSS growth = the process's peak resident memory (`VmHWM`) after the loop "
        "minus before it. The floor is `for line in file: msgspec.json.decode(line)` on the "
        "same file. The file is read from the page cache.",
        "",
        *_table(
            [
                "capture",
                "events",
                "CPU s",
                "MB/s",
                "events/s",
                "peak RSS growth",
                "peak RSS",
                "floor MB/s",
            ],
            rows,
        ),
        "",
    ]


_CELLS = "Each cell of the figures: median (min); the `rtmsg ÷ rtmsg` column is the noise."

_QUICK_NOTE = [
    "**Quick run**: a short corpus and three rounds a benchmark prove that the harness "
    "works; the figures are too noisy to compare or judge. Run `make bench`.",
    "",
]


def render(data: dict[str, Any]) -> str:
    """The markdown report of one run; its last line is :func:`summary`'s."""
    results = Results(data)
    verdicts = judge(results)
    lines = ["# rtmsg benchmarks", "", *_machine(results), ""]
    if results.quick:
        lines += _QUICK_NOTE
    lines += [*HOW_TO_READ, "", "## Targets", "", *_targets_section(verdicts, results.quick)]
    lines += [
        "## Figures",
        "",
        _CELLS,
        "",
    ]
    lines += _stream_section(results, "decode", DECODE_PEERS, "Decode, whole streams")
    lines += _stream_section(results, "encode", ENCODE_PEERS, "Encode, whole streams")
    micro_decode_peers = [
        *(p for p in DECODE_PEERS if p not in (DECODER_OBJECT, STRICT_DECODER)),
        NESTED,
    ]
    lines += _micro_section(results, "micro-decode", micro_decode_peers, "Decode, one event")
    micro_encode_peers = [peer for peer in ENCODE_PEERS if peer != FLOOR]
    lines += _micro_section(results, "micro-encode", micro_encode_peers, "Encode, one event")
    lines += _unknown_section(results)
    lines += _sessions_section(results)
    lines += _capture_section(results)
    lines += [
        "## Peers",
        "",
        *(f"- **{peer}**: {note}" for peer, note in PEER_NOTES.items()),
        "",
        "## Corpus",
        "",
        "Four simulated voice sessions (`bench/corpus.py`, seed above): 24 kHz pcm16 audio "
        "appended in 20, 40 and 100 ms chunks and 8 kHz G.711 in 20 ms chunks, server VAD, "
        "semantic VAD and push-to-talk turns, tool calls and barge-ins. Control events are "
        "every frame but the audio ones (appends and output audio deltas), both directions. "
        "The unknown-heavy stream is the server stream with 30 % of frames of future event "
        "types. Every frame of the corpus is valid for the official SDK in strict mode "
        "(`tests/test_bench_corpus.py`).",
        "",
        summary(verdicts, quick=results.quick),
    ]
    return "\n".join(lines) + "\n"


def readme_block(data: dict[str, Any]) -> str:
    """The README's "Latest run" block: machine, targets, stream figures, sessions, captures."""
    results = Results(data)
    verdicts = judge(results)
    date = str(data.get("datetime", "?"))[:10]
    lines = [
        README_START,
        f"Latest run ({date}; full report in [docs/benchmarks.md](docs/benchmarks.md)):",
        "",
        *_machine(results),
        "",
        *_targets_section(verdicts, results.quick),
        _CELLS,
        "",
    ]
    lines += _stream_section(results, "decode", DECODE_PEERS, "Decode, whole streams")
    lines += _sessions_section(results)
    lines += _capture_section(results)
    lines.append(README_END)
    return "\n".join(lines)


def _replace_block(readme: str, block: str) -> str:
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ReportError(f"the README has no {README_START!r} … {README_END!r} block")
    return readme[:start] + block + readme[end + len(README_END) :]


def publish(data: dict[str, Any], *, readme: Path = README, docs: Path = DOCS) -> str:
    """Write the report to ``docs`` and its summary into ``readme``; return the summary line."""
    results = Results(data)
    if results.quick:
        raise ReportError("a quick run is not published: run `make bench`")
    text = render(data)
    readme.write_text(_replace_block(readme.read_text(), readme_block(data)))
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(text)
    return summary(judge(results))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
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
        print(f"no benchmark run at {args.json}: run `make bench` first", file=sys.stderr)
        return 2
    try:
        if args.publish:
            line = publish(data)
            print(f"published the run of {data.get('datetime', '?')} to {DOCS} and {README}")
            print(line)
            return 0
        text = render(data)
    except ReportError as exc:
        print(f"bench.report: {exc}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    body, _, last = text.rstrip("\n").rpartition("\n")
    print(body)
    print(
        f"(written to {args.output}; `make bench-publish` puts the last full run in "
        f"{DOCS.relative_to(ROOT)} and the README)"
    )
    print(last)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
