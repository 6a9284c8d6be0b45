"""session_stats summarises a known session exactly: audio, turns, responses, tokens, latency."""

from __future__ import annotations

import pytest

import rtmsg
from rtmsg import translation
from rtmsg.capture import BadRecord, Direction, Protocol, Record
from rtmsg.inspection import (
    LatencySummary,
    SessionStats,
    iter_frame_stats,
    session_stats,
)


def _rec(
    t: float,
    direction: Direction,
    event: rtmsg.Event | bytes,
    line: int = 0,
    protocol: Protocol = "conversation",
) -> Record:
    frame = event if isinstance(event, bytes) else rtmsg.encode(event)
    return Record(line=line, t=t, direction=direction, frame=frame, protocol=protocol)


def _session(output: str) -> rtmsg.Session:
    return rtmsg.Session(
        audio=rtmsg.AudioConfig(
            output=rtmsg.AudioConfigOutput(format=rtmsg.AudioFormat(type=output)),
        )
    )


def _delta(response_id: str, size: int) -> rtmsg.ResponseOutputAudioDelta:
    return rtmsg.ResponseOutputAudioDelta.from_pcm(
        b"\x01" * size,
        event_id="e",
        response_id=response_id,
        item_id="item",
        output_index=0,
        content_index=0,
    )


def _done(response_id: str, status: str, tokens: int) -> rtmsg.ResponseDone:
    return rtmsg.ResponseDone(
        event_id="e",
        response=rtmsg.Response(
            id=response_id,
            status=status,
            usage=rtmsg.Usage(
                input_tokens=tokens,
                output_tokens=2 * tokens,
                total_tokens=3 * tokens,
                input_token_details=rtmsg.InputTokenDetails(
                    audio_tokens=tokens, text_tokens=0, cached_tokens=1
                ),
                output_token_details=rtmsg.OutputTokenDetails(audio_tokens=2 * tokens),
            ),
        ),
    )


def _turn(start: float, response_id: str, latency: float) -> list[Record]:
    """One user turn of 1 s of pcm16 and an answer of 0.5 s, ``latency`` after speech stops."""
    return [
        _rec(start, "client", rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 24_000)),
        _rec(start + 0.5, "client", rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 24_000)),
        _rec(
            start + 1.0,
            "server",
            rtmsg.InputAudioBufferSpeechStopped(event_id="e", item_id="i", audio_end_ms=1000),
        ),
        _rec(start + 1.0, "server", rtmsg.InputAudioBufferCommitted(event_id="e", item_id="i")),
        _rec(start + 1.0, "client", rtmsg.ResponseCreate()),
        _rec(start + 1.0 + latency, "server", _delta(response_id, 12_000)),
        _rec(start + 1.1 + latency, "server", _delta(response_id, 12_000)),
        _rec(start + 1.2 + latency, "server", _done(response_id, "completed", 10)),
    ]


def test_stats_of_a_known_session() -> None:
    records = [
        _rec(100.0, "server", rtmsg.SessionCreated(event_id="e", session=_session("audio/pcm"))),
        *_turn(101.0, "r1", 0.2),
        *_turn(110.0, "r2", 0.4),
        *_turn(120.0, "r3", 0.3),
    ]
    stats = session_stats(records)
    assert stats.frames == 1 + 3 * 8
    assert stats.invalid_frames == 0
    assert stats.duration_s == pytest.approx(121.2 + 0.3 - 100.0)
    assert stats.audio_sent_s == pytest.approx(3.0)
    assert stats.audio_received_s == pytest.approx(1.5)
    assert stats.turns == 3
    assert stats.responses == 3
    assert stats.responses_by_status == {"completed": 3}
    assert stats.tokens.input_tokens == 30
    assert stats.tokens.output_tokens == 60
    assert stats.tokens.total_tokens == 90
    assert stats.tokens.input_cached_tokens == 3
    assert stats.tokens.output_audio_tokens == 60
    assert stats.latency is not None
    assert stats.latency.turns == 3
    assert stats.latency.median_s == pytest.approx(0.3)
    assert stats.latency.p95_s == pytest.approx(0.4)
    assert stats.latency.max_s == pytest.approx(0.4)


def test_the_duration_runs_from_the_earliest_time_to_the_latest() -> None:
    # A clock set back mid-session: records are in the order they were written, not in time.
    clear = rtmsg.InputAudioBufferClear()
    records = [_rec(t, "client", clear) for t in (100.0, 130.0, 90.0, 120.0)]
    assert session_stats(records).duration_s == pytest.approx(40.0)


def test_responses_are_counted_by_status_and_one_without_a_status_as_unknown() -> None:
    frames = [
        _done("r1", "completed", 1),
        _done("r2", "cancelled", 1),
        _done("r3", "a_status_of_tomorrow", 1),
        rtmsg.ResponseDone(event_id="e", response=rtmsg.Response(id="r4")),
        rtmsg.ResponseDone(event_id="e", response=rtmsg.Response(id="r5", status=None)),
        _done("r6", "completed", 1),
    ]
    stats = session_stats([_rec(1.0, "server", frame) for frame in frames])
    assert stats.responses == 6
    assert stats.responses_by_status == {
        "a_status_of_tomorrow": 1,
        "cancelled": 1,
        "completed": 2,
        "unknown": 2,
    }


def test_frame_stats_add_up_to_the_session_stats() -> None:
    records: list[Record | BadRecord] = [
        _rec(100.0, "server", rtmsg.SessionCreated(event_id="e", session=_session("audio/pcmu"))),
        *_turn(101.0, "r1", 0.2),
        *_turn(110.0, "r2", 0.4),
        BadRecord(line=99, message="not a record"),
        _rec(121.0, "client", b'{"type":"conversation.item.delete"}'),
    ]
    stats = SessionStats()
    frames = list(iter_frame_stats(records, stats))
    assert stats == session_stats(records)
    assert [frame.record for frame in frames] == records
    sent = [f.audio_seconds for f in frames if isinstance(f.event, rtmsg.InputAudioBufferAppend)]
    received = [
        f.audio_seconds for f in frames if isinstance(f.event, rtmsg.ResponseOutputAudioDelta)
    ]
    assert sent == [pytest.approx(0.5)] * 4  # 24 000 bytes of pcm16
    assert received == [pytest.approx(12_000 / 8_000)] * 4  # the output format is G.711
    assert sum(f.audio_bytes or 0 for f in frames) == 4 * 24_000 + 4 * 12_000
    assert [f.latency_s for f in frames if f.latency_s is not None] == [
        pytest.approx(0.2),
        pytest.approx(0.4),
    ]
    bad, invalid = frames[-2:]
    assert (bad.event, bad.error) == (None, None)
    assert invalid.event is None
    assert invalid.error is not None
    assert invalid.error.event_type == "conversation.item.delete"
    assert all(f.audio_bytes is None for f in frames if not isinstance(f.event, _AUDIO))


_AUDIO = (rtmsg.InputAudioBufferAppend, rtmsg.ResponseOutputAudioDelta)


def test_audio_seconds_follow_the_session_formats() -> None:
    g711 = _session("audio/pcmu")
    records = [
        _rec(0.0, "server", rtmsg.SessionCreated(event_id="e", session=_session("audio/pcm"))),
        _rec(1.0, "server", _delta("r1", 48_000)),  # 1 s of pcm16 at 24 kHz
        _rec(2.0, "client", rtmsg.SessionUpdate(session=g711)),
        _rec(3.0, "server", _delta("r1", 8_000)),  # 1 s of G.711 at 8 kHz
        _rec(4.0, "server", rtmsg.SessionUpdated(event_id="e", session=_session("audio/pcma"))),
        _rec(5.0, "server", _delta("r1", 4_000)),
    ]
    stats = session_stats(records)
    assert stats.audio_received_s == pytest.approx(2.5)
    assert stats.latency is None


def test_a_response_may_name_its_own_output_format() -> None:
    created = rtmsg.ResponseCreated(
        event_id="e",
        response=rtmsg.Response(
            id="r9",
            audio=rtmsg.ResponseAudio(
                output=rtmsg.ResponseAudioOutput(format=rtmsg.AudioFormat(type="audio/pcma"))
            ),
        ),
    )
    records = [
        _rec(0.0, "server", created),
        _rec(1.0, "server", _delta("r9", 8_000)),
        _rec(1.0, "server", _delta("other", 48_000)),
    ]
    assert session_stats(records).audio_received_s == pytest.approx(2.0)


def test_bare_frames_have_no_duration_or_latency() -> None:
    records: list[Record | BadRecord] = [
        Record(line=1, t=None, direction="server", frame=rtmsg.encode(_delta("r", 480))),
        BadRecord(line=2, message="not a record"),
        Record(line=3, t=None, direction="server", frame=b"{"),
    ]
    stats = session_stats(records)
    assert stats.duration_s is None
    assert stats.latency is None
    assert stats.invalid_frames == 2
    assert stats.audio_received_s == pytest.approx(0.01)


def test_latency_summary() -> None:
    assert LatencySummary.of([]) is None
    summary = LatencySummary.of([float(i) for i in range(1, 101)])
    assert summary is not None
    assert (summary.median_s, summary.p95_s, summary.max_s) == (50.5, 95.0, 100.0)


def test_push_to_talk_latency_runs_from_the_client_commit() -> None:
    records = [
        _rec(0.0, "client", rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 48_000)),
        _rec(1.0, "client", rtmsg.InputAudioBufferCommit()),
        _rec(1.05, "server", rtmsg.InputAudioBufferCommitted(event_id="e", item_id="i")),
        _rec(1.1, "client", rtmsg.ResponseCreate()),
        _rec(1.75, "server", _delta("r1", 12_000)),
        _rec(1.85, "server", _delta("r1", 12_000)),
        _rec(2.0, "server", _done("r1", "completed", 10)),
    ]
    stats = session_stats(records)
    assert stats.turns == 1
    assert stats.latency is not None
    assert stats.latency.turns == 1
    assert stats.latency.median_s == pytest.approx(0.75)


def _cancelled(response_id: str) -> rtmsg.ResponseDone:
    return rtmsg.ResponseDone(
        event_id="e", response=rtmsg.Response(id=response_id, status="cancelled")
    )


def test_a_push_to_talk_turn_without_audio_does_not_start_the_next_turn_s_clock() -> None:
    # The first turn is cancelled before any audio: the second is answered 0.7 s after its
    # own commit, as the same conversation with server VAD says.
    records = [
        _rec(0.0, "client", rtmsg.InputAudioBufferCommit()),
        _rec(0.1, "client", rtmsg.ResponseCreate()),
        _rec(0.2, "client", rtmsg.ResponseCancel()),
        _rec(0.3, "server", _cancelled("r1")),
        _rec(4.0, "client", rtmsg.InputAudioBufferCommit()),
        _rec(4.1, "client", rtmsg.ResponseCreate()),
        _rec(4.7, "server", _delta("r2", 4_800)),
    ]
    stats = session_stats(records)
    assert stats.latency is not None
    assert stats.latency.turns == 1
    assert stats.latency.max_s == pytest.approx(0.7)
    vad = [
        _rec(
            0.0,
            "server",
            rtmsg.InputAudioBufferSpeechStopped(event_id="e", item_id="i", audio_end_ms=0),
        ),
        *records[1:4],
        _rec(
            4.0,
            "server",
            rtmsg.InputAudioBufferSpeechStopped(event_id="e", item_id="j", audio_end_ms=0),
        ),
        *records[5:],
    ]
    assert session_stats(vad).latency == stats.latency


def test_speech_stopped_wins_over_a_later_commit() -> None:
    records = [
        *_turn(0.0, "r1", 0.3),
    ]
    records.insert(3, _rec(1.2, "client", rtmsg.InputAudioBufferCommit()))
    stats = session_stats(records)
    assert stats.latency is not None
    assert stats.latency.median_s == pytest.approx(0.3)


# --- translation sessions -------------------------------------------------------------------


def _tr(t: float, direction: Direction, event: rtmsg.Event | bytes, line: int = 0) -> Record:
    return _rec(t, direction, event, line, "translation")


def test_stats_of_a_translation_session() -> None:
    records = [
        _tr(0.0, "client", translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 9600)),
        _tr(0.2, "client", translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 9600)),
        _tr(0.3, "server", translation.SessionInputTranscriptDelta(event_id="e1", delta="Hello")),
        _tr(0.3, "server", translation.SessionOutputTranscriptDelta(event_id="e2", delta="Hola")),
        # 0.2 s at the default 24 kHz mono, then 0.1 s announced as 16 kHz stereo
        _tr(
            0.35,
            "server",
            translation.SessionOutputAudioDelta.from_pcm(b"\0" * 9600, event_id="e3"),
        ),
        _tr(
            0.4,
            "server",
            translation.SessionOutputAudioDelta.from_pcm(
                b"\0" * 6400, event_id="e4", sample_rate=16000, channels=2
            ),
        ),
        _tr(
            0.5, "server", translation.SessionOutputTranscriptDelta(event_id="e5", delta=" amigos")
        ),
        _tr(0.6, "client", translation.SessionClose()),
        _tr(0.7, "server", translation.SessionClosed(event_id="e6")),
        _tr(0.8, "server", b'{"type":"session.closed"}'),
    ]
    stats = session_stats(records)
    assert stats.protocol == "translation"
    assert stats.frames == 10
    assert stats.invalid_frames == 1
    assert stats.duration_s == pytest.approx(0.8)
    assert stats.audio_sent_s == pytest.approx(0.4)
    assert stats.audio_received_s == pytest.approx(0.3)
    assert (stats.input_transcript_chars, stats.output_transcript_chars) == (5, 11)
    assert (stats.turns, stats.responses, stats.latency) == (0, 0, None)


def test_frame_stats_of_a_translation_session_carry_its_audio() -> None:
    records = [
        _tr(0.0, "client", translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 9600)),
        _tr(
            0.1, "server", translation.SessionOutputAudioDelta.from_pcm(b"\0" * 9600, event_id="a")
        ),
        _tr(
            0.2,
            "server",
            translation.SessionOutputAudioDelta.from_pcm(
                b"\0" * 6400, event_id="b", sample_rate=16000, channels=2
            ),
        ),
        _tr(0.3, "server", translation.SessionOutputTranscriptDelta(event_id="c", delta="Hola")),
    ]
    stats = SessionStats()
    frames = list(iter_frame_stats(records, stats))
    assert stats == session_stats(records)
    assert [type(f.event) for f in frames] == [
        translation.SessionInputAudioBufferAppend,
        translation.SessionOutputAudioDelta,
        translation.SessionOutputAudioDelta,
        translation.SessionOutputTranscriptDelta,
    ]
    assert [f.audio_bytes for f in frames] == [9600, 9600, 6400, None]
    seconds = [f.audio_seconds for f in frames]
    assert seconds == [pytest.approx(0.2), pytest.approx(0.2), pytest.approx(0.1), None]
    assert stats.audio_sent_s == pytest.approx(0.2)
    assert stats.audio_received_s == pytest.approx(0.3)


def test_a_translation_frame_read_as_conversation_counts_for_nothing() -> None:
    append = translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 9600)
    stats = session_stats([_rec(0.0, "client", append)])
    assert stats.protocol == "conversation"
    assert stats.audio_sent_s == 0
