"""``rtmsg check``: decode every frame of recorded sessions, count them, list the invalid ones.

It works on any iterable of capture records (see :mod:`rtmsg.capture`) and returns a plain
Struct, so the command line only reads files and prints; tests call it directly. Each
record is decoded with the decoders of the protocol it names, found in the registry
(:mod:`rtmsg.protocols`); a record naming a protocol rtmsg does not know is invalid. A
capture is only OK if it holds frames and every one is valid: a file without a frame, or
one cut short (whose cut the reader gives as a bad record), is not.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ..capture import DEFAULT_PROTOCOL, BadRecord, Direction, Protocol, Record
from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..protocols import RecordDecoders

__all__ = ["CheckReport", "InvalidFrame", "check_records"]


class InvalidFrame(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A frame that did not decode (or a line that is not a record), and where it is.

    ``code`` says why, as an invalid row of ``rtmsg export`` does: the
    :class:`~rtmsg.DecodeError`'s (and ``param``, the offending field, when there is one),
    or the :class:`~rtmsg.capture.BadRecord`'s (``invalid_record``, ``frame_too_large``,
    ``truncated_file`` for the cut of a file cut short, ``not_gzip``).
    """

    file: str
    line: int
    message: str
    code: str | None = None
    param: str | None = None
    direction: Direction | None = None
    event_type: str | None = None
    event_id: str | None = None
    protocol: Protocol = DEFAULT_PROTOCOL
    session: int | None = None


class CheckReport(msgspec.Struct, kw_only=True):
    """What ``rtmsg check`` found: counts per direction and type, Unknown types, invalid frames.

    ``invalid_frames`` lists at most ``max_invalid`` of them; ``invalid`` counts them all.
    ``empty_files`` are the files without a single line: not OK either.
    """

    files: list[str] = msgspec.field(default_factory=list)
    empty_files: list[str] = msgspec.field(default_factory=list)
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
        """Whether every file holds frames and every frame is valid."""
        return self.invalid == 0 and not self.empty_files


def check_records(
    records: Iterable[Record | BadRecord],
    file: str,
    report: CheckReport | None = None,
    *,
    max_invalid: int = 1000,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> CheckReport:
    """Decode every record's frame in its protocol and direction; add what was found to ``report``.

    A frame longer than ``max_frame_bytes`` is invalid, as the decoders' option says. A
    file without a line goes to ``empty_files``.
    """
    report = CheckReport() if report is None else report
    decoders = RecordDecoders(max_frame_bytes)
    report.files.append(file)
    frames_before = report.frames
    for record in records:
        report.frames += 1
        if isinstance(record, BadRecord):
            report.invalid += 1
            if len(report.invalid_frames) < max_invalid:
                invalid = InvalidFrame(
                    file=file, line=record.line, message=record.message, code=record.code
                )
                report.invalid_frames.append(invalid)
            continue
        direction = record.direction
        try:
            decode = decoders.decoder(record.protocol, direction, record.connection)
            event = decode(record.frame)
        except DecodeError as exc:
            report.invalid += 1
            if len(report.invalid_frames) < max_invalid:
                invalid = InvalidFrame(
                    file=file,
                    line=record.line,
                    message=str(exc),
                    code=exc.code,
                    param=exc.param,
                    direction=direction,
                    event_type=exc.event_type,
                    event_id=exc.event_id,
                    protocol=record.protocol,
                    session=record.session,
                )
                report.invalid_frames.append(invalid)
            continue
        report.valid += 1
        table = report.unknown_types if isinstance(event, Unknown) else report.counts
        counts = table[direction]
        counts[event.event_type] = counts.get(event.event_type, 0) + 1
    if report.frames == frames_before:
        report.empty_files.append(file)
    return report
