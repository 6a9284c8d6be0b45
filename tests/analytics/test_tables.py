"""The events and sessions tables: their pinned schemas, their rows, and the Arrow stream.

Rows are checked against the plans the captures were written from (tests/fleet.py),
against ``rtmsg stats`` (the sessions table), and against the SDK's reading of thousands of
generated frames of every event type (the ids, text, usage and error columns).
"""

from __future__ import annotations

import datetime
import gzip
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import rtmsg
from fleet import AUDIO_BYTES, FLEET, INVALID_CODES, Plan, frames, write_fleet
from rtmsg import analytics, translation
from rtmsg.capture import CaptureWriter, Direction, encode_record, read_capture
from rtmsg.inspection import session_stats
from sdk_frames import frames as sdk_frames
from sdk_oracle import sdk_validate

ROOT = Path(__file__).resolve().parents[2]

EVENTS_COLUMNS = [
    ("session", "string", False),
    ("seq", "int64", False),
    ("line", "int64", False),
    ("t", "timestamp[us, tz=UTC]", True),
    ("direction", "string", True),
    ("protocol", "string", True),
    ("model", "string", True),
    ("type", "string", True),
    ("outcome", "string", False),
    ("event_id", "string", True),
    ("response_id", "string", True),
    ("item_id", "string", True),
    ("frame_bytes", "int64", True),
    ("audio_bytes", "int64", True),
    ("audio_seconds", "double", True),
    ("latency_s", "double", True),
    ("text", "string", True),
    ("status", "string", True),
    ("input_tokens", "int64", True),
    ("output_tokens", "int64", True),
    ("total_tokens", "int64", True),
    ("input_audio_tokens", "int64", True),
    ("input_text_tokens", "int64", True),
    ("input_cached_tokens", "int64", True),
    ("output_audio_tokens", "int64", True),
    ("output_text_tokens", "int64", True),
    ("code", "string", True),
    ("param", "string", True),
    ("message", "string", True),
]
SESSIONS_COLUMNS = [
    ("session", "string", False),
    ("file", "string", False),
    ("protocol", "string", False),
    ("model", "string", True),
    ("started_at", "timestamp[us, tz=UTC]", True),
    ("ended_at", "timestamp[us, tz=UTC]", True),
    ("duration_s", "double", True),
    ("frames", "int64", False),
    ("unknown_frames", "int64", False),
    ("invalid_frames", "int64", False),
    ("audio_sent_s", "double", False),
    ("audio_received_s", "double", False),
    ("turns", "int64", False),
    ("responses", "int64", False),
    ("responses_by_status", "map<string, int64>", False),
    ("input_tokens", "int64", True),
    ("output_tokens", "int64", True),
    ("total_tokens", "int64", True),
    ("input_audio_tokens", "int64", True),
    ("input_text_tokens", "int64", True),
    ("input_cached_tokens", "int64", True),
    ("output_audio_tokens", "int64", True),
    ("output_text_tokens", "int64", True),
    ("latency_turns", "int64", False),
    ("latency_median_s", "double", True),
    ("latency_p95_s", "double", True),
    ("latency_max_s", "double", True),
    ("input_transcript_chars", "int64", False),
    ("output_transcript_chars", "int64", False),
    ("usage_s", "double", True),
]


def _columns(schema: pa.Schema) -> list[tuple[str, str, bool]]:
    return [(field.name, str(field.type), field.nullable) for field in schema]


def test_the_schemas_are_pinned() -> None:
    # A change here breaks every query written against the dataset: make it on purpose.
    assert _columns(analytics.EVENTS_SCHEMA) == EVENTS_COLUMNS
    assert [
        (name, type_.replace("map<string, int64 ('responses_by_status')>", "map<string, int64>"))
        for name, type_, _ in _columns(analytics.SESSIONS_SCHEMA)
    ] == [(name, type_) for name, type_, _ in SESSIONS_COLUMNS]
    assert [field.nullable for field in analytics.SESSIONS_SCHEMA] == [
        nullable for *_, nullable in SESSIONS_COLUMNS
    ]


def _readme_table(heading: str) -> list[tuple[str, str, bool]]:
    """The ``| column | Arrow type | null | ... |`` rows under ``heading`` in the README."""
    text = (ROOT / "README.md").read_text()
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[1].startswith("`"):
            rows.append((cells[0].strip("`"), cells[1].strip("`"), cells[2] == "yes"))
    return rows


def test_the_readme_documents_the_schemas() -> None:
    assert _readme_table("#### The `events` table") == EVENTS_COLUMNS
    assert _readme_table("#### The `sessions` table") == SESSIONS_COLUMNS


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_fleet(tmp_path_factory.mktemp("fleet"))


def _rows(paths: list[Path], **options: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = analytics.events(paths, **options).read_all().to_pylist()
    return rows


def _time(t: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(round(t * 1_000_000) / 1_000_000, datetime.UTC)


def test_event_rows_follow_the_plan(fleet: list[Path]) -> None:
    plan = FLEET[0]
    sent = frames(plan)
    rows = _rows([fleet[0]])
    assert len(rows) == len(sent)
    assert [row["seq"] for row in rows] == list(range(1, len(sent) + 1))
    assert [row["line"] for row in rows] == list(range(1, len(sent) + 1))
    assert {row["session"] for row in rows} == {"session-alpha"}
    assert [row["t"] for row in rows] == [_time(t) for t, _, _ in sent]
    assert [row["direction"] for row in rows] == [direction for _, direction, _ in sent]
    assert {row["protocol"] for row in rows} == {"conversation"}
    assert [row["frame_bytes"] for row in rows] == [len(frame) for *_, frame in sent]

    by_type: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    (unknown,) = by_type["response.output_video.delta"]
    assert (unknown["outcome"], unknown["event_id"]) == ("unknown", "ev_u0")
    (invalid,) = by_type["conversation.item.delete"]
    assert invalid["outcome"] == "invalid"
    assert (invalid["line"], invalid["direction"]) == (3, "client")
    assert (invalid["event_id"], invalid["code"]) == ("bad_delete", INVALID_CODES["missing"])
    assert invalid["param"] == "item_id"
    assert "item_id" in invalid["message"]
    known = [row for row in rows if row["outcome"] == "known"]
    assert len(known) == len(rows) - 2

    appends = by_type["input_audio_buffer.append"]
    deltas = by_type["response.output_audio.delta"]
    for row in appends + deltas:
        assert row["audio_bytes"] == AUDIO_BYTES
        assert row["audio_seconds"] == pytest.approx(AUDIO_BYTES / 48_000)
    assert [row["latency_s"] for row in deltas] == [pytest.approx(x) for x in plan.latencies]
    assert [row["response_id"] for row in deltas] == [f"resp_alpha_{k}" for k in range(3)]
    assert [row["item_id"] for row in deltas] == [f"item_{k}" for k in range(3)]
    others = [row for row in rows if row["type"] != "response.output_audio.delta"]
    assert all(row["latency_s"] is None for row in others)
    assert all(row["audio_bytes"] is None for row in others if row not in appends)
    transcripts = by_type["response.output_audio_transcript.delta"]
    assert [row["text"] for row in transcripts] == [f"hello {k}" for k in range(3)]
    assert all(row["text"] is None for row in rows if row not in transcripts)

    dones = by_type["response.done"]
    assert [row["total_tokens"] for row in dones] == list(plan.tokens)
    assert [row["input_tokens"] for row in dones] == [n // 2 for n in plan.tokens]
    assert [row["input_cached_tokens"] for row in dones] == [1, 1, 1]
    assert [row["status"] for row in dones] == ["completed"] * 3
    assert [row["response_id"] for row in dones] == [f"resp_alpha_{k}" for k in range(3)]
    assert all(row["total_tokens"] is None for row in rows if row not in dones)
    created = by_type["response.created"]
    assert [row["response_id"] for row in created] == [f"resp_alpha_{k}" for k in range(3)]


def test_audio_seconds_follow_the_format_and_errors_have_their_code(fleet: list[Path]) -> None:
    rows = _rows([fleet[1]])  # bravo: G.711, and a server error
    audio = [row for row in rows if row["audio_bytes"] is not None]
    assert len(audio) == 2
    assert all(row["audio_seconds"] == pytest.approx(AUDIO_BYTES / 8_000) for row in audio)
    (error,) = [row for row in rows if row["type"] == "error"]
    assert error["outcome"] == "known"
    assert (error["code"], error["param"]) == ("unknown_parameter", "session.foo")
    assert error["message"] == "Unknown parameter: 'session.foo'."


def test_session_rows_are_what_rtmsg_stats_says(fleet: list[Path]) -> None:
    rows = analytics.sessions(fleet).read_all().to_pylist()
    assert [row["session"] for row in rows] == [f"session-{plan.name}" for plan in FLEET]
    for path, plan, row in zip(fleet, FLEET, rows, strict=True):
        stats = session_stats(read_capture(path))
        assert row["file"] == str(path)
        assert row["protocol"] == stats.protocol == "conversation"
        assert row["frames"] == stats.frames == len(frames(plan))
        assert row["invalid_frames"] == stats.invalid_frames == len(plan.invalid)
        assert row["unknown_frames"] == len(plan.unknown)
        assert row["duration_s"] == stats.duration_s
        assert row["audio_sent_s"] == stats.audio_sent_s
        assert row["audio_received_s"] == stats.audio_received_s
        assert row["turns"] == stats.turns == len(plan.latencies)
        assert row["responses"] == stats.responses
        assert dict(row["responses_by_status"]) == stats.responses_by_status
        assert row["total_tokens"] == stats.tokens.total_tokens == sum(plan.tokens)
        assert row["input_cached_tokens"] == stats.tokens.input_cached_tokens
        assert row["output_audio_tokens"] == stats.tokens.output_audio_tokens
        times = [t for t, _, _ in frames(plan)]
        assert row["started_at"] == _time(min(times))
        assert row["ended_at"] == _time(max(times))
        if stats.latency is None:
            assert row["latency_turns"] == 0
            assert row["latency_p95_s"] is None
        else:
            assert row["latency_turns"] == stats.latency.turns
            assert row["latency_median_s"] == stats.latency.median_s
            assert row["latency_p95_s"] == stats.latency.p95_s
            assert row["latency_max_s"] == stats.latency.max_s
        assert row["input_transcript_chars"] == stats.input_transcript_chars
        assert row["output_transcript_chars"] == stats.output_transcript_chars
        assert row["usage_s"] is None  # conversation sessions report no billed time


def test_the_reader_is_lazy_and_streams_in_batches(fleet: list[Path], tmp_path: Path) -> None:
    missing = tmp_path / "not-yet.jsonl"
    reader = analytics.events([*fleet, missing], batch_rows=7)  # opens nothing yet
    sizes = []
    batches = iter(reader)
    for _ in range(sum(len(frames(plan)) for plan in FLEET) // 7 + len(FLEET)):
        try:
            sizes.append(next(batches).num_rows)
        except FileNotFoundError:
            break
    else:
        pytest.fail("the missing file was never opened")
    assert sum(sizes) == sum(len(frames(plan)) for plan in FLEET)
    assert max(sizes) == 7
    assert analytics.events(fleet[0]).read_all().num_rows == len(frames(FLEET[0]))


def test_duckdb_and_polars_read_the_stream_without_files(fleet: list[Path]) -> None:
    reader = analytics.events(fleet)  # noqa: F841  # DuckDB finds the variable by its name
    relation = duckdb.sql(
        "SELECT session, count(*) FROM reader WHERE outcome = 'unknown' GROUP BY ALL ORDER BY 1"
    )
    assert relation is not None
    counts = relation.fetchall()
    expected = [(f"session-{plan.name}", len(plan.unknown)) for plan in FLEET if plan.unknown]
    assert counts == expected
    frame = pl.from_arrow(analytics.sessions(fleet))
    assert isinstance(frame, pl.DataFrame)
    assert frame["total_tokens"].to_list() == [sum(plan.tokens) for plan in FLEET]


# --- the SDK's reading of every event type ----------------------------------------------


def _sdk_row(model: Any) -> dict[str, Any]:
    """The id, text, usage and error columns, from the SDK's model of the frame."""
    kind = model.type
    response: Any = getattr(model, "response", None)
    item: Any = getattr(model, "item", None)
    row: dict[str, Any] = {
        "type": kind,
        "event_id": getattr(model, "event_id", None),
        "response_id": getattr(model, "response_id", None),
        "item_id": getattr(model, "item_id", None),
        "text": None,
        "status": None,
        "total_tokens": None,
        "input_audio_tokens": None,
        "code": None,
        "param": None,
    }
    if kind in ("response.created", "response.done"):
        row["response_id"] = response.id
    if item is not None:
        row["item_id"] = getattr(item, "id", None)
    if kind.endswith(".delta") and kind != "response.output_audio.delta":
        if "transcript" in kind or "text" in kind:
            row["text"] = model.delta
    elif kind in ("response.output_text.done",):
        row["text"] = model.text
    elif kind in (
        "response.output_audio_transcript.done",
        "conversation.item.input_audio_transcription.completed",
    ):
        row["text"] = model.transcript
    elif kind == "conversation.item.input_audio_transcription.segment":
        row["text"] = model.text
    if kind == "response.done":
        row["status"] = response.status
        usage = response.usage
        if usage is not None:
            details = usage.input_token_details
            row["total_tokens"] = usage.total_tokens or 0
            row["input_audio_tokens"] = (details.audio_tokens or 0) if details else 0
    if kind == "error":
        row["code"], row["param"] = model.error.code, model.error.param
    return row


_COMPARED = [
    "type",
    "event_id",
    "response_id",
    "item_id",
    "text",
    "status",
    "total_tokens",
    "input_audio_tokens",
    "code",
    "param",
]


@pytest.mark.parametrize("direction", ["client", "server"])
def test_event_columns_agree_with_the_sdk(direction: Direction, tmp_path: Path) -> None:
    generated = sdk_frames(direction)
    path = tmp_path / f"{direction}.jsonl"
    with CaptureWriter(path) as writer:
        for frame in generated:
            writer.write(direction, frame.text, t=1_757_000_000.0)
    rows = _rows([path])
    assert len(rows) == len(generated)
    types = set()
    for frame, row in zip(generated, rows, strict=True):
        assert row["outcome"] == "known", (frame.text, row["message"])
        assert row["frame_bytes"] == len(frame.text.encode())
        expected = _sdk_row(sdk_validate(frame.text, direction))
        for column in _COMPARED:
            value = expected[column]
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                value = None  # a 64-bit column cannot hold it
            assert row[column] == value, (column, frame.text)
        types.add(row["type"])
    assert len(types) == {"client": 11, "server": 46}[direction]


# --- bad input ---------------------------------------------------------------------------

APPEND = b'{"type":"input_audio_buffer.append","audio":"AAAA"}'


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, dict[str, Any], list[tuple[int, str, Any]]]]:
    """Each bad input: its file, the options, and ``(line, outcome, code)`` of every row."""
    cases: dict[str, tuple[Path, dict[str, Any], list[tuple[int, str, Any]]]] = {}

    def case(name: str, data: bytes, rows: list[tuple[int, str, Any]], **options: Any) -> None:
        path = tmp / name
        path.write_bytes(data)
        cases[name] = (path, options, rows)

    good = encode_record(1.0e9, "client", APPEND)
    case("empty.jsonl", b"", [])
    case("blank.jsonl", b"\n\n  \n", [])
    not_records = [(n, "invalid", "invalid_record") for n in (1, 2, 3)]
    case("picture.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe", not_records)
    case("notes.txt", b"hello\nworld\n", not_records[:2])
    case("bare.jsonl", APPEND + b"\n", [(1, "invalid", "invalid_record")])
    case("bare-with-direction.jsonl", APPEND + b"\n", [(1, "known", None)], direction="client")
    case(
        "sideways.jsonl",
        good + b'{"t":2e9,"dir":"sideways","frame":{"type":"x"}}\n' + good,
        [(1, "known", None), (2, "invalid", "invalid_record"), (3, "known", None)],
    )
    case(
        "huge.jsonl",
        good + encode_record(1.0e9, "client", b'{"type":"x","pad":"' + b"a" * 5000 + b'"}') + good,
        [(1, "known", None), (2, "invalid", "frame_too_large"), (3, "known", None)],
        max_frame_bytes=1000,
    )
    case(
        "bad-times.jsonl",
        b'{"t":1e300,"dir":"client","frame":{"type":"x"}}\n'
        + b'{"t":-1e20,"dir":"client","frame":{"type":"x"}}\n'
        + good,
        [(1, "invalid", "invalid_record"), (2, "invalid", "invalid_record"), (3, "known", None)],
    )
    case(
        "surrogate.jsonl",
        encode_record(1.0e9, "client", b'{"type":"\\ud800","event_id":"\\udfff"}'),
        [(1, "invalid", "invalid_utf8")],  # valid JSON, but no Unicode text
    )
    whole = gzip.compress(good * 2000)
    case("cut.jsonl.gz", whole[: len(whole) // 2], [])  # rows checked below
    case("not-gzip.jsonl.gz", good, [(1, "invalid", "not_gzip")])
    return cases


def test_bad_input_makes_invalid_rows_never_an_exception(tmp_path: Path) -> None:
    for name, (path, options, expected) in _bad_inputs(tmp_path).items():
        rows = _rows([path], **options)
        got = [(row["line"], row["outcome"], row["code"]) for row in rows]
        if name == "cut.jsonl.gz":
            *whole, last = got
            assert whole
            assert all(outcome == "known" for _, outcome, _ in whole)
            assert last == (len(whole) + 1, "invalid", "truncated_file")
            continue
        assert got == expected, name
        for row in rows:
            if row["outcome"] == "invalid":
                assert row["message"], name
                if row["code"] in ("invalid_record", "truncated_file", "not_gzip"):
                    assert row["direction"] is None, name  # not a record: no direction
        (stats,) = analytics.sessions([path], **options).read_all().to_pylist()
        assert stats["frames"] == len(expected)
        assert stats["invalid_frames"] == sum(outcome == "invalid" for _, outcome, _ in expected)


def test_a_record_of_an_unknown_direction_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"t":2e9,"dir":"sideways","frame":{"type":"x"}}\n')
    (row,) = _rows([path])
    assert re.search(r"\$\.dir", row["message"])
    assert row["t"] is None


def test_ids_of_unknown_events_are_read_when_they_are_strings(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    video = {"type": "response.output_video.delta", "event_id": "e1", "response_id": "r1"}
    frames_ = [
        {**video, "item_id": "i1"},
        {"type": "session.heartbeat", "response_id": 7, "item_id": None},
        {"type": "session.heartbeat", "response_id": {"deep": [1, 2]}},
    ]  # fmt: skip
    with CaptureWriter(path) as writer:
        for frame in frames_:
            writer.write("server", json.dumps(frame), t=1.0)
    rows = _rows([path])
    assert [(r["event_id"], r["response_id"], r["item_id"]) for r in rows] == [
        ("e1", "r1", "i1"),
        (None, None, None),
        (None, None, None),
    ]
    assert {row["outcome"] for row in rows} == {"unknown"}


def test_token_counts_beyond_64_bits_are_null_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    done = rtmsg.ResponseDone(
        event_id="e",
        response=rtmsg.Response(usage=rtmsg.Usage(total_tokens=2**64, input_tokens=3)),
    )
    with CaptureWriter(path) as writer:
        writer.write("server", rtmsg.encode(done), t=1.0)
    (row,) = _rows([path])
    assert (row["total_tokens"], row["input_tokens"]) == (None, 3)
    (session,) = analytics.sessions([path]).read_all().to_pylist()
    assert (session["total_tokens"], session["input_tokens"]) == (None, 3)


def _translation_frames() -> list[tuple[Direction, bytes]]:
    return [
        ("client", rtmsg.encode(translation.SessionInputAudioBufferAppend.from_pcm(b"\0" * 9600))),
        (
            "server",
            rtmsg.encode(translation.SessionInputTranscriptDelta(event_id="e1", delta="Hi")),
        ),
        (
            "server",
            rtmsg.encode(
                translation.SessionOutputAudioDelta.from_pcm(
                    b"\0" * 6400, event_id="e2", sample_rate=16000, channels=2
                )
            ),
        ),
        (
            "server",
            rtmsg.encode(translation.SessionOutputTranscriptDelta(event_id="e3", delta="Hola")),
        ),
        ("server", b'{"type":"session.closed"}'),  # no event_id: invalid
    ]


def test_a_translation_capture_is_decoded_with_its_protocol(tmp_path: Path) -> None:
    path = tmp_path / "tr.jsonl"
    with CaptureWriter(path) as writer:
        for k, (direction, frame) in enumerate(_translation_frames()):
            writer.write(direction, frame, t=1.0 + k, protocol="translation")
    rows = _rows([path])
    assert {row["protocol"] for row in rows} == {"translation"}
    assert [row["outcome"] for row in rows] == ["known"] * 4 + ["invalid"]
    assert [row["type"] for row in rows][:4] == [
        "session.input_audio_buffer.append",
        "session.input_transcript.delta",
        "session.output_audio.delta",
        "session.output_transcript.delta",
    ]
    assert [row["audio_bytes"] for row in rows] == [9600, None, 6400, None, None]
    seconds = [row["audio_seconds"] for row in rows]
    assert seconds == [pytest.approx(0.2), None, pytest.approx(0.1), None, None]
    assert [row["text"] for row in rows] == [None, "Hi", None, "Hola", None]
    assert [row["event_id"] for row in rows] == [None, "e1", "e2", "e3", None]
    assert (rows[-1]["code"], rows[-1]["param"]) == ("missing_required_parameter", "event_id")
    (session,) = analytics.sessions([path]).read_all().to_pylist()
    stats = session_stats(read_capture(path))
    assert session["protocol"] == stats.protocol == "translation"
    assert session["audio_sent_s"] == stats.audio_sent_s == pytest.approx(0.2)
    assert session["audio_received_s"] == stats.audio_received_s == pytest.approx(0.1)
    assert (session["frames"], session["invalid_frames"], session["turns"]) == (5, 1, 0)


def test_bare_translation_frames_take_the_protocol_given(tmp_path: Path) -> None:
    path = tmp_path / "bare.jsonl"
    path.write_bytes(b"".join(frame + b"\n" for _, frame in _translation_frames()[1:2]))
    (as_translation,) = _rows([path], direction="server", protocol="translation")
    assert (as_translation["protocol"], as_translation["outcome"]) == ("translation", "known")
    assert as_translation["text"] == "Hi"
    (as_conversation,) = _rows([path], direction="server")
    assert (as_conversation["protocol"], as_conversation["outcome"]) == ("conversation", "unknown")
    assert as_conversation["text"] is None


def test_a_plan_of_no_turns_has_no_latency(tmp_path: Path) -> None:
    (path,) = write_fleet(tmp_path, (Plan("quiet", 1_757_000_000.0),))
    (row,) = analytics.sessions([path]).read_all().to_pylist()
    assert (row["latency_turns"], row["latency_median_s"], row["turns"]) == (0, None, 0)


def test_every_row_has_the_model_the_server_named_last(tmp_path: Path) -> None:
    def created(event_type: str, model: str) -> bytes:
        session = {"type": "realtime", "model": model}
        return json.dumps({"type": event_type, "event_id": "e", "session": session}).encode()

    path = tmp_path / "models.jsonl"
    with path.open("wb") as fp:
        fp.write(encode_record(1.0, "client", b'{"type":"input_audio_buffer.commit"}'))
        fp.write(b"not a record\n")
        fp.write(encode_record(2.0, "server", created("session.created", "gpt-a")))
        fp.write(encode_record(3.0, "client", b'{"type":"conversation.item.delete"}'))
        fp.write(b"not a record\n")
        # a client's session.update asks for a model; only the server's answer says it runs
        fp.write(encode_record(4.0, "client", created("session.update", "gpt-b")))
        fp.write(encode_record(5.0, "server", b'{"type":"future.event"}'))
        fp.write(encode_record(6.0, "server", created("session.updated", "gpt-b")))
        fp.write(encode_record(7.0, "server", b'{"type":"future.event"}'))
    rows = _rows([path])
    assert [row["model"] for row in rows] == [None, None, *["gpt-a"] * 5, "gpt-b", "gpt-b"]
    outcomes = ["known", "invalid", "known", "invalid", "invalid"]
    assert [row["outcome"] for row in rows][:5] == outcomes
    (session,) = analytics.sessions([path]).read_all().to_pylist()
    assert session["model"] == "gpt-b"
    assert session_stats(read_capture(path)).model == "gpt-b"


def test_the_model_of_a_translation_session(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    created = translation.SessionCreated(
        event_id="e",
        session=translation.Session(
            type="translation",
            id="sess_1",
            model="gpt-realtime-translate",
            expires_at=0,
            audio=translation.Audio(),
        ),
    )
    with CaptureWriter(path) as writer:
        writer.write("server", rtmsg.encode(created), t=1.0, protocol="translation")
    (session,) = analytics.sessions([path]).read_all().to_pylist()
    assert session["model"] == "gpt-realtime-translate"


# --- times -----------------------------------------------------------------------------------


def test_times_keep_their_microseconds(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    base = 1_757_073_600  # 2025-09-05T12:00:00Z
    offsets_us = [123_456, 123_457, 1_000_001]
    with CaptureWriter(path) as writer:
        for offset in offsets_us:
            writer.write("client", APPEND, t=base + offset / 1_000_000)
    start = datetime.datetime.fromtimestamp(base, datetime.UTC)
    expected = [start + datetime.timedelta(microseconds=offset) for offset in offsets_us]
    assert [row["t"] for row in _rows([path])] == expected
    (session,) = analytics.sessions([path]).read_all().to_pylist()
    assert (session["started_at"], session["ended_at"]) == (expected[0], expected[-1])
    assert session["duration_s"] == pytest.approx(0.876545, abs=1e-6)


def test_the_first_and_last_instants_a_date_can_hold(tmp_path: Path) -> None:
    # Years 1 to 9999: every reader's date type holds them. Just outside is a bad line.
    first, end = -62_135_596_800.0, 253_402_300_800.0  # 0001-01-01, 10000-01-01
    path = tmp_path / "c.jsonl"
    times = [first, first - 1, end - 1, end]  # whole seconds: exact as floats this far out
    path.write_bytes(b"".join(encode_record(t, "client", APPEND) for t in times))
    rows = _rows([path])
    assert [(row["outcome"], row["code"]) for row in rows] == [
        ("known", None),
        ("invalid", "invalid_record"),
        ("known", None),
        ("invalid", "invalid_record"),
    ]
    assert rows[0]["t"] == datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
    assert rows[2]["t"] == datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
    assert "between the years 1 and 9999" in rows[3]["message"]
    # The dataset has a partition for each of the two days, and no exception.
    report = analytics.export([path], tmp_path / "out")
    assert report.captures[0].files == [
        "events/day=0001-01-01/c.parquet",
        "events/day=9999-12-31/c.parquet",
        "sessions/day=0001-01-01/c.parquet",
    ]
