"""A capture record keeps a frame's exact bytes and says where it was sent, whatever the frame."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtmsg.capture import (
    BadRecord,
    CaptureWriter,
    Record,
    encode_record,
    read_capture,
)
from rtmsg.capture.records import (
    ENVELOPE_BYTES,
    envelope,
    parse_record,
    record_line,
    record_line_limit,
)

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"c1"}'
UNKNOWN = b'{"type": "future.event",  "x": 1.50}'
CLOSE = b'{"type":"session.close","event_id":"c9"}'
NO_LIMIT = 1 << 62


def _read_line(line: bytes) -> Record | BadRecord:
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1, "one line per record"
    return parse_record(1, line[:-1], "conversation", NO_LIMIT)


def test_a_record_embeds_the_frame_unchanged() -> None:
    line = encode_record(1700000000.25, "client", APPEND)
    assert line == b'{"t":1700000000.25,"dir":"client","frame":' + APPEND + b"}\n"
    assert json.loads(line)["frame"] == json.loads(APPEND)


def test_the_fields_of_a_record_in_their_order() -> None:
    line = encode_record(
        2.5,
        "server",
        CLOSE,
        "live",
        connection="attach",
        session=7,
        session_id="sess_1",
        binary=True,
    )
    assert line == (
        b'{"t":2.5,"dir":"server","session":7,"protocol":"live","connection":"attach",'
        b'"session_id":"sess_1","binary":true,"frame":' + CLOSE + b"}\n"
    )
    assert _read_line(line) == Record(
        line=1,
        t=2.5,
        direction="server",
        frame=CLOSE,
        protocol="live",
        connection="attach",
        session=7,
        session_id="sess_1",
        binary=True,
    )


def test_a_record_names_only_what_is_not_the_default() -> None:
    line = encode_record(2.5, "client", CLOSE, "translation")
    assert line == b'{"t":2.5,"dir":"client","protocol":"translation","frame":' + CLOSE + b"}\n"
    plain = encode_record(2.5, "client", CLOSE)
    assert plain == encode_record(2.5, "client", CLOSE, "conversation")
    assert plain == b'{"t":2.5,"dir":"client","frame":' + CLOSE + b"}\n"


@pytest.mark.parametrize(
    "frame",
    [
        APPEND,
        UNKNOWN,
        b'{"type":"session.update",\n  "session":{"type":"realtime"}}',  # raw newline: whitespace
        b'{"type": "session.update",',  # malformed JSON
        b"[1, 2, 3]",  # not an object
        b' {"type":"x"} ',  # whitespace around the object
        '{"type":"x","text":"caf\u00e9 \u2028 \U0001f600"}'.encode(),
        b'{"type":"x","text":"line\\nbreak"}',  # an escaped newline stays embedded
        b"",
    ],
)
@pytest.mark.parametrize("binary", [False, True])
def test_every_frame_reads_back_byte_identical(tmp_path: Path, frame: bytes, binary: bool) -> None:
    path = tmp_path / "capture.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("server", frame, t=12.5, binary=binary)
    data = path.read_bytes()
    assert data.count(b"\n") == 1, "one line per record"
    assert json.loads(data)["dir"] == "server"
    [record] = read_capture(path)
    assert record == Record(line=1, t=12.5, direction="server", frame=frame, binary=binary)


def test_frames_that_cannot_be_embedded_are_stored_as_their_text() -> None:
    frame = b'{"type":"session.update",\n"session":{}}'
    line = encode_record(1.0, "client", frame)
    assert json.loads(line)["frame"] == frame.decode()
    assert b'"frame":{' not in line


def test_str_frames_are_written_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("client", APPEND.decode())
    [record] = read_capture(path)
    assert isinstance(record, Record)
    assert record.frame == APPEND
    assert record.t is not None
    assert record.t > 1.6e9


# --- binary frames ------------------------------------------------------------------------

NOT_UTF8 = b'{"type":"x","audio":"\xff\xfe"}\x00\x80'


def test_a_binary_frame_that_is_not_utf8_is_kept_in_base64() -> None:
    line = encode_record(3.0, "client", NOT_UTF8, binary=True)
    stored = json.loads(line)
    assert stored == {
        "t": 3.0,
        "dir": "client",
        "binary": True,
        "frame_b64": base64.b64encode(NOT_UTF8).decode(),
    }
    assert _read_line(line) == Record(
        line=1, t=3.0, direction="client", frame=NOT_UTF8, binary=True
    )


def test_a_binary_json_object_stays_embedded() -> None:
    line = encode_record(3.0, "server", APPEND, binary=True)
    assert line == b'{"t":3.0,"dir":"server","binary":true,"frame":' + APPEND + b"}\n"


def test_text_given_as_bytes_that_are_not_utf8_is_kept_too() -> None:
    # A WebSocket text frame is UTF-8; a transport that does not check it still gets its bytes.
    line = encode_record(3.0, "client", b"\xc3\x28")
    assert b'"frame_b64":"wyg="' in line
    assert b"binary" not in line
    assert _read_line(line) == Record(line=1, t=3.0, direction="client", frame=b"\xc3\x28")


def test_a_string_with_a_lone_surrogate_is_kept_as_its_code_units() -> None:
    line = encode_record(3.0, "client", '{"type":"\ud800"}')
    record = _read_line(line)
    assert isinstance(record, Record)
    assert record.frame == '{"type":"\ud800"}'.encode(errors="surrogatepass")


def test_a_frame_whose_string_is_longer_than_its_base64_is_stored_in_base64() -> None:
    escapes = b'{"type":"x","text":"' + b"\x01" * 300 + b'"}'  # raw controls: not JSON
    line = encode_record(1.0, "client", escapes)
    assert b'"frame_b64":' in line
    assert len(line) - 1 <= record_line_limit(len(escapes))
    assert _read_line(line) == Record(line=1, t=1.0, direction="client", frame=escapes)
    for few, many in ((b"a", b"\\"), (b"a", b"\x01")):
        # a raw line feed keeps these from being embedded; their escapes set how they are stored
        frame = b'{"type":"x",\n"text":"' + few * 200 + many * 10 + b'"}'
        assert "frame" in json.loads(encode_record(1.0, "client", frame))
        frame = b'{"type":"x",\n"text":"' + few * 20 + many * 100 + b'"}'
        assert "frame_b64" in json.loads(encode_record(1.0, "client", frame))


@given(frame=st.binary(max_size=300), binary=st.booleans(), session=st.none() | st.integers())
def test_any_bytes_read_back_exactly(frame: bytes, binary: bool, session: int | None) -> None:
    line = encode_record(1.5, "server", frame, session=session, binary=binary)
    assert len(line) - 1 <= record_line_limit(len(frame))
    json.loads(line)  # valid JSON, valid UTF-8, one line
    assert _read_line(line) == Record(
        line=1, t=1.5, direction="server", frame=frame, session=session, binary=binary
    )


@given(text=st.text(max_size=200), session_id=st.none() | st.text(max_size=40))
def test_any_text_reads_back_as_its_utf8(text: str, session_id: str | None) -> None:
    line = encode_record(1.5, "client", text, "live", connection="fork", session_id=session_id)
    record = _read_line(line)
    assert isinstance(record, Record)
    assert record.frame == text.encode(errors="surrogatepass")
    assert (record.protocol, record.connection, record.session_id) == ("live", "fork", session_id)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(value=st.dictionaries(st.text(), _JSON, max_size=5), seed=st.integers(0, 2**32))
def test_json_objects_with_any_whitespace_read_back_exactly(value: object, seed: int) -> None:
    rng = random.Random(seed)
    separators = (rng.choice([",", ", ", ",\n", " ,\t"]), rng.choice([":", ": ", " :\r\n"]))
    frame = json.dumps(value, separators=separators, ensure_ascii=rng.random() < 0.5).encode()
    line = encode_record(1.0, "client", frame)
    assert _read_line(line) == Record(line=1, t=1.0, direction="client", frame=frame)


# --- nesting ------------------------------------------------------------------------------


def _deep(depth: int, opening: str = "[", closing: str = "]", inside: str = "") -> str:
    return '{"type":"vendor.x","x":' + opening * depth + inside + closing * depth + "}"


@pytest.mark.parametrize("depth", [1000, 10_000, 100_000])
@pytest.mark.parametrize("as_text", [False, True])
def test_a_frame_nested_past_the_parser_is_recorded_exactly(
    tmp_path: Path, depth: int, as_text: bool
) -> None:
    frame = _deep(depth)
    path = tmp_path / "deep.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("client", frame if as_text else frame.encode(), t=1.0)
        writer.write("server", _deep(depth, '{"a":', "}", "1").encode(), t=2.0)
    records = list(read_capture(path))
    assert records == [
        Record(line=1, t=1.0, direction="client", frame=frame.encode()),
        Record(line=2, t=2.0, direction="server", frame=_deep(depth, '{"a":', "}", "1").encode()),
    ]


def test_an_embedded_frame_too_deep_to_parse_is_read_without_parsing_it(tmp_path: Path) -> None:
    # A writer on a deeper stack, or another Python, may have embedded what this one cannot parse.
    frame = _deep(100_000).encode()
    path = tmp_path / "deep.jsonl"
    path.write_bytes(
        b'{"t":1.0,"dir":"server","session":2,"binary":true,"frame":'
        + frame
        + b"}\n"
        + b'{"t":2.0,"dir":"server","frame":'
        + frame
        + b"\n"  # cut short
        + b'{"t":3.0,"frame":'
        + frame
        + b"}\n"  # no direction
        + b'{"frame":'
        + frame
        + b',"t":4.0,"dir":"client"}\n'  # not the writer's order
        + encode_record(5.0, "client", APPEND)
    )
    records = list(read_capture(path))
    assert records[0] == Record(
        line=1, t=1.0, direction="server", frame=frame, session=2, binary=True
    )
    assert [type(r).__name__ for r in records] == ["Record", *["BadRecord"] * 3, "Record"]
    assert all(r.code == "invalid_record" for r in records if isinstance(r, BadRecord))
    assert records[4] == Record(line=5, t=5.0, direction="client", frame=APPEND)


# --- what a record may hold ---------------------------------------------------------------


@pytest.mark.parametrize("value", [b'"beta"', b'"live"'])
def test_any_protocol_name_is_read(value: bytes) -> None:
    line = b'{"t":1.0,"dir":"client","protocol":' + value + b',"frame":' + CLOSE + b"}"
    record = parse_record(1, line, "conversation", NO_LIMIT)
    assert isinstance(record, Record)
    assert record.protocol == json.loads(value)


@pytest.mark.parametrize(
    "fields",
    [
        b'"protocol":null,"frame":{}',
        b'"protocol":1,"frame":{}',
        b'"protocol":[],"frame":{}',
        b'"session":"1","frame":{}',
        b'"session":true,"frame":{}',
        b'"binary":1,"frame":{}',
        b'"connection":null,"frame":{}',
        b'"frame":{},"frame_b64":"AA=="',
        b'"frame_b64":"AA="',
        b'"frame_b64":null',
        b'"session":1',
        b'"frame":"\\ud800"',
    ],
)
def test_a_record_with_a_field_out_of_shape_is_a_bad_record(fields: bytes) -> None:
    line = b'{"t":1.0,"dir":"client",' + fields + b"}"
    record = parse_record(4, line, "conversation", NO_LIMIT)
    assert isinstance(record, BadRecord)
    assert record.line == 4
    assert record.code == "invalid_record"
    assert record.message.startswith("not a capture record")


def test_the_envelope_refuses_what_no_record_holds() -> None:
    with pytest.raises(ValueError, match="direction"):
        envelope("sideways")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="session"):
        envelope("client", session=True)
    with pytest.raises(TypeError, match="protocol"):
        envelope("client", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="session_id"):
        envelope("client", session_id=b"x")  # type: ignore[arg-type]


def test_the_envelope_has_room_for_a_long_session_id() -> None:
    head = envelope("server", "live", "attach", 2**63, '"\\' * 4096, True)
    frame = APPEND
    line = record_line(1764081134.123456, head, frame)
    assert len(line) - 1 - len(frame) <= ENVELOPE_BYTES


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_any_buffer_is_a_frame(kind: type[bytearray] | type[memoryview]) -> None:
    for frame in (APPEND, b"\xff\xfe"):
        line = encode_record(1.0, "server", kind(frame), binary=True)
        assert _read_line(line) == Record(
            line=1, t=1.0, direction="server", frame=frame, binary=True
        )
