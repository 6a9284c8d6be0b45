"""The frame limit: one default and one message, whichever reader refuses a frame."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import rtmsg
from rtmsg import capture, codec
from rtmsg.engine.limits import DEFAULT_MAX_FRAME_BYTES, NO_LIMIT, check_limit, frame_too_large

LIMIT = 64
FRAME = b'{"type":"vendor.padding","pad":"' + b"x" * LIMIT + b'"}'


def test_one_default_for_every_reader() -> None:
    assert rtmsg.DEFAULT_MAX_FRAME_BYTES is DEFAULT_MAX_FRAME_BYTES
    assert codec.DEFAULT_MAX_FRAME_BYTES is DEFAULT_MAX_FRAME_BYTES
    for reader in (
        capture.CaptureReader,
        capture.read_capture,
        rtmsg.iter_client_events,
        rtmsg.iter_server_events,
        rtmsg.ClientEventDecoder,
    ):
        default = inspect.signature(reader).parameters["max_frame_bytes"].default
        assert default == DEFAULT_MAX_FRAME_BYTES, reader


def test_check_limit() -> None:
    assert check_limit(None) == NO_LIMIT
    assert check_limit(0) == 0
    with pytest.raises(ValueError, match="max_frame_bytes must be >= 0 or None"):
        check_limit(-1)


def test_the_decoder_the_stream_and_the_capture_reader_say_the_same(tmp_path: Path) -> None:
    with pytest.raises(rtmsg.DecodeError) as decoded:
        rtmsg.ServerEventDecoder(max_frame_bytes=LIMIT).decode(FRAME)
    assert str(decoded.value) == frame_too_large(LIMIT, len(FRAME))
    assert str(decoded.value) == f"Frame of {len(FRAME)} bytes exceeds max_frame_bytes={LIMIT}"

    with pytest.raises(rtmsg.StreamDecodeError) as streamed:
        list(rtmsg.iter_server_events(FRAME + b"\n", max_frame_bytes=LIMIT))
    assert str(streamed.value) == f"line 1: {frame_too_large(LIMIT)}"

    path = tmp_path / "bare.jsonl"
    path.write_bytes(FRAME + b"\n")
    [bare] = capture.read_capture(path, "server", max_frame_bytes=LIMIT)
    assert bare == capture.BadRecord(line=1, message=frame_too_large(LIMIT), code="frame_too_large")
    assert frame_too_large(LIMIT) == f"Frame longer than max_frame_bytes={LIMIT}"

    # A record's line is read whole while it may hold a frame of the limit: its frame is
    # measured, as the decoder measures it. A longer line is not read whole.
    path.write_bytes(capture.encode_record(1.0, "server", FRAME))
    [record] = capture.read_capture(path, max_frame_bytes=LIMIT)
    assert record == capture.BadRecord(line=1, message=str(decoded.value), code="frame_too_large")
    long_frame = FRAME.replace(b"x", b"x" * 400)
    path.write_bytes(capture.encode_record(1.0, "server", long_frame))
    [record] = capture.read_capture(path, max_frame_bytes=LIMIT)
    assert record == capture.BadRecord(
        line=1, message=frame_too_large(LIMIT), code="frame_too_large"
    )


def test_a_stream_frame_at_the_limit_decodes_with_its_line_end() -> None:
    for line_end in (b"\n", b"\r\n"):
        (event,) = rtmsg.iter_server_events(FRAME + line_end, max_frame_bytes=len(FRAME))
        assert isinstance(event, rtmsg.Unknown)
        assert event.raw == FRAME


def test_streams_with_one_limit_share_the_decoder_that_learns_unknown_types() -> None:
    from rtmsg.protocols import endpoint

    conversation = endpoint("conversation")
    assert conversation.decoder("client") is rtmsg.decode_client_event
    assert conversation.decoder("server", DEFAULT_MAX_FRAME_BYTES) is rtmsg.decode_server_event
    assert conversation.decoder("server", LIMIT) is conversation.decoder("server", LIMIT)
    decode = conversation.decoder("server", LIMIT)
    with pytest.raises(rtmsg.DecodeError) as info:
        decode(b" " * (LIMIT + 1))
    assert info.value.code == rtmsg.ErrorCode.FRAME_TOO_LARGE
    # Both streams learn the unknown type the first one met: the second decodes it in one pass.
    frame = b'{"type":"x.shared.limit"}'
    list(rtmsg.iter_server_events(frame, max_frame_bytes=LIMIT))
    (event,) = rtmsg.iter_server_events(frame, max_frame_bytes=LIMIT)
    assert event == rtmsg.Unknown("x.shared.limit", frame)
