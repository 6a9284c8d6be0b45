"""A capture record: its fields, how one is encoded into a line, and how a line is read back.

Separate from the reader and the writer so that both share one definition of the format;
:mod:`rtmsg.capture` describes it for users. Encoding is on the relay's hot path: the
envelope of a record (every field but ``t`` and the frame) is built once per kind of record
by :func:`envelope` and reused by :func:`record_line`, which only joins bytes.
"""

from __future__ import annotations

import binascii
import re
from typing import Final, Literal, TypeAlias

import msgspec

from ..engine.limits import frame_too_large
from ..engine.registry import Direction

__all__ = [
    "DEFAULT_PROTOCOL",
    "ENVELOPE_BYTES",
    "BadRecord",
    "BadRecordCode",
    "Direction",
    "Protocol",
    "Record",
    "encode_record",
    "envelope",
    "parse_record",
    "record_line",
    "record_line_limit",
]

Protocol: TypeAlias = str
"""Which protocol a session spoke, by the name it is registered under (``conversation``,
``translation``, ...): see :mod:`rtmsg.protocols`."""

# A fact of the file format, not taken from the registry's default endpoint (conversation's
# `default=True`: the endpoint of a path no route matches), though both name one protocol
# today. Files on disk omit the field for this protocol, so the name must stay what those
# files mean, whatever endpoint the registry routes unknown paths to later.
DEFAULT_PROTOCOL: Final = "conversation"
"""The protocol of a record that names none: every record written before the field existed."""

BadRecordCode = Literal["invalid_record", "frame_too_large", "truncated_file", "not_gzip"]
"""Why a line is not a record; ``frame_too_large`` is also the decoders' code for that."""

ENVELOPE_BYTES: Final = 20 * 1024
"""What a record line may hold beyond its frame's stored form: every other field and the line end.

The fields themselves take under 200 bytes; the rest is room for a ``session_id`` of 8 KiB
(longer than a request line that websockets accepts) even if each of its characters were a
quote or a backslash, which JSON escapes with a second byte.
"""


class Record(msgspec.Struct, frozen=True):
    """One frame of a capture: where it is in the file, when it was sent, by whom, its bytes.

    ``t`` is ``None`` for files of bare frames, which carry no time. ``session`` is the
    relay's number for the session, ``None`` in files written before the field existed.
    ``connection`` is ``None`` on the protocol's main connection, else which one (``attach``,
    ``fork``), and ``session_id`` the id its path names. ``binary`` is true for a binary
    WebSocket frame; ``frame`` is always the frame's exact bytes.
    """

    line: int
    t: float | None
    direction: Direction
    frame: bytes
    protocol: Protocol = DEFAULT_PROTOCOL
    connection: str | None = None
    session: int | None = None
    session_id: str | None = None
    binary: bool = False


class BadRecord(msgspec.Struct, frozen=True):
    """A line of a capture file that is not a capture record, and why.

    ``code`` sorts the reasons: ``invalid_record`` (not a record), ``frame_too_large``
    (longer than the reader's limit), ``truncated_file`` (the file ends there: cut short
    in the middle of a record, or corrupt) or ``not_gzip`` (a file named ``.gz`` that does
    not start as gzip data does).
    """

    line: int
    message: str
    code: BadRecordCode = "invalid_record"


class _StoredRecord(msgspec.Struct, frozen=True):
    """A capture record as stored; ``frame`` is kept raw so its bytes are never re-encoded."""

    t: float
    dir: Direction
    frame: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    frame_b64: bytes | msgspec.UnsetType = msgspec.UNSET
    session: int | msgspec.UnsetType = msgspec.UNSET
    protocol: str | msgspec.UnsetType = msgspec.UNSET
    connection: str | msgspec.UnsetType = msgspec.UNSET
    session_id: str | msgspec.UnsetType = msgspec.UNSET
    binary: bool = False


class _StoredEnvelope(msgspec.Struct, frozen=True):
    """A stored record without its frame: what a record too deep to parse is read as."""

    t: float
    dir: Direction
    session: int | msgspec.UnsetType = msgspec.UNSET
    protocol: str | msgspec.UnsetType = msgspec.UNSET
    connection: str | msgspec.UnsetType = msgspec.UNSET
    session_id: str | msgspec.UnsetType = msgspec.UNSET
    binary: bool = False


_record_decoder: Final = msgspec.json.Decoder(_StoredRecord)
_envelope_decoder: Final = msgspec.json.Decoder(_StoredEnvelope)
_raw_decoder: Final = msgspec.json.Decoder(msgspec.Raw)
_str_decoder: Final = msgspec.json.Decoder(str)
_encode: Final = msgspec.json.Encoder().encode

_FRAME_KEY: Final = b'"frame":'
_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS: Final = bytes(set(range(256)) - set(b"[]{}"))


def record_line_limit(frame_limit: int) -> int:
    """The longest record line (without its line end) that a frame of ``frame_limit`` bytes takes.

    The writer stores a frame in at most its base64 length: embedded as it is, as a JSON
    string when that is no longer, else in base64.
    """
    return _b64_length(frame_limit) + ENVELOPE_BYTES


def _b64_length(size: int) -> int:
    return (size + 2) // 3 * 4


def envelope(
    direction: Direction,
    protocol: Protocol = DEFAULT_PROTOCOL,
    connection: str | None = None,
    session: int | None = None,
    session_id: str | None = None,
    binary: bool = False,
) -> bytes:
    """Every field of a record between ``t`` and the frame, as stored, starting with a comma."""
    if direction != "client" and direction != "server":
        raise ValueError(f"direction must be 'client' or 'server', not {direction!r}")
    if session is not None and (type(session) is not int):
        raise TypeError(f"session must be an int or None, not {type(session).__name__}")
    parts = [b',"dir":', _encode(direction)]
    if session is not None:
        parts += (b',"session":', _encode(session))
    if protocol != DEFAULT_PROTOCOL:
        parts += (b',"protocol":', _encode(_text(protocol, "protocol")))
    if connection is not None:
        parts += (b',"connection":', _encode(_text(connection, "connection")))
    if session_id is not None:
        parts += (b',"session_id":', _encode(_text(session_id, "session_id")))
    if binary:
        parts.append(b',"binary":true')
    return b"".join(parts)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _embeddable(frame: bytes) -> bool:
    """Whether ``frame`` is one well-formed JSON object on one line, with nothing around it.

    A frame nested too deeply for the parser to tell is not: it is stored as its text.
    """
    if not (frame.startswith(b"{") and frame.endswith(b"}")) or b"\n" in frame:
        return False
    try:
        _raw_decoder.decode(frame)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


def _utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def record_line(t: float, envelope: bytes, frame: bytes | bytearray | memoryview | str) -> bytes:
    """One record line (ending in ``\\n``) for ``frame`` at ``t``, with an :func:`envelope`.

    The frame is embedded unchanged if it is a well-formed JSON object on one line; else
    stored as a JSON string if it is UTF-8 and its string is no longer than its base64;
    else in base64, in ``frame_b64``. Never raises for any frame.
    """
    if isinstance(frame, str):
        try:
            data = frame.encode()
        except UnicodeEncodeError:  # a lone surrogate, which no WebSocket frame can carry
            data = frame.encode(errors="surrogatepass")
            return _b64_line(t, envelope, data)
    else:
        data = bytes(frame)
        if not (data.isascii() or _utf8(data)):
            return _b64_line(t, envelope, data)
    if _embeddable(data):
        return b"".join((b'{"t":', _encode(t), envelope, b',"frame":', data, b"}\n"))
    text = _encode(data.decode())
    if len(text) > _b64_length(len(data)) + 2:
        return _b64_line(t, envelope, data)
    return b"".join((b'{"t":', _encode(t), envelope, b',"frame":', text, b"}\n"))


def _b64_line(t: float, envelope: bytes, data: bytes) -> bytes:
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join((b'{"t":', _encode(t), envelope, b',"frame_b64":"', encoded, b'"}\n'))


def encode_record(
    t: float,
    direction: Direction,
    frame: bytes | bytearray | memoryview | str,
    protocol: Protocol = DEFAULT_PROTOCOL,
    *,
    connection: str | None = None,
    session: int | None = None,
    session_id: str | None = None,
    binary: bool = False,
) -> bytes:
    """One capture line (ending in ``\\n``) for ``frame``, sent at ``t`` by ``direction``."""
    head = envelope(direction, protocol, connection, session, session_id, binary)
    return record_line(t, head, frame)


def parse_record(
    number: int, line: bytes, protocol: Protocol, frame_limit: int
) -> Record | BadRecord:
    """The record on line ``number`` (without its line end), or why it is not one.

    ``protocol`` is that of a record that names none. A frame longer than ``frame_limit``
    is a :class:`BadRecord` with code ``frame_too_large``.
    """
    try:
        stored = _record_decoder.decode(line)
    except msgspec.DecodeError as exc:
        hint = ""
        if b'"dir"' not in line:
            hint = " (for a file of bare frames, give the direction: --direction client|server)"
        return BadRecord(line=number, message=f"not a capture record: {exc}{hint}")
    except RecursionError:
        return _parse_deep(number, line, protocol, frame_limit)
    if isinstance(stored.frame, msgspec.Raw):
        if not isinstance(stored.frame_b64, msgspec.UnsetType):
            return BadRecord(line=number, message=_ONE_FRAME)
        frame = _frame_of(bytes(stored.frame))
    elif isinstance(stored.frame_b64, bytes):
        frame = stored.frame_b64
    else:
        return BadRecord(line=number, message=_ONE_FRAME)
    if frame is None:
        return BadRecord(line=number, message=_NOT_TEXT)
    return _record(number, stored, frame, protocol, frame_limit)


_ONE_FRAME: Final = "not a capture record: it must hold its frame in 'frame' or in 'frame_b64'"
_NOT_TEXT: Final = "not a capture record: its frame is a string that is not UTF-8 text"


def _frame_of(stored: bytes) -> bytes | None:
    """A frame's bytes from its stored JSON: an embedded object, or a string of its text.

    ``None`` for a string holding a lone surrogate (``"\\ud800"``), which no text is.
    """
    if not stored.startswith(b'"'):
        return stored
    try:
        return _str_decoder.decode(stored).encode()
    except UnicodeEncodeError:
        return None


def _parse_deep(
    number: int, line: bytes, protocol: Protocol, frame_limit: int
) -> Record | BadRecord:
    """A record whose frame nests too deeply for the parser, read without parsing the frame.

    The writer puts the frame last: it is what lies between ``"frame":`` (whose first
    occurrence is the key: in a string value the quote would be escaped) and the final brace.
    """
    key = line.find(_FRAME_KEY)
    head = line[:key].rstrip() if key > 0 else b""
    if not (head.endswith(b",") and line.endswith(b"}")):
        return BadRecord(line=number, message="not a capture record: it nests too deeply to read")
    frame = line[key + len(_FRAME_KEY) : -1]
    if not _balanced(frame):
        return BadRecord(line=number, message="not a capture record: its frame does not end")
    try:
        stored = _envelope_decoder.decode(head[:-1] + b"}")
    except msgspec.DecodeError as exc:
        return BadRecord(line=number, message=f"not a capture record: {exc}")
    return _record(number, stored, frame, protocol, frame_limit)


def _balanced(value: bytes) -> bool:
    """Whether every bracket of ``value`` outside its strings closes, in order, and nothing after.

    What can be checked of JSON too deep to parse, without recursion: enough to tell a whole
    frame from one cut short. The codec tells the rest when it decodes the frame.
    """
    if not value.startswith((b"{", b"[")):
        return False
    opened: list[int] = []
    for bracket in _STRING.sub(b"", value).translate(None, _NOT_BRACKETS):
        if bracket in b"[{":
            opened.append(bracket)
        elif not opened or opened.pop() != bracket - 2:  # "]" and "}" follow "[" and "{" by two
            return False
        elif not opened:
            return value.rstrip().endswith((b"]", b"}"))
    return False


def _record(
    number: int,
    stored: _StoredRecord | _StoredEnvelope,
    frame: bytes,
    protocol: Protocol,
    frame_limit: int,
) -> Record | BadRecord:
    if len(frame) > frame_limit:
        message = frame_too_large(frame_limit, len(frame))
        return BadRecord(line=number, message=message, code="frame_too_large")
    return Record(
        line=number,
        t=stored.t,
        direction=stored.dir,
        frame=frame,
        protocol=protocol if isinstance(stored.protocol, msgspec.UnsetType) else stored.protocol,
        connection=None if isinstance(stored.connection, msgspec.UnsetType) else stored.connection,
        session=None if isinstance(stored.session, msgspec.UnsetType) else stored.session,
        session_id=None if isinstance(stored.session_id, msgspec.UnsetType) else stored.session_id,
        binary=stored.binary,
    )
