"""check_records counts frames by direction and type, and reports the invalid ones."""

from __future__ import annotations

import rtmsg
from rtmsg import translation
from rtmsg.capture import BadRecord, Direction, Protocol, Record
from rtmsg.inspection import (
    check_records,
)


def _rec(
    t: float,
    direction: Direction,
    event: rtmsg.Event | bytes,
    line: int = 0,
    protocol: Protocol = "conversation",
) -> Record:
    frame = event if isinstance(event, bytes) else rtmsg.encode(event)
    return Record(line=line, t=t, direction=direction, frame=frame, protocol=protocol)


def _tr(t: float, direction: Direction, event: rtmsg.Event | bytes, line: int = 0) -> Record:
    return _rec(t, direction, event, line, "translation")


def _delta(response_id: str, size: int) -> rtmsg.ResponseOutputAudioDelta:
    return rtmsg.ResponseOutputAudioDelta.from_pcm(
        b"\x01" * size,
        event_id="e",
        response_id=response_id,
        item_id="item",
        output_index=0,
        content_index=0,
    )


def _done(response_id: str, status: str, tokens: int) -> rtmsg.ResponseDone:
    return rtmsg.ResponseDone(
        event_id="e",
        response=rtmsg.Response(
            id=response_id,
            status=status,
            usage=rtmsg.Usage(
                input_tokens=tokens,
                output_tokens=2 * tokens,
                total_tokens=3 * tokens,
                input_token_details=rtmsg.InputTokenDetails(
                    audio_tokens=tokens, text_tokens=0, cached_tokens=1
                ),
                output_token_details=rtmsg.OutputTokenDetails(audio_tokens=2 * tokens),
            ),
        ),
    )


def test_check_counts_types_unknowns_and_invalid_frames() -> None:
    records: list[Record | BadRecord] = [
        _rec(0.0, "client", rtmsg.InputAudioBufferCommit(), line=1),
        _rec(0.0, "client", rtmsg.InputAudioBufferCommit(), line=2),
        _rec(0.0, "server", b'{"type":"future.thing","event_id":"e9"}', line=3),
        _rec(0.0, "client", b'{"type":"conversation.item.delete","event_id":"c7"}', line=4),
        BadRecord(line=5, message="not a capture record"),
        # A client event type in the server direction is an unknown server event.
        _rec(0.0, "server", rtmsg.InputAudioBufferCommit(), line=6),
    ]
    report = check_records(records, "f.jsonl")
    assert report.frames == 6
    assert report.valid == 4
    assert report.invalid == 2
    assert not report.ok
    assert report.counts == {"client": {"input_audio_buffer.commit": 2}, "server": {}}
    assert report.unknown_types == {
        "client": {},
        "server": {"future.thing": 1, "input_audio_buffer.commit": 1},
    }
    first, second = report.invalid_frames
    assert (first.file, first.line, first.direction) == ("f.jsonl", 4, "client")
    assert first.event_type == "conversation.item.delete"
    assert first.event_id == "c7"
    assert "item_id" in first.message
    assert (second.line, second.direction) == (5, None)


def test_check_lists_at_most_max_invalid_but_counts_all() -> None:
    records = [Record(line=i, t=None, direction="client", frame=b"nope") for i in range(10)]
    report = check_records(records, "f", max_invalid=3)
    assert report.invalid == 10
    assert len(report.invalid_frames) == 3


def test_check_decodes_each_record_in_its_protocol() -> None:
    update = b'{"type":"session.update","event_id":"c1","session":{"audio":{}}}'
    records: list[Record | BadRecord] = [
        _tr(0.0, "client", update, line=1),
        _rec(0.0, "client", update, line=2),  # a conversation session.update needs a type
        _tr(0.0, "client", rtmsg.InputAudioBufferCommit(), line=3),
        _tr(0.0, "server", translation.SessionClosed(event_id="e"), line=4),
    ]
    report = check_records(records, "t.jsonl")
    assert (report.valid, report.invalid) == (3, 1)
    assert report.counts == {"client": {"session.update": 1}, "server": {"session.closed": 1}}
    assert report.unknown_types["client"] == {"input_audio_buffer.commit": 1}
    [invalid] = report.invalid_frames
    assert (invalid.line, invalid.protocol, invalid.event_type) == (
        2,
        "conversation",
        "session.update",
    )


def test_a_file_without_frames_is_not_ok() -> None:
    report = check_records([], "empty.jsonl")
    assert (report.frames, report.invalid, report.empty_files) == (0, 0, ["empty.jsonl"])
    assert not report.ok
    check_records([_rec(0.0, "client", rtmsg.InputAudioBufferCommit(), line=1)], "b", report)
    assert report.empty_files == ["empty.jsonl"]
    assert not report.ok
    assert check_records([_rec(0.0, "client", rtmsg.InputAudioBufferCommit())], "c").ok


def test_the_cut_of_a_file_is_an_invalid_frame_with_its_code() -> None:
    records: list[Record | BadRecord] = [
        _rec(0.0, "client", rtmsg.InputAudioBufferCommit(), line=1),
        BadRecord(line=2, message="the file is truncated", code="truncated_file"),
    ]
    report = check_records(records, "cut.jsonl.gz")
    assert (report.frames, report.valid, report.invalid) == (2, 1, 1)
    assert not report.ok
    [cut] = report.invalid_frames
    assert (cut.line, cut.code, cut.message) == (2, "truncated_file", "the file is truncated")


def test_an_invalid_frame_carries_its_code_and_session() -> None:
    frame = b'{"type":"conversation.item.delete","event_id":"c7"}'
    record = Record(line=3, t=0.0, direction="client", frame=frame, session=4)
    [invalid] = check_records([record], "f").invalid_frames
    assert (invalid.code, invalid.session) == ("missing_required_parameter", 4)


def test_a_record_of_a_protocol_rtmsg_does_not_know_is_invalid_and_named() -> None:
    commit = rtmsg.encode(rtmsg.InputAudioBufferCommit())
    records: list[Record | BadRecord] = [
        Record(line=1, t=None, direction="client", frame=commit, protocol="beta"),
        Record(line=2, t=None, direction="client", frame=commit),
    ]
    report = check_records(records, "newer.jsonl")
    assert (report.valid, report.invalid) == (1, 1)
    [invalid] = report.invalid_frames
    assert (invalid.line, invalid.protocol) == (1, "beta")
    assert "protocol rtmsg does not know: 'beta'" in invalid.message


def test_a_record_of_a_connection_rtmsg_does_not_know_is_invalid_and_named() -> None:
    commit = rtmsg.encode(rtmsg.InputAudioBufferCommit())
    record = Record(
        line=1, t=None, direction="client", frame=commit, connection="attach", session=3
    )
    [invalid] = check_records([record], "newer.jsonl").invalid_frames
    assert (invalid.line, invalid.protocol, invalid.session) == (1, "conversation", 3)
    assert "protocol rtmsg does not know: 'conversation/attach'" in invalid.message
