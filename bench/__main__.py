"""``python -m bench [--quick] [pytest args...]``: run the suite, then print the ratios table.

The full run takes a few minutes on two cores; ``--quick`` runs the same benchmarks on a
short corpus and small captures in seconds, to prove the harness works (no timing is
asserted anywhere). The pytest-benchmark JSON goes to ``.benchmarks/latest.json`` and every
run is also saved under ``.benchmarks/``, so a later run can add ``--benchmark-compare``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JSON = ROOT / ".benchmarks" / "latest.json"

FULL = ["--benchmark-max-time=0.5", "--benchmark-min-rounds=5"]
QUICK = [
    "--quick",
    "--benchmark-max-time=0.002",
    "--benchmark-min-rounds=1",
    "--benchmark-min-time=0.00001",
]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    if quick:
        args.remove("--quick")
    JSON.parent.mkdir(exist_ok=True)
    code = pytest.main(
        [
            str(ROOT / "bench"),
            "--quiet",
            "--benchmark-only",
            "--benchmark-sort=name",
            "--benchmark-columns=min,median,rounds,iterations",
            f"--benchmark-json={JSON}",
            "--benchmark-autosave",
            f"--benchmark-storage={ROOT / '.benchmarks'}",
            *(QUICK if quick else FULL),
            *args,
        ]
    )
    if code != 0:
        return int(code)
    from bench import report  # after the run: it imports the SDK, which pytest loads as a plugin

    output = JSON.parent / "quick.md" if quick else ROOT / "docs" / "benchmarks.md"
    return report.main([str(JSON), "--output", str(output)])


if __name__ == "__main__":
    raise SystemExit(main())
