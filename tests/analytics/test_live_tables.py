"""``rtmsg export`` of a Live capture: its rows hold the figures computed by hand.

The capture is :mod:`live_capture`'s: two turns answered 150 ms and 650 ms after the
caller's last transcript delta, a delegated response's tokens, billed seconds reported as a
running total.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from live_capture import write_capture
from rtmsg import analytics  # after the skip: the analytics extra is optional


def test_a_live_capture_exports_its_turns_latency_tokens_transcripts_and_usage(
    tmp_path: Path,
) -> None:
    path = write_capture(tmp_path / "live.jsonl")
    [session] = analytics.sessions([path]).read_all().to_pylist()
    assert (session["protocol"], session["model"], session["frames"]) == ("live", "gpt-live-1", 21)
    assert (session["turns"], session["responses"]) == (2, 1)
    assert session["responses_by_status"] == [("completed", 1)]
    assert (session["input_tokens"], session["output_tokens"], session["total_tokens"]) == (
        64,
        9,
        73,
    )
    assert session["input_cached_tokens"] == 16
    assert session["latency_turns"] == 2
    assert session["latency_median_s"] == pytest.approx(0.4)
    assert session["latency_max_s"] == pytest.approx(0.65)
    assert session["audio_sent_s"] == pytest.approx(0.9)
    assert session["audio_received_s"] == pytest.approx(0.3)
    assert session["input_transcript_chars"] == len("could you check whether")
    assert session["output_transcript_chars"] == len("of courseA table")
    assert session["usage_s"] == 3.0
    events = analytics.events([path]).read_all().to_pylist()
    assert {row["protocol"] for row in events} == {"live"}
    assert {row["outcome"] for row in events} == {"known"}
    waits = [(row["type"], row["latency_s"]) for row in events if row["latency_s"] is not None]
    assert [kind for kind, _ in waits] == ["session.output_audio.delta"] * 2
    assert [wait for _, wait in waits] == [pytest.approx(0.15), pytest.approx(0.65)]
    heard = [row["text"] for row in events if row["type"] == "session.input_transcript.delta"]
    assert "".join(heard) == "could you check whether"
    [completed] = [row for row in events if row["type"] == "response.event"]
    assert (completed["response_id"], completed["status"], completed["total_tokens"]) == (
        "resp_1",
        "completed",
        73,
    )
