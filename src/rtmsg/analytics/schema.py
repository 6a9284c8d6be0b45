"""The schemas of a capture's two tables, ``events`` and ``sessions``: their Arrow columns.

A declaration, apart from how rows are read from a capture (:mod:`.tables`, which re-exports
the schemas): the README's "Analytics" section says what each column holds, and a test pins
both. An event row's ``outcome`` is :data:`KNOWN`, :data:`UNKNOWN` or :data:`INVALID`.
"""

from __future__ import annotations

from typing import Any, Final

import pyarrow as pa

__all__ = [
    "EVENTS_SCHEMA",
    "INVALID",
    "KNOWN",
    "SESSIONS_SCHEMA",
    "TOKEN_COLUMNS",
    "UNKNOWN",
    "Row",
]

_TIME = pa.timestamp("us", tz="UTC")

TOKEN_COLUMNS: Final = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "input_audio_tokens",
    "input_text_tokens",
    "input_cached_tokens",
    "output_audio_tokens",
    "output_text_tokens",
)


def _field(name: str, type_: pa.DataType, nullable: bool = True) -> pa.Field[Any]:
    return pa.field(name, type_, nullable=nullable)


EVENTS_SCHEMA: Final = pa.schema(
    [
        _field("session", pa.string(), False),
        _field("seq", pa.int64(), False),
        _field("line", pa.int64(), False),
        _field("t", _TIME),
        _field("direction", pa.string()),
        _field("protocol", pa.string()),
        _field("model", pa.string()),
        _field("type", pa.string()),
        _field("outcome", pa.string(), False),
        _field("event_id", pa.string()),
        _field("response_id", pa.string()),
        _field("item_id", pa.string()),
        _field("frame_bytes", pa.int64()),
        _field("audio_bytes", pa.int64()),
        _field("audio_seconds", pa.float64()),
        _field("latency_s", pa.float64()),
        _field("text", pa.string()),
        _field("status", pa.string()),
        *(_field(name, pa.int64()) for name in TOKEN_COLUMNS),
        _field("code", pa.string()),
        _field("param", pa.string()),
        _field("message", pa.string()),
    ]
)
"""One row per line of a capture: a frame (``known``, ``unknown``, ``invalid``) or a bad line.

The README's "Analytics" section says what each column holds; a test pins the schema.
"""

SESSIONS_SCHEMA: Final = pa.schema(
    [
        _field("session", pa.string(), False),
        _field("file", pa.string(), False),
        _field("protocol", pa.string(), False),
        _field("model", pa.string()),
        _field("started_at", _TIME),
        _field("ended_at", _TIME),
        _field("duration_s", pa.float64()),
        _field("frames", pa.int64(), False),
        _field("unknown_frames", pa.int64(), False),
        _field("invalid_frames", pa.int64(), False),
        _field("audio_sent_s", pa.float64(), False),
        _field("audio_received_s", pa.float64(), False),
        _field("turns", pa.int64(), False),
        _field("responses", pa.int64(), False),
        _field("responses_by_status", pa.map_(pa.string(), pa.int64()), False),
        *(_field(name, pa.int64()) for name in TOKEN_COLUMNS),
        _field("latency_turns", pa.int64(), False),
        _field("latency_median_s", pa.float64()),
        _field("latency_p95_s", pa.float64()),
        _field("latency_max_s", pa.float64()),
        _field("input_transcript_chars", pa.int64(), False),
        _field("output_transcript_chars", pa.int64(), False),
        _field("usage_s", pa.float64()),
    ]
)
"""One row per capture: what ``rtmsg stats`` prints, and how many frames were unknown, invalid."""

Row = tuple[object, ...]
"""A row of either table, its values in schema order."""

KNOWN: Final = "known"
UNKNOWN: Final = "unknown"
INVALID: Final = "invalid"
