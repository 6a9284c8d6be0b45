"""``rtmsg stats``: what a recorded session did — audio, turns, responses, tokens, latency.

It works on any iterable of capture records (see :mod:`rtmsg.capture`) and returns plain
Structs, so the command line only reads files and prints; tests call it directly. What each
event means (audio, turns, responses, usage, transcripts) is its protocol's to say: each
record is read by the :class:`~rtmsg.engine.SessionReader` of the protocol it names. A
capture shared by several sessions is summarised session by session (:func:`sessions_stats`),
never as one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence

import msgspec

from ..capture import DEFAULT_PROTOCOL, BadRecord, Protocol, Record
from ..engine.base import Event
from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..engine.reading import NOTHING, Reading, SessionReader, TokenTotals, TurnEnd
from ..protocols import RecordDecoders, endpoint

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

    ``session`` is the relay's number for the session, ``None`` if its records do not say;
    ``protocol`` the protocol its records name (``conversation`` when none does).
    ``duration_s`` and ``latency`` need timestamps, so they are ``None`` for bare frames.
    What a turn, a response, tokens and transcripts are is the protocol's reader's to say
    (:mod:`rtmsg.engine.reading`): a turn is a committed input audio buffer in a conversation,
    the caller's speech answered by the model's audio in a Live session; a protocol that has
    none of them (translation has no turns, responses or tokens) leaves them at zero.
    Transcripts are counted in characters.
    ``unknown_frames`` counts the frames of a type rtmsg does not know (kept as ``Unknown``),
    ``invalid_frames`` the lines that are not records and the frames that do not decode.
    ``model`` is the model the server last said the session runs (``session.created``,
    ``session.updated``), ``None`` if it never did. ``usage_s`` is the session's billed
    duration as the server last reported it (Live's ``session.usage.updated``, a running
    total), ``None`` if it never did.
    """

    session: int | None = None
    protocol: Protocol = DEFAULT_PROTOCOL
    model: str | None = None
    frames: int = 0
    unknown_frames: int = 0
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
    usage_s: float | None = None


class FrameStats(msgspec.Struct, kw_only=True):
    """One record as :func:`session_stats` read it: its event or error, its audio, its latency.

    ``event`` and ``error`` are both ``None`` for a line that is not a record. ``reading`` is
    what the event says about the session, as its protocol reads it (audio at the session's
    format, ids, text, usage); ``latency_s`` is set on the audio that ends a turn's wait;
    ``model`` is the session's model as the server last named it up to this record.
    """

    record: Record | BadRecord
    event: Event | Unknown | None = None
    error: DecodeError | None = None
    reading: Reading = NOTHING
    latency_s: float | None = None
    model: str | None = None

    @property
    def audio_bytes(self) -> int | None:
        return self.reading.audio_bytes

    @property
    def audio_seconds(self) -> float | None:
        return self.reading.audio_seconds


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
    (``rtmsg export``) reads it from here. One :class:`FrameStats` comes out for each record
    that goes in, as it goes in.
    """
    decoders = RecordDecoders(max_frame_bytes)
    readers: dict[tuple[Protocol, str | None], SessionReader] = {}
    first_t = last_t = None
    audio_sent = audio_received = 0.0
    # When the user's turn ended: speech_stopped under server turn detection, else the
    # client's own commit (push to talk); the next audio received closes the measurement.
    # A commit never moves a start that speech_stopped set (under server VAD the commit
    # follows the end of speech), but a newer commit replaces an older one: a push-to-talk
    # turn that got no audio (cancelled before its first delta) is not the next one's start.
    turn_ended_at: float | None = None
    turn_ended_by: TurnEnd | None = None
    latencies: list[float] = []
    for record in records:
        stats.frames += 1
        if isinstance(record, BadRecord):
            stats.invalid_frames += 1
            yield FrameStats(record=record, model=stats.model)
            continue
        protocol = record.protocol
        if protocol != DEFAULT_PROTOCOL:
            stats.protocol = protocol
        t = record.t
        if t is not None:
            first_t = t if first_t is None else min(first_t, t)
            last_t = t if last_t is None else max(last_t, t)
        try:
            decode = decoders.decoder(protocol, record.direction, record.connection)
            event = decode(record.frame)
        except DecodeError as exc:
            stats.invalid_frames += 1
            yield FrameStats(record=record, error=exc, model=stats.model)
            continue
        if isinstance(event, Unknown):
            stats.unknown_frames += 1
            yield FrameStats(record=record, event=event, model=stats.model)
            continue
        reader = readers.get((protocol, record.connection))
        if reader is None:
            reader = endpoint(protocol, record.connection).reader()
            readers[protocol, record.connection] = reader
        reading = reader.read(event)
        if reading.model is not None:
            stats.model = reading.model
        latency: float | None = None
        if reading.audio_seconds is not None:
            if reading.audio_out:
                audio_received += reading.audio_seconds
                if turn_ended_at is not None and t is not None:
                    latency = t - turn_ended_at
                    latencies.append(latency)
                    turn_ended_at = turn_ended_by = None
            else:
                audio_sent += reading.audio_seconds
        if reading.turn_end is not None and (
            reading.turn_end == "speech" or turn_ended_by != "speech"
        ):
            turn_ended_at, turn_ended_by = t, reading.turn_end
        if reading.turn:
            stats.turns += 1
        if reading.response_done:
            stats.responses += 1
            status = reading.status if reading.status is not None else "unknown"
            stats.responses_by_status[status] = stats.responses_by_status.get(status, 0) + 1
            if reading.tokens is not None:
                stats.tokens.add(reading.tokens)
        if reading.transcript_in is not None:
            stats.input_transcript_chars += len(reading.transcript_in)
        if reading.transcript_out is not None:
            stats.output_transcript_chars += len(reading.transcript_out)
        if reading.usage_seconds is not None:
            stats.usage_s = reading.usage_seconds
        yield FrameStats(
            record=record, event=event, reading=reading, latency_s=latency, model=stats.model
        )
    if first_t is not None and last_t is not None:
        stats.duration_s = last_t - first_t
    stats.audio_sent_s = audio_sent
    stats.audio_received_s = audio_received
    stats.latency = LatencySummary.of(latencies)


class SessionsNotNumbered(ValueError):
    """A capture holds several sessions, and its records do not say which session each is from.

    Records written before they carried their session's number cannot be sorted out; a
    second start of a session from the server (``session.created``, ``session.started``: its
    protocol's reader says which) is what tells that such a file holds more than one
    session. ``sessions`` counts them.
    """

    def __init__(self, sessions: int) -> None:
        super().__init__(
            f"the capture holds {sessions} sessions ({sessions} starts of a session from the "
            "server) and its records do not say which session each frame is from"
        )
        self.sessions = sessions


def sessions_stats(
    records: Iterable[Record | BadRecord],
    *,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    on_frame: Callable[[FrameStats], None] | None = None,
) -> list[SessionStats]:
    """Summarise each session of a capture, in the order the sessions first appear.

    ``on_frame`` sees each record as its session's :func:`iter_frame_stats` read it (the
    command line names the first invalid frame from there).

    A record says its session (``session``); a line that is not a record counts as an
    invalid frame of the session of the record before it (the first session's, before any).
    Records that do not say (written before the field existed) are one session, unless a
    second start of a session comes from the server: then :class:`SessionsNotNumbered`.
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
            current = sessions[record.session] = _Session(record.session, max_frame_bytes, on_frame)
            for bad in before_any:
                current.add(bad)
            before_any.clear()
        current.add(record)
    if current is None:
        current = sessions[None] = _Session(None, max_frame_bytes, on_frame)
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

    def __init__(
        self,
        number: int | None,
        max_frame_bytes: int | None,
        on_frame: Callable[[FrameStats], None] | None = None,
    ) -> None:
        self.stats = SessionStats(session=number)
        self.on_frame = on_frame
        self.started = 0
        self._feed = _Feed()
        self._frames = iter_frame_stats(self._feed, self.stats, max_frame_bytes=max_frame_bytes)

    def add(self, record: Record | BadRecord) -> None:
        self._feed.record = record
        frame = next(self._frames)
        if self.on_frame is not None:
            self.on_frame(frame)
        if frame.reading.session_started:
            self.started += 1

    def finish(self) -> None:
        for _ in self._frames:  # the feed is empty: the summary's last step runs
            pass
