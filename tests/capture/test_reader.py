"""Reading captures: streamed, bounded per line, old files too, a cut file read up to its cut."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
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
from rtmsg.capture.records import record_line_limit

DATA = Path(__file__).resolve().parent.parent / "data" / "captures"
APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"c1"}'
UNKNOWN = b'{"type": "future.event",  "x": 1.50}'


def _records(path: Path, direction: Direction | None = None) -> list[Record | BadRecord]:
    return list(read_capture(path, direction))


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


# --- files written before the fields existed ----------------------------------------------


@pytest.mark.parametrize("name", ["rtmsg-0.1.jsonl", "rtmsg-0.1.jsonl.gz"])
def test_a_capture_of_rtmsg_0_1_reads_as_it_did(name: str) -> None:
    records = _records(DATA / name)
    assert all(isinstance(r, Record) for r in records)
    assert [(r.line, r.direction, r.protocol) for r in records if isinstance(r, Record)] == [
        (1, "client", "conversation"),
        (2, "server", "conversation"),
        (3, "client", "conversation"),
        (4, "client", "conversation"),
        (5, "server", "conversation"),
        (6, "client", "conversation"),
        (7, "client", "conversation"),
        (8, "client", "translation"),
        (9, "server", "translation"),
    ]
    assert records[0] == Record(
        line=1,
        t=1764081134.123456,
        direction="client",
        frame=b'{"type":"session.update","event_id":"c1","session":{"type":"realtime",'
        b'"instructions":"Be brief."}}',
    )
    assert records[2] == Record(
        line=3,
        t=1764081134.5,
        direction="client",
        frame=b'{"type":"input_audio_buffer.commit",\n"event_id":"c2"}',
    )
    assert records[4] == Record(line=5, t=1764081135.0, direction="server", frame=UNKNOWN)
    # 0.1 stored binary frames as text, with U+FFFD for what was not UTF-8: that is what it holds.
    assert records[6] == Record(
        line=7, t=1764081135.5, direction="client", frame="\0\ufffd binary".encode()
    )
    for record in records:
        assert isinstance(record, Record)
        assert (record.session, record.connection, record.session_id, record.binary) == (
            None,
            None,
            None,
            False,
        )


def test_old_records_and_bare_frames_take_the_protocol_given_or_the_conversation(
    tmp_path: Path,
) -> None:
    close = b'{"type":"session.close","event_id":"c9"}'
    old = tmp_path / "old.jsonl"
    old.write_bytes(b'{"t":1.0,"dir":"client","frame":' + close + b"}\n")
    [record] = _records(old)
    assert isinstance(record, Record)
    assert record.protocol == "conversation"
    [record] = list(read_capture(old, protocol="translation"))
    assert isinstance(record, Record)
    assert record.protocol == "translation"
    # A record that names its protocol keeps it, whatever the reader is told.
    named = tmp_path / "named.jsonl"
    named.write_bytes(encode_record(1.0, "client", close, "translation"))
    [record] = list(read_capture(named, protocol="conversation"))
    assert isinstance(record, Record)
    assert record.protocol == "translation"
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(close + b"\n")
    [record] = list(read_capture(bare, "client", protocol="translation"))
    assert record == Record(line=1, t=None, direction="client", frame=close, protocol="translation")


# --- a file cut short -----------------------------------------------------------------------


def _lines(count: int) -> list[bytes]:
    frames: list[bytes | str] = [
        APPEND,
        UNKNOWN,
        b'{"type":"x",\n"y":1}',
        b"\xff\x00binary",
        '{"t":"\u00e9"}',
    ]
    return [
        encode_record(float(i), "client", frame, session=i % 3, binary=i % 2 == 1)
        for i, frame in enumerate(frames[i % len(frames)] for i in range(count))
    ]


def test_a_plain_capture_cut_anywhere_reads_to_its_cut(tmp_path: Path) -> None:
    lines = _lines(8)
    data = b"".join(lines)
    whole = _records_of(tmp_path, data)
    assert all(isinstance(r, Record) for r in whole)
    path = tmp_path / "cut.jsonl"
    for cut in range(len(data) + 1):
        path.write_bytes(data[:cut])
        records = _records(path)
        complete = data[:cut].count(b"\n")
        if cut < len(data) and data[cut - 1 : cut + 1] == b"}\n":
            complete += 1  # only the line feed is missing: the record is whole
        assert records[:complete] == whole[:complete], cut
        rest = records[complete:]
        if cut in _ends(lines) or data[cut - 1 : cut + 1] == b"}\n":
            assert rest == [], cut
        else:
            [bad] = rest
            assert isinstance(bad, BadRecord)
            assert (bad.line, bad.code) == (complete + 1, "truncated_file"), cut
            assert bad.message.startswith("the file ends in the middle of a record")


def _records_of(tmp_path: Path, data: bytes) -> list[Record | BadRecord]:
    path = tmp_path / "whole.jsonl"
    path.write_bytes(data)
    return _records(path)


def _ends(lines: list[bytes]) -> set[int]:
    ends, position = {0}, 0
    for line in lines:
        position += len(line)
        ends.add(position)
    return ends


def test_a_broken_last_line_that_is_not_cut_is_not_a_cut(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(encode_record(1.0, "client", APPEND) + b'{"t":2.0,"dir":"up","frame":{}}\n')
    assert [getattr(r, "code", None) for r in _records(path)] == [None, "invalid_record"]
    padded = encode_record(1.0, "client", b'{"pad":"' + b"x" * 100 + b'"}')
    path.write_bytes(padded.rstrip(b"\n"))
    [bad] = read_capture(path, max_frame_bytes=50)
    assert isinstance(bad, BadRecord)
    assert bad.code == "frame_too_large"


def test_a_gzip_capture_cut_anywhere_reads_to_its_cut(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    with CaptureWriter(path, flush_interval=0) as writer:
        for number in range(1, 61):
            writer.write("client", APPEND, t=float(number))
            if number % 20 == 0:
                writer.flush()  # three gzip members
    data = path.read_bytes()
    whole = _records(path)
    assert len(whole) == 60
    members = [m for m in range(1, len(data) + 1) if _is_gzip(data[:m])]
    assert len(members) == 3
    cut_path = tmp_path / "cut.jsonl.gz"
    for cut in range(0, len(data) + 1, 7):
        cut_path.write_bytes(data[:cut])
        records = _records(cut_path)
        good = [r for r in records if isinstance(r, Record)]
        assert good == whole[: len(good)], cut
        assert len(good) >= 20 * sum(1 for m in members if m <= cut), cut
        if cut in (0, *members):
            assert len(records) == len(good), cut
        else:
            assert len(records) == len(good) + 1, cut
            bad = records[-1]
            assert isinstance(bad, BadRecord)
            assert (bad.line, bad.code) == (len(good) + 1, "truncated_file")


def _is_gzip(data: bytes) -> bool:
    try:
        return gzip.decompress(data).endswith(b"\n")
    except (EOFError, gzip.BadGzipFile, zlib.error):
        return False


def test_a_gz_file_that_is_not_gzip_is_named_so(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(b"not gzip at all\n")
    [bad] = _records(path)
    assert isinstance(bad, BadRecord)
    assert (bad.line, bad.code) == (1, "not_gzip")
    assert bad.message == "not a gzip file, though its name ends in .gz"
    path.write_bytes(b"\x1f")  # the first byte of a gzip stream: one cut short
    [bad] = _records(path)
    assert isinstance(bad, BadRecord)
    assert bad.code == "truncated_file"


# --- limits ---------------------------------------------------------------------------------

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
        writer.write("server", _padded(LIMIT + 1), t=2.0)
        writer.write("server", _padded(30 * LIMIT), t=3.0)
        writer.write("server", UNKNOWN, t=4.0)
    records = list(read_capture(path, max_frame_bytes=LIMIT))
    assert [type(r).__name__ for r in records] == ["Record", "BadRecord", "BadRecord", "Record"]
    assert records[1] == BadRecord(
        line=2,
        message=f"Frame of {LIMIT + 1} bytes exceeds max_frame_bytes={LIMIT}",
        code="frame_too_large",
    )
    # A line longer than the limit allows is not read whole: its frame's size is unknown.
    assert records[2] == BadRecord(
        line=3, message=f"Frame longer than max_frame_bytes={LIMIT}", code="frame_too_large"
    )
    assert records[3] == Record(line=4, t=4.0, direction="server", frame=UNKNOWN)


@pytest.mark.parametrize(
    "frame",
    [
        _padded(LIMIT),  # embedded
        b'{"type":"x",\n"pad":"' + b"x" * (LIMIT - 22) + b'"}',  # a string, a few escapes
        b'{"type":"x",\n"q":"' + b'\\"' * (LIMIT // 2 - 10) + b'"}',  # in base64: shorter
        b"\xff" * LIMIT,  # not UTF-8: in base64
    ],
)
def test_a_frame_at_the_limit_is_read_whatever_its_stored_form(
    tmp_path: Path, frame: bytes
) -> None:
    assert len(frame) <= LIMIT
    path = tmp_path / "c.jsonl"
    with CaptureWriter(path) as writer:
        writer.write("client", frame, t=1700000000.123456, session=2**62, session_id="s" * 8000)
    assert len(path.read_bytes()) - 1 <= record_line_limit(LIMIT)
    assert record_line_limit(LIMIT) - ENVELOPE_BYTES < 1.4 * LIMIT
    [record] = read_capture(path, max_frame_bytes=len(frame))
    assert isinstance(record, Record)
    assert record.frame == frame
    [bad] = read_capture(path, max_frame_bytes=len(frame) - 1)
    assert isinstance(bad, BadRecord)
    assert bad.code == "frame_too_large"


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
    path.write_bytes(encode_record(1.0, "client", frame, session_id="s" * 100_000))
    [record] = read_capture(path, max_frame_bytes=None)
    assert isinstance(record, Record)
    assert record.frame == frame
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
