"""The coverage floors: every module is in a part, and a part below its floor fails."""

from __future__ import annotations

from pathlib import Path

import pytest

import coverage_floors as floors

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_of_the_package_is_in_a_part() -> None:
    modules = [
        path.relative_to(ROOT / "src" / "rtmsg").as_posix()
        for path in (ROOT / "src" / "rtmsg").rglob("*.py")
    ]
    assert modules
    assert {
        module: floors.part_of(module) for module in modules if floors.part_of(module) is None
    } == {}
    assert floors.part_of("engine/stream.py") == "stream"
    assert floors.part_of("engine/decoding.py") == "engine"
    assert floors.part_of("conversation/reading.py") == "protocols"
    assert floors.part_of("live/events.py") == "protocols"
    assert floors.part_of("relay/mock.py") == "relay"
    assert floors.part_of("codec.py") == "facade"
    assert floors.part_of("cli/_inspect.py") == "cli"
    assert floors.part_of("newtool/thing.py") is None


def test_every_part_has_a_floor_and_the_codec_s_is_100() -> None:
    configured = floors.floors()
    assert set(configured) == set(floors.PARTS)
    for part in ("engine", "protocols", "stream"):
        assert configured[part] == 100
    assert all(0 <= value <= 100 for value in configured.values())


def test_a_part_below_its_floor_fails(capsys: pytest.CaptureFixture[str]) -> None:
    full = floors.Count(statements=10, covered_lines=10, branches=4, covered_branches=4)
    short = floors.Count(statements=10, covered_lines=9, branches=4, covered_branches=3)
    counts = {"engine": full, "relay": short}
    assert floors.check(counts, {"engine": 100, "relay": 90}, []) == [
        f"relay: {short.percent:.2f} % is below its floor of 90 %"
    ]
    assert floors.check(counts, {"engine": 100, "relay": 80}, []) == []
    assert "the floor can go up to 85" in capsys.readouterr().out
    assert floors.check({"engine": full}, {}, ["x/y.py"]) == [
        "x/y.py: belongs to no part (tests/coverage_floors.py)",
        "engine: no floor in [tool.rtmsg.coverage-floors]",
    ]
