"""The capture writer: it flushes by itself, keeps a file of whole records, survives a bad disk."""

from __future__ import annotations

import errno
import gzip
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rtmsg.capture import BadRecord, CaptureWriter, Record, read_capture
from rtmsg.capture import writer as capture_writer

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"c1"}'
SECRET = "sk-proj-MARKER-7c1f"
DEADLINE_S = 20.0


def _frame(number: int) -> bytes:
    return b'{"type":"x","n":%d,"secret":"%s"}' % (number, SECRET.encode())


def _wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds; fail after a deadline far beyond any flush interval."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "the writer never flushed"
        time.sleep(0.01)


def _frames_in(path: Path) -> list[bytes]:
    records = list(read_capture(path))
    assert all(isinstance(r, Record) for r in records), records
    return [r.frame for r in records if isinstance(r, Record)]


def _flushed(path: Path) -> list[bytes]:
    """The frames in a file that a flush may be writing at this moment: its whole records."""
    return [r.frame for r in read_capture(path) if isinstance(r, Record)]


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_the_writer_flushes_on_its_own(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    writer = CaptureWriter(path, flush_interval=0.05)
    try:
        writer.write("client", _frame(1))
        _wait_for(lambda: _flushed(path) == [_frame(1)])
        # A gzip capture is a whole gzip file after every flush, not closed yet.
        assert _frames_in(path) == [_frame(1)]
        writer.write("server", _frame(2))
        writer.write("server", _frame(3))
        _wait_for(lambda: len(_flushed(path)) == 3)
    finally:
        writer.close()
    assert _frames_in(path) == [_frame(1), _frame(2), _frame(3)]


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_without_an_interval_only_flush_close_and_a_full_buffer_write(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    with CaptureWriter(path, flush_interval=0) as writer:
        writer.write("client", _frame(1))
        assert path.stat().st_size == 0
        writer.flush()
        assert _frames_in(path) == [_frame(1)]
        big = b'{"type":"x","pad":"' + b"x" * capture_writer.FLUSH_BYTES + b'"}'
        writer.write("client", big)
        _wait_for(lambda: len(_flushed(path)) == 2)
        writer.write("client", _frame(3))
    assert _frames_in(path) == [_frame(1), big, _frame(3)]


def test_every_frame_lands_once_and_in_order_while_the_flusher_runs(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    count = 30_000
    with CaptureWriter(path, flush_interval=0.001) as writer:
        for number in range(count):
            writer.write("client", _frame(number), t=float(number))
            if number % 1000 == 0:
                time.sleep(0.002)  # let the flusher take batches mid-stream
    assert _frames_in(path) == [_frame(number) for number in range(count)]


def test_one_thread_flushes_every_writer(tmp_path: Path) -> None:
    before = threading.active_count()
    writers = [CaptureWriter(tmp_path / f"{i}.jsonl.gz", flush_interval=0.01) for i in range(50)]
    try:
        for number, writer in enumerate(writers):
            writer.write("client", _frame(number))
        _wait_for(lambda: all(w.path and os.path.getsize(w.path) > 0 for w in writers))
        assert threading.active_count() <= before + 1
    finally:
        for writer in writers:
            writer.close()
    for number, writer in enumerate(writers):
        assert _frames_in(Path(writer.path)) == [_frame(number)]


def test_writers_left_open_are_closed_at_exit(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    code = (
        "import sys\n"
        "from rtmsg.capture import CaptureWriter\n"
        "writer = CaptureWriter(sys.argv[1], flush_interval=0)\n"
        "for n in range(3): writer.write('client', b'{\"n\":%d}' % n)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    assert _frames_in(path) == [b'{"n":0}', b'{"n":1}', b'{"n":2}']


def test_write_after_close_is_an_error(tmp_path: Path) -> None:
    writer = CaptureWriter(tmp_path / "c.jsonl")
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write("client", APPEND)


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_a_close_that_does_not_wait_is_done_by_the_flusher(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    writer = CaptureWriter(path, flush_interval=0)
    for number in range(100):
        writer.write("client", _frame(number))
    started = threading.get_ident()
    closed_by: list[int] = []
    real_close = writer.close

    def close(*, wait: bool = True) -> None:
        closed_by.append(threading.get_ident())
        real_close(wait=wait)

    writer.close = close  # type: ignore[method-assign]
    real_close(wait=False)
    with pytest.raises(ValueError, match="closed"):
        writer.write("client", APPEND)
    _wait_for(lambda: writer.closed)
    assert closed_by
    assert started not in closed_by
    assert _frames_in(path) == [_frame(number) for number in range(100)]


@pytest.mark.parametrize(
    "options",
    [{"flush_interval": -1}, {"flush_interval": float("nan")}, {"compresslevel": 10}],
)
def test_options_out_of_range(tmp_path: Path, options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        CaptureWriter(tmp_path / "c.jsonl", **options)  # type: ignore[arg-type]


# --- a failing disk -------------------------------------------------------------------------


def _no_frame_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert SECRET not in caplog.text
    assert all(SECRET not in str(r.args) for r in caplog.records)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_stops_the_capture_once_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="rtmsg.capture")
    writer = CaptureWriter("/dev/full", flush_interval=0)
    for number in range(5):
        writer.write("client", _frame(number))
    writer.flush()  # ENOSPC
    assert writer.error == f"{os.strerror(errno.ENOSPC)} (errno {errno.ENOSPC})"
    for number in range(5, 8):
        writer.write("server", _frame(number))
    writer.flush()
    writer.close()
    assert writer.dropped_frames == 8
    [logged] = caplog.records
    assert logged.levelno == logging.ERROR
    assert logged.getMessage() == (
        f"capture /dev/full stopped: {writer.error}; later frames are dropped"
    )
    _no_frame_logged(caplog)


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_a_write_that_fails_halfway_is_cut_back_to_whole_records(
    tmp_path: Path,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="rtmsg.capture")
    path = tmp_path / name
    real_write = os.write
    writes: list[int] = []

    def failing_write(fd: int, data: bytes | memoryview) -> int:
        writes.append(len(data))
        if len(writes) == 1:
            return real_write(fd, data)
        if len(writes) == 2:
            return real_write(fd, bytes(data)[: len(data) // 2])  # half, as a full disk does
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "write", failing_write)
    writer = CaptureWriter(path, flush_interval=0)
    writer.write("client", _frame(1))
    writer.write("client", _frame(2))
    writer.flush()
    writer.write("server", _frame(3))
    writer.write("server", _frame(4))
    writer.flush()  # half written, then EIO
    writer.write("server", _frame(5))
    writer.close()
    assert writer.error == f"{os.strerror(errno.EIO)} (errno {errno.EIO})"
    assert writer.dropped_frames == 3
    # What the file holds is the first flush, whole: no half record, no truncated gzip.
    assert _frames_in(path) == [_frame(1), _frame(2)]
    assert len(caplog.records) == 1
    _no_frame_logged(caplog)


def test_a_disk_that_does_not_keep_up_stops_the_capture(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="rtmsg.capture")
    path = tmp_path / "c.jsonl"
    writer = CaptureWriter(path, flush_interval=0, max_pending_bytes=10 * len(_frame(0)) + 200)
    for number in range(20):
        writer.write("client", _frame(number))
    assert writer.error is not None
    assert "does not keep up" in writer.error
    writer.close()
    frames = _frames_in(path)
    assert 0 < len(frames) < 20
    assert frames == [_frame(n) for n in range(len(frames))]
    assert writer.dropped_frames == 20 - len(frames)
    assert len(caplog.records) == 1
    _no_frame_logged(caplog)


def test_a_gzip_capture_is_one_member_per_flush(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    with CaptureWriter(path, flush_interval=0) as writer:
        for number in range(3):
            writer.write("client", _frame(number))
            writer.flush()
        writer.flush()  # nothing waits: no empty member
    data = path.read_bytes()
    assert data.count(b"\x1f\x8b\x08") == 3
    assert gzip.decompress(data).count(b"\n") == 3
    records = list(read_capture(path))
    assert not any(isinstance(r, BadRecord) for r in records)


def test_a_file_that_takes_no_bytes_stops_the_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="rtmsg.capture")
    monkeypatch.setattr(os, "write", lambda fd, data: 0)
    writer = CaptureWriter(tmp_path / "c.jsonl", flush_interval=0)
    writer.write("client", _frame(1))
    writer.flush()
    writer.close()
    assert writer.error == f"the file took none of the bytes written to it (errno {errno.EIO})"
    assert writer.dropped_frames == 1
    _no_frame_logged(caplog)


def test_writers_of_one_interval_are_flushed_on_the_same_beat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flusher = capture_writer._flusher
    taken: list[set[str]] = []
    take_due = flusher._take_due

    def recording() -> list[tuple[CaptureWriter, float | None]]:
        due = take_due()
        taken.append({writer.path for writer, _ in due})
        return due

    monkeypatch.setattr(flusher, "_take_due", recording)
    writers = []
    for number in range(3):
        writers.append(CaptureWriter(tmp_path / f"{number}.jsonl", flush_interval=0.2))
        time.sleep(0.03)  # opened apart: each would have its own beat without the shared one
    try:
        paths = {writer.path for writer in writers}
        _wait_for(lambda: any(paths <= batch for batch in taken))
    finally:
        for writer in writers:
            writer.close()
