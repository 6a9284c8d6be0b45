"""The benchmark corpus is provably valid: the SDK accepts every frame in strict mode.

rtmsg must decode each frame to its class and round-trip it; the future event types of the
unknown-heavy stream must come out as :class:`rtmsg.Unknown`, byte for byte. The simulated
translation session is checked against the SDK's translation models the same way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent
from pydantic import TypeAdapter

import rtmsg
from bench.corpus import (
    AUDIO_TYPES,
    LIVE_FLAT,
    Corpus,
    build_corpus,
    flat_twin,
    live_session,
    translation_session,
    unknown_twin,
)
from helpers import Direction, assert_round_trip
from rtmsg import live
from sdk_oracle import sdk_validate

CLIENT = TypeAdapter[Any](RealtimeClientEvent)
SERVER = TypeAdapter[Any](RealtimeServerEvent)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus(30.0)


def test_same_seed_same_bytes() -> None:
    assert build_corpus(4.0).server == build_corpus(4.0).server
    assert build_corpus(4.0, seed=1).server != build_corpus(4.0).server


def test_every_client_frame_is_valid_for_the_sdk(corpus: Corpus) -> None:
    for frame in corpus.client:
        CLIENT.validate_json(frame, strict=True)
        assert_round_trip(frame, "client")


def test_every_server_frame_is_valid_for_the_sdk(corpus: Corpus) -> None:
    for frame in corpus.server:
        SERVER.validate_json(frame, strict=True)
        assert_round_trip(frame, "server")


def test_micro_frames_are_valid_or_unknown(corpus: Corpus) -> None:
    for name, (side, frame) in corpus.micro.items():
        if side == "live server":
            sdk_validate(frame, "server", "live")
            assert_round_trip(frame, "server", "live")
            continue
        direction: Direction = "client" if side == "client" else "server"
        if name.endswith("as Unknown"):
            event = rtmsg.decode_server_event(frame)
            assert isinstance(event, rtmsg.Unknown)
            assert rtmsg.encode(event) == frame
        else:
            (CLIENT if direction == "client" else SERVER).validate_json(frame, strict=True)
            assert_round_trip(frame, direction)


def test_unknown_heavy_stream_is_thirty_percent_unknown(corpus: Corpus) -> None:
    events = [rtmsg.decode_server_event(frame) for frame in corpus.unknown_heavy]
    unknown = [event for event in events if isinstance(event, rtmsg.Unknown)]
    assert len(unknown) / len(events) == pytest.approx(0.3, abs=0.01)
    for event in unknown:
        assert rtmsg.encode(event) in corpus.unknown_heavy


def test_audio_dominates_the_client_stream(corpus: Corpus) -> None:
    types = [json.loads(frame)["type"] for frame in corpus.client]
    appends_per_second = types.count("input_audio_buffer.append") / corpus.seconds
    assert 25 <= appends_per_second <= 50
    assert {"session.update", "response.create", "conversation.item.truncate"} <= set(types)


def test_control_mixes_hold_no_audio(corpus: Corpus) -> None:
    for frame in corpus.control_client + corpus.control_server:
        assert json.loads(frame)["type"] not in AUDIO_TYPES


def test_unknown_twin_keeps_the_size() -> None:
    frame = b'{"type":"response.output_audio.delta","event_id":"e","delta":"AAA="}'
    twin = unknown_twin(frame)
    assert twin is not None
    assert len(twin) == len(frame)
    assert unknown_twin(b'{"type":"response.done"}') is None


def test_every_translation_session_frame_is_valid_for_the_sdk() -> None:
    session = translation_session(10.0)
    assert session.frames == translation_session(10.0).frames
    assert session.frames != translation_session(10.0, seed=1).frames
    types = [json.loads(frame)["type"] for _, frame in session.frames]
    assert types[0] == "session.created"
    assert types[-1] == "session.closed"
    assert types.count("session.input_audio_buffer.append") == 50
    assert types.count("session.output_audio.delta") == 50
    for direction, frame in session.frames:
        sdk_validate(frame, direction, "translation")
        assert_round_trip(frame, direction, "translation")
    appends = translation_session(1.0, chunk_ms=40).frames
    assert [json.loads(f)["type"] for _, f in appends].count("session.output_audio.delta") == 5


def test_every_live_session_frame_is_valid_for_the_sdk() -> None:
    session = live_session(10.0)
    assert session.frames == live_session(10.0).frames
    assert session.frames != live_session(10.0, seed=1).frames
    types = [json.loads(frame)["type"] for _, frame in session.frames]
    assert (types[0], types[1], types[-2], types[-1]) == (
        "session.start",
        "session.started",
        "session.close",
        "session.closed",
    )
    assert types.count("session.input_audio.append") == 200  # 50 ms appends
    assert types.count("session.delegation.created") == 1
    nested_types = []
    for direction, frame in session.frames:
        sdk_validate(frame, direction, "live")
        event = assert_round_trip(frame, direction, "live")
        if isinstance(event, live.ResponseEvent):
            nested = json.loads(frame)["event"]
            sdk_validate(json.dumps(nested), "server", "live/response")
            assert not isinstance(event.nested(), rtmsg.Unknown)
            nested_types.append(nested["type"])
    assert nested_types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert nested_types[-1] == "response.completed"
    assert {"session.output_audio.delta", "session.input_transcript.delta"} <= set(types)


def test_the_live_stream_and_its_micro_frames(corpus: Corpus) -> None:
    assert corpus.live_client
    assert corpus.live_server
    nested = corpus.micro["live response.event"][1]
    flat = corpus.micro[LIVE_FLAT][1]
    assert len(flat) == len(nested)
    assert flat == flat_twin(nested)
    assert isinstance(live.decode_server_event(flat), live.SessionOutputTranscriptDelta)
