"""``rtmsg export`` and ``rtmsg query`` through ``main(argv)``: output, warnings, exit status."""

from __future__ import annotations

import csv
import datetime
import io
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rich.progress

import rtmsg
from fleet import FLEET, frames, write_fleet
from rtmsg import analytics, cli
from rtmsg.analytics import commands
from rtmsg.capture import CaptureWriter

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA"}'


@pytest.fixture
def fleet(tmp_path: Path) -> list[Path]:
    return write_fleet(tmp_path / "captures")


def test_export_warns_about_invalid_rows_and_exits_0(
    fleet: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli.main(["export", "--out", str(out), *map(str, fleet)]) == 0
    captured = capsys.readouterr()
    rows = sum(len(frames(plan)) for plan in FLEET)
    invalid = sum(len(plan.invalid) for plan in FLEET)
    unknown = sum(len(plan.unknown) for plan in FLEET)
    assert captured.out.startswith(f"{out}: 5 captures (")
    assert f"{rows} rows ({unknown} unknown, {invalid} invalid)" in captured.out
    warnings = captured.err.splitlines()
    assert warnings == [
        f"rtmsg export: warning: {fleet[0]}: 1 invalid row, the first at line 3",
        f"rtmsg export: warning: {fleet[2]}: 3 invalid rows, the first at line 4",
    ]
    assert analytics.connect(out).execute("SELECT count(*) FROM events").fetchall() == [(rows,)]


def test_export_strict_exits_1_when_a_row_is_invalid(
    fleet: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "out")
    assert cli.main(["export", "--strict", "--out", out, *map(str, fleet)]) == 1
    assert "4 invalid rows (--strict)" in capsys.readouterr().err
    clean = [path for path, plan in zip(fleet, FLEET, strict=True) if not plan.invalid]
    assert cli.main(["export", "--strict", "--out", out, *map(str, clean)]) == 0


def test_export_reports_the_size_of_the_captures_in_megabytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.jsonl"
    append = rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 1_875_000))
    with CaptureWriter(path) as writer:
        writer.write("client", append, t=1.0)
    size = path.stat().st_size
    assert f"{size / 1e6:.1f}" == "2.5"  # 2.4 MiB: the unit shows
    assert cli.main(["export", "--no-progress", "--out", str(tmp_path / "out"), str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'out'}: 1 capture (2.5 MB), ")


def test_export_reads_bare_frames_in_the_protocol_given(tmp_path: Path) -> None:
    path = tmp_path / "bare.jsonl"
    path.write_bytes(b'{"type":"session.input_audio_buffer.append","audio":"AAAA"}\n')
    out = tmp_path / "out"
    argv = ["export", "--out", str(out), "--direction", "client", str(path)]
    assert cli.main([*argv, "--protocol", "translation", "--max-frame-bytes", "100"]) == 0
    # A relation does not keep its connection alive on every duckdb release: hold it.
    con = analytics.connect(out)
    (row,) = con.sql("SELECT protocol, outcome, audio_bytes FROM events").fetchall()
    assert row == ("translation", "known", 3)
    assert cli.main([*argv, "--max-frame-bytes", "10"]) == 0
    con = analytics.connect(out)
    (row,) = con.sql("SELECT protocol, outcome, code FROM events").fetchall()
    assert row == (None, "invalid", "frame_too_large")  # the line is not read as a frame


def test_export_names_sessions_with_a_pattern(
    fleet: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["export", "--out", str(out), "--session", "session-{session}.jsonl*", *map(str, fleet)]
    assert cli.main(argv) == 0
    sessions = analytics.connect(out).execute("SELECT session FROM sessions ORDER BY 1")
    assert [name for (name,) in sessions.fetchall()] == sorted(plan.name for plan in FLEET)


@pytest.mark.parametrize(
    ("files", "extra", "message"),
    [
        (["missing.jsonl"], [], "missing.jsonl: no such file"),
        (["a/s.jsonl", "b/s.jsonl"], [], "both hold session 's'"),
        (["a/s.jsonl"], ["--session", "x-{session}.jsonl"], "does not match"),
        (["a/s.jsonl"], ["--workers", "0"], "--workers: expected a number of workers, 1 or more"),
        (["a"], [], "a: is a directory; give the captures in it (e.g. DIR/*.jsonl.gz)"),
        (["/dev/null"], [], "/dev/null: not a regular file"),
        (["-"], [], "-: export reads capture files, not standard input"),
    ],
)
def test_export_refuses_what_it_cannot_do_with_status_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: list[str],
    extra: list[str],
    message: str,
) -> None:
    (tmp_path / "a").mkdir()
    for name in files:
        if name not in ("missing.jsonl", "a", "/dev/null", "-"):
            (tmp_path / name).parent.mkdir(exist_ok=True)
            (tmp_path / name).write_bytes(b"")
    paths = [name if name in ("/dev/null", "-") else str(tmp_path / name) for name in files]
    assert cli.main(["export", "--out", str(tmp_path / "out"), *extra, *paths]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_export_warns_about_empty_files_and_files_that_are_not_captures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "bare.jsonl").write_bytes(APPEND + b"\n" + APPEND + b"\n")
    (tmp_path / "cut.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    (tmp_path / "fake.jsonl.gz").write_bytes(APPEND + b"\n")
    (tmp_path / "one.jsonl").write_bytes(APPEND + b"\n")
    names = ("empty.jsonl", "bare.jsonl", "cut.jsonl.gz", "fake.jsonl.gz", "one.jsonl")
    paths = [str(tmp_path / name) for name in names]
    assert cli.main(["export", "--out", str(tmp_path / "out"), *paths]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"rtmsg export: warning: {paths[0]}: empty, no frames",
        f"rtmsg export: warning: {paths[1]}: not a capture: none of its 2 lines is a valid "
        "frame (a file of bare frames needs --direction)",
        f"rtmsg export: warning: {paths[2]}: a gzip file cut short or corrupt before its "
        "first line",
        f"rtmsg export: warning: {paths[3]}: not a gzip file, though its name ends in .gz",
        f"rtmsg export: warning: {paths[4]}: not a capture: its only line is not a valid "
        "frame (a file of bare frames needs --direction)",
    ]
    argv = ["export", "--direction", "client", "--out", str(tmp_path / "out"), paths[1]]
    assert cli.main(argv) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("files", "more"), [(23, "3 more files"), (21, "1 more file")])
def test_export_lists_at_most_20_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: int, more: str
) -> None:
    paths = []
    for n in range(files):
        path = tmp_path / f"e{n}.jsonl"
        path.write_bytes(b"")
        paths.append(str(path))
    assert cli.main(["export", "--out", str(tmp_path / "out"), *paths]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 21
    assert err[-1] == f"rtmsg export: warning: ... and {more}"


def test_export_shows_a_progress_bar_on_a_terminal(
    fleet: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli._inspect, "_PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress: list[float | None] = []
    labels: list[str] = []

    class RecordingProgress(rich.progress.Progress):
        def update(self, task_id: rich.progress.TaskID, **fields: Any) -> None:
            progress.append(fields.get("completed"))
            super().update(task_id, **fields)

    original = rich.progress.TextColumn

    def text_column(text: str, *args: Any, **kwargs: Any) -> rich.progress.TextColumn:
        labels.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(rich.progress, "Progress", RecordingProgress)
    monkeypatch.setattr(rich.progress, "TextColumn", text_column)
    assert cli.main(["export", "--out", str(tmp_path / "out"), *map(str, fleet)]) == 0
    assert labels == ["exporting"]
    assert progress[-1] == sum(path.stat().st_size for path in fleet)
    progress.clear()
    argv = ["export", "--no-progress", "--out", str(tmp_path / "out"), *map(str, fleet)]
    assert cli.main(argv) == 0
    assert not progress


@pytest.fixture
def dataset(fleet: list[Path], tmp_path: Path) -> Path:
    analytics.export(fleet, tmp_path / "out")
    return tmp_path / "out"


def test_query_prints_a_table(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT session, turns, latency_p95_s, day FROM sessions ORDER BY session"
    assert cli.main(["query", str(dataset), sql]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["session", "turns", "latency_p95_s", "day"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["session-alpha", "3", "0.4", "2025-09-05"]
    assert lines[5].split() == ["session-delta", "0", "NULL", "2025-09-07"]
    assert lines[-1] == "(5 rows)"
    # Numbers are right-aligned under their heading.
    assert lines[2].index("3") + 1 == lines[0].index("turns") + len("turns")


@pytest.mark.parametrize("output", ["table", "csv", "json"])
def test_query_prints_the_times_in_utc(
    dataset: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    # Timestamps with a time zone: DuckDB before 2.0.1 hands them to Python through pytz.
    sql = (
        "SELECT started_at, (SELECT min(t) FROM events e WHERE e.session = s.session) AS t "
        "FROM sessions s ORDER BY session LIMIT 1"
    )
    assert cli.main(["query", str(dataset), sql, "--format", output]) == 0
    out = capsys.readouterr().out
    started = datetime.datetime.fromtimestamp(FLEET[0].start, datetime.UTC)
    utc = "Z" if output == "json" else "+00:00"
    assert out.count(started.isoformat().removesuffix("+00:00") + utc) == 2, out


def test_query_runs_a_ready_query_by_name(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", str(dataset), "tokens-by-session", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["session"] for row in rows][:2] == ["session-alpha", "session-charlie"]
    assert rows[0]["total_tokens"] == "600"


def test_query_prints_json_lines(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT day, responses_by_status, 2.5 AS x, NULL AS n FROM sessions ORDER BY session"
    assert cli.main(["query", str(dataset), sql, "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first = {"day": "2025-09-05", "responses_by_status": {"completed": 3}, "x": 2.5, "n": None}
    assert rows[0] == first
    assert len(rows) == 5


def test_query_csv_keeps_every_value_exact(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The table rounds floats to be read by a person; CSV is for programs: values as they are.
    sql = "SELECT 0.1234567891::DOUBLE AS x, NULL AS n, 'a,b' AS s, 2**53 AS big"
    assert cli.main(["query", str(dataset), sql, "--format", "csv"]) == 0
    assert capsys.readouterr().out == 'x,n,s,big\n0.1234567891,,"a,b",9007199254740992.0\n'
    assert cli.main(["query", str(dataset), sql]) == 0
    assert capsys.readouterr().out.splitlines()[2].split() == [
        "0.123457",
        "NULL",
        "a,b",
        "9.0072e+15",
    ]


def test_query_without_sql_lists_the_ready_queries(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", str(dataset)]) == 0
    out = capsys.readouterr().out
    for name in analytics.QUERIES:
        assert f"{name}:\n" in out


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELEC 1", "Parser Error"),
        ("SELECT nope FROM events", "nope"),
    ],
)
def test_bad_sql_is_a_message_and_status_2(
    dataset: Path, capsys: pytest.CaptureFixture[str], sql: str, message: str
) -> None:
    assert cli.main(["query", str(dataset), sql]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rtmsg query: ")
    assert message in err


def test_a_ready_query_misspelt_is_named_with_the_ready_ones(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", str(dataset), "latency-by-dya"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "rtmsg query: no ready query is named 'latency-by-dya'; did you mean "
        f"'latency-by-day'? The ready queries: {', '.join(analytics.QUERIES)} "
        "(rtmsg query DIR lists them with their SQL)\n"
    )
    assert cli.main(["query", str(dataset), "no-such-thing"]) == 2
    assert "no ready query is named 'no-such-thing' The ready" in capsys.readouterr().err


def test_a_scheduler_that_does_not_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dask

    path = tmp_path / "c.jsonl"
    path.write_bytes(b"")
    with socket.socket() as listener:  # a port nothing answers on: bound, never listening
        listener.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
            argv = ["export", "--scheduler", address, "--out", str(tmp_path / "o"), str(path)]
            assert cli.main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"rtmsg export: connecting to the dask scheduler at {address} (for up to 0.5s, dask's "
        "distributed.comm.timeouts.connect)",
        f"rtmsg export: no dask scheduler answered at {address} in 0.5s",
    ]
    assert not (tmp_path / "o").exists()


def test_query_of_a_directory_that_is_no_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", str(tmp_path), "SELECT 1"]) == 2
    assert "is not an rtmsg dataset" in capsys.readouterr().err


def test_table_cells() -> None:
    assert commands._cell(None) == "NULL"
    assert commands._cell(None, exact=True) == ""
    assert commands._cell(0.1 + 0.2) == "0.3"
    assert commands._cell(0.1 + 0.2, exact=True) == "0.30000000000000004"
    assert commands._cell({"a": [1]}) == '{"a":[1]}'


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_import_rtmsg_and_the_other_commands_never_import_pyarrow(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"t":1.0,"dir":"client","frame":{"type":"input_audio_buffer.clear"}}\n')
    code = (
        "import sys, rtmsg, rtmsg.cli, rtmsg.inspection, rtmsg.capture\n"
        f"assert rtmsg.cli.main(['check', {str(path)!r}]) == 0\n"
        "loaded = {'pyarrow', 'duckdb', 'distributed', 'rtmsg.analytics'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr


def test_without_the_extras_the_commands_say_what_to_install(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"")
    out = str(tmp_path / "o")
    for blocked, argv, extra in [
        ("pyarrow", ["export", "--out", out, str(path)], "analytics"),
        ("pyarrow", ["query", str(tmp_path), "SELECT 1"], "analytics"),
        ("distributed", ["export", "--workers", "2", "--out", out, str(path)], "dask"),
    ]:
        code = (
            f"import sys; sys.modules[{blocked!r}] = None\n"
            "from rtmsg import cli\n"
            f"raise SystemExit(cli.main({argv!r}))\n"
        )
        result = _run_python(code)
        assert result.returncode == 2, result.stderr
        assert f"pip install 'rtmsg[{extra}]'" in result.stderr
        assert "Traceback" not in result.stderr


def _turns_capture(path: Path, latencies_ms: list[int]) -> Path:
    """A session of one turn per latency: speech stops, the turn is committed, audio answers."""
    with CaptureWriter(path) as writer:
        for turn, latency_ms in enumerate(latencies_ms):
            t = 1_757_073_600.0 + 10 * turn  # 2025-09-05, a turn every 10 s
            item = f"item_{turn}"
            stopped = rtmsg.InputAudioBufferSpeechStopped(
                event_id=f"e{turn}a", item_id=item, audio_end_ms=1000
            )
            committed = rtmsg.InputAudioBufferCommitted(event_id=f"e{turn}b", item_id=item)
            delta = rtmsg.ResponseOutputAudioDelta.from_pcm(
                b"\0" * 480,
                event_id=f"e{turn}c",
                response_id=f"resp_{turn}",
                item_id=f"answer_{turn}",
                output_index=0,
                content_index=0,
            )
            writer.write("server", rtmsg.encode(stopped), t=t)
            writer.write("server", rtmsg.encode(committed), t=t + 0.001)
            writer.write("server", rtmsg.encode(delta), t=t + latency_ms / 1000)
            writer.write("server", rtmsg.encode(delta), t=t + latency_ms / 1000 + 0.5)
    return path


def test_p95_latency_of_a_long_session_is_not_its_maximum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 25 turns waiting 10, 20, ... 250 ms, in no order. By hand: the nearest-rank p95 of 25
    # samples is the 24th smallest (ceil(0.95 * 25) = 24), 240 ms; the median the 13th,
    # 130 ms; the maximum 250 ms. With 20 samples or fewer the p95 would be the maximum.
    latencies_ms = [10 * k for k in (7, 25, 3, 18, 1, 12, 24, 9, 16, 5, 21, 14, 2)]
    latencies_ms += [10 * k for k in (19, 8, 23, 11, 4, 15, 22, 6, 17, 10, 20, 13)]
    assert sorted(latencies_ms) == [10 * k for k in range(1, 26)]
    capture = _turns_capture(tmp_path / "session-long.jsonl", latencies_ms)
    expected = {"turns": 25, "median_s": 0.13, "p95_s": 0.24, "max_s": 0.25}

    assert cli.main(["stats", "--json", str(capture)]) == 0
    latency = json.loads(capsys.readouterr().out)["latency"]
    assert latency == pytest.approx(expected, abs=1e-6)
    assert cli.main(["stats", str(capture)]) == 0
    assert "median 130.0 ms, p95 240.0 ms, max 250.0 ms over 25 turns" in capsys.readouterr().out

    out = tmp_path / "out"
    assert cli.main(["export", "--no-progress", "--out", str(out), str(capture)]) == 0
    capsys.readouterr()
    sql = (
        "SELECT session, latency_turns AS turns, latency_median_s AS median_s, "
        "latency_p95_s AS p95_s, latency_max_s AS max_s FROM sessions"
    )
    assert cli.main(["query", str(out), sql, "--format", "json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row.pop("session") == "session-long"
    assert row == pytest.approx(expected, abs=1e-6)
    # The ready query over the events reads the same p95 from the turns' rows.
    assert cli.main(["query", str(out), "latency-by-day", "--format", "json"]) == 0
    [day] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert day.pop("day") == "2025-09-05"
    assert day == pytest.approx(expected, abs=1e-6)
