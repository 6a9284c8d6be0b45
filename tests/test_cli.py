"""The ``rtmsg`` command, called as ``main(argv)``: check, stats, and the two servers."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
import rich.progress

import rtmsg
from rtmsg import cli, translation
from rtmsg.capture import CaptureWriter
from servers import first_frame, free_port

COMMIT = rtmsg.encode(rtmsg.InputAudioBufferCommit(event_id="c1"))
BAD_DELETE = b'{"type":"conversation.item.delete","event_id":"c2"}'
FUTURE = b'{"type": "future.event", "event_id": "s9"}'


def _capture(path: Path, *, invalid: bool = False) -> Path:
    session = rtmsg.Session(
        audio=rtmsg.AudioConfig(
            input=rtmsg.AudioConfigInput(format=rtmsg.AudioFormat(type="audio/pcmu"))
        )
    )
    delta = rtmsg.ResponseOutputAudioDelta.from_pcm(
        b"\0" * 4800, event_id="e", response_id="r", item_id="i", output_index=0, content_index=0
    )
    with CaptureWriter(path) as writer:
        writer.write("client", rtmsg.encode(rtmsg.SessionUpdate(session=session)), t=10.0)
        writer.write(
            "client", rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 8000)), 10.5
        )
        writer.write(
            "server",
            rtmsg.encode(
                rtmsg.InputAudioBufferSpeechStopped(event_id="e", item_id="i", audio_end_ms=1000)
            ),
            t=11.0,
        )
        writer.write("client", COMMIT, t=11.0)
        writer.write("server", FUTURE, t=11.1)
        writer.write("server", rtmsg.encode(delta), t=11.25)
        done = rtmsg.ResponseDone(
            event_id="e",
            response=rtmsg.Response(
                status="completed", usage=rtmsg.Usage(input_tokens=3, total_tokens=5)
            ),
        )
        writer.write("server", rtmsg.encode(done), t=12.0)
        if invalid:
            writer.write("client", BAD_DELETE, t=12.5)
    return path


def test_check_accepts_a_valid_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _capture(tmp_path / "ok.jsonl")
    assert cli.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "7 frames, 7 valid, 0 invalid" in out
    assert "input_audio_buffer.commit" in out
    assert "future.event (server)" in out
    assert out.rstrip().endswith("OK")


def test_check_reports_invalid_frames_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _capture(tmp_path / "bad.jsonl", invalid=True)
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:8: client conversation.item.delete (event_id c2):" in out
    assert "item_id" in out
    assert out.rstrip().endswith("INVALID")


def test_check_json_over_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _capture(tmp_path / "a.jsonl")
    bad = _capture(tmp_path / "b.jsonl.gz", invalid=True)
    assert cli.main(["check", "--json", str(good), str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["files"] == [str(good), str(bad)]
    assert report["frames"] == 15
    assert report["invalid"] == 1
    assert report["counts"]["client"]["input_audio_buffer.commit"] == 2
    assert report["unknown_types"]["server"] == {"future.event": 2}
    [invalid] = report["invalid_frames"]
    assert invalid["file"] == str(bad)
    assert invalid["line"] == 8
    assert invalid["event_id"] == "c2"


def test_check_bare_frames_with_a_direction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "client.jsonl"
    path.write_bytes(COMMIT + b"\n" + BAD_DELETE + b"\n")
    assert cli.main(["check", "--direction", "client", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["client"] == {"input_audio_buffer.commit": 1}
    assert report["invalid_frames"][0]["line"] == 2
    assert cli.main(["check", str(path)]) == 1
    assert "--direction" in capsys.readouterr().out


@pytest.mark.parametrize(("command", "shows"), [("check", "OK"), ("stats", "latency")])
def test_a_progress_bar_on_a_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    shows: str,
) -> None:
    path = _capture(tmp_path / "ok.jsonl")
    monkeypatch.setattr(cli._inspect, "_PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(cli._inspect, "_PROGRESS_EVERY", 2)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress: list[float | None] = []

    class RecordingProgress(rich.progress.Progress):
        def update(self, task_id: rich.progress.TaskID, **fields: Any) -> None:
            progress.append(fields.get("completed"))
            super().update(task_id, **fields)

    monkeypatch.setattr(rich.progress, "Progress", RecordingProgress)
    assert cli.main([command, str(path)]) == 0
    assert shows in capsys.readouterr().out
    assert progress, "no progress bar was drawn"
    assert progress[-1] == path.stat().st_size
    progress.clear()
    assert cli.main([command, "--no-progress", str(path)]) == 0
    assert not progress


def test_check_progress_runs_once_over_all_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [_capture(tmp_path / name) for name in ("a.jsonl", "b.jsonl.gz", "c.jsonl")]
    monkeypatch.setattr(cli._inspect, "_PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(cli._inspect, "_PROGRESS_EVERY", 2)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress: list[float] = []

    class RecordingProgress(rich.progress.Progress):
        def update(self, task_id: rich.progress.TaskID, **fields: Any) -> None:
            progress.append(fields["completed"])
            super().update(task_id, **fields)

    monkeypatch.setattr(rich.progress, "Progress", RecordingProgress)
    assert cli.main(["check", *map(str, paths)]) == 0
    total = sum(path.stat().st_size for path in paths)
    assert len(progress) > len(paths)
    assert progress == sorted(progress)
    assert progress[-1] == total


def test_stats_summarises_the_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _capture(tmp_path / "s.jsonl")
    assert cli.main(["stats", "--json", str(path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["duration_s"] == pytest.approx(2.0)
    assert stats["audio_sent_s"] == pytest.approx(1.0)  # 8000 bytes of G.711
    assert stats["audio_received_s"] == pytest.approx(0.1)  # 4800 bytes of pcm16
    assert stats["responses"] == 1
    assert stats["tokens"]["total_tokens"] == 5
    assert stats["latency"]["median_s"] == pytest.approx(0.25)
    assert cli.main(["stats", str(path)]) == 0
    out = capsys.readouterr().out
    assert "audio sent      1.000 s" in out
    assert "latency         median 250.0 ms" in out


def _translation_capture(path: Path) -> Path:
    with CaptureWriter(path) as writer:

        def write(direction: Any, event: rtmsg.Event | bytes, t: float) -> None:
            frame = event if isinstance(event, bytes) else rtmsg.encode(event)
            writer.write(direction, frame, t=t, protocol="translation")

        write("client", translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 24000), 1.0)
        write("server", translation.SessionInputTranscriptDelta(event_id="e1", delta="Good"), 1.2)
        write("server", translation.SessionOutputTranscriptDelta(event_id="e2", delta="Bon"), 1.2)
        write(
            "server", translation.SessionOutputAudioDelta.from_pcm(b"\0" * 9600, event_id="e3"), 1.3
        )
        write("client", translation.SessionClose(event_id="c1"), 1.5)
        write("client", b'{"type":"session.update","event_id":"c2"}', 1.6)
        write("server", translation.SessionClosed(event_id="e4"), 2.0)
    return path


def test_check_and_stats_read_a_translation_capture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _translation_capture(tmp_path / "t.jsonl")
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "7 frames, 6 valid, 1 invalid" in out
    assert "session.output_audio.delta" in out
    assert f"{path}:6: translation client session.update (event_id c2):" in out
    assert cli.main(["stats", "--json", str(path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["protocol"] == "translation"
    assert stats["audio_sent_s"] == pytest.approx(0.5)
    assert stats["audio_received_s"] == pytest.approx(0.2)
    assert (stats["input_transcript_chars"], stats["output_transcript_chars"]) == (4, 3)
    assert stats["duration_s"] == pytest.approx(1.0)
    assert cli.main(["stats", str(path)]) == 0
    out = capsys.readouterr().out
    assert "protocol        translation" in out
    assert "audio received  0.200 s" in out
    assert "transcript out  3 chars" in out
    assert "tokens" not in out


def test_bare_translation_frames_need_the_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "client.jsonl"
    path.write_bytes(b'{"type":"session.close"}\n{"type":"session.update","session":{}}\n')
    assert cli.main(["check", "--direction", "client", "--json", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["invalid"] == 1  # read as conversation events
    argv = ["check", "--direction", "client", "--protocol", "translation", "--json", str(path)]
    assert cli.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["client"] == {"session.close": 1, "session.update": 1}


def test_stats_reads_bare_frames_in_the_protocol_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "server.jsonl"
    delta = translation.SessionOutputTranscriptDelta(event_id="e1", delta="Bonjour")
    path.write_bytes(rtmsg.encode(delta) + b"\n")
    argv = ["stats", "--json", "--direction", "server", str(path)]
    assert cli.main([*argv, "--protocol", "translation"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["protocol"], stats["output_transcript_chars"]) == ("translation", 7)
    assert cli.main(argv) == 0  # a conversation's: the event is of a type it does not know
    stats = json.loads(capsys.readouterr().out)
    assert (stats["protocol"], stats["output_transcript_chars"]) == ("conversation", 0)


def test_max_frame_bytes_bounds_check_and_stats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _capture(tmp_path / "s.jsonl")
    largest = max(len(line) for line in path.read_bytes().splitlines())
    assert cli.main(["check", "--json", "--max-frame-bytes", str(largest), str(path)]) == 0
    capsys.readouterr()
    # The longest frame is the append of 8000 bytes of audio, about 10.7 kB of base64.
    assert cli.main(["check", "--json", "--max-frame-bytes", "10000", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    [invalid] = report["invalid_frames"]
    assert invalid["line"] == 2
    assert "max_frame_bytes=10000" in invalid["message"]
    assert cli.main(["stats", "--json", "--max-frame-bytes", "10000", str(path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["invalid_frames"] == 1
    assert stats["audio_sent_s"] == 0.0
    assert cli.main(["check", "--max-frame-bytes", "-1", str(path)]) == 2
    assert cli.main(["stats", "--max-frame-bytes", "lots", str(path)]) == 2


def test_by_default_a_frame_of_several_mebibytes_is_an_ordinary_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default limit is 16 MiB (the service takes appends of up to 15 MiB), for check,
    # stats and export alike: an append of 3 MiB of audio, 4 MiB of JSON, is valid.
    pcm = b"\0\1" * (3 << 19)
    append = rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(pcm, event_id="c1"))
    assert len(append) > 4 << 20
    path = tmp_path / "big.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("client", append, t=1.0)
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(append + b"\n")
    assert cli.main(["check", str(path)]) == 0
    assert cli.main(["check", "--direction", "client", str(bare)]) == 0
    capsys.readouterr()
    assert cli.main(["stats", "--json", str(path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["invalid_frames"], stats["audio_sent_s"]) == (0, pytest.approx(len(pcm) / 48_000))
    out = str(tmp_path / "out")
    assert cli.main(["export", "--strict", "--no-progress", "--out", out, str(path)]) == 0


def test_check_lists_1000_invalid_frames_by_default_and_counts_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    with CaptureWriter(path) as writer:
        for n in range(1003):
            writer.write("client", BAD_DELETE, t=float(n))
    assert cli.main(["check", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["invalid"] == 1003
    assert [bad["line"] for bad in report["invalid_frames"]] == list(range(1, 1001))
    listed = "client conversation.item.delete (event_id c2):"
    for argv, shown, hidden in (
        (["check", str(path)], 1000, 3),
        (["check", "--max-invalid", "2", str(path)], 2, 1001),
    ):
        assert cli.main(argv) == 1
        out = capsys.readouterr().out
        assert "1003 frames, 0 valid, 1003 invalid" in out
        assert out.count(listed) == shown
        assert f"  ... and {hidden} more\n" in out


def test_usage_errors_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["check"]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["check", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    assert cli.main(["relay", "--listen", "nowhere", "--upstream", "ws://x"]) == 2
    assert cli.main(["relay", "--listen", "127.0.0.1:1", "--upstream", "http://x"]) == 2


def test_mock_server_and_relay_commands(tmp_path: Path) -> None:
    mock_port, relay_port = free_port(), free_port()
    capture = tmp_path / "relay.jsonl"
    results: dict[str, int] = {}

    def run(name: str, argv: list[str]) -> None:
        results[name] = cli.main(argv)

    threads = [
        threading.Thread(
            target=run,
            args=("mock", ["mock-server", "--listen", f"127.0.0.1:{mock_port}", "--duration", "3"]),
        ),
        threading.Thread(
            target=run,
            args=(
                "relay",
                [
                    "relay",
                    "--listen",
                    f"127.0.0.1:{relay_port}",
                    "--upstream",
                    f"ws://127.0.0.1:{mock_port}",
                    "--capture",
                    str(capture),
                    "--duration",
                    "3",
                ],
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 2.5
    frame = asyncio.run(first_frame(f"ws://127.0.0.1:{relay_port}/v1/realtime", deadline))
    translations = f"ws://127.0.0.1:{relay_port}/v1/realtime/translations?model=m"
    translated = asyncio.run(first_frame(translations, deadline))
    for thread in threads:
        thread.join(timeout=10)
    assert results == {"mock": 0, "relay": 0}
    assert isinstance(rtmsg.decode_server_event(frame), rtmsg.SessionCreated)
    created = translation.decode_server_event(translated)
    assert isinstance(created, translation.SessionCreated)
    assert created.session.model == "m"
    assert cli.main(["check", str(capture)]) == 0


# --- Unix conventions -----------------------------------------------------------------------


def _rtmsg(*argv: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
    """``rtmsg ARGV`` as a process of its own, as a shell runs it."""
    if "stdout" not in options:
        options.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, "-m", "rtmsg", *argv], check=False, timeout=120, **options
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"rtmsg {rtmsg.__version__} (msgspec {msgspec.__version__})\n"


def test_help_lists_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert cli.EXIT_STATUS in out
    for status in ("0", "1", "2", "141"):
        assert f"\n  {status} " in cli.EXIT_STATUS


def test_a_dash_reads_standard_input(tmp_path: Path) -> None:
    path = _capture(tmp_path / "s.jsonl", invalid=True)
    data = path.read_bytes()
    checked = _rtmsg("check", "-", input=data)
    assert checked.returncode == 1
    assert checked.stdout.startswith(b"<stdin>: 8 frames, 7 valid, 1 invalid\n")
    assert b"<stdin>:8: client conversation.item.delete" in checked.stdout
    stats = _rtmsg("stats", "--json", "-", input=data)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["audio_sent_s"] == pytest.approx(1.0)
    assert stats.stderr.startswith(b"rtmsg stats: <stdin>: warning: 1 invalid frame, the first")
    # and from a file given as standard input
    with path.open("rb") as fp:
        assert _rtmsg("check", "-", str(path), stdin=fp).stdout.startswith(
            b"<stdin>, " + str(path).encode() + b": 16 frames"
        )


@pytest.fixture(scope="module")
def fleet_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fleet import write_fleet
    from rtmsg import analytics

    tmp = tmp_path_factory.mktemp("fleet")
    analytics.export(write_fleet(tmp / "captures"), tmp / "out")
    return tmp / "out"


def _many_invalid(path: Path) -> Path:
    path.write_bytes(b'{"type":"conversation.item.delete"}\n' * 5000)
    return path


@pytest.mark.parametrize("command", ["check", "check --json", "stats", "query"])
def test_a_closed_pipe_ends_quietly_with_status_141(
    tmp_path: Path, command: str, fleet_dataset: Path
) -> None:
    path = _many_invalid(tmp_path / "bad.jsonl")
    argv = {
        "check": ["check", "--direction", "client", str(path)],
        "check --json": ["check", "--json", "--direction", "client", str(path)],
        "stats": ["stats", str(_capture(tmp_path / "s.jsonl"))],
        "query": ["query", str(fleet_dataset), "SELECT session, seq, type, line FROM events"],
    }[command]
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        result = _rtmsg(*argv, stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, b"")


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", ["check", "check --json", "stats --json", "query"])
def test_head_of_a_long_output(
    tmp_path: Path, command: str, unbuffered: bool, fleet_dataset: Path
) -> None:
    """The reader leaves in the middle of an output larger than a pipe holds: the command
    ends with 141 and no message, with Python's standard output buffered or not (``-u``,
    ``PYTHONUNBUFFERED``), where a write the closing of the pipe cut short was taken as done."""
    if command.startswith("check"):
        path = _many_invalid(tmp_path / "bad.jsonl")
        options = ["--json"] if command == "check --json" else ["--max-invalid", "5000"]
        argv = ["check", *options, "--direction", "client", str(path)]
        start = "{" if options == ["--json"] else f"{path}: 5000 frames, 0 valid, 5000 invalid"
    elif command == "stats --json":
        one = _capture(tmp_path / "s000.jsonl")
        many = [one] + [tmp_path / f"s{n:03}.jsonl" for n in range(1, 200)]
        for copy in many[1:]:
            copy.write_bytes(one.read_bytes())
        argv, start = ["stats", "--json", *map(str, many)], "["
    else:
        argv = ["query", str(fleet_dataset), "SELECT events.* FROM events, range(5)"]
        start = "session  "
    complete = _rtmsg(*argv)
    assert complete.returncode in (0, 1)
    first = complete.stdout.decode().splitlines()[0]
    assert first.startswith(start)
    assert len(complete.stdout) > 100_000  # more than a pipe holds: head leaves mid-write
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    script = (
        f"{shlex.quote(sys.executable)} -m rtmsg {shlex.join(argv)} | head -1; "
        "echo status ${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, check=False, timeout=120, env=env
    )
    assert result.stdout.decode().splitlines() == [first, "status 141"]
    assert result.stderr == b""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--max-invalid", "-1", "x"], "argument --max-invalid: expected a whole number"),
        (["check", "--max-invalid", "many", "x"], "argument --max-invalid: expected a whole"),
        (["mock-server", "--listen", "127.0.0.1:0", "--duration", "-1"], "--duration: expected"),
        # (an upstream the relay refuses, and a short --duration: were the bad value taken,
        # the command would still end, with another message)
        (["relay", "--listen", "[::1]:0", "--upstream", "http://x", "--duration", "nan"], "nan"),
        (["relay", "--listen", "[::1]:0", "--upstream", "http://x", "--duration", "0"], "'0'"),
        (
            ["mock-server", "--listen", "127.0.0.1:0", "--duration", "0.2", "--audio-ms", "-5"],
            "--audio-ms: expected",
        ),
        (
            [
                *("mock-server", "--listen", "127.0.0.1:0", "--duration", "0.2"),
                *("--first-audio-delay-ms", "-3"),
            ],
            "--first-audio-delay-ms: expected a number, 0 or more, got '-3'",
        ),
        (["export", "--workers", "0", "--out", "o", "x"], "--workers: expected a number of"),
        (["stats"], "the following arguments are required: FILE"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_nonsense_options_are_one_line_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("rtmsg")
    assert message in line
    assert line.endswith("--help)")


def test_check_json_gives_the_code_and_param_of_each_invalid_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _capture(tmp_path / "bad.jsonl", invalid=True)
    with path.open("ab") as fp:
        fp.write(b"not a record\n")
        fp.write(b'{"t":13.0,"dir":"client","frame":{"type":"input_audio_buffer.append"')
        fp.write(b',"audio":5}}\n')
    assert cli.main(["check", "--json", str(path)]) == 1
    invalid = json.loads(capsys.readouterr().out)["invalid_frames"]
    assert [(frame["line"], frame["code"], frame.get("param")) for frame in invalid] == [
        (8, "missing_required_parameter", "item_id"),
        (9, "invalid_record", None),
        (10, "invalid_type", "audio"),
    ]


def test_check_counts_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(COMMIT + b"\n")
    assert cli.main(["check", "--direction", "client", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        f"{path}: 1 frame, 1 valid, 0 invalid",
        "client (1 known event)",
    ]


# --- stats says what it could not read -------------------------------------------------------


def test_stats_of_a_file_that_is_not_a_capture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"shopping list\nmilk\n")
    assert cli.main(["stats", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"rtmsg stats: {path}: nothing to summarise: none of its 2 lines is")
    assert "(line 1: not a capture record: " in line
    assert "--direction client|server" in line
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(COMMIT + b"\n")
    assert cli.main(["stats", str(bare)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"rtmsg stats: {bare}: nothing to summarise: its only line is not a ")
    assert "(line 1: not a capture record: " in line


def test_stats_counts_unknown_frames_and_doubts_a_wrong_direction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "server.jsonl"
    delta = rtmsg.encode(
        rtmsg.ResponseOutputAudioDelta.from_pcm(
            b"\0" * 480, event_id="e", response_id="r", item_id="i", output_index=0, content_index=0
        )
    )
    path.write_bytes(delta + b"\n" + FUTURE + b"\n" + delta + b"\n")
    assert cli.main(["stats", "--direction", "client", str(path)]) == 0
    captured = capsys.readouterr()
    assert "frames          3 (3 unknown, 0 invalid)" in captured.out
    assert captured.err == (
        f"rtmsg stats: {path}: warning: no frame is of an event type rtmsg knows as client "
        "events: is --direction right?\n"
    )
    assert cli.main(["stats", "--json", "--direction", "server", str(path)]) == 0
    captured = capsys.readouterr()
    stats = json.loads(captured.out)
    assert (stats["unknown_frames"], stats["invalid_frames"], stats["frames"]) == (1, 0, 3)
    assert stats["audio_received_s"] == pytest.approx(0.02)
    assert captured.err == ""


def test_stats_of_bare_frames_says_there_are_no_timestamps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "server.jsonl"
    stopped = rtmsg.InputAudioBufferSpeechStopped(event_id="e", item_id="i", audio_end_ms=1)
    committed = rtmsg.InputAudioBufferCommitted(event_id="e", item_id="i")
    delta = rtmsg.ResponseOutputAudioDelta.from_pcm(
        b"\0" * 480, event_id="e", response_id="r", item_id="i", output_index=0, content_index=0
    )
    path.write_bytes(b"\n".join(rtmsg.encode(e) for e in (stopped, committed, delta)) + b"\n")
    assert cli.main(["stats", "--direction", "server", str(path)]) == 0
    out = capsys.readouterr().out
    assert "duration        n/a (no timestamps)" in out
    assert "latency         n/a (no timestamps)" in out
    timed = _capture(tmp_path / "timed.jsonl")
    lines = timed.read_bytes().splitlines(keepends=True)
    timed.write_bytes(b"".join(line for line in lines if b"speech_stopped" not in line))
    timed.write_bytes(timed.read_bytes().replace(b'"input_audio_buffer.commit"', b'"x.y"'))
    assert cli.main(["stats", str(timed)]) == 0
    out = capsys.readouterr().out
    assert "latency         n/a (no end of speech or commit was followed by audio)" in out


def test_stats_counts_a_conversation_s_transcripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where: dict[str, Any] = {"response_id": "r", "item_id": "i", "output_index": 0}
    where["content_index"] = 0
    path = tmp_path / "s.jsonl"
    with CaptureWriter(path) as writer:
        for t, event in enumerate(
            [
                rtmsg.ConversationItemInputAudioTranscriptionDelta(
                    event_id="e1", item_id="u", content_index=0, delta="Hello "
                ),
                rtmsg.ConversationItemInputAudioTranscriptionDelta(
                    event_id="e2", item_id="u", content_index=0, delta="there"
                ),
                rtmsg.ResponseOutputAudioTranscriptDelta(event_id="e3", delta="Hi!", **where),
                # the whole text, again, on .done: not counted twice
                rtmsg.ResponseOutputAudioTranscriptDone(event_id="e4", transcript="Hi!", **where),
                rtmsg.ResponseOutputTextDelta(event_id="e5", delta="text, not speech", **where),
            ]
        ):
            writer.write("server", rtmsg.encode(event), t=float(t))
    assert cli.main(["stats", "--json", str(path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["input_transcript_chars"], stats["output_transcript_chars"]) == (11, 3)


def test_stats_names_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.jsonl"
    created = rtmsg.SessionCreated(event_id="e", session=rtmsg.Session(model="gpt-realtime"))
    with CaptureWriter(path) as writer:
        writer.write("server", rtmsg.encode(created), t=1.0)
    assert cli.main(["stats", str(path)]) == 0
    assert capsys.readouterr().out.startswith("model           gpt-realtime\nframes")


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.jsonl.gz"])
def test_check_of_a_capture_without_frames_is_not_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    empty = tmp_path / name
    with CaptureWriter(empty):
        pass
    assert empty.read_bytes() == b""
    assert cli.main(["check", str(empty)]) == 1
    assert capsys.readouterr().out == (
        f"{empty}: 0 frames, 0 valid, 0 invalid\n{empty}: no frames\nNO FRAMES\n"
    )
    good = _capture(tmp_path / "good.jsonl")
    assert cli.main(["check", "--json", str(good), str(empty)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["invalid"], report["empty_files"]) == (False, 0, [str(empty)])


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.jsonl.gz"])
@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_stats_of_a_capture_without_frames_has_nothing_to_summarise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, as_json: list[str]
) -> None:
    empty = tmp_path / name
    with CaptureWriter(empty):
        pass
    assert empty.read_bytes() == b""
    assert cli.main(["stats", *as_json, str(empty)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"rtmsg stats: {empty}: nothing to summarise: it holds no frames\n"
    # the other files are still summarised, and the status is the worst of the files'
    good = _capture(tmp_path / "good.jsonl")
    assert cli.main(["stats", *as_json, str(empty), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"rtmsg stats: {empty}: nothing to summarise: it holds no frames\n"
    if as_json:
        [summary] = json.loads(captured.out)
        assert (summary["file"], summary["frames"]) == (str(good), 7)
    else:
        assert captured.out.startswith(f"file            {good}\nframes          7 (")


@pytest.mark.parametrize("name", ["cut.jsonl", "cut.jsonl.gz"])
def test_check_of_a_capture_cut_short_checks_what_comes_before_the_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    whole = _capture(tmp_path / f"whole-{name}")
    path = tmp_path / name
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) - 9])
    assert cli.main(["check", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    [cut] = report["invalid_frames"]
    assert cut["code"] == "truncated_file"
    assert report["invalid"] == 1
    assert report["valid"] == report["frames"] - 1 > 0
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.endswith("INVALID\n")
    assert f"  {path}:{cut['line']}: the file " in out
