"""The ``rtmsg`` command, called as ``main(argv)``: check, stats, and the two servers."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

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


def test_check_shows_a_progress_bar_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _capture(tmp_path / "ok.jsonl")
    monkeypatch.setattr(cli, "_PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(cli, "_PROGRESS_EVERY", 2)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress: list[float | None] = []

    class RecordingProgress(rich.progress.Progress):
        def update(self, task_id: rich.progress.TaskID, **fields: Any) -> None:
            progress.append(fields.get("completed"))
            super().update(task_id, **fields)

    monkeypatch.setattr(rich.progress, "Progress", RecordingProgress)
    assert cli.main(["check", str(path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("OK")
    assert progress, "no progress bar was drawn"
    assert progress[-1] == path.stat().st_size
    progress.clear()
    assert cli.main(["check", "--no-progress", str(path)]) == 0
    assert not progress


def test_check_progress_runs_once_over_all_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [_capture(tmp_path / name) for name in ("a.jsonl", "b.jsonl.gz", "c.jsonl")]
    monkeypatch.setattr(cli, "_PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(cli, "_PROGRESS_EVERY", 2)
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
