"""``rtmsg stats``: what a recorded session did — audio, turns, responses, tokens, latency.

It works on any iterable of capture records (see :mod:`rtmsg.capture`) and returns plain
Structs, so the command line only reads files and prints; tests call it directly. A
translation session (``/v1/realtime/translations``) is summarised by its audio both ways and
the lengths of its transcripts. A capture shared by several sessions is summarised session
by session (:func:`sessions_stats`), never as one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

import msgspec

from .. import client_events as ce
from .. import server_events as se
from .. import translation as tr
from .._base import base64_size, given
from .._limits import DEFAULT_MAX_FRAME_BYTES
from ..capture import DEFAULT_PROTOCOL, BadRecord, Protocol, Record
from ..client_events import ClientEvent
from ..codec import Unknown
from ..errors import DecodeError
from ..responses import Usage
from ..server_events import ServerEvent
from ..session import AudioFormat
from ._decoding import RecordDecoders

__all__ = [
    "FrameStats",
    "LatencySummary",
    "SessionStats",
    "SessionsNotNumbered",
    "TokenTotals",
    "iter_frame_stats",
    "percentile",
    "session_stats",
    "sessions_stats",
]


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
        if given(details):
            self.input_audio_tokens += _int(details.audio_tokens)
            self.input_text_tokens += _int(details.text_tokens)
            self.input_cached_tokens += _int(details.cached_tokens)
        out = usage.output_token_details
        if given(out):
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
            median_s=percentile(ordered, 50),
            p95_s=percentile(ordered, 95),
            max_s=ordered[-1],
        )


def percentile(ordered: Sequence[float], percent: float) -> float:
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

    ``session`` is the relay's number for the session, ``None`` if its records do not say.
    ``duration_s`` and ``latency`` need timestamps, so they are ``None`` for bare frames.
    A turn is a committed input audio buffer (``input_audio_buffer.committed``).
    ``protocol`` is ``translation`` if any record is of a translation session; such a session
    has no turns, responses or tokens, and its transcripts' lengths (source language in,
    translation out) are counted in characters.
    """

    session: int | None = None
    protocol: Protocol = DEFAULT_PROTOCOL
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
    input_transcript_chars: int = 0
    output_transcript_chars: int = 0


_PCM16_24KHZ: Final = AudioFormat().bytes_per_second
"""The translation session's input audio, and its output unless a delta says otherwise."""


def _translated_bytes_per_second(delta: tr.SessionOutputAudioDelta) -> int:
    """pcm16 bytes per second of a translated audio delta: 24 kHz mono unless it says otherwise."""
    rate = delta.sample_rate if isinstance(delta.sample_rate, int) and delta.sample_rate > 0 else 0
    channels = delta.channels if isinstance(delta.channels, int) and delta.channels > 0 else 1
    return 2 * channels * rate if rate else _PCM16_24KHZ * channels


class FrameStats(msgspec.Struct, kw_only=True):
    """One record as :func:`session_stats` read it: its event or error, its audio, its latency.

    ``event`` and ``error`` are both ``None`` for a line that is not a record. ``audio_bytes``
    and ``audio_seconds`` (at the session's format) are set on audio events, ``latency_s`` on
    the audio delta that ends a turn's wait.
    """

    record: Record | BadRecord
    event: ClientEvent | ServerEvent | tr.ClientEvent | tr.ServerEvent | Unknown | None = None
    error: DecodeError | None = None
    audio_bytes: int | None = None
    audio_seconds: float | None = None
    latency_s: float | None = None


def session_stats(
    records: Iterable[Record | BadRecord], *, max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES
) -> SessionStats:
    """Summarise one session: duration, audio both ways, turns, responses, tokens, latency.

    A frame longer than ``max_frame_bytes`` counts as invalid.
    """
    stats = SessionStats()
    for _ in iter_frame_stats(records, stats, max_frame_bytes=max_frame_bytes):
        pass
    return stats


def iter_frame_stats(
    records: Iterable[Record | BadRecord],
    stats: SessionStats,
    *,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> Iterator[FrameStats]:
    """What :func:`session_stats` sees in each record, as it goes; ``stats`` fills up on the way.

    ``stats`` is complete once the iterator is exhausted. Frames are decoded once, each with
    its protocol's decoder, so a caller that wants more of each event than the summary
    (``rtmsg export``) reads it from here. A record of a protocol this rtmsg has no decoder
    for comes as a :class:`~rtmsg.capture.BadRecord` (``unknown_protocol``) in its place.
    One :class:`FrameStats` comes out for each record that goes in, as it goes in.
    """
    decoder_of = RecordDecoders(max_frame_bytes)
    first_t = last_t = None
    input_bps = output_bps = AudioFormat().bytes_per_second
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
        decode = decoder_of(record)
        if isinstance(decode, BadRecord):
            stats.invalid_frames += 1
            yield FrameStats(record=decode)
            continue
        if record.protocol != DEFAULT_PROTOCOL:
            stats.protocol = record.protocol
        t = record.t
        if t is not None:
            first_t = t if first_t is None else min(first_t, t)
            last_t = t if last_t is None else max(last_t, t)
        try:
            event = decode(record.frame)
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
                if session.input_format is not None:
                    input_bps = session.input_format.bytes_per_second
                if session.output_format is not None:
                    output_bps = session.output_format.bytes_per_second
            case se.InputAudioBufferSpeechStopped():
                turn_ended_at = t
            case ce.InputAudioBufferCommit():
                if turn_ended_at is None:
                    turn_ended_at = t
            case se.InputAudioBufferCommitted():
                stats.turns += 1
            case se.ResponseCreated(response=response):
                response_format = response.output_format
                if isinstance(response.id, str) and response_format is not None:
                    response_bps[response.id] = response_format.bytes_per_second
            case se.ResponseDone(response=response):
                stats.responses += 1
                status = response.status if isinstance(response.status, str) else "unknown"
                stats.responses_by_status[status] = stats.responses_by_status.get(status, 0) + 1
                if isinstance(response.usage, Usage):
                    stats.tokens.add(response.usage)
            # the translation session: 24 kHz pcm16 mono in, pcm16 at the announced rate out
            case tr.SessionInputAudioBufferAppend(audio=audio):
                audio_bytes = base64_size(audio)
                audio_seconds = audio_bytes / _PCM16_24KHZ
                audio_sent += audio_seconds
            case tr.SessionOutputAudioDelta(delta=delta):
                audio_bytes = base64_size(delta)
                audio_seconds = audio_bytes / _translated_bytes_per_second(event)
                audio_received += audio_seconds
            case tr.SessionInputTranscriptDelta(delta=delta):
                stats.input_transcript_chars += len(delta)
            case tr.SessionOutputTranscriptDelta(delta=delta):
                stats.output_transcript_chars += len(delta)
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


class SessionsNotNumbered(ValueError):
    """A capture holds several sessions, and its records do not say which session each is from.

    Records written before they carried their session's number cannot be sorted out; a
    second ``session.created`` from the server is what tells that such a file holds more
    than one session. ``sessions`` counts them.
    """

    def __init__(self, sessions: int) -> None:
        super().__init__(
            f"the capture holds {sessions} sessions ({sessions} session.created events from "
            "the server) and its records do not say which session each frame is from"
        )
        self.sessions = sessions


def sessions_stats(
    records: Iterable[Record | BadRecord], *, max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES
) -> list[SessionStats]:
    """Summarise each session of a capture, in the order the sessions first appear.

    A record says its session (``session``); a line that is not a record counts as an
    invalid frame of the session of the record before it (the first session's, before any).
    Records that do not say (written before the field existed) are one session, unless a
    second ``session.created`` from the server comes: then :class:`SessionsNotNumbered`.
    A capture without a record gives one empty summary.
    """
    sessions: dict[int | None, _Session] = {}
    current: _Session | None = None
    before_any: list[BadRecord] = []
    for record in records:
        if isinstance(record, BadRecord):
            if current is None:
                before_any.append(record)
            else:
                current.add(record)
            continue
        current = sessions.get(record.session)
        if current is None:
            current = sessions[record.session] = _Session(record.session, max_frame_bytes)
            for bad in before_any:
                current.add(bad)
            before_any.clear()
        current.add(record)
    if current is None:
        current = sessions[None] = _Session(None, max_frame_bytes)
        for bad in before_any:
            current.add(bad)
    unnumbered = sessions.get(None)
    if unnumbered is not None and unnumbered.started > 1:
        raise SessionsNotNumbered(unnumbered.started)
    for session in sessions.values():
        session.finish()
    return [session.stats for session in sessions.values()]


class _Feed:
    """The records of one session, handed to its :func:`iter_frame_stats` one at a time."""

    def __init__(self) -> None:
        self.record: Record | BadRecord | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> Record | BadRecord:
        record, self.record = self.record, None
        if record is None:
            raise StopIteration
        return record


class _Session:
    """One session of a shared capture: its own :func:`iter_frame_stats`, fed record by record."""

    def __init__(self, number: int | None, max_frame_bytes: int | None) -> None:
        self.stats = SessionStats(session=number)
        self.started = 0
        self._feed = _Feed()
        self._frames = iter_frame_stats(self._feed, self.stats, max_frame_bytes=max_frame_bytes)

    def add(self, record: Record | BadRecord) -> None:
        self._feed.record = record
        frame = next(self._frames)
        event = frame.event
        if (
            event is not None
            and event.event_type == "session.created"
            and isinstance(record, Record)
            and record.direction == "server"
        ):
            self.started += 1

    def finish(self) -> None:
        for _ in self._frames:  # the feed is empty: the summary's last step runs
            pass
