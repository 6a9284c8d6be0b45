"""JSONL streams: files, byte streams and chunk iterables, line ends, blank lines, bad lines."""

from __future__ import annotations

import gzip
import io
import pickle
from collections.abc import Iterator
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
