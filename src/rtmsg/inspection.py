"""Checking and summarising recorded sessions: the logic behind ``rtmsg check`` and ``rtmsg stats``.

Both work on any iterable of capture records (see :mod:`rtmsg.capture`) and return plain
Structs, so the command line only reads files and prints; tests call these directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Final

import msgspec
from msgspec import UNSET

from . import client_events as ce
from . import server_events as se
from ._base import DecodeError
from .capture import BadRecord, Direction, Record
from .client_events import ClientEvent
from .codec import Unknown, decode_client_event, decode_server_event
from .responses import Response, Usage
from .server_events import ServerEvent
from .session import AudioFormat, SessionConfig

__all__ = [
    "CheckReport",
    "FrameStats",
    "InvalidFrame",
    "LatencySummary",
    "SessionStats",
    "TokenTotals",
    "audio_bytes_per_second",
    "base64_size",
    "check_records",
    "iter_frame_stats",
    "session_stats",
]


class InvalidFrame(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A frame that did not decode (or a line that is not a record), and where it is."""

    file: str
    line: int
    message: str
    direction: Direction | None = None
    event_type: str | None = None
    event_id: str | None = None


class CheckReport(msgspec.Struct, kw_only=True):
    """What ``rtmsg check`` found: counts per direction and type, Unknown types, invalid frames.

    ``invalid_frames`` lists at most ``max_invalid`` of them; ``invalid`` counts them all.
    """

    files: list[str] = msgspec.field(default_factory=list)
    frames: int = 0
    valid: int = 0
    invalid: int = 0
    counts: dict[str, dict[str, int]] = msgspec.field(
        default_factory=lambda: {"client": {}, "server": {}}
    )
    unknown_types: dict[str, dict[str, int]] = msgspec.field(
        default_factory=lambda: {"client": {}, "server": {}}
    )
    invalid_frames: list[InvalidFrame] = msgspec.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.invalid == 0


def check_records(
    records: Iterable[Record | BadRecord],
    file: str,
    report: CheckReport | None = None,
    *,
    max_invalid: int = 1000,
) -> CheckReport:
    """Decode every record's frame in its direction and add what was found to ``report``."""
    report = CheckReport() if report is None else report
    report.files.append(file)
    for record in records:
        report.frames += 1
        if isinstance(record, BadRecord):
            report.invalid += 1
            if len(report.invalid_frames) < max_invalid:
                invalid = InvalidFrame(file=file, line=record.line, message=record.message)
                report.invalid_frames.append(invalid)
            continue
        direction = record.direction
        try:
            event = _decode(record)
        except DecodeError as exc:
            report.invalid += 1
            if len(report.invalid_frames) < max_invalid:
                invalid = InvalidFrame(
                    file=file,
                    line=record.line,
                    message=str(exc),
                    direction=direction,
                    event_type=exc.event_type,
                    event_id=exc.event_id,
                )
                report.invalid_frames.append(invalid)
            continue
        report.valid += 1
        table = report.unknown_types if isinstance(event, Unknown) else report.counts
        counts = table[direction]
        counts[event.event_type] = counts.get(event.event_type, 0) + 1
    return report


def _decode(record: Record) -> ClientEvent | ServerEvent | Unknown:
    if record.direction == "client":
        return decode_client_event(record.frame)
    return decode_server_event(record.frame)


# --- stats ------------------------------------------------------------------

_PCM16_24KHZ: Final = 48_000
_G711_8KHZ: Final = 8_000


def audio_bytes_per_second(audio_format: AudioFormat | None) -> int:
    """Bytes per second of ``audio_format``: pcm16 at 24 kHz, or G.711 (pcmu, pcma) at 8 kHz."""
    if audio_format is not None and audio_format.type in ("audio/pcmu", "audio/pcma"):
        return _G711_8KHZ
    return _PCM16_24KHZ


def base64_size(text: str) -> int:
    """How many bytes the base64 ``text`` decodes to, without decoding it."""
    size = len(text) * 3 // 4
    if text.endswith("=="):
        return size - 2
    if text.endswith("="):
        return size - 1
    return size


class TokenTotals(msgspec.Struct, kw_only=True):
    """Token usage summed over every ``response.done``."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_audio_tokens: int = 0
    input_text_tokens: int = 0
    input_cached_tokens: int = 0
    output_audio_tokens: int = 0
    output_text_tokens: int = 0

    def add(self, usage: Usage) -> None:
        self.input_tokens += _int(usage.input_tokens)
        self.output_tokens += _int(usage.output_tokens)
        self.total_tokens += _int(usage.total_tokens)
        details = usage.input_token_details
        if details is not None and details is not UNSET:
            self.input_audio_tokens += _int(details.audio_tokens)
            self.input_text_tokens += _int(details.text_tokens)
            self.input_cached_tokens += _int(details.cached_tokens)
        out = usage.output_token_details
        if out is not None and out is not UNSET:
            self.output_audio_tokens += _int(out.audio_tokens)
            self.output_text_tokens += _int(out.text_tokens)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


class LatencySummary(msgspec.Struct, kw_only=True):
    """Seconds from the end of the user's speech to the first audio of the answer."""

    turns: int
    median_s: float
    p95_s: float
    max_s: float

    @classmethod
    def of(cls, samples: list[float]) -> LatencySummary | None:
        if not samples:
            return None
        ordered = sorted(samples)
        return cls(
            turns=len(ordered),
            median_s=_percentile(ordered, 50),
            p95_s=_percentile(ordered, 95),
            max_s=ordered[-1],
        )


def _percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile of sorted samples; the median averages the middle two."""
    if percent == 50:
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


class SessionStats(msgspec.Struct, kw_only=True):
    """What ``rtmsg stats`` reports about one recorded session.

    ``duration_s`` and ``latency`` need timestamps, so they are ``None`` for bare frames.
    A turn is a committed input audio buffer (``input_audio_buffer.committed``).
    """

    frames: int = 0
    invalid_frames: int = 0
    duration_s: float | None = None
    audio_sent_s: float = 0.0
    audio_received_s: float = 0.0
    turns: int = 0
    responses: int = 0
    responses_by_status: dict[str, int] = msgspec.field(default_factory=dict)
    tokens: TokenTotals = msgspec.field(default_factory=TokenTotals)
    latency: LatencySummary | None = None


def _formats(session: SessionConfig) -> tuple[AudioFormat | None, AudioFormat | None]:
    """The input and output formats a session config sets, ``None`` where it leaves them."""
    audio = session.audio
    if audio is None or audio is UNSET:
        return None, None
    input_format = output_format = None
    audio_in = audio.input
    if audio_in is not None and audio_in is not UNSET and isinstance(audio_in.format, AudioFormat):
        input_format = audio_in.format
    audio_out = getattr(audio, "output", None)
    if (
        audio_out is not None
        and audio_out is not UNSET
        and isinstance(audio_out.format, AudioFormat)
    ):
        output_format = audio_out.format
    return input_format, output_format


def _response_format(response: Response) -> AudioFormat | None:
    """The output format a response announces, if it names one."""
    audio = response.audio
    if audio is None or audio is UNSET:
        return None
    output = audio.output
    if output is None or output is UNSET:
        return None
    return output.format if isinstance(output.format, AudioFormat) else None


class FrameStats(msgspec.Struct, kw_only=True):
    """One record as :func:`session_stats` read it: its event or error, its audio, its latency.

    ``event`` and ``error`` are both ``None`` for a line that is not a record. ``audio_bytes``
    and ``audio_seconds`` (at the session's format) are set on audio events, ``latency_s`` on
    the audio delta that ends a turn's wait.
    """

    record: Record | BadRecord
    event: ClientEvent | ServerEvent | Unknown | None = None
    error: DecodeError | None = None
    audio_bytes: int | None = None
    audio_seconds: float | None = None
    latency_s: float | None = None


def session_stats(records: Iterable[Record | BadRecord]) -> SessionStats:
    """Summarise one session: duration, audio both ways, turns, responses, tokens, latency."""
    stats = SessionStats()
    for _ in iter_frame_stats(records, stats):
        pass
    return stats


def iter_frame_stats(
    records: Iterable[Record | BadRecord], stats: SessionStats
) -> Iterator[FrameStats]:
    """What :func:`session_stats` sees in each record, as it goes; ``stats`` fills up on the way.

    ``stats`` is complete once the iterator is exhausted. Frames are decoded once, so a caller
    that wants more of each event than the summary (``rtmsg export``) reads it from here.
    """
    first_t = last_t = None
    input_bps = output_bps = _PCM16_24KHZ
    response_bps: dict[str, int] = {}
    audio_sent = audio_received = 0.0
    # When the user's turn ended: speech_stopped under server turn detection, else the
    # client's own commit (push to talk); the next audio delta closes the measurement.
    turn_ended_at: float | None = None
    latencies: list[float] = []
    for record in records:
        stats.frames += 1
        if isinstance(record, BadRecord):
            stats.invalid_frames += 1
            yield FrameStats(record=record)
            continue
        t = record.t
        if t is not None:
            first_t = t if first_t is None else min(first_t, t)
            last_t = t if last_t is None else max(last_t, t)
        try:
            event = _decode(record)
        except DecodeError as exc:
            stats.invalid_frames += 1
            yield FrameStats(record=record, error=exc)
            continue
        audio_bytes: int | None = None
        audio_seconds: float | None = None
        latency: float | None = None
        match event:
            case ce.InputAudioBufferAppend(audio=audio):
                audio_bytes = base64_size(audio)
                audio_seconds = audio_bytes / input_bps
                audio_sent += audio_seconds
            case se.ResponseOutputAudioDelta(delta=delta, response_id=response_id):
                bps = response_bps.get(response_id, output_bps)
                audio_bytes = base64_size(delta)
                audio_seconds = audio_bytes / bps
                audio_received += audio_seconds
                if turn_ended_at is not None and t is not None:
                    latency = t - turn_ended_at
                    latencies.append(latency)
                    turn_ended_at = None
            case (
                ce.SessionUpdate(session=session)
                | se.SessionCreated(session=session)
                | se.SessionUpdated(session=session)
            ):
                input_format, output_format = _formats(session)
                if input_format is not None:
                    input_bps = audio_bytes_per_second(input_format)
                if output_format is not None:
                    output_bps = audio_bytes_per_second(output_format)
            case se.InputAudioBufferSpeechStopped():
                turn_ended_at = t
            case ce.InputAudioBufferCommit():
                if turn_ended_at is None:
                    turn_ended_at = t
            case se.InputAudioBufferCommitted():
                stats.turns += 1
            case se.ResponseCreated(response=response):
                response_format = _response_format(response)
                if isinstance(response.id, str) and response_format is not None:
                    response_bps[response.id] = audio_bytes_per_second(response_format)
            case se.ResponseDone(response=response):
                stats.responses += 1
                status = response.status if isinstance(response.status, str) else "unknown"
                stats.responses_by_status[status] = stats.responses_by_status.get(status, 0) + 1
                if isinstance(response.usage, Usage):
                    stats.tokens.add(response.usage)
            case _:
                pass
        yield FrameStats(
            record=record,
            event=event,
            audio_bytes=audio_bytes,
            audio_seconds=audio_seconds,
            latency_s=latency,
        )
    if first_t is not None and last_t is not None:
        stats.duration_s = last_t - first_t
    stats.audio_sent_s = audio_sent
    stats.audio_received_s = audio_received
    stats.latency = LatencySummary.of(latencies)
