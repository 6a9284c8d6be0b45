"""JSONL streams: files, byte streams and chunk iterables, line ends, blank lines, bad lines."""

from __future__ import annotations

import gzip
import io
import itertools
import pickle
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import rtmsg

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAA="}'
COMMIT = b'{"type":"input_audio_buffer.commit","event_id":"e1"}'
FUTURE = b'{"type":"input_audio_buffer.future","event_id":"e2","x":[1,2]}'
SPEECH = (
    b'{"type":"input_audio_buffer.speech_started","event_id":"e3",'
    b'"item_id":"i1","audio_start_ms":120}'
)
BAD_BODY = b'{"type":"conversation.item.truncate","event_id":"e9","item_id":"i"}'

CAPTURE = APPEND + b"\n" + FUTURE + b"\r\n\n  \r\n" + COMMIT + b"\n"


def client_types(events: Iterator[rtmsg.ClientEvent | rtmsg.Unknown]) -> list[str]:
    return [event.event_type for event in events]


def test_file_lines_decode_in_order_skipping_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_bytes(CAPTURE)
    with path.open("rb") as fp:
        events = list(rtmsg.iter_client_events(fp))
    assert [type(event) for event in events] == [
        rtmsg.InputAudioBufferAppend,
        rtmsg.Unknown,
        rtmsg.InputAudioBufferCommit,
    ]


def test_unknown_raw_is_the_line_without_its_line_end() -> None:
    for line_end in (b"\n", b"\r\n", b""):
        (event,) = rtmsg.iter_client_events(FUTURE + line_end)
        assert isinstance(event, rtmsg.Unknown)
        assert event.raw == FUTURE
        assert event.event_id == "e2"
        assert rtmsg.encode(event) == FUTURE


def test_crlf_and_missing_final_line_end() -> None:
    data = APPEND + b"\r\n" + COMMIT
    assert client_types(rtmsg.iter_client_events(data)) == [
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
    ]


@pytest.mark.parametrize("chunk_size", [1, 2, 7, 64, 1 << 20])
def test_chunks_cut_anywhere(chunk_size: int) -> None:
    chunks = [CAPTURE[i : i + chunk_size] for i in range(0, len(CAPTURE), chunk_size)]
    assert client_types(rtmsg.iter_client_events(chunks)) == client_types(
        rtmsg.iter_client_events(CAPTURE)
    )


def test_chunks_may_be_bytearrays_and_memoryviews() -> None:
    chunks: list[bytes | bytearray | memoryview] = [
        bytearray(APPEND + b"\n"),
        memoryview(COMMIT + b"\n"),
    ]
    assert client_types(rtmsg.iter_client_events(chunks)) == [
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
    ]


def test_lines_longer_than_the_read_buffer() -> None:
    audio = "A" * 300_000
    frame = b'{"type":"input_audio_buffer.append","audio":"' + audio.encode() + b'"}'
    (event,) = rtmsg.iter_client_events(io.BytesIO(frame + b"\n"))
    assert isinstance(event, rtmsg.InputAudioBufferAppend)
    assert event.audio == audio


class OnlyRead:
    """A source with nothing but ``read(size)``, like some socket and archive wrappers."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(min(size, 5))


def test_any_object_with_read() -> None:
    assert client_types(rtmsg.iter_client_events(OnlyRead(CAPTURE))) == client_types(
        rtmsg.iter_client_events(CAPTURE)
    )


class ReadsText:
    """A source whose ``read`` gives text: a file opened in text mode behind a wrapper."""

    def read(self, size: int = -1, /) -> str:
        return "{}"


def test_a_reader_that_gives_text_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="open files in binary mode"):
        list(rtmsg.iter_client_events(ReadsText()))  # type: ignore[arg-type]


def test_unbuffered_and_compressed_files(tmp_path: Path) -> None:
    raw_path, gz_path = tmp_path / "c.jsonl", tmp_path / "c.jsonl.gz"
    raw_path.write_bytes(CAPTURE)
    gz_path.write_bytes(gzip.compress(CAPTURE))
    expected = client_types(rtmsg.iter_client_events(CAPTURE))
    with raw_path.open("rb", buffering=0) as raw:
        assert client_types(rtmsg.iter_client_events(raw)) == expected
    with gzip.open(gz_path, "rb") as gz:
        assert client_types(rtmsg.iter_client_events(gz)) == expected


def test_server_events() -> None:
    events = list(rtmsg.iter_server_events(SPEECH + b"\n" + APPEND + b"\n"))
    assert isinstance(events[0], rtmsg.InputAudioBufferSpeechStarted)
    assert events[0].audio_start_ms == 120
    # a client event type is unknown to the server direction
    assert isinstance(events[1], rtmsg.Unknown)


def test_bad_line_raises_with_its_line_number() -> None:
    data = APPEND + b"\n\n" + BAD_BODY + b"\n" + COMMIT + b"\n"
    events = rtmsg.iter_client_events(data)
    assert isinstance(next(events), rtmsg.InputAudioBufferAppend)
    with pytest.raises(rtmsg.StreamDecodeError) as info:
        next(events)
    error = info.value
    assert isinstance(error, rtmsg.DecodeError)
    assert error.line_number == 3
    assert error.event_type == "conversation.item.truncate"
    assert error.event_id == "e9"
    assert str(error).startswith("line 3: ")
    assert "content_index" in str(error)


def test_malformed_json_line_raises() -> None:
    with pytest.raises(rtmsg.StreamDecodeError) as info:
        list(rtmsg.iter_server_events(SPEECH + b'\n{"type":\n'))
    assert info.value.line_number == 2
    assert info.value.event_type is None


def test_on_error_skips_bad_lines_and_sees_each_error() -> None:
    errors: list[rtmsg.StreamDecodeError] = []
    data = BAD_BODY + b"\n" + APPEND + b"\nnot json\n" + COMMIT
    events = list(rtmsg.iter_client_events(data, on_error=errors.append))
    assert [type(event) for event in events] == [
        rtmsg.InputAudioBufferAppend,
        rtmsg.InputAudioBufferCommit,
    ]
    assert [error.line_number for error in errors] == [1, 3]


def test_on_error_may_stop_the_stream() -> None:
    def stop(error: rtmsg.StreamDecodeError) -> None:
        raise error

    with pytest.raises(rtmsg.StreamDecodeError):
        list(rtmsg.iter_client_events(b"[]\n" + APPEND, on_error=stop))


def test_text_sources_are_refused() -> None:
    with pytest.raises(TypeError, match="binary mode"):
        list(rtmsg.iter_client_events(io.StringIO(APPEND.decode())))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary mode"):
        list(rtmsg.iter_client_events(APPEND.decode()))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str chunk"):
        list(rtmsg.iter_client_events([APPEND.decode()]))  # type: ignore[list-item]


def test_iteration_is_lazy() -> None:
    def chunks() -> Iterator[bytes]:
        yield APPEND + b"\n"
        raise AssertionError("read past the first event")

    events = rtmsg.iter_client_events(chunks())
    assert isinstance(next(events), rtmsg.InputAudioBufferAppend)


def test_stream_errors_survive_pickling() -> None:
    """A worker process can send a bad line's error back whole."""
    with pytest.raises(rtmsg.StreamDecodeError) as info:
        list(rtmsg.iter_client_events(APPEND + b"\n" + BAD_BODY))
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is rtmsg.StreamDecodeError
    assert str(copy) == str(info.value)
    assert (copy.line_number, copy.event_type, copy.event_id) == (
        2,
        "conversation.item.truncate",
        "e9",
    )


def test_stream_errors_keep_the_code_and_path_of_the_line() -> None:
    """``error_event`` answers a bad line as it answers the same frame decoded on its own."""
    bad_utf8 = b'{"type":"conversation.item.delete","event_id":"e5","item_id":"i\xff"}'
    bad_rate = (
        b'{"type":"session.update","event_id":"e7","session":{"type":"realtime",'
        b'"audio":{"input":{"format":{"type":"audio/pcm","rate":8000}}}}}'
    )
    errors: list[rtmsg.StreamDecodeError] = []
    list(rtmsg.iter_client_events(bad_utf8 + b"\n" + bad_rate, on_error=errors.append))
    assert [(e.code, e.path) for e in errors] == [
        ("invalid_utf8", None),
        ("invalid_value", "$.session.audio.input.format.rate"),
    ]
    first, second = (rtmsg.error_event(error).error for error in errors)
    assert (first.code, first.event_id) == ("invalid_utf8", "e5")
    assert (second.code, second.param, second.event_id) == (
        "invalid_value",
        "session.audio.input.format.rate",
        "e7",
    )
    copy = pickle.loads(pickle.dumps(errors[1]))
    assert (copy.line_number, copy.code, copy.path) == (
        2,
        "invalid_value",
        "$.session.audio.input.format.rate",
    )


def unknown_frame(size: int) -> bytes:
    """A well-formed frame of an unknown type, exactly ``size`` bytes long."""
    head, tail = b'{"type":"vendor.padding","pad":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


LIMIT = 1024
TOO_LONG = unknown_frame(3 * LIMIT)
WITH_TOO_LONG = APPEND + b"\n" + TOO_LONG + b"\r\n" + COMMIT + b"\n"


def test_a_line_over_the_limit_is_reported_and_the_next_lines_decode() -> None:
    errors: list[rtmsg.StreamDecodeError] = []
    events = rtmsg.iter_client_events(WITH_TOO_LONG, on_error=errors.append, max_frame_bytes=LIMIT)
    assert client_types(events) == ["input_audio_buffer.append", "input_audio_buffer.commit"]
    [error] = errors
    assert (error.line_number, error.code) == (2, "frame_too_large")
    assert str(error) == f"line 2: Frame longer than max_frame_bytes={LIMIT}"
    assert rtmsg.error_event(error).error.code == "frame_too_large"


def test_a_line_over_the_limit_raises_without_on_error() -> None:
    events = rtmsg.iter_server_events(WITH_TOO_LONG, max_frame_bytes=LIMIT)
    assert isinstance(next(events), rtmsg.Unknown)
    with pytest.raises(rtmsg.StreamDecodeError) as info:
        next(events)
    assert (info.value.line_number, info.value.code) == (2, "frame_too_large")


@pytest.mark.parametrize("chunk_size", [1, 7, 100, LIMIT - 1, LIMIT + 3, 1 << 16])
def test_chunks_cut_inside_a_line_over_the_limit(chunk_size: int) -> None:
    chunks = [WITH_TOO_LONG[i : i + chunk_size] for i in range(0, len(WITH_TOO_LONG), chunk_size)]
    errors: list[rtmsg.StreamDecodeError] = []
    events = rtmsg.iter_client_events(chunks, on_error=errors.append, max_frame_bytes=LIMIT)
    assert client_types(events) == ["input_audio_buffer.append", "input_audio_buffer.commit"]
    assert [error.line_number for error in errors] == [2]


def test_a_line_over_the_limit_is_not_read_further_when_it_raises() -> None:
    def chunks() -> Iterator[bytes]:
        yield APPEND + b"\n"
        for _ in range(1000):
            yield b"x" * LIMIT
        raise AssertionError("read the whole of a line over the limit")

    events = rtmsg.iter_client_events(chunks(), max_frame_bytes=LIMIT)
    assert isinstance(next(events), rtmsg.InputAudioBufferAppend)
    with pytest.raises(rtmsg.StreamDecodeError):
        next(events)


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b""])
def test_the_limit_counts_the_frame_without_its_line_end(line_end: bytes) -> None:
    frame = unknown_frame(LIMIT)
    data = COMMIT + b"\n" + frame + line_end
    (commit, event) = rtmsg.iter_client_events(data, max_frame_bytes=LIMIT)
    assert isinstance(commit, rtmsg.InputAudioBufferCommit)
    assert isinstance(event, rtmsg.Unknown)
    assert event.raw == frame
    errors: list[rtmsg.StreamDecodeError] = []
    (commit,) = rtmsg.iter_client_events(data, on_error=errors.append, max_frame_bytes=LIMIT - 1)
    assert isinstance(commit, rtmsg.InputAudioBufferCommit)
    assert [(error.line_number, error.code) for error in errors] == [(2, "frame_too_large")]


def test_a_frame_of_the_default_limit_decodes_with_its_line_end() -> None:
    frame = unknown_frame(rtmsg.DEFAULT_MAX_FRAME_BYTES)
    (event,) = rtmsg.iter_server_events(frame + b"\r\n")
    assert isinstance(event, rtmsg.Unknown)
    assert len(event.raw) == rtmsg.DEFAULT_MAX_FRAME_BYTES
    with pytest.raises(rtmsg.StreamDecodeError, match="max_frame_bytes"):
        list(rtmsg.iter_server_events(frame + b"x\n"))


def test_max_frame_bytes_none_and_above_the_default() -> None:
    big = unknown_frame(rtmsg.DEFAULT_MAX_FRAME_BYTES + 10)
    for limit in (None, rtmsg.DEFAULT_MAX_FRAME_BYTES + 10):
        (event, commit) = rtmsg.iter_client_events(big + b"\n" + COMMIT, max_frame_bytes=limit)
        assert isinstance(event, rtmsg.Unknown)
        assert event.raw == big
        assert isinstance(commit, rtmsg.InputAudioBufferCommit)
    with pytest.raises(ValueError, match="max_frame_bytes"):
        rtmsg.iter_client_events(COMMIT, max_frame_bytes=-1)


LONG_LINE_BYTES = 20 << 20
MEMORY_LIMIT = 1 << 20


def long_line_source(kind: str, tmp_path: Path) -> rtmsg.LineSource:
    """A 20 MiB line with no line end, then a good one, from a source of the given kind."""
    if kind == "chunks":
        return itertools.chain(
            (b"x" * (1 << 16) for _ in range(LONG_LINE_BYTES >> 16)), [b"\n" + COMMIT]
        )
    data = b"x" * LONG_LINE_BYTES + b"\n" + COMMIT
    if kind == "gzip":
        path = tmp_path / "long.jsonl.gz"
        path.write_bytes(gzip.compress(data, compresslevel=1))
        return gzip.open(path, "rb")
    path = tmp_path / "long.jsonl"
    path.write_bytes(data)
    return path.open("rb", buffering=0 if kind == "unbuffered" else -1)


def peak_growth(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["file", "unbuffered", "gzip", "chunks"])
def test_a_long_line_without_a_line_end_takes_no_more_memory_than_the_limit(
    kind: str, tmp_path: Path
) -> None:
    source = long_line_source(kind, tmp_path)
    errors: list[rtmsg.StreamDecodeError] = []
    events: list[rtmsg.ServerEvent | rtmsg.Unknown] = []

    def run() -> None:
        events.extend(
            rtmsg.iter_server_events(source, on_error=errors.append, max_frame_bytes=MEMORY_LIMIT)
        )

    try:
        growth = peak_growth(run)
    finally:
        if isinstance(source, io.IOBase):
            source.close()
    assert [(error.line_number, error.code) for error in errors] == [(1, "frame_too_large")]
    assert [event.event_type for event in events] == ["input_audio_buffer.commit"]
    assert growth < 4 * MEMORY_LIMIT, f"peak memory grew by {growth / (1 << 20):.1f} MiB"
