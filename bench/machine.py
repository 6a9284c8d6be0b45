"""What a run ran on: CPU, cores, operating system, load, package versions.

Recorded at the time of a run, so that a report rendered from its saved results later says
where they come from. Standard library only, for the msgspec comparison's driver too.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["cpu_model", "describe", "load_average", "version"]


def cpu_model() -> str:
    """The CPU's model name, as the kernel gives it; else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def version(package: str) -> str:
    """The installed version of ``package``, or ``n/a``."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "n/a"


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15-minute load averages, where the platform has them."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe(packages: Iterable[str] = ()) -> dict[str, Any]:
    """The machine and the versions of ``packages``, as a JSON-ready dict."""
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "versions": {name: version(name) for name in packages},
        "load_average": load_average(),
    }
