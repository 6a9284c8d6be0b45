"""Branch coverage of each part of the package, held to a floor per part: ``make test`` runs it.

``python tests/coverage_floors.py [DATA]`` reads the coverage data the test run left
(``.coverage`` by default), prints each part's coverage (the statements and branches its
tests ran, as ``coverage report`` counts them) and exits 1 if a part is below its floor in
``[tool.rtmsg.coverage-floors]`` of ``pyproject.toml``, or if a module of the package belongs
to no part. A part's floor only goes up: when the tests of a part cover more, raise its floor
to the new figure (the report says when it can go up).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
PACKAGE: Final = "src/rtmsg/"

PARTS: Final[dict[str, tuple[str, ...]]] = {
    # the JSONL readers, before the engine and the protocols that hold them
    "stream": ("engine/stream.py", "engine/lines.py", "conversation/stream.py", "stream.py"),
    "engine": ("engine/*",),
    "protocols": ("common/*", "conversation/*", "translation/*", "live/*", "protocols.py"),
    "capture": ("capture/*",),
    "inspection": ("inspection/*",),
    "analytics": ("analytics/*",),
    "relay": ("relay/*",),
    "cli": ("cli/*", "__main__.py"),
    # the package's facade and the modules kept for 0.1.1's users: re-exports only
    "facade": ("__init__.py", "*.py"),
}
"""Each part of the package and its modules (paths under ``src/rtmsg/``); the first wins."""


@dataclasses.dataclass
class Count:
    statements: int = 0
    covered_lines: int = 0
    branches: int = 0
    covered_branches: int = 0

    def add(self, summary: dict[str, Any]) -> None:
        self.statements += summary["num_statements"]
        self.covered_lines += summary["covered_lines"]
        self.branches += summary.get("num_branches", 0)
        self.covered_branches += summary.get("covered_branches", 0)

    @property
    def percent(self) -> float:
        total = self.statements + self.branches
        return 100.0 if not total else 100.0 * (self.covered_lines + self.covered_branches) / total


def part_of(module: str) -> str | None:
    """The part that ``module`` (a path under ``src/rtmsg/``) belongs to."""
    for part, patterns in PARTS.items():
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns):
            if part == "facade" and "/" in module:
                continue
            return part
    return None


def measure(data_file: Path) -> tuple[dict[str, Count], list[str]]:
    """Each part's count, and the modules that belong to no part."""
    import coverage

    cov = coverage.Coverage(data_file=str(data_file), config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(report), include=[f"*/{PACKAGE}*"], ignore_errors=True)
        files: dict[str, Any] = json.loads(report.read_text())["files"]
    counts = {part: Count() for part in PARTS}
    orphans = []
    measured = set()
    for name, info in files.items():
        module = name.replace("\\", "/").split(PACKAGE, 1)[1]
        measured.add(module)
        part = part_of(module)
        if part is None:
            orphans.append(module)
        else:
            counts[part].add(info["summary"])
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        module = path.relative_to(ROOT / PACKAGE).as_posix()
        if module not in measured:  # never imported by any test: nothing of it ran
            orphans.append(f"{module} (never imported)")
    return counts, orphans


def floors() -> dict[str, float]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(config["tool"]["rtmsg"]["coverage-floors"])


def check(counts: dict[str, Count], floor: dict[str, float], orphans: list[str]) -> list[str]:
    """Print each part's coverage; return what fails."""
    problems = [f"{module}: belongs to no part (tests/coverage_floors.py)" for module in orphans]
    print(f"{'part':<12} {'cover':>7} {'floor':>7}   statements, branches")
    for part, count in counts.items():
        minimum = floor.get(part)
        if minimum is None:
            problems.append(f"{part}: no floor in [tool.rtmsg.coverage-floors]")
            minimum = 100.0
        percent = count.percent
        note = ""
        if percent + 1e-9 < minimum:
            note = "  BELOW THE FLOOR"
            problems.append(f"{part}: {percent:.2f} % is below its floor of {minimum} %")
        elif int(percent) > minimum:
            note = f"  (the floor can go up to {int(percent)})"
        print(
            f"{part:<12} {percent:6.2f}% {minimum:6.1f}%   {count.statements}, "
            f"{count.branches}{note}"
        )
    return problems


def main(argv: list[str]) -> int:
    data_file = Path(argv[0]) if argv else ROOT / ".coverage"
    counts, orphans = measure(data_file)
    problems = check(counts, floors(), orphans)
    for problem in problems:
        print(f"coverage: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
