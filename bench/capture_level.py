"""What each gzip level costs a relay's capture: CPU per frame and bytes on disk, by audio.

Run as ``python -m bench.capture level [--seconds S] [--rounds N] [--quick] [--json]``.
A voice session's capture is mostly audio in base64 (20 ms appends and deltas, both ways,
50 a second each way), and how well it compresses depends on the audio, so the records
are made of three kinds of it, each a session of its own:

- ``noise``: ``make relay-bench``'s frames, random pcm16 (what speech's low bits look like
  to a compressor: the worst case);
- ``tone``: the mock server's 440 Hz tone (``rtmsg mock-server``), periodic;
- ``silence``: zeros, what a microphone sends between turns.

Each session is recorded as :class:`~rtmsg.capture.CaptureWriter` records it (its record
lines, one gzip member per second of frames) and compressed at each level in turn,
interleaved over the rounds. Figures: the flusher thread's CPU µs per frame
(``time.thread_time``, the median over the rounds) and the bytes on disk per byte of records.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import time
import zlib
from collections.abc import Sequence
from typing import Any, Final

import rtmsg
from bench.corpus import SEED
from bench.relay import frames as relay_frames
from rtmsg.capture.records import envelope, record_line
from rtmsg.relay.audio import tone

__all__ = ["LEVELS", "main", "measure", "render", "session"]

LEVELS: Final = (1, 3, 6, 9)
KINDS: Final = ("noise", "tone", "silence")
RATE: Final = 50  # appends a second, and as many deltas
FRAME_MS: Final = 20


def _pcm(kind: str, rng: random.Random, index: int) -> bytes:
    size = FRAME_MS * relay_frames.PCM16_24K_BYTES_PER_MS
    if kind == "noise":
        return rng.randbytes(size)
    if kind == "tone":
        second = tone("audio/pcm", 1000)
        start = (index * size) % len(second)
        return (second + second)[start : start + size]
    return bytes(size)


def session(kind: str, seconds: float) -> list[bytes]:
    """The record lines of a voice session of ``seconds`` with ``kind`` audio, in wire order."""
    rng = random.Random(SEED)
    client, server = envelope("client", session=1), envelope("server", session=1)
    lines = []
    t = 1_764_081_134.0
    for i in range(round(seconds * RATE)):
        audio = base64.b64encode(_pcm(kind, rng, 2 * i)).decode("ascii")
        append = rtmsg.InputAudioBufferAppend(event_id=f"evt_client_{i:05d}", audio=audio)
        lines.append(record_line(t, client, rtmsg.encode(append)))
        audio = base64.b64encode(_pcm(kind, rng, 2 * i + 1)).decode("ascii")
        delta = rtmsg.ResponseOutputAudioDelta(
            event_id=f"event_CkX3y9rmbIbNmtXh{i:05d}",
            response_id="resp_CkX3yHdSK1wSu6QIiyGZD",
            item_id="item_CkX3yqZwYrbyUjZsPt1pH",
            output_index=0,
            content_index=0,
            delta=audio,
        )
        lines.append(record_line(t + 0.005, server, rtmsg.encode(delta)))
        t += 1 / RATE
    return lines


def _batches(lines: list[bytes]) -> list[bytes]:
    """The flushes of a writer flushed every second: 2 * RATE record lines each."""
    step = 2 * RATE
    return [b"".join(lines[i : i + step]) for i in range(0, len(lines), step)]


def _compress(batches: list[bytes], level: int) -> tuple[float, int]:
    """Thread CPU seconds and bytes to write ``batches`` as gzip members at ``level``."""
    size = 0
    start = time.thread_time()
    for batch in batches:
        member = zlib.compressobj(level, zlib.DEFLATED, 31)
        size += len(member.compress(batch)) + len(member.flush())
    return time.thread_time() - start, size


def measure(seconds: float, rounds: int, levels: Sequence[int] = LEVELS) -> dict[str, Any]:
    """Each kind's figures at each level: µs per frame, bytes on disk per byte of records."""
    result: dict[str, Any] = {"seconds": seconds, "rounds": rounds, "kinds": {}}
    for kind in KINDS:
        lines = session(kind, seconds)
        batches = _batches(lines)
        raw = sum(map(len, batches))
        cpu: dict[int, list[float]] = {level: [] for level in levels}
        sizes: dict[int, int] = {}
        for _ in range(rounds):
            for level in levels:
                spent, sizes[level] = _compress(batches, level)
                cpu[level].append(spent)
        result["kinds"][kind] = {
            "frames": len(lines),
            "record_bytes": raw,
            "levels": {
                str(level): {
                    "us_per_frame": 1e6 * statistics.median(cpu[level]) / len(lines),
                    "ratio": sizes[level] / raw,
                }
                for level in levels
            },
        }
    return result


def render(result: dict[str, Any]) -> str:
    """A markdown table: per kind of audio and level, µs per frame and size on disk."""
    lines = [
        "| audio | level | flusher µs/frame | on disk / records |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, figures in result["kinds"].items():
        for level, cell in figures["levels"].items():
            lines.append(
                f"| {kind} | {level} | {cell['us_per_frame']:.1f} | {100 * cell['ratio']:.1f} % |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capture level", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="of each session (20)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved (5)")
    parser.add_argument("--quick", action="store_true", help="2 s sessions, 1 round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    seconds, rounds = (2.0, 1) if args.quick else (args.seconds, args.rounds)
    result = measure(seconds, rounds)
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
