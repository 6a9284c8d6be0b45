"""``python -m bench.relay [--quick] [--passes N] [--only LOAD ...]``: run, save, report.

The full run (``make relay-bench``) takes about five minutes on two cores; ``--quick`` runs
every load through every relay on tiny counts, in well under a minute, to prove that the
harness works (nothing is judged: CI runs it). Everything a run writes goes to
``.benchmarks/``, which git ignores: ``relay.json`` (``relay-quick.json``), the results the
report is rendered from, and ``relay-report.md`` (``relay-quick.md``), the report that is also
printed. Ctrl-C stops the run and every process it started.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from bench.relay import harness, report
from bench.relay.processes import ChildError

OUT = Path(__file__).resolve().parent.parent.parent / ".benchmarks"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the run as Ctrl-C does: every child stopped


def main(argv: Sequence[str] | None = None, *, out: Path = OUT) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny loads, no judgement")
    parser.add_argument("--passes", type=int, help="interleaved passes (3; 1 when quick)")
    parser.add_argument(
        "--only", nargs="+", metavar="LOAD", help="flood, small, short, voice-200, voice-1000"
    )
    args = parser.parse_args(argv)
    settings = harness.QUICK if args.quick else harness.FULL
    if args.passes:
        settings = dataclasses.replace(settings, passes=args.passes)
    names = [w.name for w in harness.workloads(settings)]
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        parser.error(f"no load {', '.join(unknown)}: choose among {', '.join(names)}")
    signal.signal(signal.SIGTERM, _interrupt)
    out.mkdir(parents=True, exist_ok=True)
    stem = "relay-quick" if settings.quick else "relay"
    try:
        results = harness.run(
            settings,
            only=args.only or (),
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except ChildError as exc:
        print(f"relay benchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("relay benchmark interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    output = out / ("relay-quick.md" if settings.quick else "relay-report.md")
    return report.main([str(json_path), "--output", str(output)])


if __name__ == "__main__":
    raise SystemExit(main())
