"""``rtmsg check``: decode every frame of recorded sessions, count them, list the invalid ones.

It works on any iterable of capture records (see :mod:`rtmsg.capture`) and returns a plain
Struct, so the command line only reads files and prints; tests call it directly. Each
record is decoded with the decoders of the protocol it names, found in the registry
(:mod:`rtmsg.protocols`); a record naming a protocol rtmsg does not know is invalid.
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

    ``code`` says why, as an invalid row of ``rtmsg export`` does: the ``DecodeError``'s code
    (and ``param``, the offending field, when there is one), or for a line that is not a
    record, the reader's (``invalid_record``, ``frame_too_large``, ``truncated_file``, ...).
    """

    file: str
    line: int
    message: str
    code: str
    param: str | None = None
    direction: Direction | None = None
    event_type: str | None = None
    event_id: str | None = None
    protocol: Protocol = DEFAULT_PROTOCOL


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
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> CheckReport:
    """Decode every record's frame in its protocol and direction; add what was found to ``report``.

    A frame longer than ``max_frame_bytes`` is invalid, as the decoders' option says.
    """
    report = CheckReport() if report is None else report
    decoders = RecordDecoders(max_frame_bytes)
    report.files.append(file)
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
            event = decoders.decoder(record.protocol, direction)(record.frame)
        except DecodeError as exc:
            report.invalid += 1
            if len(report.invalid_frames) < max_invalid:
                invalid = InvalidFrame(
                    file=file,
                    line=record.line,
                    message=str(exc),
                    code=str(exc.code),
                    param=exc.param,
                    direction=direction,
                    event_type=exc.event_type,
                    event_id=exc.event_id,
                    protocol=record.protocol,
                )
                report.invalid_frames.append(invalid)
            continue
        report.valid += 1
        table = report.unknown_types if isinstance(event, Unknown) else report.counts
        counts = table[direction]
        counts[event.event_type] = counts.get(event.event_type, 0) + 1
    return report
