"""Which decoder reads a record's frame: the one of its protocol, connection and direction.

Shared by :mod:`.check` and :mod:`.stats`, so that both refuse a record of a protocol
this rtmsg does not know in the same words, as a :class:`~rtmsg.capture.BadRecord`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._decoders import decoders
from ..capture import BadRecord, Record
from ..codec import Frame

__all__ = ["RecordDecoders"]


class RecordDecoders:
    """The decoders for records, at one frame limit."""

    def __init__(self, max_frame_bytes: int | None) -> None:
        self._decoders = decoders(max_frame_bytes)

    def __call__(self, record: Record) -> Callable[[Frame], Any] | BadRecord:
        """The decoder of ``record``'s frame, or the :class:`BadRecord` it is without one."""
        decode = None
        if record.connection is None:
            decode = self._decoders.get((record.protocol, record.direction))
        if decode is not None:
            return decode
        if record.connection is None:
            known = ", ".join(sorted({protocol for protocol, _ in self._decoders}))
            message = (
                f"the record's protocol is unknown to this rtmsg: {record.protocol!r} "
                f"(known: {known})"
            )
        else:
            message = (
                f"the record's connection is unknown to this rtmsg: {record.connection!r} "
                f"of protocol {record.protocol!r}"
            )
        return BadRecord(line=record.line, message=message, code="unknown_protocol")
