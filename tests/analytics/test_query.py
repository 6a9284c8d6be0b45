"""DuckDB over an exported dataset: the views, and each ready query against known answers.

The answers are computed from the plans the captures were written from (tests/fleet.py),
not from rtmsg: the latency of each turn, the tokens of each response, the unknown types
and invalid frames each session sent, and the audio at the session's format.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import shutil
import statistics
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fleet import AUDIO_BYTES, DAY0, FLEET, INVALID_CODES, day, frames, nearest_rank, write_fleet
from rtmsg import analytics

ROOT = Path(__file__).resolve().parents[2]
TABLES = (("events", analytics.EVENTS_SCHEMA), ("sessions", analytics.SESSIONS_SCHEMA))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("query")
    analytics.export(write_fleet(tmp / "captures"), tmp / "out")
    return tmp / "out"


def _run(dataset: Path, name: str) -> list[dict[str, Any]]:
    cursor = analytics.connect(dataset).execute(analytics.QUERIES[name])
    columns = [column[0] for column in cursor.description or ()]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_latency_by_day(dataset: Path) -> None:
    samples: dict[datetime.date, list[float]] = collections.defaultdict(list)
    for plan in FLEET:
        for stopped, latency in zip(plan.turn_times(), plan.latencies, strict=True):
            samples[day(stopped + latency)].append(latency)
    rows = _run(dataset, "latency-by-day")
    assert [row["day"] for row in rows] == sorted(samples)
    for row in rows:
        values = samples[row["day"]]
        assert row["turns"] == len(values)
        assert row["median_s"] == pytest.approx(statistics.median(values))
        assert row["p95_s"] == pytest.approx(nearest_rank(values, 95))
        assert row["max_s"] == pytest.approx(max(values))


def test_a_day_of_one_session_has_that_session_s_latency(dataset: Path) -> None:
    # 2025-09-06 holds only "charlie": DuckDB's p95 is the nearest rank, as in rtmsg stats.
    con = analytics.connect(dataset)
    ((p95, median),) = con.execute(
        "SELECT latency_p95_s, latency_median_s FROM sessions WHERE session = 'session-charlie'"
    ).fetchall()
    (row,) = [r for r in _run(dataset, "latency-by-day") if r["day"] == datetime.date(2025, 9, 6)]
    assert (row["p95_s"], row["median_s"]) == (p95, median)
    # Of 0.1, 0.25, 0.35 and 0.9, the 4th value, not an interpolation.
    assert p95 == pytest.approx(0.9)


def test_tokens_by_session(dataset: Path) -> None:
    expected: list[dict[str, Any]] = sorted(
        (
            {
                "session": f"session-{plan.name}",
                "responses": len(plan.tokens),
                "input_tokens": sum(n // 2 for n in plan.tokens),
                "output_tokens": sum(n - n // 2 for n in plan.tokens),
                "total_tokens": sum(plan.tokens),
                "input_cached_tokens": len(plan.tokens),
            }
            for plan in FLEET
        ),
        key=lambda row: (-row["total_tokens"], row["session"]),
    )
    assert _run(dataset, "tokens-by-session") == expected


def test_unknown_types_by_first_seen_day(dataset: Path) -> None:
    first: dict[str, datetime.date] = {}
    count: collections.Counter[str] = collections.Counter()
    sessions: dict[str, set[str]] = collections.defaultdict(set)
    for plan in FLEET:
        for kind in plan.unknown:
            seen = day(plan.start + 0.5)
            first[kind] = min(first.get(kind, seen), seen)
            count[kind] += 1
            sessions[kind].add(plan.name)
    expected = [
        {
            "first_seen": first[kind],
            "type": kind,
            "direction": "server",
            "frames": count[kind],
            "sessions": len(sessions[kind]),
        }
        for kind in sorted(first, key=lambda kind: (first[kind], kind))
    ]
    assert _run(dataset, "unknown-types") == expected
    assert len(expected) == 2


def test_top_invalid_frame_codes(dataset: Path) -> None:
    count: collections.Counter[str] = collections.Counter()
    sessions: dict[str, set[str]] = collections.defaultdict(set)
    for plan in FLEET:
        for kind in plan.invalid:
            count[INVALID_CODES[kind]] += 1
            sessions[INVALID_CODES[kind]].add(plan.name)
    rows = _run(dataset, "invalid-codes")
    assert [(row["code"], row["frames"], row["sessions"]) for row in rows] == [
        (code, count[code], len(sessions[code]))
        for code in sorted(count, key=lambda code: (-count[code], code))
    ]
    assert rows[0]["code"] == "missing_required_parameter"
    assert "item_id" in rows[0]["example"]


def test_sessions_by_day(dataset: Path) -> None:
    by_day: dict[datetime.date, dict[str, float]] = {}
    for plan in FLEET:
        times = [t for t, _, _ in frames(plan)]
        seconds_per_chunk = AUDIO_BYTES / (8_000 if plan.g711 else 48_000)
        row = by_day.setdefault(day(min(times)), collections.defaultdict(float))
        row["sessions"] += 1
        row["hours"] += (max(times) - min(times)) / 3600
        row["audio_hours"] += 2 * len(plan.latencies) * seconds_per_chunk / 3600
        row["turns"] += len(plan.latencies)
        row["total_tokens"] += sum(plan.tokens)
        row["unknown_frames"] += len(plan.unknown)
        row["invalid_frames"] += len(plan.invalid)
    rows = _run(dataset, "sessions-by-day")
    assert [row["day"] for row in rows] == sorted(by_day)
    for got in rows:
        expected = by_day[got["day"]]
        assert {key: pytest.approx(value) for key, value in expected.items()} == {
            key: got[key] for key in expected
        }


def test_latency_by_model(dataset: Path) -> None:
    samples: dict[str | None, list[float]] = collections.defaultdict(list)
    for plan in FLEET:
        samples[plan.model] += plan.latencies
    rows = _run(dataset, "latency-by-model")
    expected = sorted((m for m in samples if samples[m]), key=lambda m: (m is None, m or ""))
    assert [row["model"] for row in rows] == expected
    assert len(rows) == 2
    for row in rows:
        values = samples[row["model"]]
        assert row["turns"] == len(values)
        assert row["median_s"] == pytest.approx(statistics.median(values))
        assert row["p95_s"] == pytest.approx(nearest_rank(values, 95))
        assert row["max_s"] == pytest.approx(max(values))


def test_usage_by_model(dataset: Path) -> None:
    by_model: dict[str | None, dict[str, float]] = {}
    for plan in FLEET:
        times = [t for t, _, _ in frames(plan)]
        row = by_model.setdefault(plan.model, collections.defaultdict(float))
        row["sessions"] += 1
        row["hours"] += (max(times) - min(times)) / 3600
        row["responses"] += len(plan.tokens)
        row["input_tokens"] += sum(n // 2 for n in plan.tokens)
        row["output_tokens"] += sum(n - n // 2 for n in plan.tokens)
        row["total_tokens"] += sum(plan.tokens)
        row["invalid_frames"] += len(plan.invalid)
    rows = _run(dataset, "usage-by-model")
    assert [row["model"] for row in rows] == ["gpt-realtime", "gpt-realtime-mini", None]
    for got in rows:
        expected = by_model[got["model"]]
        assert {key: got[key] for key in expected} == {
            key: pytest.approx(value) for key, value in expected.items()
        }


def test_errors_by_model(dataset: Path) -> None:
    rows = _run(dataset, "errors-by-model")
    erring = [plan for plan in FLEET if plan.server_error]
    assert rows == [
        {
            "model": plan.model,
            "code": "unknown_parameter",
            "errors": 1,
            "sessions": 1,
            "example": "Unknown parameter: 'session.foo'.",
        }
        for plan in erring
    ]
    assert len(rows) == 1


def test_sums_of_doubles_do_not_depend_on_the_order_files_are_read(tmp_path: Path) -> None:
    # 2**53 + 1.0 rounds back to 2**53: summed from the big value on (the first file), the
    # ones are lost; in ascending order they add up first. The ready queries sum in
    # ascending order, so they print the same digits on one thread or many.
    big = 2.0**53
    durations = [big] + [1.0] * 64
    plans = [
        dataclasses.replace(FLEET[3], name=f"s{n:03d}", start=DAY0 + 3600 + n)
        for n in range(len(durations))
    ]
    out = tmp_path / "out"
    analytics.export(write_fleet(tmp_path / "captures", tuple(plans)), out)
    con = analytics.connect(out)
    for path in sorted((out / "sessions").rglob("*.parquet")):
        n = int(path.stem.removeprefix("session-s"))
        table = pq.read_table(path)
        table = table.set_column(
            table.schema.get_field_index("duration_s"),
            table.schema.field("duration_s"),
            pa.array([durations[n]], pa.float64()),
        )
        pq.write_table(table, path)
    expected = sum(sorted(durations)) / 3600
    assert expected != sum(durations) / 3600
    for threads in (1, 4):
        con.execute(f"SET threads = {threads}")
        for name in ("sessions-by-day", "usage-by-model"):
            cursor = con.execute(analytics.QUERIES[name])
            hours = [row[2] for row in cursor.fetchall()]
            assert hours == [expected], (name, threads)


def test_the_readme_shows_every_ready_query() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, sql in analytics.QUERIES.items():
        assert f"`{name}`" in readme
        assert f"```sql\n{sql}\n```" in readme, name


def test_the_views_have_the_table_columns_and_day(dataset: Path, tmp_path: Path) -> None:
    con = analytics.connect(dataset)
    for table, schema in TABLES:
        cursor = con.execute(f"SELECT * FROM {table} LIMIT 0")
        assert [column[0] for column in cursor.description or ()] == [*schema.names, "day"]
    ((timezone,),) = con.execute("SELECT current_setting('TimeZone')").fetchall()
    assert timezone == "UTC"
    empty = tmp_path / "empty"
    analytics.export([], empty)
    con = analytics.connect(empty)
    for table, schema in TABLES:
        cursor = con.execute(f"SELECT * FROM {table}")
        assert [column[0] for column in cursor.description or ()] == [*schema.names, "day"]
        assert cursor.fetchall() == []
    for name in analytics.QUERIES:
        assert con.execute(analytics.QUERIES[name]).fetchall() == []
    with pytest.raises(FileNotFoundError, match="not an rtmsg dataset"):
        analytics.connect(tmp_path / "nothing")


def test_a_day_filter_reads_only_that_day(dataset: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(dataset, copy)
    # The files of the later days are broken: a query that opened one would fail. (DuckDB
    # reads the first file, of 2025-09-05, for the columns.)
    files = (copy / "events").glob("day=*/*.parquet")
    broken = [path for path in files if path.parent.name > "day=2025-09-06"]
    assert broken
    for path in broken:
        path.write_bytes(b"not parquet")
    con = analytics.connect(copy)
    ((count,),) = con.execute(
        "SELECT count(*) FROM events WHERE day = DATE '2025-09-06'"
    ).fetchall()
    assert count == len(frames(FLEET[2]))  # charlie's day
    with pytest.raises(duckdb.Error):
        con.execute("SELECT count(*) FROM events").fetchall()
