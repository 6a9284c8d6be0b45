"""``python -m bench [--quick] [pytest args...]``: run the suite, then print the report.

The full run takes about three minutes on two quiet cores, nearer five on busy ones;
``--quick`` runs the same benchmarks on a short corpus with three rounds each and small
captures, in seconds, to prove the harness works (no timing is asserted anywhere).
Everything a run writes goes to ``.benchmarks/``, which git ignores, so a run leaves the
checkout as it found it:

- ``latest.json`` (``quick.json`` for a quick run): pytest-benchmark's JSON with every
  round's time, which :mod:`bench.report` renders, and ``--publish`` re-renders into
  ``docs/benchmarks.md`` and the README without running anything;
- ``report.md`` (``quick.md``): the report that is also printed;
- every full run is also saved by pytest-benchmark under ``.benchmarks/`` for a later
  ``python -m bench --benchmark-compare``, which then prints pytest-benchmark's own table.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".benchmarks"

# pytest-benchmark's options that ask for its own table: with none of them, it stays quiet.
_TABLE_OPTIONS = ("--benchmark-compare", "--benchmark-verbose", "--benchmark-histogram")


def main(argv: Sequence[str] | None = None, *, out: Path = OUT) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    if quick:
        args.remove("--quick")
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / ("quick.json" if quick else "latest.json")
    wants_table = any(arg.startswith(_TABLE_OPTIONS) for arg in args)
    # Rounds are set by each benchmark (see bench/conftest.py), not by pytest-benchmark's
    # time options; only full runs are saved for --benchmark-compare.
    code = pytest.main(
        [
            str(ROOT / "bench"),
            "--quiet",
            "--benchmark-only",
            "--benchmark-sort=name",
            "--benchmark-columns=min,median,rounds",
            f"--benchmark-json={json_path}",
            f"--benchmark-storage={out}",
            *([] if wants_table else ["--benchmark-quiet"]),
            *(["--quick"] if quick else ["--benchmark-autosave"]),
            *args,
        ]
    )
    if code != 0:
        return int(code)
    from bench import report  # after the run: it imports the SDK, which pytest loads as a plugin

    output = out / ("quick.md" if quick else "report.md")
    return report.main([str(json_path), "--output", str(output)])


if __name__ == "__main__":
    raise SystemExit(main())
