"""Turn the suite's pytest-benchmark JSON into the ratios table, print it, write it to docs.

Run as ``python -m bench.report [JSON] [--output docs/benchmarks.md]``. Every benchmark of
the suite is paired with a baseline run alternating with it round by round (rtmsg on the
same frames; see ``bench/conftest.py``), and every ratio here is the benchmark's minimum
over the baseline's minimum: on a shared machine interference only ever adds time, so the
minimum is the least disturbed estimate, and a slow spell hits both sides of a pair.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import SEED
from bench.peers import (
    DECODE_PEERS,
    ENCODE_PEERS,
    FLOOR,
    PEER_NOTES,
    RTMSG,
    SDK_PARSE,
    SDK_PYDANTIC,
)

__all__ = ["Results", "main", "render"]

DEFAULT_JSON = Path(".benchmarks/latest.json")
DEFAULT_OUTPUT = Path("docs/benchmarks.md")
STAT = "min"

MIB = 1 << 20

Key = tuple[str, str, str]  # kind, mix, peer


@dataclass(frozen=True)
class Target:
    """A goal on one paired ratio: ``ratio <= limit``, or ``>=`` when ``at_least``."""

    name: str
    limit: float
    aim: float
    at_least: bool

    def verdict(self, value: float) -> str:
        met = value >= self.limit if self.at_least else value <= self.limit
        return "PASS" if met else "MISS"

    def goal(self) -> str:
        sign = "≥" if self.at_least else "≤"
        return f"{sign} {self.limit:g}× (aim {self.aim:g}×)"


TARGETS = [
    Target("client stream: rtmsg / untyped floor", 1.25, 1.05, False),
    Target("control events: rtmsg / untyped floor", 1.5, 1.1, False),
    Target("server stream: rtmsg / untyped floor", 1.5, 1.1, False),
    Target("control events: SDK pydantic / rtmsg", 25, 40, True),
    Target("server stream: SDK parse path / rtmsg", 15, 25, True),
    *(
        Target(f"encode {mix}: json.dumps / rtmsg", 3, 6, True)
        for mix in ("client stream", "server stream", "control events")
    ),
    *(
        Target(f"encode {mix}: SDK pydantic / rtmsg", 1.5, 2, True)
        for mix in ("client stream", "server stream", "control events")
    ),
    *(
        Target(f"Unknown / known, same size: {event}", 3, 1.5, False)
        for event in ("audio_transcript.delta", "output_audio.delta 200 ms")
    ),
]


class Results:
    """The benchmarks of one run, by (kind, mix, peer)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.by_key: dict[Key, dict[str, Any]] = {}
        for bench in data["benchmarks"]:
            info = bench["extra_info"]
            self.by_key[(info["kind"], info["mix"], info["peer"])] = bench

    def seconds(self, kind: str, mix: str, peer: str) -> float | None:
        """Minimum time of one round: the whole mix, or ``frames`` calls for one event."""
        bench = self.by_key.get((kind, mix, peer))
        return None if bench is None else float(bench["stats"][STAT])

    def per_event(self, kind: str, mix: str, peer: str = RTMSG) -> float | None:
        bench = self.by_key.get((kind, mix, peer))
        if bench is None:
            return None
        return float(bench["stats"][STAT]) / int(bench["extra_info"]["frames"])

    def baseline_per_event(self, kind: str, mix: str, peer: str) -> float | None:
        bench = self.by_key.get((kind, mix, peer))
        if bench is None:
            return None
        return float(bench["extra_info"]["baseline"]) / int(bench["extra_info"]["frames"])

    def ratio(self, kind: str, mix: str, peer: str) -> float | None:
        """``peer``'s time over its paired baseline's time (rtmsg on the same frames)."""
        bench = self.by_key.get((kind, mix, peer))
        if bench is None:
            return None
        return float(bench["stats"][STAT]) / float(bench["extra_info"]["baseline"])

    def rounds(self, kind: str, mix: str, peer: str) -> int | None:
        bench = self.by_key.get((kind, mix, peer))
        return None if bench is None else int(bench["stats"]["rounds"])

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


def _invert(value: float | None) -> float | None:
    return None if value is None else 1 / value


def _target_values(results: Results) -> dict[str, tuple[float | None, int | None]]:
    """Each target's ratio, and the rounds it was measured over."""
    values: dict[str, tuple[float | None, int | None]] = {}
    for mix in ("client stream", "control events", "server stream"):
        values[f"{mix}: rtmsg / untyped floor"] = (
            _invert(results.ratio("decode", mix, FLOOR)),
            results.rounds("decode", mix, FLOOR),
        )
    for mix, peer in (("control events", SDK_PYDANTIC), ("server stream", SDK_PARSE)):
        values[f"{mix}: {peer} / rtmsg"] = (
            results.ratio("decode", mix, peer),
            results.rounds("decode", mix, peer),
        )
    for mix in ("client stream", "server stream", "control events"):
        for peer, name in (("json", "json.dumps"), (SDK_PYDANTIC, SDK_PYDANTIC)):
            values[f"encode {mix}: {name} / rtmsg"] = (
                results.ratio("encode", mix, peer),
                results.rounds("encode", mix, peer),
            )
    for event in ("audio_transcript.delta", "output_audio.delta 200 ms"):
        values[f"Unknown / known, same size: {event}"] = (
            results.ratio("micro-decode", f"{event} as Unknown", RTMSG),
            results.rounds("micro-decode", f"{event} as Unknown", RTMSG),
        )
    return values


def _us(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e6:,.2f}"


def _x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:,.2f}×"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "n/a"


def _cpu_model(data: dict[str, Any]) -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    cpu = data.get("machine_info", {}).get("cpu", {})
    return str(cpu.get("brand_raw") or platform.processor() or "unknown CPU")


def _machine(data: dict[str, Any]) -> list[str]:
    info = data.get("machine_info", {})
    packages = ["msgspec", "orjson", "pydantic", "openai", "pytest-benchmark"]
    versions = ", ".join(f"{name} {_version(name)}" for name in packages)
    return [
        f"- Machine: {_cpu_model(data)}, {os.cpu_count()} logical cores, "
        f"{platform.system()} {platform.release()}",
        f"- Python {info.get('python_version', platform.python_version())} "
        f"({info.get('python_implementation', platform.python_implementation())}); "
        f"rtmsg {_version('rtmsg')}; {versions}",
        f"- Run: {data.get('datetime', '?')}; statistic: {STAT} over rounds, each benchmark "
        f"paired with a baseline alternating with it; corpus seed {SEED}",
    ]


def _stream_section(results: Results, kind: str, peers: Sequence[str], title: str) -> list[str]:
    return _figures_section(results, kind, peers, title, ("mix", "events", "frames", "µs/event"))


def _micro_section(results: Results, kind: str, peers: Sequence[str], title: str) -> list[str]:
    return _figures_section(results, kind, peers, title, ("event", "bytes", "bytes", "µs"))


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
                *(_x(results.ratio(kind, mix, p)) for p in peers),
            ]
        )
    return [f"### {title}", "", *_table(header, rows), ""]


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
                _us(results.baseline_per_event("micro-decode", mix, RTMSG)),
                _us(results.per_event("micro-decode", mix)),
                _x(results.ratio("micro-decode", mix, RTMSG)),
                _x(results.ratio("micro-decode", mix, FLOOR)),
            ]
        )
    if not rows:
        return []
    return [
        "### Unknown against known, same size",
        "",
        "The known event with its `type` renamed to a future one (same bytes otherwise), "
        "decoded by rtmsg, in steady state: a type already seen once decodes in one pass.",
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
        """A peer's time on a stream: rtmsg's time there times the peer's paired ratio."""
        ratio, rtmsg_time = results.ratio(kind, mix, peer), results.seconds(kind, mix, RTMSG)
        return None if not peer or ratio is None or rtmsg_time is None else ratio * rtmsg_time

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
        "session a core spends the stream's time (rtmsg's measured time times the peer's "
        "paired ratio, over the corpus's seconds); sessions per core = 1 s / that time. "
        "Codec work only: no sockets, no audio processing.",
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
        "stream written over and over), in a fresh process; CPU seconds of the decode loop; "
        "peak RSS growth = the process's peak resident memory (`VmHWM`) after the loop minus "
        "before it. The floor is `for line in file: msgspec.json.decode(line)` on the same "
        "file. The file is read from the page cache.",
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


def render(data: dict[str, Any], *, quick: bool = False) -> tuple[str, int]:
    """The markdown report of one run, and how many targets it missed."""
    results = Results(data)
    lines = ["# rtmsg benchmarks", "", *_machine(data), ""]
    if quick:
        lines += [
            "**Quick run**: a short corpus and three rounds a benchmark prove that the "
            "harness works; the figures are too noisy to compare. Run `make bench`.",
            "",
        ]
    target_rows, misses = [], 0
    values = _target_values(results)
    for target in TARGETS:
        value, rounds = values.get(target.name, (None, None))
        verdict = "n/a" if value is None else target.verdict(value)
        misses += verdict == "MISS"
        target_rows.append(
            [target.name, _x(value), target.goal(), verdict, "" if rounds is None else str(rounds)]
        )
    lines += [
        "## Targets",
        "",
        *_table(["ratio", "measured", "target", "result", "rounds"], target_rows),
        "",
        "## Figures",
        "",
        "Each cell is the peer's time divided by rtmsg's on the same frames, the two "
        "alternating round by round: 20× means rtmsg is twenty times faster, below 1× the "
        "peer is faster. The rtmsg column pairs rtmsg with itself: how far from 1.00× it "
        "lands shows the noise of the run.",
        "",
    ]
    lines += _stream_section(results, "decode", DECODE_PEERS, "Decode, whole streams")
    lines += _stream_section(results, "encode", ENCODE_PEERS, "Encode, whole streams")
    lines += _micro_section(results, "micro-decode", DECODE_PEERS, "Decode, one event")
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
        "every frame but the audio ones, both directions. The unknown-heavy stream is the "
        "server stream with 30 % of frames of future event types. Every frame of the corpus "
        "is valid for the official SDK in strict mode (`tests/test_bench_corpus.py`).",
        "",
    ]
    return "\n".join(lines), misses


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("json", nargs="?", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--quick", action="store_true", help="label the report a quick run")
    args = parser.parse_args(argv)
    data = json.loads(args.json.read_text())
    text, misses = render(data, quick=args.quick)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"written to {args.output}; {misses} target(s) missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
