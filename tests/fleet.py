"""A fleet of small captures over several days, written from plans whose answers are known.

Frames are written as JSON by hand, not by rtmsg's encoder, so that the analytics tests
compare rtmsg's reading with what the plan says was sent.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.dataset as ds

from rtmsg.capture import CaptureWriter, Direction

__all__ = ["DAY0", "FLEET", "INVALID_CODES", "Plan", "day", "nearest_rank", "write_fleet"]

DAY0 = 1_757_030_400.0
"""2025-09-05 00:00:00 UTC."""

AUDIO_BYTES = 4800
"""Audio bytes of each append and each output delta: 0.1 s of pcm16, 0.6 s of G.711."""

# The invalid frames a plan may send, and the code each must get.
INVALID_FRAMES: dict[str, bytes] = {
    "missing": b'{"type":"conversation.item.delete","event_id":"bad_delete"}',
    "json": b'{"type":"input_audio_buffer.append","audio":',
    "type": b'{"type":"input_audio_buffer.append","event_id":"bad_append","audio":5}',
}
INVALID_CODES = {
    "missing": "missing_required_parameter",
    "json": "invalid_json",
    "type": "invalid_type",
}


@dataclasses.dataclass(frozen=True)
class Plan:
    """One session: a turn per latency, a response per turn with ``tokens`` total tokens."""

    name: str
    start: float
    latencies: tuple[float, ...] = ()
    tokens: tuple[int, ...] = ()
    unknown: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    g711: bool = False
    server_error: bool = False
    model: str | None = "gpt-realtime"

    def turn_times(self) -> list[float]:
        """When each turn's speech stops."""
        return [self.start + 1 + 10 * k for k in range(len(self.latencies))]


FLEET: tuple[Plan, ...] = (
    Plan(
        "alpha",
        DAY0 + 8 * 3600,
        latencies=(0.2, 0.4, 0.3),
        tokens=(100, 200, 300),
        unknown=("response.output_video.delta",),
        invalid=("missing",),
    ),
    Plan(
        "bravo",
        DAY0 + 20 * 3600,
        latencies=(0.5,),
        tokens=(50,),
        g711=True,
        server_error=True,
        model="gpt-realtime-mini",
    ),
    Plan(
        "charlie",
        DAY0 + 86400 + 9 * 3600,
        latencies=(0.1, 0.9, 0.25, 0.35),
        tokens=(10, 20, 30, 40),
        unknown=("response.output_video.delta", "session.heartbeat"),
        invalid=("json", "missing", "type"),
    ),
    Plan("delta", DAY0 + 2 * 86400 + 12 * 3600, unknown=("session.heartbeat",), model=None),
    # Speech stops at 23:59:51 and 00:00:01: the session spans two days.
    Plan(
        "echo",
        DAY0 + 3 * 86400 - 10,
        latencies=(0.6, 0.7),
        tokens=(7, 8),
        model="gpt-realtime-mini",
    ),
)


def day(t: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(t, datetime.UTC).date()


def nearest_rank(samples: list[float], percent: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def _audio() -> str:
    return base64.b64encode(bytes(range(256)) * (AUDIO_BYTES // 256) + b"\0" * 192).decode()


def _frame(event_type: str, **body: Any) -> bytes:
    return json.dumps({"type": event_type, **body}, separators=(",", ":")).encode()


def _usage(tokens: int) -> dict[str, Any]:
    half = tokens // 2
    return {
        "total_tokens": tokens,
        "input_tokens": half,
        "output_tokens": tokens - half,
        "input_token_details": {"audio_tokens": half, "text_tokens": 0, "cached_tokens": 1},
        "output_token_details": {"audio_tokens": tokens - half, "text_tokens": 0},
    }


def _turn(k: int, stopped: float, latency: float, tokens: int, name: str) -> list[Record]:
    response = f"resp_{name}_{k}"
    where = {"response_id": response, "item_id": f"item_{k}", "output_index": 0}
    where["content_index"] = 0
    created = {"id": response, "object": "realtime.response", "status": "in_progress"}
    done = {**created, "status": "completed", "usage": _usage(tokens)}
    user_item = f"item_u{k}"
    answer = stopped + latency
    return [
        (stopped - 0.5, "client", _frame("input_audio_buffer.append", audio=_audio())),
        (
            stopped,
            "server",
            _frame(
                "input_audio_buffer.speech_stopped",
                event_id=f"ev_s{k}",
                audio_end_ms=1000,
                item_id=user_item,
            ),
        ),
        (
            stopped,
            "server",
            _frame("input_audio_buffer.committed", event_id=f"ev_c{k}", item_id=user_item),
        ),
        (stopped, "server", _frame("response.created", event_id=f"ev_r{k}", response=created)),
        (
            answer,
            "server",
            _frame("response.output_audio.delta", event_id=f"ev_d{k}", **where, delta=_audio()),
        ),
        (
            answer,
            "server",
            _frame(
                "response.output_audio_transcript.delta",
                event_id=f"ev_t{k}",
                **where,
                delta=f"hello {k}",
            ),
        ),
        (answer + 0.5, "server", _frame("response.done", event_id=f"ev_x{k}", response=done)),
    ]


Record = tuple[float, Direction, bytes]


def frames(plan: Plan) -> list[Record]:
    """The plan's records in the order they are written: ``(t, direction, frame)``."""
    fmt = {"type": "audio/pcmu"} if plan.g711 else {"type": "audio/pcm", "rate": 24000}
    audio = {"input": {"format": fmt}, "output": {"format": fmt}}
    session: dict[str, Any] = {"type": "realtime", "audio": audio}
    if plan.model is not None:
        session["model"] = plan.model
    out: list[Record] = [
        (plan.start, "server", _frame("session.created", event_id="ev_0", session=session))
    ]
    for n, kind in enumerate(plan.unknown):
        out.append((plan.start + 0.5, "server", _frame(kind, event_id=f"ev_u{n}")))
    for kind in plan.invalid:
        out.append((plan.start + 0.6, "client", INVALID_FRAMES[kind]))
    if plan.server_error:
        error = {
            "type": "invalid_request_error",
            "code": "unknown_parameter",
            "message": "Unknown parameter: 'session.foo'.",
            "param": "session.foo",
            "event_id": "client_7",
        }
        out.append((plan.start + 0.7, "server", _frame("error", event_id="ev_e", error=error)))
    turns = zip(plan.turn_times(), plan.latencies, plan.tokens, strict=True)
    for k, (stopped, latency, tokens) in enumerate(turns):
        out += _turn(k, stopped, latency, tokens, plan.name)
    return out


def write_fleet(directory: Path, plans: tuple[Plan, ...] = FLEET) -> list[Path]:
    """One capture per plan, ``session-<name>.jsonl`` (every other one gzipped)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, plan in enumerate(plans):
        path = directory / f"session-{plan.name}.jsonl{'.gz' if n % 2 else ''}"
        with CaptureWriter(path) as writer:
            for t, direction, frame in frames(plan):
                writer.write(direction, frame, t=t)
        paths.append(path)
    return paths


def read_table(out: Path, table: str) -> pa.Table:
    """A table of the dataset, with ``day`` from the paths, sorted by session and row."""
    partitioning = ds.partitioning(pa.schema([("day", pa.date32())]), flavor="hive")
    data = ds.dataset(out / table, format="parquet", partitioning=partitioning).to_table()
    keys: list[tuple[str, Literal["ascending", "descending"]]] = [("session", "ascending")]
    if table == "events":
        keys.append(("seq", "ascending"))
    return data.sort_by(keys)


def digests(out: Path) -> dict[str, str]:
    """Every file of a dataset, by its path inside it, and a hash of its bytes."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }
