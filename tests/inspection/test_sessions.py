"""A capture shared by several sessions is summarised session by session, never merged."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

import rtmsg
from rtmsg import cli
from rtmsg.capture import BadRecord, Direction, Record, encode_record, read_capture
from rtmsg.inspection import SessionsNotNumbered, session_stats, sessions_stats
from servers import ServeRelayPair, receiver, recv_until, run


def _rec(
    t: float, direction: Direction, event: rtmsg.Event | bytes, session: int | None, line: int = 0
) -> Record:
    frame = event if isinstance(event, bytes) else rtmsg.encode(event)
    return Record(line=line, t=t, direction=direction, frame=frame, session=session)


def _created(session: int | None, t: float) -> Record:
    return _rec(t, "server", rtmsg.SessionCreated(event_id="e", session=rtmsg.Session()), session)


def _turn(session: int | None, start: float, pcm_bytes: int) -> list[Record]:
    return [
        _rec(start, "client", rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * pcm_bytes), session),
        _rec(start + 0.1, "client", rtmsg.InputAudioBufferCommit(), session),
        _rec(
            start + 0.2,
            "server",
            rtmsg.InputAudioBufferCommitted(event_id="e", item_id="i"),
            session,
        ),
    ]


def _shared(seed: int) -> tuple[list[Record | BadRecord], dict[int, list[Record]]]:
    """Three sessions' records interleaved at random, as a relay writes a shared capture."""
    own: dict[int, list[Record]] = {
        number: [_created(number, 10.0 * number)]
        + [r for turn in range(number) for r in _turn(number, 10.0 * number + turn, 4800 * turn)]
        for number in (3, 1, 2)
    }
    queues = {number: list(records) for number, records in own.items()}
    rng = random.Random(seed)
    shared: list[Record | BadRecord] = []
    while any(queues.values()):
        number = rng.choice([n for n, queue in queues.items() if queue])
        shared.append(queues[number].pop(0))
    return shared, own


@pytest.mark.parametrize("seed", range(5))
def test_each_session_is_summarised_as_if_it_had_a_file_of_its_own(seed: int) -> None:
    shared, own = _shared(seed)
    sessions = sessions_stats(shared)
    first_seen = list(dict.fromkeys(r.session for r in shared if isinstance(r, Record)))
    assert [stats.session for stats in sessions] == first_seen
    for stats in sessions:
        assert stats.session is not None
        alone = session_stats(own[stats.session])
        alone.session = stats.session
        assert stats == alone
    assert [stats.turns for stats in sessions] == first_seen
    merged = session_stats(shared)
    assert merged.turns == 6  # what stats said of such a file before: one session of 6 turns


def test_a_line_that_is_not_a_record_counts_with_the_session_before_it() -> None:
    shared: list[Record | BadRecord] = [
        BadRecord(line=1, message="not a record"),
        _created(2, 1.0),
        BadRecord(line=3, message="not a record"),
        _created(1, 2.0),
        BadRecord(line=5, message="cut", code="truncated_file"),
    ]
    first, second = sessions_stats(shared)
    assert (first.session, first.frames, first.invalid_frames) == (2, 3, 2)
    assert (second.session, second.frames, second.invalid_frames) == (1, 2, 1)


def test_records_without_a_number_are_one_session_unless_a_second_one_starts() -> None:
    old = [_created(None, 1.0), *_turn(None, 2.0, 4800)]
    [stats] = sessions_stats(old)
    assert (stats.session, stats.frames, stats.turns) == (None, 4, 1)
    merged = [*old, _created(None, 5.0), *_turn(None, 6.0, 4800), _created(None, 9.0)]
    with pytest.raises(SessionsNotNumbered) as refused:
        sessions_stats(merged)
    assert refused.value.sessions == 3
    assert str(refused.value).startswith("the capture holds 3 sessions (3 starts of a session")
    # A client event of that type, or a second session.created of another numbered session,
    # is not a second session.
    client_side = _rec(3.0, "client", b'{"type":"session.created"}', None)
    [stats] = sessions_stats([*old, client_side])
    assert stats.frames == 5
    assert len(sessions_stats([_created(1, 1.0), _created(2, 2.0)])) == 2


def test_a_capture_without_records_is_one_empty_session() -> None:
    [stats] = sessions_stats([])
    assert (stats.session, stats.frames) == (None, 0)
    [stats] = sessions_stats([BadRecord(line=1, message="x")])
    assert (stats.session, stats.frames, stats.invalid_frames) == (None, 1, 1)


# --- the command ----------------------------------------------------------------------------


def _write(path: Path, records: Sequence[Record | BadRecord]) -> Path:
    path.write_bytes(
        b"".join(
            encode_record(r.t or 0.0, r.direction, r.frame, session=r.session)
            for r in records
            if isinstance(r, Record)
        )
    )
    return path


def test_stats_prints_one_summary_per_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared, own = _shared(0)
    path = _write(tmp_path / "shared.jsonl", shared)
    assert cli.main(["stats", str(path)]) == 0
    out = capsys.readouterr().out
    blocks = out.split("\n\n")
    assert len(blocks) == 3
    numbers = dict.fromkeys(r.session for r in shared if isinstance(r, Record))
    for block, number in zip(blocks, numbers, strict=True):
        assert block.splitlines()[0] == f"session         {number}"
    assert cli.main(["stats", "--json", str(path)]) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert isinstance(summaries, list)
    assert {s["session"]: s["frames"] for s in summaries} == {n: len(r) for n, r in own.items()}
    one = _write(tmp_path / "one.jsonl", own[2])
    assert cli.main(["stats", "--json", str(one)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["session"], summary["frames"]) == (2, len(own[2]))
    assert cli.main(["stats", str(one)]) == 0
    assert "session" not in capsys.readouterr().out


def test_stats_summarises_each_file_and_each_session_of_a_shared_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One file per session, as the README recommends, and a shared capture beside them.
    one = _write(tmp_path / "one.jsonl", [_created(None, 1.0), *_turn(None, 2.0, 4800)])
    two = _write(tmp_path / "two.jsonl", [_created(None, 1.0), *_turn(None, 2.0, 9600)])
    shared, own = _shared(0)
    both = _write(tmp_path / "shared.jsonl", shared)
    files = [str(one), str(two), str(both)]
    assert cli.main(["stats", *files]) == 0
    blocks = capsys.readouterr().out.split("\n\n")
    heads = [block.splitlines()[:2] for block in blocks]
    numbers = list(dict.fromkeys(r.session for r in shared if isinstance(r, Record)))
    assert heads == [
        [f"file            {one}", "frames          4 (0 unknown, 0 invalid)"],
        [f"file            {two}", "frames          4 (0 unknown, 0 invalid)"],
        *([f"file            {both}", f"session         {n}"] for n in numbers),
    ]
    assert "audio sent      0.100 s" in blocks[0]
    assert "audio sent      0.200 s" in blocks[1]
    assert cli.main(["stats", "--json", *files]) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert [(s["file"], s["session"], s["frames"]) for s in summaries] == [
        (str(one), None, 4),
        (str(two), None, 4),
        *((str(both), n, len(own[n])) for n in numbers if n is not None),
    ]


def test_stats_goes_on_past_a_file_it_cannot_read_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = _write(tmp_path / "one.jsonl", [_created(None, 1.0), *_turn(None, 2.0, 4800)])
    missing = tmp_path / "missing.jsonl"
    assert cli.main(["stats", str(missing), str(one)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("rtmsg stats: ")
    assert "missing.jsonl" in err
    assert len(err.splitlines()) == 1
    assert out.splitlines()[0] == f"file            {one}"
    merged = _write(tmp_path / "old.jsonl", [_created(None, 1.0), _created(None, 2.0)])
    assert cli.main(["stats", "--json", str(merged), str(one)]) == 1
    out, err = capsys.readouterr()
    assert "cannot be told apart" in err
    assert [s["file"] for s in json.loads(out)] == [str(one)]


def test_stats_refuses_sessions_it_cannot_tell_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = [_created(None, 1.0), *_turn(None, 2.0, 4800)] * 2
    path = _write(tmp_path / "old.jsonl", list(old))
    for json_option in ([], ["--json"]):
        assert cli.main(["stats", *json_option, str(path)]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert err == (
            f"rtmsg stats: {path}: the capture holds 2 sessions (2 starts of a session from the "
            "server) and its records do not say which session each frame is from, so they "
            "cannot be told apart; record one file per session "
            "(--capture 'session-{session}.jsonl.gz')\n"
        )


def test_a_capture_shared_by_sessions_through_the_relay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relay_pair: ServeRelayPair
) -> None:
    path = tmp_path / "shared.jsonl.gz"
    sent: dict[int, list[bytes]] = {}
    received: dict[int, list[bytes]] = {}

    async def session(relay_url: str, turns: int) -> None:
        sent[turns], received[turns] = [], []
        async with connect(f"{relay_url}/v1/realtime") as ws:
            recv = receiver(ws, timeout=10)
            received[turns].extend(await recv_until(recv, "session.created"))
            for _ in range(turns):
                for event in (
                    rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 4800),
                    rtmsg.InputAudioBufferCommit(),
                    rtmsg.ResponseCreate(),
                ):
                    sent[turns].append(rtmsg.encode(event))
                    await ws.send(sent[turns][-1].decode())
                    await asyncio.sleep(0)
                received[turns].extend(await recv_until(recv, "response.done"))

    async def scenario() -> None:
        async with relay_pair(capture=path, audio_ms=100) as pair:
            relay_url = pair.relay_url
            await asyncio.gather(session(relay_url, 1), session(relay_url, 2))

    run(scenario)
    records = [r for r in read_capture(path) if isinstance(r, Record)]
    assert {r.session for r in records} == {1, 2}
    assert cli.main(["stats", "--json", str(path)]) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert sorted(s["turns"] for s in summaries) == [1, 2]
    for summary in summaries:
        turns, number = summary["turns"], summary["session"]
        assert summary["responses"] == turns
        assert summary["frames"] == len(sent[turns]) + len(received[turns])
        mine = [r for r in records if r.session == number]
        assert [r.frame for r in mine if r.direction == "client"] == sent[turns]
        assert [r.frame for r in mine if r.direction == "server"] == received[turns]


def test_stats_refuses_live_sessions_it_cannot_tell_apart(tmp_path: Path) -> None:
    # A Live session starts with session.started: its reader says so, not a type name here.
    from live_capture import TIMELINE

    lines = [
        encode_record(1_700_000_000 + t, direction, rtmsg.encode(event), "live")  # type: ignore[arg-type]
        for _ in range(2)
        for t, direction, event in TIMELINE
    ]
    path = tmp_path / "two-live.jsonl"
    path.write_bytes(b"".join(lines))
    with pytest.raises(SessionsNotNumbered) as info:
        sessions_stats(read_capture(path))
    assert info.value.sessions == 2
    one = tmp_path / "one-live.jsonl"
    one.write_bytes(b"".join(lines[: len(TIMELINE)]))
    [summary] = sessions_stats(read_capture(one))
    assert summary.protocol == "live"
