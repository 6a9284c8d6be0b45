"""Big captures in constant memory: decode a JSONL file of 100 MiB and of 1 GiB frame by frame.

The file is the server stream written over and over to a temporary file, then decoded by
``rtmsg.iter_server_events`` in a fresh process (:mod:`bench.capture`), and by a plain
``msgspec.json.decode`` loop over the same lines as the floor. Peak memory growth must not
depend on the file size.

The figures are the child's own (its CPU seconds and memory, in ``extra_info``); the time
pytest-benchmark records for these rows (in ``--benchmark-compare``) is this process's
thread CPU while it waits for the child, not the decoding.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from bench.capture import write_capture
from bench.corpus import Corpus

MIB = 1 << 20


def _sizes(config: pytest.Config) -> list[int]:
    option = config.getoption("--capture-mb")
    if option is None:
        option = "2,8" if config.getoption("--quick") else "100,1024"
    return [int(size) for size in str(option).split(",")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "capture_mb" in metafunc.fixturenames:
        metafunc.parametrize("capture_mb", _sizes(metafunc.config))


def _decode_in_child(path: Path, peer: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.capture", str(path), "--peer", peer],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def test_decode_capture(benchmark: Any, corpus: Corpus, capture_mb: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rtmsg-bench-") as tmp:
        free = shutil.disk_usage(tmp).free
        if free < 2 * capture_mb * MIB:
            pytest.skip(f"{free // MIB} MiB free in {tmp}, {2 * capture_mb} MiB needed")
        path = Path(tmp) / "capture.jsonl"
        write_capture(path, corpus.server, capture_mb * MIB)
        floor = _decode_in_child(path, "msgspec")
        results: list[dict[str, Any]] = []
        benchmark.pedantic(
            lambda: results.append(_decode_in_child(path, "rtmsg")), rounds=1, iterations=1
        )
    (result,) = results
    assert result["events"] == floor["events"]
    benchmark.group = "capture"
    benchmark.extra_info.update(
        kind="capture", mix=f"{capture_mb} MiB", peer="rtmsg", rtmsg=result, floor=floor
    )
