"""The capture format keeps every frame's exact bytes, streams, and reads bare and gzipped files."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from rtmsg.capture import (
    ENVELOPE_BYTES,
    BadRecord,
    CaptureReader,
    CaptureWriter,
    Direction,
    Record,
    encode_record,
    read_capture,
)

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"c1"}'
UNKNOWN = b'{"type": "future.event",  "x": 1.50}'


def _records(path: Path, direction: Direction | None = None) -> list[Record | BadRecord]:
    return list(read_capture(path, direction))


def test_a_record_embeds_the_frame_unchanged() -> None:
    line = encode_record(1700000000.25, "client", APPEND)
    assert line == b'{"t":1700000000.25,"dir":"client","frame":' + APPEND + b"}\n"
    assert json.loads(line)["frame"] == json.loads(APPEND)


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
    ],
)
def test_every_frame_reads_back_byte_identical(tmp_path: Path, frame: bytes) -> None:
    path = tmp_path / "capture.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("server", frame, t=12.5)
    data = path.read_bytes()
    assert data.count(b"\n") == 1, "one line per record"
    assert json.loads(data)["dir"] == "server"
    [record] = _records(path)
    assert record == Record(line=1, t=12.5, direction="server", frame=frame)


def test_frames_that_cannot_be_embedded_are_stored_as_their_text(tmp_path: Path) -> None:
    frame = b'{"type":"session.update",\n"session":{}}'
    line = encode_record(1.0, "client", frame)
    assert json.loads(line)["frame"] == frame.decode()
    assert b'"frame":{' not in line


def test_str_frames_are_written_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("client", APPEND.decode())
    [record] = _records(path)
    assert isinstance(record, Record)
    assert record.frame == APPEND
    assert record.t is not None
    assert record.t > 1.6e9


def test_gzip_is_written_and_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    with CaptureWriter(path) as writer:
        for i in range(100):
            writer.write("client" if i % 2 else "server", APPEND, t=float(i))
    assert gzip.decompress(path.read_bytes()).count(b"\n") == 100
    records = _records(path)
    assert [r.line for r in records] == list(range(1, 101))
    assert all(isinstance(r, Record) and r.frame == APPEND for r in records)


def test_bare_frames_need_a_direction(tmp_path: Path) -> None:
    path = tmp_path / "bare.jsonl"
    path.write_bytes(APPEND + b"\r\n\n" + UNKNOWN + b"\n")
    records = _records(path, "client")
    assert records == [
        Record(line=1, t=None, direction="client", frame=APPEND),
        Record(line=3, t=None, direction="client", frame=UNKNOWN),
    ]
    [first, second] = _records(path)
    assert isinstance(first, BadRecord)
    assert first.line == 1
    assert "--direction" in first.message
    assert isinstance(second, BadRecord)


def test_a_broken_line_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(
        encode_record(1.0, "client", APPEND)
        + b'{"t":2.0,"dir":"sideways","frame":{}}\n'
        + b'{"t":3.0,"dir":"client","frame":{"type":\n'
        + encode_record(4.0, "server", UNKNOWN)
    )
    records = _records(path)
    kinds = [type(r).__name__ for r in records]
    assert kinds == ["Record", "BadRecord", "BadRecord", "Record"]
    assert [r.code for r in records if isinstance(r, BadRecord)] == ["invalid_record"] * 2


def test_reading_streams_and_reports_its_position(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with CaptureWriter(path) as writer:
        for i in range(20_000):
            writer.write("client", APPEND, t=float(i))
    with CaptureReader(path) as reader:
        iterator = iter(reader)
        next(iterator)
        # Only a buffer's worth has been read, not the whole file.
        assert 0 < reader.position < reader.size
        assert sum(1 for _ in iterator) == 19_999


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_the_position_counts_bytes_of_the_file_on_disk(tmp_path: Path, name: str) -> None:
    # What a progress bar compares with the file's size: compressed bytes for a .gz.
    path = tmp_path / name
    with CaptureWriter(path) as writer:
        for i in range(20_000):
            writer.write("client", APPEND, t=i / 7)
    with CaptureReader(path) as reader:
        assert reader.size == path.stat().st_size
        positions = [reader.position for _ in reader]
        assert len(positions) == 20_000
        assert positions == sorted(positions)
        assert 0 < positions[0] < positions[-1] <= reader.size
        assert reader.position == reader.size


def test_a_truncated_gzip_capture_ends_with_a_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    with CaptureWriter(path) as writer:
        for i in range(1000):
            writer.write("client", APPEND, t=float(i))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    records = _records(path)
    assert all(isinstance(r, Record) for r in records[:-1])
    last = records[-1]
    assert isinstance(last, BadRecord)
    assert "truncated" in last.message
    assert last.code == "truncated_file"
    path.write_bytes(b"not gzip at all\n")
    [bad] = _records(path)
    assert isinstance(bad, BadRecord)
    assert bad.line == 1
    assert bad.code == "truncated_file"


LIMIT = 1024


def _padded(size: int) -> bytes:
    """A well-formed frame of exactly ``size`` bytes."""
    head, tail = b'{"type":"vendor.padding","pad":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_a_record_over_the_limit_is_reported_and_reading_goes_on(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with CaptureWriter(path) as writer:
        writer.write("client", APPEND, t=1.0)
        writer.write("server", _padded(3 * LIMIT), t=2.0)
        writer.write("server", UNKNOWN, t=3.0)
    records = list(read_capture(path, max_frame_bytes=LIMIT))
    assert [type(r).__name__ for r in records] == ["Record", "BadRecord", "Record"]
    bad = records[1]
    assert isinstance(bad, BadRecord)
    assert bad.line == 2
    assert f"max_frame_bytes={LIMIT}" in bad.message
    assert records[2] == Record(line=3, t=3.0, direction="server", frame=UNKNOWN)


def test_a_record_line_has_room_for_its_envelope(tmp_path: Path) -> None:
    embedded = _padded(LIMIT)
    # A raw line feed keeps a frame from being embedded; stored as a string, it gets escapes.
    head = b'{"type":"x",\n"q":"' + b'\\"' * 100 + b'","pad":"'
    as_text = head + b"x" * (LIMIT - len(head) - 2) + b'"}'
    for name, frame in (("embedded.jsonl", embedded), ("text.jsonl", as_text)):
        path = tmp_path / name
        with CaptureWriter(path) as writer:
            writer.write("client", frame, t=1700000000.123456)
        [record] = read_capture(path, max_frame_bytes=LIMIT)
        assert record == Record(line=1, t=1700000000.123456, direction="client", frame=frame)
        # The margin is ENVELOPE_BYTES on top of the frame limit, no more.
        line_length = len(path.read_bytes()) - 1
        assert line_length > LIMIT
        [record] = read_capture(path, max_frame_bytes=line_length - ENVELOPE_BYTES)
        assert isinstance(record, Record)
        [bad] = read_capture(path, max_frame_bytes=line_length - ENVELOPE_BYTES - 1)
        assert isinstance(bad, BadRecord)
        assert "envelope" in bad.message


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b""])
def test_a_bare_frame_may_be_as_long_as_the_limit(tmp_path: Path, line_end: bytes) -> None:
    path = tmp_path / "bare.jsonl"
    frame = _padded(LIMIT)
    path.write_bytes(APPEND + b"\n" + frame + line_end)
    records = list(read_capture(path, "server", max_frame_bytes=LIMIT))
    assert [r.frame for r in records if isinstance(r, Record)] == [APPEND, frame]
    records = list(read_capture(path, "server", max_frame_bytes=LIMIT - 1))
    assert records[0] == Record(line=1, t=None, direction="server", frame=APPEND)
    assert records[1] == BadRecord(
        line=2, message=f"Frame longer than max_frame_bytes={LIMIT - 1}", code="frame_too_large"
    )


def test_no_limit(tmp_path: Path) -> None:
    path = tmp_path / "bare.jsonl"
    frame = _padded(3 * LIMIT)
    path.write_bytes(frame + b"\n")
    assert list(read_capture(path, "client", max_frame_bytes=None)) == [
        Record(line=1, t=None, direction="client", frame=frame)
    ]
    with pytest.raises(ValueError, match="max_frame_bytes"):
        CaptureReader(path, max_frame_bytes=-1)


LONG_LINE_BYTES = 20 << 20
MEMORY_LIMIT = 1 << 20


@pytest.mark.parametrize("direction", [None, "server"])
@pytest.mark.parametrize("name", ["long.jsonl", "long.jsonl.gz"])
def test_a_long_line_without_a_line_end_takes_no_more_memory_than_the_limit(
    tmp_path: Path, name: str, direction: Direction | None
) -> None:
    path = tmp_path / name
    data = b"x" * LONG_LINE_BYTES + b"\n" + encode_record(1.0, "server", UNKNOWN)
    path.write_bytes(gzip.compress(data, compresslevel=1) if name.endswith(".gz") else data)
    records: list[Record | BadRecord] = []
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        records.extend(read_capture(path, direction, max_frame_bytes=MEMORY_LIMIT))
        growth = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert len(records) == 2
    assert isinstance(records[0], BadRecord)
    assert records[0].line == 1
    assert records[1].line == 2
    assert growth < 4 * MEMORY_LIMIT, f"peak memory grew by {growth / (1 << 20):.1f} MiB"


# --- the protocol of a session ------------------------------------------------------------

CLOSE = b'{"type":"session.close","event_id":"c9"}'


def test_a_translation_record_names_its_protocol_and_a_conversation_one_does_not() -> None:
    line = encode_record(2.5, "client", CLOSE, "translation")
    assert line == b'{"t":2.5,"dir":"client","protocol":"translation","frame":' + CLOSE + b"}\n"
    assert encode_record(2.5, "client", CLOSE) == encode_record(
        2.5, "client", CLOSE, "conversation"
    )
    assert b"protocol" not in encode_record(2.5, "client", CLOSE)


def test_records_read_back_with_their_protocol(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl.gz"
    with CaptureWriter(path) as writer:
        writer.write("client", APPEND, t=1.0)
        writer.write("client", CLOSE, t=2.0, protocol="translation")
        writer.write("server", b'{"type":"session.closed"\n}', t=3.0, protocol="translation")
    records = _records(path)
    assert [r.protocol for r in records if isinstance(r, Record)] == [
        "conversation",
        "translation",
        "translation",
    ]
    assert records[2] == Record(
        line=3,
        t=3.0,
        direction="server",
        frame=b'{"type":"session.closed"\n}',
        protocol="translation",
    )


def test_old_records_and_bare_frames_take_the_protocol_given_or_the_conversation(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.jsonl"
    old.write_bytes(b'{"t":1.0,"dir":"client","frame":' + CLOSE + b"}\n")
    [record] = _records(old)
    assert isinstance(record, Record)
    assert record.protocol == "conversation"
    [record] = list(read_capture(old, protocol="translation"))
    assert isinstance(record, Record)
    assert record.protocol == "translation"
    # A record that names its protocol keeps it, whatever the reader is told.
    named = tmp_path / "named.jsonl"
    named.write_bytes(encode_record(1.0, "client", CLOSE, "translation"))
    [record] = list(read_capture(named, protocol="conversation"))
    assert isinstance(record, Record)
    assert record.protocol == "translation"
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(CLOSE + b"\n")
    [record] = list(read_capture(bare, "client", protocol="translation"))
    assert record == Record(line=1, t=None, direction="client", frame=CLOSE, protocol="translation")


@pytest.mark.parametrize("value", [b'"beta"', b"null", b"1"])
def test_an_unknown_protocol_is_a_bad_record(tmp_path: Path, value: bytes) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"t":1.0,"dir":"client","protocol":' + value + b',"frame":' + CLOSE + b"}\n")
    [record] = _records(path)
    assert isinstance(record, BadRecord)
    assert "protocol" in record.message
