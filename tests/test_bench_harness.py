"""The benchmark harness without timing: the report's arithmetic and verdicts, the capture run.

No test here asserts anything about speed; they check that the figures are computed and
labelled as documented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import capture, report
from bench import export as export_bench
from bench.corpus import build_corpus
from bench.peers import FLOOR, RTMSG, SDK_PARSE, SDK_PYDANTIC
from rtmsg.capture import read_capture

TIMES = "\N{MULTIPLICATION SIGN}"  # the report writes a ratio as 2.00 and this sign


def bench_entry(kind: str, mix: str, peer: str, minimum: float, baseline: float) -> Any:
    return {
        "extra_info": {
            "kind": kind,
            "mix": mix,
            "peer": peer,
            "frames": 100,
            "bytes": 1000,
            "seconds": 10.0,
            "baseline": baseline,
        },
        "stats": {"min": minimum, "rounds": 7},
    }


def run_data() -> dict[str, Any]:
    entries = [
        bench_entry("decode", "client stream", RTMSG, 1.0, 1.0),
        bench_entry("decode", "client stream", FLOOR, 0.5, 1.0),  # rtmsg 2x the floor
        bench_entry("decode", "server stream", RTMSG, 1.0, 1.0),
        bench_entry("decode", "server stream", FLOOR, 1.0, 1.0),
        bench_entry("decode", "server stream", SDK_PARSE, 30.0, 1.0),
        bench_entry("decode", "control events", SDK_PYDANTIC, 50.0, 1.0),
        bench_entry("encode", "client stream", RTMSG, 1.0, 1.0),
        bench_entry("encode", "client stream", "json", 4.0, 1.0),
    ]
    return {"benchmarks": entries, "datetime": "2025-01-01T00:00:00", "machine_info": {}}


def test_targets_are_paired_ratios_with_verdicts() -> None:
    text, misses = report.render(run_data())
    rows = {
        line.split("|")[1].strip(): line
        for line in text.splitlines()
        if line.startswith("| ") and TIMES in line
    }
    assert f"2.00{TIMES}" in rows["client stream: rtmsg / untyped floor"]
    assert "MISS" in rows["client stream: rtmsg / untyped floor"]
    assert "PASS" in rows["server stream: rtmsg / untyped floor"]
    assert f"30.00{TIMES}" in rows["server stream: SDK parse path / rtmsg"]
    assert "PASS" in rows["encode client stream: json.dumps / rtmsg"]
    assert "n/a" in rows["control events: rtmsg / untyped floor"]
    assert misses == 1


def test_quick_reports_say_so() -> None:
    assert "Quick run" in report.render(run_data(), quick=True)[0]
    assert "Quick run" not in report.render(run_data())[0]


@pytest.mark.parametrize(
    ("target", "value", "verdict"),
    [(0, 1.25, "PASS"), (0, 1.26, "MISS"), (3, 25.0, "PASS"), (3, 24.9, "MISS")],
)
def test_target_limits(target: int, value: float, verdict: str) -> None:
    assert report.TARGETS[target].verdict(value) == verdict


def test_capture_run_reports_events_and_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = build_corpus(4.0).server
    path = tmp_path / "capture.jsonl"
    size = capture.write_capture(path, frames, 1)
    assert size == path.stat().st_size
    for peer in ("rtmsg", "msgspec"):
        assert capture.main([str(path), "--peer", peer]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["events"] == len(frames)
        assert result["peak_rss_after"] >= result["peak_rss_before"] > 0


def test_export_run_counts_the_same_events_in_every_mode(tmp_path: Path) -> None:
    paths = export_bench.write_captures(tmp_path / "captures", 2, 64 * 1024, 4.0)
    assert [path.name for path in paths] == ["session-1.jsonl", "session-2.jsonl"]
    assert all(path.stat().st_size >= 64 * 1024 for path in paths)
    runs = [
        export_bench.measure("decode", paths),
        export_bench.measure("stats", paths),
        export_bench.measure("export", paths, tmp_path / "out"),
    ]
    events = sum(1 for path in paths for _ in read_capture(path))
    assert [run["events"] for run in runs] == [events] * 3
    assert (tmp_path / "out" / "events").is_dir()
    memory = [dict(runs[0]), dict(runs[2])]
    text = export_bench.render(runs, memory, "test")
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[2].startswith("| plain decode | 1 |")
    assert table[2].endswith(f"| 1.00{TIMES} |")  # decode is the unit of the last column
    assert table[4].startswith("| export, in process | 1 |")
    assert table[-1].startswith("| export |")
