"""``python -m bench.msgspec_versions``: rtmsg's decode on two msgspec releases, round by round.

Builds one venv per release under ``.benchmarks/`` (ignored by git; msgspec is all a venv
holds, rtmsg comes from this checkout's ``src``) and starts three worker processes
(:mod:`bench.version_worker`): the old release twice, the new one once. Every round runs each
workload once in each process in turn, in an order that rotates from round to round, so
the three timings of a round are taken within milliseconds of each other. For each workload
the report gives the median over rounds of new ÷ old, the ratio of the minimums, and the
noise: old ÷ old, the old release's second process against its first in the same
alternation (:mod:`bench.stats`). It is printed and written to ``.benchmarks/msgspec.md``,
the round times to ``.benchmarks/msgspec.json``.

``--python OLD NEW`` compares two given interpreters instead of building venvs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from bench import machine
from bench.stats import Paired, paired
from bench.version_worker import MIXES, PEERS

__all__ = ["Timer", "Worker", "main", "reading", "render", "run_rounds", "venv_python"]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".benchmarks"
OLD = "0.22.0"
NEW = "latest"

# A difference counts as one when it exceeds twice the noise's distance from 1, and 2 %.
NOISE_FACTOR = 2.0
MIN_CHANGE = 0.02


def venv_python(release: str, out: Path = OUT) -> Path:
    """The interpreter of a venv holding msgspec ``release`` (``latest``: upgraded each run)."""
    venv = out / f"venv-msgspec-{release}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if release == "latest":
        spec, upgrade = "msgspec", ["--upgrade"]
    else:
        spec, upgrade = f"msgspec=={release}", []
        installed = subprocess.run(
            [str(python), "-c", "import msgspec; print(msgspec.__version__)"],
            capture_output=True,
            text=True,
        )
        if installed.returncode == 0 and installed.stdout.strip() == release:
            return python
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *upgrade,
            spec,
        ],
        check=True,
    )
    return python


class Worker:
    """One interpreter process of :mod:`bench.version_worker`, timing rounds on request."""

    def __init__(self, python: Path, label: str, *, seconds: float) -> None:
        self.label = label
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "PYTHONNOUSERSITE": "1",
        }
        self.process = subprocess.Popen(
            [str(python), "-m", "bench.version_worker", "--seconds", str(seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.hello: dict[str, Any] = json.loads(self._read())
        if not Path(self.hello["rtmsg"]).resolve().is_relative_to(ROOT / "src"):
            raise RuntimeError(f"{python} imports rtmsg from {self.hello['rtmsg']}, not {ROOT}")

    @property
    def msgspec(self) -> str:
        return str(self.hello["msgspec"])

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def _read(self) -> str:
        line = self._pipes()[1].readline()
        if not line:
            raise RuntimeError(f"the {self.label} worker stopped (exit {self.process.wait()})")
        return line

    def time(self, workload: str) -> float:
        """Seconds one round of ``workload`` took in this process."""
        stdin = self._pipes()[0]
        stdin.write(workload + "\n")
        stdin.flush()
        return float(self._read())

    def close(self) -> None:
        """End the process: it stops when its stdin closes."""
        with contextlib.suppress(BrokenPipeError):  # it may have stopped already
            self._pipes()[0].close()
        self.process.wait(timeout=30)


class Timer(Protocol):
    def time(self, workload: str) -> float: ...


def run_rounds(
    workers: Sequence[Timer], workloads: Sequence[str], rounds: int
) -> list[dict[str, list[float]]]:
    """Every worker's round times of every workload, ``result[worker][workload][round]``."""
    times: list[dict[str, list[float]]] = [{w: [] for w in workloads} for _ in workers]
    for r in range(rounds):
        # Each process takes every place in the order equally often.
        order = [(i + r) % len(workers) for i in range(len(workers))]
        for workload in workloads:
            for i in order:
                times[i][workload].append(workers[i].time(workload))
    return times


@dataclass(frozen=True)
class Row:
    """One workload: both releases' median time per event, new ÷ old, old ÷ old."""

    workload: str
    frames: int
    old_us: float
    new_us: float
    change: Paired
    noise: Paired


def reading(change: Paired, noise: Paired) -> str:
    """``slower by 4 %``, ``faster by 3 %`` or ``within noise`` (see ``NOISE_FACTOR``)."""
    margin = max(NOISE_FACTOR * abs(noise.median - 1), MIN_CHANGE)
    delta = change.median - 1
    if abs(delta) <= margin:
        return "within noise"
    return f"{'slower' if delta > 0 else 'faster'} by {abs(delta):.0%}"


def _rows(data: dict[str, Any]) -> list[Row]:
    old, new, again = data["times"]
    rows = []
    for workload, info in data["workloads"].items():
        frames = int(info["frames"])
        rows.append(
            Row(
                workload,
                frames,
                statistics.median(old[workload]) / frames,
                statistics.median(new[workload]) / frames,
                paired(new[workload], old[workload]),
                paired(again[workload], old[workload]),
            )
        )
    return rows


def _shown(path: Path) -> str:
    """``path`` relative to the checkout where it is inside it."""
    path = path.absolute()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _x(value: float) -> str:
    return f"{value:.3f}×"


def render(data: dict[str, Any]) -> str:
    """The markdown report of one comparison; its last line counts the readings."""
    old, new = data["old"], data["new"]
    described = data["machine"]
    rows = _rows(data)
    table = [
        [
            row.workload,
            f"{row.frames:,}",
            f"{row.old_us * 1e6:.3f}",
            f"{row.new_us * 1e6:.3f}",
            _x(row.change.median),
            _x(row.change.minimum),
            _x(row.noise.median),
            reading(row.change, row.noise),
        ]
        for row in rows
    ]
    old_times, new_times, _ = data["times"]
    gaps = []
    for mix in MIXES:
        rtmsg, floor = f"{mix}, {PEERS[0]}", f"{mix}, {PEERS[1]}"
        if rtmsg in data["workloads"] and floor in data["workloads"]:
            gaps.append(
                [
                    mix,
                    _x(paired(old_times[rtmsg], old_times[floor]).median),
                    _x(paired(new_times[rtmsg], new_times[floor]).median),
                ]
            )
    counts = {
        label: sum(reading(r.change, r.noise).startswith(label) for r in rows)
        for label in ("slower", "faster", "within")
    }
    load = described.get("load_average")
    lines = [
        f"# rtmsg on msgspec {old} and {new}",
        "",
        f"- Machine: {described['cpu']}, {described['logical_cores']} logical cores, "
        f"{described['os']}; load average {f'{load[0]:.1f}' if load else 'n/a'} at the end "
        "(1 minute; the run itself adds about 1, anything more is other work on the machine)",
        f"- Python {data['python']}; rtmsg from this checkout; msgspec {old} "
        f"(`{data['interpreters'][0]}`) and {new} (`{data['interpreters'][1]}`)",
        f"- Run: {data['datetime']}; {data['rounds']} rounds; corpus of "
        f"{data['seconds']:g} s a session",
        "",
        "Three processes decode the same frames: msgspec "
        f"{old}, {new}, and {old} again. Each round runs a workload once in each, one "
        "after the other, in an order that rotates from round to round. **median**: the "
        f"median over rounds of {new}'s time over {old}'s in the same round; **min**: the "
        f"ratio of their fastest rounds; **noise**: the median of {old}'s second process over "
        "its first, which would be 1 on a quiet machine. A change counts when it is more "
        f"than {NOISE_FACTOR:g} times the noise's distance from 1, and more than "
        f"{MIN_CHANGE:.0%}.",
        "",
        "| workload | events | "
        f"{old} µs/event | {new} µs/event | {new} ÷ {old} median | min | "
        f"noise {old} ÷ {old} | reading |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *("| " + " | ".join(cells) + " |" for cells in table),
        "",
        "rtmsg over the untyped floor (`msgspec.json.decode`) in each release: the median of "
        "per-round ratios within one process.",
        "",
        f"| mix | {old} | {new} |",
        "| --- | ---: | ---: |",
        *("| " + " | ".join(cells) + " |" for cells in gaps),
        "",
        f"msgspec {new} against {old}: {counts['slower']} workload(s) slower beyond noise, "
        f"{counts['faster']} faster, {counts['within']} within noise",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.msgspec_versions", description=__doc__)
    parser.add_argument("--old", default=OLD, help=f"the release compared against ({OLD})")
    parser.add_argument("--new", default=NEW, help=f"the release under test ({NEW})")
    parser.add_argument("--python", nargs=2, type=Path, metavar=("OLD", "NEW"))
    parser.add_argument("--budget", type=float, default=30.0, help="seconds of timed rounds")
    parser.add_argument("--rounds", type=int, help="a fixed number of rounds (else --budget)")
    parser.add_argument("--seconds", type=float, default=30.0, help="corpus seconds a session")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.python:
        old_python, new_python = args.python
    else:
        old_python, new_python = venv_python(args.old, args.out), venv_python(args.new, args.out)
    workers: list[Worker] = []
    try:
        for python, label in ((old_python, "old"), (new_python, "new"), (old_python, "old again")):
            workers.append(Worker(python, label, seconds=args.seconds))
        workloads = list(workers[0].hello["workloads"])
        rounds = args.rounds
        if rounds is None:
            start = time.perf_counter()
            run_rounds(workers, workloads, 3)
            per_round = (time.perf_counter() - start) / 3
            rounds = max(10, min(1000, int(args.budget / per_round)))
        times = run_rounds(workers, workloads, rounds)
    finally:
        for worker in workers:
            worker.close()
    data = {
        "datetime": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "old": workers[0].msgspec,
        "new": workers[1].msgspec,
        "python": " and ".join(dict.fromkeys(w.hello["python"] for w in workers[:2])),
        "interpreters": [_shown(python) for python in (old_python, new_python)],
        "seconds": args.seconds,
        "rounds": rounds,
        "machine": machine.describe(),
        "workloads": workers[0].hello["workloads"],
        "times": times,
    }
    (args.out / "msgspec.json").write_text(json.dumps(data, indent=1))
    text = render(data)
    (args.out / "msgspec.md").write_text(text)
    body, _, last = text.rstrip("\n").rpartition("\n")
    print(body)
    print(f"(written to {_shown(args.out / 'msgspec.md')})")
    print(last)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
