"""The capture format: a recorded session as JSON Lines, one record per WebSocket frame.

A record is ``{"t": <unix time, float seconds>, "dir": "client" | "server", ..., "frame": ...}``.
Between ``dir`` and the frame, in this order, only where they apply:

- ``"session": N``: the relay's number for the session, so that a file shared by several
  sessions can be told apart;
- ``"protocol": NAME``: the protocol the session speaks, as the protocol registry names it;
  a record without it, as every record written before the field existed, is of the
  conversation protocol (``/v1/realtime``);
- ``"connection": "attach" | "fork"``: a connection other than the protocol's main one,
  with ``"session_id"``, the id its path names;
- ``"binary": true``: the frame was a binary WebSocket frame, not a text frame.

``frame`` is the frame's JSON object embedded unchanged, byte for byte, so a reader gets back
exactly the bytes that went over the wire. A frame that cannot be embedded that way is stored
as a JSON string holding its exact text instead:

- a frame with a raw line feed: inside a valid JSON object that can only be whitespace between
  tokens, but one line per record is what keeps reading streaming, and rewriting the whitespace
  would change the frame's bytes;
- a frame that is not a single well-formed JSON object (malformed JSON, another JSON value,
  whitespace around the object, nesting deeper than the parser goes): such frames are exactly
  what a capture is for finding.

A frame that is not UTF-8 (only a binary frame can be), or whose JSON string would be longer
than its base64, is stored in base64 as ``"frame_b64"`` instead of ``frame``. The frame is
always the record's last member. Readers treat every form alike: :attr:`Record.frame` is the
frame's exact bytes and :attr:`Record.binary` says which kind of frame it was.
Files of bare frames (one event per line, no envelope) are read too, given their direction.
Files ending in ``.gz`` are gzip-compressed, when writing and when reading.

:class:`CaptureWriter` writes from a relay's event loop for little (see
:mod:`rtmsg.capture.writer`); a crash of the process loses at most one flush interval of
frames, and a reader gives every record before the cut, then says ``truncated_file``.
"""

from __future__ import annotations

from .reader import CaptureReader, read_capture
from .records import (
    DEFAULT_PROTOCOL,
    ENVELOPE_BYTES,
    BadRecord,
    BadRecordCode,
    Direction,
    Protocol,
    Record,
    encode_record,
)
from .writer import CaptureWriter

__all__ = [
    "DEFAULT_PROTOCOL",
    "ENVELOPE_BYTES",
    "BadRecord",
    "BadRecordCode",
    "CaptureReader",
    "CaptureWriter",
    "Direction",
    "Protocol",
    "Record",
    "encode_record",
    "read_capture",
]
