"""A Live capture whose every figure is known: written by the relay's capture writer with
chosen times, so that ``rtmsg stats`` and ``rtmsg export`` are checked against a hand count.

Two turns of a caller: the first answered at once, 150 ms after the last transcript delta
of the caller's speech; the second delegated to a Responses backend whose usage gives the
tokens, and answered 650 ms after; usage updates in seconds (a running total), the close.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

import rtmsg
from rtmsg import live
from rtmsg.capture import CaptureWriter
from rtmsg.live import responses

PCM_300MS = b"\x00\x01" * 7200
AUDIO_100MS = live.SessionOutputAudioDelta.from_pcm(b"\x00\x01" * 2400)
SESSION = live.Session(
    id="sess_1", expires_at=0, model="gpt-live-1", status="active", audio=live.Audio()
)


def _heard(event_id: str, text: str, start_ms: int) -> live.SessionInputTranscriptDelta:
    return live.SessionInputTranscriptDelta(
        event_id=event_id, delta=text, start_ms=start_ms, end_ms=start_ms + 300
    )


def _said(event_id: str, text: str) -> live.SessionOutputTranscriptDelta:
    return live.SessionOutputTranscriptDelta(event_id=event_id, delta=text, start_ms=0, end_ms=0)


def _usage(event_id: str, seconds: float) -> live.SessionUsageUpdated:
    return live.SessionUsageUpdated(event_id=event_id, usage=live.SessionUsage(seconds=seconds))


def _completed(event_id: str) -> live.ResponseEvent:
    usage = responses.ResponseUsage(
        input_tokens=64,
        input_tokens_details=responses.InputTokensDetails(cache_write_tokens=0, cached_tokens=16),
        output_tokens=9,
        output_tokens_details=responses.OutputTokensDetails(reasoning_tokens=0),
        total_tokens=73,
    )
    completed = responses.ResponseCompleted(
        response=responses.Response(
            id="resp_1",
            created_at=0.0,
            model="gpt-5.5",
            object="response",
            output=[],
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            status="completed",
            usage=usage,
        ),
        sequence_number=9,
    )
    return live.ResponseEvent(
        event_id=event_id, delegation_id="item_1", event=msgspec.Raw(rtmsg.encode(completed))
    )


# (t, direction, event): the caller stops speaking at 0.35 s (the last transcript delta
# before the model's audio) and is answered at 0.50 s; then at 1.25 s, answered at 1.90 s.
TIMELINE: list[tuple[float, str, Any]] = [
    (0.00, "client", live.SessionStart(session=live.SessionConfig(model="gpt-live-1"))),
    (0.10, "server", live.SessionStarted(event_id="e1", session=SESSION)),
    (0.20, "client", live.SessionInputAudioAppend.from_pcm(PCM_300MS)),
    (0.25, "server", _heard("e2", "could", 0)),
    (0.30, "client", live.SessionInputAudioAppend.from_pcm(PCM_300MS)),
    (0.35, "server", _heard("e3", " you", 300)),
    (0.50, "server", AUDIO_100MS),
    (0.55, "server", _said("e4", "of")),
    (0.60, "server", AUDIO_100MS),
    (0.65, "server", _said("e5", " course")),
    (0.70, "server", _usage("e6", 1.0)),
    (1.00, "client", live.SessionInputAudioAppend.from_pcm(PCM_300MS)),
    (1.20, "server", _heard("e7", " check", 600)),
    (1.25, "server", _heard("e8", " whether", 900)),
    (1.30, "server", live.SessionDelegationCreated(
        event_id="e9",
        offset_ms=1200,
        delegation=live.DelegationInfo(id="item_1", target="responses", type="delegation"),
    )),
    (1.80, "server", _completed("e10")),
    (1.90, "server", AUDIO_100MS),
    (1.95, "server", _said("e11", "A table")),
    (2.10, "server", _usage("e12", 2.0)),
    (2.20, "client", live.SessionClose(event_id="c_close")),
    (2.30, "server", live.SessionClosed(
        event_id="e13",
        reason="close_requested",
        session=SESSION,
        usage=live.SessionUsage(seconds=3.0),
        client_event_id="c_close",
    )),
]  # fmt: skip


def write_capture(path: Path, connection: str | None = None) -> Path:
    """The timeline as the relay records a primary connection (or a sideband's frames)."""
    with CaptureWriter(path, flush_interval=0) as writer:
        for t, direction, event in TIMELINE:
            writer.write(
                direction,  # type: ignore[arg-type]
                rtmsg.encode(event),
                t=1_700_000_000 + t,
                protocol="live",
                connection=connection,
                session=1,
                session_id=None if connection is None else "sess_1",
            )
    return path
