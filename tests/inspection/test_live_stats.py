"""``rtmsg stats`` of a Live capture: each figure against one computed by hand
(:mod:`live_capture`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rtmsg
from live_capture import TIMELINE, write_capture
from rtmsg import cli, live
from rtmsg.capture import CaptureWriter, read_capture
from rtmsg.inspection import sessions_stats


def test_the_stats_of_a_live_session_are_those_computed_by_hand(tmp_path: Path) -> None:
    [stats] = sessions_stats(read_capture(write_capture(tmp_path / "live.jsonl")))
    assert (stats.session, stats.protocol, stats.frames, stats.invalid_frames) == (
        1,
        "live",
        len(TIMELINE),
        0,
    )
    assert stats.duration_s == pytest.approx(2.30)
    assert stats.audio_sent_s == pytest.approx(0.9)  # three appends of 300 ms
    assert stats.audio_received_s == pytest.approx(0.3)  # three deltas of 100 ms
    assert stats.turns == 2
    latency = stats.latency
    assert latency is not None
    assert latency.turns == 2
    assert latency.median_s == pytest.approx((0.15 + 0.65) / 2)
    assert latency.p95_s == latency.max_s == pytest.approx(0.65)
    assert (stats.responses, stats.responses_by_status) == (1, {"completed": 1})
    tokens = stats.tokens
    assert (tokens.input_tokens, tokens.output_tokens, tokens.total_tokens) == (64, 9, 73)
    assert tokens.input_cached_tokens == 16
    assert stats.usage_s == 3.0  # the last running total, not the sum of 1, 2 and 3
    assert stats.input_transcript_chars == len("could you check whether")
    assert stats.output_transcript_chars == len("of course" + "A table")


def test_rtmsg_stats_prints_the_live_figures_and_only_those_a_session_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_capture(tmp_path / "live.jsonl")
    assert cli.main(["stats", str(path)]) == 0
    printed = dict((line[:15].strip(), line[16:]) for line in capsys.readouterr().out.splitlines())
    assert printed["protocol"] == "live"
    assert printed["turns"] == "2"
    assert printed["latency"] == "median 400.0 ms, p95 650.0 ms, max 650.0 ms over 2 turns"
    assert printed["responses"] == "1 (completed 1)"
    assert printed["total tokens"] == "73"
    assert printed["usage"] == "3.000 s billed"
    assert printed["transcript in"] == f"{len('could you check whether')} chars"
    # A sideband that saw only the session's start and its usage: nothing else to say.
    quiet = tmp_path / "quiet.jsonl"
    with CaptureWriter(quiet, flush_interval=0) as writer:
        for t, event in enumerate((TIMELINE[1][2], TIMELINE[10][2])):
            frame = rtmsg.encode(event)
            writer.write("server", frame, t=t, protocol="live", connection="attach", session=2)
    assert cli.main(["stats", str(quiet)]) == 0
    shown = [line[:15].strip() for line in capsys.readouterr().out.splitlines()]
    assert shown == [
        "protocol",
        "model",
        "frames",
        "duration",
        "audio sent",
        "audio received",
        "usage",
    ]


def test_bare_live_frames_are_read_by_the_connection_protocol_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sideband = tmp_path / "sideband-client.jsonl"
    sideband.write_bytes(b'{"type":"transport.dtmf.send","event":"5"}\n')
    assert cli.main(["check", "--json", "--direction", "client", str(sideband)]) == 0
    as_primary = json.loads(capsys.readouterr().out)  # a conversation's? no: Unknown there
    assert as_primary["unknown_types"]["client"] == {"transport.dtmf.send": 1}
    for name, known in (("live", False), ("live/attach", True), ("live/fork", False)):
        args = ["check", "--json", "--direction", "client", "--protocol", name, str(sideband)]
        assert cli.main(args) == 0
        report = json.loads(capsys.readouterr().out)
        assert (report["counts"]["client"] == {"transport.dtmf.send": 1}) is known, name
    reflected = tmp_path / "sideband-server.jsonl"
    reflection = live.SessionInputAudioAppendReflection.from_pcm(b"\0\1" * 24_000)
    reflected.write_bytes(rtmsg.encode(reflection) + b"\n")
    args = ["stats", "--json", "--direction", "server", "--protocol", "live/attach"]
    assert cli.main([*args, str(reflected)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["protocol"], stats["audio_sent_s"]) == ("live", 1.0)
    assert cli.main(["stats", "--protocol", "live/sideband", str(reflected)]) == 2
    err = capsys.readouterr().err
    assert "live/attach" in err
    assert "invalid choice" in err
