"""The Parquet dataset: day partitions, file names, re-runs, and the session names of captures."""

from __future__ import annotations

import collections
import datetime
import os
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from fleet import FLEET, Plan, day, digests, frames, read_table, write_fleet
from rtmsg import analytics
from rtmsg.analytics.naming import plan
from rtmsg.capture import CaptureWriter, encode_record

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA"}'


def test_the_dataset_is_partitioned_by_day(tmp_path: Path) -> None:
    paths = write_fleet(tmp_path / "captures")
    report = analytics.export(paths, tmp_path / "out")
    names = [f"session-{p.name}" for p in FLEET]
    assert [capture.session for capture in report.captures] == names
    expected = set()
    for p in FLEET:
        for t in sorted({day(t) for t, _, _ in frames(p)}):
            expected.add(f"events/day={t}/session-{p.name}.parquet")
        expected.add(f"sessions/day={day(p.start)}/session-{p.name}.parquet")
    assert set(digests(tmp_path / "out")) == expected
    assert [capture.files for capture in report.captures] == [
        sorted(file for file in expected if f"/session-{p.name}." in file) for p in FLEET
    ]
    # The session of the plan "echo" starts before midnight and ends after it.
    echo = sorted(file for file in expected if "echo" in file and file.startswith("events"))
    assert [file.split("/")[1] for file in echo] == ["day=2025-09-07", "day=2025-09-08"]
    assert report.rows == sum(len(frames(p)) for p in FLEET)
    assert report.invalid == sum(len(p.invalid) for p in FLEET)
    assert report.unknown == sum(len(p.unknown) for p in FLEET)
    assert report.bytes == sum(path.stat().st_size for path in paths)


def test_the_dataset_holds_what_the_stream_holds(tmp_path: Path) -> None:
    paths = write_fleet(tmp_path / "captures")
    analytics.export(paths, tmp_path / "out", batch_rows=5)
    events = read_table(tmp_path / "out", "events")
    streamed = analytics.events(paths).read_all().sort_by([("session", "ascending")])
    assert events.drop_columns(["day"]).to_pylist() == streamed.to_pylist()
    for row in events.select(["t", "day"]).to_pylist():
        assert row["day"] == row["t"].date()
    sessions = read_table(tmp_path / "out", "sessions")
    assert (
        sessions.drop_columns(["day"]).to_pylist()
        == analytics.sessions(paths).read_all().to_pylist()
    )
    assert sessions.column("day").to_pylist() == [day(p.start) for p in FLEET]
    # batch_rows is the row group size: no file holds a bigger one.
    for file in (tmp_path / "out" / "events").rglob("*.parquet"):
        metadata = pq.ParquetFile(file).metadata
        assert all(metadata.row_group(i).num_rows <= 5 for i in range(metadata.num_row_groups))
        assert pq.read_schema(file).remove_metadata() == analytics.EVENTS_SCHEMA


def test_exporting_again_writes_the_same_bytes(tmp_path: Path) -> None:
    paths = write_fleet(tmp_path / "captures")
    analytics.export(paths, tmp_path / "a")
    first = digests(tmp_path / "a")
    analytics.export(paths, tmp_path / "a")
    analytics.export(list(reversed(paths)), tmp_path / "b")
    assert digests(tmp_path / "a") == first
    assert digests(tmp_path / "b") == first


def test_a_re_export_replaces_the_session_files_of_other_days(tmp_path: Path) -> None:
    (path,) = write_fleet(tmp_path / "captures", (FLEET[4],))  # echo: two days
    out = tmp_path / "out"
    analytics.export([path], out)
    other = write_fleet(tmp_path / "other", (FLEET[0],))
    analytics.export(other, out)
    assert len([f for f in digests(out) if "echo" in f and f.startswith("events")]) == 2
    # The same session, recorded again later on one day: its old files go.
    moved = Plan(FLEET[4].name, FLEET[4].start + 3600, latencies=(0.2,), tokens=(1,))
    (path,) = write_fleet(tmp_path / "captures", (moved,))
    analytics.export([path], out)
    files = digests(out)
    assert sorted(f for f in files if "echo" in f) == [
        "events/day=2025-09-08/session-echo.parquet",
        "sessions/day=2025-09-08/session-echo.parquet",
    ]
    assert any("alpha" in f for f in files)  # other sessions are left alone
    assert not [f for f in files if f.rsplit("/", 1)[-1].startswith(".")]  # no temporary files


def test_bare_frames_go_to_the_null_day(tmp_path: Path) -> None:
    path = tmp_path / "client.jsonl"
    path.write_bytes((APPEND + b"\n") * 3)
    report = analytics.export([path], tmp_path / "out", direction="client", batch_rows=2)
    assert report.captures[0].files == [
        f"events/day={analytics.NULL_DAY}/client.parquet",
        f"sessions/day={analytics.NULL_DAY}/client.parquet",
    ]
    events = read_table(tmp_path / "out", "events")
    assert events.column("day").to_pylist() == [None] * 3
    assert events.column("outcome").to_pylist() == ["known"] * 3


def test_undated_rows_join_their_neighbours_day(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    midnight = 1_757_030_400.0
    path.write_bytes(
        b"first, not a record\n"
        + encode_record(midnight - 1, "client", APPEND)  # the day before
        + b"not a record\n"
        + encode_record(midnight + 1, "client", APPEND)
    )
    analytics.export([path], tmp_path / "out")
    rows = read_table(tmp_path / "out", "events").to_pylist()
    got = [(row["line"], row["outcome"], row["day"]) for row in rows]
    before, after = datetime.date(2025, 9, 4), datetime.date(2025, 9, 5)
    assert got == [
        (1, "invalid", before),
        (2, "known", before),
        (3, "invalid", before),
        (4, "known", after),
    ]


def test_a_day_seen_again_gets_a_file_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "clock.jsonl"
    days = [0, 1, 0, 1]  # a clock set back and forth across midnight
    with CaptureWriter(path) as writer:
        for n in days:
            writer.write("client", APPEND, t=1_757_030_400.0 + n * 86400)
    report = analytics.export([path], tmp_path / "out")
    assert report.captures[0].files == [
        "events/day=2025-09-05/clock+1.parquet",
        "events/day=2025-09-05/clock.parquet",
        "events/day=2025-09-06/clock+1.parquet",
        "events/day=2025-09-06/clock.parquet",
        "sessions/day=2025-09-05/clock.parquet",
    ]
    assert read_table(tmp_path / "out", "events").num_rows == 4
    # And a re-export that needs fewer parts removes the others.
    with CaptureWriter(path) as writer:
        writer.write("client", APPEND, t=1_757_030_400.0)
    report = analytics.export([path], tmp_path / "out")
    assert sorted(digests(tmp_path / "out")) == [
        "events/day=2025-09-05/clock.parquet",
        "sessions/day=2025-09-05/clock.parquet",
    ]


def test_an_empty_capture_has_a_session_row_and_no_events(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    report = analytics.export([path], tmp_path / "out")
    assert report.captures[0].files == [f"sessions/day={analytics.NULL_DAY}/empty.parquet"]
    assert (tmp_path / "out" / "events").is_dir()
    (row,) = read_table(tmp_path / "out", "sessions").to_pylist()
    assert (row["frames"], row["started_at"], row["duration_s"]) == (0, None, None)


def test_progress_reaches_the_total_size(tmp_path: Path) -> None:
    paths = write_fleet(tmp_path / "captures")
    seen: list[int] = []
    analytics.export(paths, tmp_path / "out", on_progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == sum(path.stat().st_size for path in paths)


# --- session names and file names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pattern", "session"),
    [
        ("captures/session-17.jsonl.gz", None, "session-17"),
        ("captures/session-17.jsonl", None, "session-17"),
        ("session-17.gz", None, "session-17"),
        ("noext", None, "noext"),
        ("captures/session-17.jsonl.gz", "session-{session}.jsonl.gz", "17"),
        ("/abs/captures/session-17.jsonl.gz", "captures/session-{session}.jsonl.gz", "17"),
        ("captures/run-2/session-17.jsonl.gz", "{session}.jsonl.gz", "session-17"),
        ("captures/run-2/session-17.jsonl.gz", "captures/{session}.jsonl.gz", "run-2/session-17"),
        ("/a/captures/run-2/session-17.jsonl", "captures/{session}.jsonl", "run-2/session-17"),
        ("run-2/x-17.jsonl.gz", "*-{session}.jsonl.gz", "17"),
        ("a.b/c*d-1.jsonl", "c*d-{session}.jsonl", "1"),
        ("a.b/cxd-1.jsonl", "c*d-{session}.jsonl", "1"),
        ("captures/run-2/session-17.jsonl.gz", "run-*/session-{session}.jsonl.gz", "17"),
    ],
)
def test_session_names(path: str, pattern: str | None, session: str) -> None:
    assert analytics.session_name(path, pattern) == session


@pytest.mark.parametrize(
    ("path", "pattern", "message"),
    [
        ("captures/s-1.jsonl", "session-{session}.jsonl", "does not match"),
        ("captures/s-1.jsonl", "s-{session}-{session}.jsonl", "exactly once"),
        ("captures/s-1.jsonl", "s-1.jsonl", "exactly once"),
        ("xsession-1.jsonl", "session-{session}.jsonl", "does not match"),
        # ``*`` matches within one name, never across a ``/``.
        ("run-2/x/session-1.jsonl", "run-*/session-{session}.jsonl", "does not match"),
        ("a/b/c-1.jsonl", "a*c-{session}.jsonl", "does not match"),
    ],
)
def test_session_patterns_that_do_not_fit(path: str, pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        analytics.session_name(path, pattern)


def test_two_captures_of_one_session_are_refused(tmp_path: Path) -> None:
    paths = ["captures/run-1/session-1.jsonl.gz", "captures/run-2/session-1.jsonl.gz"]
    with pytest.raises(ValueError, match="both hold session 'session-1'"):
        plan(paths)
    assert plan(paths, "captures/{session}.jsonl.gz") == [
        (paths[0], "run-1/session-1"),
        (paths[1], "run-2/session-1"),
    ]
    assert plan([paths[0], paths[0]]) == [(paths[0], "session-1")]  # the same file once
    with pytest.raises(ValueError, match="both hold"):
        analytics.events(paths)


@pytest.mark.parametrize(
    ("session", "stem"),
    [
        ("session-17", "session-17"),
        ("run-2/session-17", "run-2%2Fsession-17"),
        ("..", "%2E."),
        ("_x", "%5Fx"),
        ("a+b c%", "a%2Bb%20c%25"),
        ("día", "d%C3%ADa"),
    ],
)
def test_file_stems_are_safe_and_distinct(session: str, stem: str) -> None:
    assert analytics.file_stem(session) == stem


def test_a_long_session_name_keeps_its_start_and_a_hash() -> None:
    long_a, long_b = "a" * 300, "a" * 299 + "b"
    stem_a, stem_b = analytics.file_stem(long_a), analytics.file_stem(long_b)
    assert stem_a != stem_b
    assert len(stem_a) == len(stem_b) == 180 + 2 + 16
    assert stem_a.startswith("a" * 180 + "+h")


def test_a_file_name_that_is_not_utf8_still_exports(tmp_path: Path) -> None:
    name = os.fsdecode(b"session-\xff.jsonl")
    path = tmp_path / name
    with CaptureWriter(path) as writer:
        writer.write("client", APPEND, t=1_757_030_400.0)
    report = analytics.export([path], tmp_path / "out")
    assert report.captures[0].session == "session-\N{REPLACEMENT CHARACTER}"
    (row,) = read_table(tmp_path / "out", "sessions").to_pylist()
    assert row["file"].endswith("session-\N{REPLACEMENT CHARACTER}.jsonl")
    assert row["session"] == report.captures[0].session


def test_polars_reads_the_dataset_with_its_days(tmp_path: Path) -> None:
    paths = write_fleet(tmp_path / "captures")
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(APPEND + b"\n")
    analytics.export(paths, tmp_path / "out")
    analytics.export([bare], tmp_path / "out", direction="client")
    scan = pl.scan_parquet(
        str(tmp_path / "out" / "events" / "**" / "*.parquet"), hive_partitioning=True
    )
    counts = dict(scan.group_by("day").len().collect().iter_rows())
    expected: dict[datetime.date | None, int] = dict(
        collections.Counter(day(t) for plan in FLEET for t, _, _ in frames(plan))
    )
    expected[None] = 1  # the bare frames: no day
    assert counts == expected
