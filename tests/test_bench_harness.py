"""The benchmark harness without timing: ratio maths, report, verdicts, publishing, outputs.

No test here asserts anything about speed; they check that the figures are computed and
labelled as documented, that a run writes nothing git tracks, and that publishing touches
only what it should.
"""

from __future__ import annotations

import inspect
import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import capture, capture_level, capture_write, machine, msgspec_versions, report
from bench import conftest as bench_conftest
from bench import export as export_bench
from bench.corpus import LIVE_FLAT, build_corpus
from bench.peers import DECODER_OBJECT, FLOOR, RTMSG, SDK_PARSE, SDK_PYDANTIC
from bench.stats import Paired, paired
from rtmsg.capture import read_capture

TIMES = "\N{MULTIPLICATION SIGN}"  # the reports write a ratio as 2.00 and this sign
ROOT = Path(__file__).resolve().parent.parent


# --- the ratio maths -----------------------------------------------------------------


def test_paired_takes_the_median_of_per_round_ratios() -> None:
    # Round ratios 1, 2, 4: median 2; the ratio of the medians would be 4 / 2.
    result = paired([1.0, 4.0, 4.0], [1.0, 2.0, 1.0])
    assert result.median == 2.0
    assert result.minimum == 1.0  # min(times) / min(baseline)
    assert result.rounds == 3


def test_paired_inverts_round_by_round() -> None:
    # Ratios 1/2, 1/3, 1/8, 1/1: median (1/2 + 1/3) / 2, not 1 / median((2, 3, 8, 1)).
    times, baseline = [2.0, 3.0, 8.0, 1.0], [1.0, 1.0, 1.0, 1.0]
    inverse = paired(baseline, times)
    assert inverse.median == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert inverse.median != pytest.approx(1 / paired(times, baseline).median)
    assert inverse.minimum == 1.0


def test_paired_is_immune_to_a_slow_spell_on_both_sides() -> None:
    # Rounds 2 and 3 ran during a slow spell that tripled both sides: every ratio is 1.5.
    result = paired([1.5, 4.5, 4.5, 1.5], [1.0, 3.0, 3.0, 1.0])
    assert result.median == 1.5


@pytest.mark.parametrize(
    ("times", "baseline"), [([1.0, 2.0], [1.0]), ([], []), ([1.0], [0.0]), ([0.0], [1.0])]
)
def test_paired_rejects_what_is_not_a_pairing(times: list[float], baseline: list[float]) -> None:
    with pytest.raises(ValueError, match=r"paired|rounds|no time"):
        paired(times, baseline)


# --- the report ------------------------------------------------------------------------


def entry(
    kind: str, mix: str, peer: str, times: Sequence[float], baseline: Sequence[float]
) -> dict[str, Any]:
    return {
        "name": f"{kind}-{mix}-{peer}",
        "extra_info": {
            "kind": kind,
            "mix": mix,
            "peer": peer,
            "frames": 100,
            "bytes": 1000,
            "seconds": 10.0,
            "baseline_times": list(baseline),
        },
        "stats": {"data": list(times), "min": min(times), "rounds": len(times)},
    }


def constant(kind: str, mix: str, peer: str, ratio: float) -> dict[str, Any]:
    """A benchmark whose every round is ``ratio`` times its baseline's."""
    return entry(kind, mix, peer, [ratio, 2 * ratio, ratio], [1.0, 2.0, 1.0])


def run_data(*entries: dict[str, Any], quick: bool = False) -> dict[str, Any]:
    return {
        "benchmarks": list(entries),
        "datetime": "2025-01-01T00:00:00",
        "version": "5.3.1",
        "commit_info": {"id": "0123456789abcdef", "dirty": False},
        "machine_info": {
            "python_version": "3.11.7",
            "python_implementation": "CPython",
            "rtmsg_bench": {
                "quick": quick,
                "cpu": "Test CPU 9000",
                "logical_cores": 2,
                "os": "Linux 6.0",
                "versions": {"rtmsg": "0.1.0", "msgspec": "0.23.0", "openai": "3.51.0"},
                "load_average_start": [0.5, 0.5, 0.5],
                "load_average_end": [1.5, 1.0, 1.0],
            },
        },
    }


def every_target_met() -> list[dict[str, Any]]:
    """A benchmark behind every target, each meeting it, and the noise benchmarks."""
    streams = (
        "client stream",
        "server stream",
        "control events",
        "translation stream",
        "live stream",
        "live server stream",
    )
    entries = [constant("decode", mix, RTMSG, 1.0) for mix in streams]
    entries += [constant("decode", mix, FLOOR, 1.0) for mix in streams]
    entries += [
        constant("decode", "client stream", DECODER_OBJECT, 1.0),
        constant("decode", "control events", SDK_PYDANTIC, 50.0),
        constant("decode", "server stream", SDK_PARSE, 30.0),
        constant("decode", "live server stream", SDK_PARSE, 30.0),
        constant("micro-decode", LIVE_FLAT, RTMSG, 1.0),
        constant("micro-decode", "live response.event, against a flat event", RTMSG, 1.0),
    ]
    for mix in ("client stream", "server stream", "control events"):
        entries += [
            constant("encode", mix, RTMSG, 1.0),
            constant("encode", mix, "json", 5.0),
            constant("encode", mix, SDK_PYDANTIC, 3.0),
        ]
    for event in ("audio_transcript.delta", "output_audio.delta 200 ms"):
        entries += [
            constant("micro-decode", event, RTMSG, 1.0),
            constant("micro-decode", f"{event} as Unknown", RTMSG, 1.2),
        ]
    return entries


def target_rows(text: str) -> dict[str, list[str]]:
    """The targets table's cells by ratio name."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 7 and cells[0] in {t.name for t in report.TARGETS}:
            rows[cells[0]] = cells
    return rows


def test_a_run_that_meets_every_target_says_so_last() -> None:
    text = report.render(run_data(*every_target_met()))
    assert len(report.TARGETS) == 19
    assert text.rstrip("\n").splitlines()[-1] == "19/19 targets met"
    rows = target_rows(text)
    assert set(rows) == {target.name for target in report.TARGETS}
    assert all(cells[5] == "PASS" for cells in rows.values())


def test_targets_are_judged_on_the_median_not_the_minimum() -> None:
    # rtmsg is 1.1x-1.3x the floor in most rounds; one lucky round makes the minimums 1.0x.
    entries = [
        e
        for e in every_target_met()
        if (e["extra_info"]["mix"], e["extra_info"]["peer"]) != ("client stream", FLOOR)
    ]
    floor = entry("decode", "client stream", FLOOR, [1.0, 1.0, 1.0, 0.8], [1.3, 1.3, 1.1, 0.8])
    text = report.render(run_data(*entries, floor))
    _, median, minimum, noise, goal, result, rounds = target_rows(text)[
        "client stream: rtmsg / untyped floor"
    ]
    assert (median, minimum, noise) == (f"1.20{TIMES}", f"1.00{TIMES}", f"1.00{TIMES}")
    assert goal.startswith(f"≤ 1.25{TIMES}")
    assert (result, rounds) == ("PASS", "4")
    # The same at 1.3x: a miss, named on the last line with its value and its bound.
    floor = entry("decode", "client stream", FLOOR, [1.0, 1.0, 1.0, 0.8], [1.3, 1.3, 1.3, 0.8])
    text = report.render(run_data(*entries, floor))
    assert target_rows(text)["client stream: rtmsg / untyped floor"][5] == "MISS"
    assert text.rstrip("\n").splitlines()[-1] == (
        f"18/19 targets met: missed client stream: rtmsg / untyped floor "
        f"(1.30{TIMES}, target ≤ 1.25{TIMES})"
    )


def test_noise_is_rtmsg_against_itself_on_the_targets_frames() -> None:
    entries = [e for e in every_target_met() if e["extra_info"]["peer"] != RTMSG]
    entries += [
        constant("decode", "client stream", RTMSG, 1.04),
        constant("decode", "server stream", RTMSG, 0.97),
        constant("decode", "control events", RTMSG, 1.0),
        constant("micro-decode", "audio_transcript.delta", RTMSG, 1.08),
    ]
    rows = target_rows(report.render(run_data(*entries)))
    assert rows["client stream: rtmsg / untyped floor"][3] == f"1.04{TIMES}"
    assert rows["client stream: ClientEventDecoder().decode / decode_client_event"][3] == (
        f"1.04{TIMES}"
    )
    assert rows["server stream: SDK parse path / rtmsg"][3] == f"0.97{TIMES}"
    # An Unknown's noise is rtmsg on the known event it was renamed from.
    assert rows["Unknown / known, same size: audio_transcript.delta"][3] == f"1.08{TIMES}"
    assert rows["encode client stream: json.dumps / rtmsg"][3] == "n/a"


def test_unmeasured_targets_are_named_not_counted_as_met() -> None:
    text = report.render(run_data(constant("decode", "client stream", FLOOR, 1.0)))
    last = text.rstrip("\n").splitlines()[-1]
    assert last.startswith("1/19 targets met: not measured: control events: rtmsg / untyped")
    assert target_rows(text)["server stream: rtmsg / untyped floor"][1:6:4] == ["n/a", "n/a"]


@pytest.mark.parametrize(
    ("name", "value", "met"),
    [
        ("client stream: rtmsg / untyped floor", 1.25, True),
        ("client stream: rtmsg / untyped floor", 1.26, False),
        ("control events: rtmsg / untyped floor", 1.1, True),
        ("control events: rtmsg / untyped floor", 1.11, False),
        ("client stream: ClientEventDecoder().decode / decode_client_event", 1.03, True),
        ("client stream: ClientEventDecoder().decode / decode_client_event", 1.031, False),
        ("control events: SDK pydantic / rtmsg", 25.0, True),
        ("control events: SDK pydantic / rtmsg", 24.9, False),
    ],
)
def test_target_limits(name: str, value: float, met: bool) -> None:
    (target,) = [t for t in report.TARGETS if t.name == name]
    assert target.met(value) is met


def test_the_report_says_what_it_ran_on() -> None:
    text = report.render(run_data(*every_target_met()))
    head = "\n".join(text.splitlines()[:5])
    for fact in ("Test CPU 9000", "2 logical cores", "Python 3.11.7", "msgspec 0.23.0"):
        assert fact in head
    assert "openai 3.51.0" in head
    assert "0123456789" in head
    assert "load average 0.5 when the run started and 1.5 when it ended" in head
    assert "Quick run" not in text
    # a run of this harness records the load beside machine_info, not in it
    data = run_data(*every_target_met())
    rtmsg_bench = data["machine_info"]["rtmsg_bench"]
    load = {key: rtmsg_bench.pop(key) for key in ("load_average_start", "load_average_end")}
    data[bench_conftest.RUN_INFO] = {**load, "load_average_start": [0.3, 0, 0]}
    assert "load average 0.3 when the run started and 1.5 when it ended" in report.render(data)


def test_machine_info_is_the_same_from_run_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest-benchmark compares it with the saved run's on --benchmark-compare, and warns
    # with both in full when they differ: the load, which always differs, is not in it.
    calls = itertools.count()
    monkeypatch.setattr(machine, "load_average", lambda: (float(next(calls)),) * 3)

    class Config:
        def getoption(self, name: str) -> object:
            return {"--quick": False, "benchmark_timer": "time.thread_time"}[name]

    config: Any = Config()
    infos, outputs = [], []
    for _ in range(2):
        bench_conftest.pytest_sessionstart(None)  # type: ignore[arg-type]
        info: dict[str, Any] = {}
        bench_conftest.pytest_benchmark_update_machine_info(config, info)
        output: dict[str, Any] = {"machine_info": info}
        bench_conftest.pytest_benchmark_update_json(config, [], output)
        infos.append(info)
        outputs.append(output[bench_conftest.RUN_INFO])
    assert infos[0] == infos[1]
    assert "load_average_start" not in json.dumps(infos[0])
    starts = [output["load_average_start"][0] for output in outputs]
    ends = [output["load_average_end"][0] for output in outputs]
    assert starts[0] < ends[0] < starts[1] < ends[1]


def test_figures_give_the_median_and_the_minimum() -> None:
    # json: rounds 4x, 4x and 1x rtmsg (min 1.0 / 1.0): median 4x, min 1x.
    stream = entry("decode", "client stream", "json", [4.0, 8.0, 1.0], [1.0, 2.0, 1.0])
    text = report.render(run_data(constant("decode", "client stream", RTMSG, 1.0), stream))
    (row,) = [line for line in text.splitlines() if line.startswith("| client stream | 100 |")]
    assert f"4.00{TIMES} (min 1.00{TIMES})" in row


def test_quick_runs_say_so() -> None:
    text = report.render(run_data(*every_target_met(), quick=True))
    assert "Quick run" in text
    assert "quick run" in text.rstrip("\n").splitlines()[-1]


def test_a_json_without_round_times_is_refused() -> None:
    old = constant("decode", "client stream", FLOOR, 1.0)
    del old["extra_info"]["baseline_times"]
    with pytest.raises(report.ReportError, match="make bench"):
        report.render(run_data(old))


# --- publishing ------------------------------------------------------------------------


def readme_with_block() -> str:
    return (
        "# rtmsg\n\n## Benchmarks\n\nHow to read it.\n\n"
        f"{report.README_START}\nstale: msgspec 0.22.0\n{report.README_END}\n\n## Fidelity\n"
    )


def test_publish_rewrites_the_block_and_the_docs_only(tmp_path: Path) -> None:
    readme, docs = tmp_path / "README.md", tmp_path / "docs" / "benchmarks.md"
    readme.write_text(readme_with_block())
    data = run_data(*every_target_met())
    line = report.publish(data, readme=readme, docs=docs)
    assert line == "19/19 targets met"
    assert docs.read_text() == report.render(data)
    text = readme.read_text()
    assert "stale" not in text
    assert text.startswith("# rtmsg\n\n## Benchmarks\n\nHow to read it.\n\n")
    assert text.endswith(f"{report.README_END}\n\n## Fidelity\n")
    block = text[text.index(report.README_START) : text.index(report.README_END)]
    assert "msgspec 0.23.0" in block
    assert "19/19 targets met" in block
    # Publishing the same run twice changes nothing.
    report.publish(data, readme=readme, docs=docs)
    assert readme.read_text() == text


def test_publish_refuses_a_quick_run_or_a_readme_without_the_block(tmp_path: Path) -> None:
    readme, docs = tmp_path / "README.md", tmp_path / "benchmarks.md"
    readme.write_text(readme_with_block())
    with pytest.raises(report.ReportError, match="quick"):
        report.publish(run_data(*every_target_met(), quick=True), readme=readme, docs=docs)
    readme.write_text("# rtmsg\n")
    with pytest.raises(report.ReportError, match="block"):
        report.publish(run_data(*every_target_met()), readme=readme, docs=docs)
    assert readme.read_text() == "# rtmsg\n"
    assert not docs.exists()


def test_the_repository_readme_has_the_block() -> None:
    text = (ROOT / "README.md").read_text()
    assert text.count(report.README_START) == 1
    assert text.index(report.README_START) < text.index(report.README_END)


def test_publish_without_a_run_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report.main([str(tmp_path / "none.json"), "--publish"]) == 2
    assert "make bench" in capsys.readouterr().err


# --- what a run writes -----------------------------------------------------------------


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


needs_git = pytest.mark.skipif(
    shutil.which("git") is None or _git("rev-parse").returncode != 0,
    reason="not a git checkout",
)


@needs_git
@pytest.mark.parametrize("quick", [False, True])
def test_a_run_writes_only_into_its_output_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    quick: bool,
) -> None:
    def fake_pytest(args: list[str]) -> int:
        (json_option,) = [a for a in args if a.startswith("--benchmark-json=")]
        Path(json_option.split("=", 1)[1]).write_text(
            json.dumps(run_data(*every_target_met(), quick=quick))
        )
        assert "--benchmark-quiet" in args  # no pytest-benchmark table before the report
        return 0

    monkeypatch.setattr(pytest, "main", fake_pytest)  # the module bench.__main__ calls
    before = _git("status", "--porcelain").stdout
    out = tmp_path / ".benchmarks"
    assert bench_main.main(["--quick"] if quick else [], out=out) == 0
    assert _git("status", "--porcelain").stdout == before
    names = {path.name for path in out.iterdir()}
    assert names == ({"quick.json", "quick.md"} if quick else {"latest.json", "report.md"})
    printed = capsys.readouterr().out.rstrip("\n").splitlines()
    assert printed[-1].startswith("19/19 targets met")
    assert printed[0] == "# rtmsg benchmarks"


@needs_git
def test_the_default_output_folder_is_ignored_by_git() -> None:
    out = inspect.signature(bench_main.main).parameters["out"].default
    assert out == ROOT / ".benchmarks"
    for name in ("latest.json", "report.md", "msgspec.md", "venv-msgspec-0.22.0/bin/python"):
        assert _git("check-ignore", "-q", str(out / name)).returncode == 0, name
    assert report.DEFAULT_OUTPUT.parent == out
    assert out == msgspec_versions.OUT


# --- the msgspec comparison ----------------------------------------------------------


class FakeWorker:
    def __init__(self, label: str, log: list[str]) -> None:
        self.label, self.log = label, log

    def time(self, workload: str) -> float:
        self.log.append(f"{self.label} {workload}")
        return 1.0


def test_rounds_rotate_the_order_of_the_processes() -> None:
    log: list[str] = []
    workers = [FakeWorker(label, log) for label in "abc"]
    times = msgspec_versions.run_rounds(workers, ["w1", "w2"], 3)
    assert [len(t["w1"]) for t in times] == [3, 3, 3]
    firsts = [log[i].split()[0] for i in range(0, len(log), 6)]
    assert firsts == ["a", "b", "c"]  # each process leads one round
    assert log[:6] == ["a w1", "b w1", "c w1", "a w2", "b w2", "c w2"]


@pytest.mark.parametrize(
    ("change", "noise", "expected"),
    [
        (1.10, 1.01, "slower by 10%"),
        (0.90, 0.99, "faster by 10%"),
        (1.03, 1.02, "within noise"),  # within twice the noise
        (1.015, 1.0, "within noise"),  # below 2 %
        (1.05, 1.02, "slower by 5%"),
    ],
)
def test_reading_tells_a_change_from_noise(change: float, noise: float, expected: str) -> None:
    reading = msgspec_versions.reading(Paired(change, change, 9), Paired(noise, noise, 9))
    assert reading == expected


def test_the_comparison_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    python = sys.executable
    args = ["--python", python, python, "--rounds", "2", "--seconds", "4", "--out", str(tmp_path)]
    assert msgspec_versions.main(args) == 0
    data = json.loads((tmp_path / "msgspec.json").read_text())
    assert data["rounds"] == 2
    assert len(data["times"]) == 3  # old, new, old again
    text = (tmp_path / "msgspec.md").read_text()
    for mix in ("client stream", "control events", "server stream"):
        for peer in ("rtmsg", "untyped floor"):
            assert f"| {mix}, {peer} |" in text
    last = capsys.readouterr().out.rstrip("\n").splitlines()[-1]
    assert last.endswith("within noise")
    assert "workload(s) slower beyond noise" in last


# --- the capture run -----------------------------------------------------------------


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


def test_capture_write_run_measures_every_writer_and_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert capture.main(["write", "--quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["frames"] == sum(session["frames"] for session in result["sessions"]) > 0
    assert all(1 <= s["frames_per_flush"] < s["frames"] for s in result["sessions"])
    for suffix in (".jsonl", ".jsonl.gz"):
        writers = result["caller"][suffix]
        assert list(writers) == ["threaded", "inline", "0.1"]
        assert all(figure > 0 for figures in writers.values() for figure in figures.values())
    policies = result["policies"]
    assert [policies[label]["ratio"] for label in policies][:2] == [1.0, 1.0]
    assert all(0 < policies[label]["ratio"] < 1 for label in list(policies)[2:])
    table = capture_write.render(result).splitlines()
    assert sum(line.startswith("| .jsonl") for line in table) == 6
    assert sum(line.startswith("| gz, ") for line in table) == 3


def test_capture_level_run_compresses_each_kind_of_audio_at_each_level(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert capture.main(["level", "--quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    kinds = result["kinds"]
    assert list(kinds) == ["noise", "tone", "silence"]
    for figures in kinds.values():
        assert figures["frames"] == 2 * 50 * 2  # 2 s of appends and deltas
        levels = figures["levels"]
        assert list(levels) == ["1", "3", "6", "9"]
        assert all(cell["us_per_frame"] > 0 for cell in levels.values())
        assert levels["9"]["ratio"] <= levels["1"]["ratio"] < 1
    # Noise barely compresses; the mock's tone and silence are mostly repeats.
    assert kinds["noise"]["levels"]["1"]["ratio"] > 0.5 > kinds["tone"]["levels"]["1"]["ratio"]
    assert kinds["silence"]["levels"]["1"]["ratio"] < 0.1
    (tmp_path / "tone.jsonl").write_bytes(b"".join(capture_level.session("tone", 0.1)))
    records = list(read_capture(tmp_path / "tone.jsonl"))
    assert [getattr(record, "direction", None) for record in records] == ["client", "server"] * 5
    table = capture_level.render(result).splitlines()
    assert sum(line.startswith("| noise | ") for line in table) == 4


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


def test_the_readme_counts_the_targets_there_are() -> None:
    readme = (ROOT / "README.md").read_text()
    count = len(report.TARGETS)
    assert f"`{count}/{count} targets met`" in readme
    assert f"`{count - 1}/{count} targets met: missed …`" in readme
