"""``python -m bench [--quick] [pytest args...]``: run the suite, then print the ratios table.

The full run takes about two minutes on two cores and writes ``docs/benchmarks.md``;
``--quick`` runs the same benchmarks on a short corpus with few rounds and small captures in
seconds, to prove the harness works (no timing is asserted anywhere), and writes
``.benchmarks/quick.md``. The pytest-benchmark JSON goes to ``.benchmarks/latest.json`` and
every full run is also saved under ``.benchmarks/``, so a later run can add
``--benchmark-compare`` (``python -m bench --benchmark-compare``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JSON = ROOT / ".benchmarks" / "latest.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    if quick:
        args.remove("--quick")
    JSON.parent.mkdir(exist_ok=True)
    # Rounds are set by each benchmark (see bench/conftest.py), not by pytest-benchmark's
    # time options; only full runs are saved for --benchmark-compare.
    code = pytest.main(
        [
            str(ROOT / "bench"),
            "--quiet",
            "--benchmark-only",
            "--benchmark-sort=name",
            "--benchmark-columns=min,median,rounds",
            f"--benchmark-json={JSON}",
            f"--benchmark-storage={ROOT / '.benchmarks'}",
            *(["--quick"] if quick else ["--benchmark-autosave"]),
            *args,
        ]
    )
    if code != 0:
        return int(code)
    from bench import report  # after the run: it imports the SDK, which pytest loads as a plugin

    output = JSON.parent / "quick.md" if quick else ROOT / "docs" / "benchmarks.md"
    return report.main([str(JSON), "--output", str(output), *(["--quick"] if quick else [])])


if __name__ == "__main__":
    raise SystemExit(main())
