"""What the relay's capture holds: every frame as the client saw it, the relay's answers too.

Black box: ``rtmsg relay --capture`` in its own process, a quiet upstream written at the
socket level, and the capture read back once the relay has stopped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from websockets.asyncio.client import connect

import rtmsg
from raw_websocket import RecordingUpstream, serve_raw
from relay_process import relay_process
from rtmsg.capture import Record, read_capture
from servers import run

HELLO = b'{"type":"upstream.hello","event_id":"s1"}'
# Invalid client frames, each with the event_id its answer must name (None: none readable).
MALFORMED = ('{"type":"session.update", "session": ', None, "invalid_json")
TRUNCATE = (
    '{"type":"conversation.item.truncate","event_id":"evt_bad_1","item_id":"x"}',
    "evt_bad_1",
    "missing_required_parameter",
)
CANCEL = (
    '{"type":"response.cancel","event_id":"evt_bad_2","response_id":5}',
    "evt_bad_2",
    "invalid_type",
)
VALID = '{"type":"input_audio_buffer.clear","event_id":"evt_ok_1"}'
WAIT_S = 10.0


def test_the_relay_s_error_answers_are_in_the_capture(tmp_path: Path, transport: str) -> None:
    capture = tmp_path / "capture.jsonl"
    upstream = RecordingUpstream(HELLO)

    async def scenario() -> list[bytes]:
        received: list[bytes] = []
        async with (
            serve_raw(upstream) as upstream_url,
            relay_process(
                upstream_url,
                "--capture",
                str(capture),
                transport=transport,
                log=tmp_path / "relay.log",
            ) as relay_url,
        ):
            async with connect(f"{relay_url}/v1/realtime") as ws:

                async def recv() -> bytes:
                    frame = await asyncio.wait_for(ws.recv(decode=False), WAIT_S)
                    assert isinstance(frame, bytes)
                    received.append(frame)
                    return frame

                assert await recv() == HELLO
                await ws.send(MALFORMED[0])
                await recv()
                await ws.send(VALID)  # forwarded; the upstream does not answer it
                for bad in (TRUNCATE, CANCEL):
                    await ws.send(bad[0])
                    await recv()
            await upstream.wait_for(1, WAIT_S)  # the upstream has read the valid frame
        return received

    received = run(scenario)
    hello, *answers = received
    assert upstream.received == [VALID.encode()]
    # The client got one error event per invalid frame, naming it.
    errors = [rtmsg.decode_server_event(frame) for frame in answers]
    assert all(isinstance(error, rtmsg.Error) for error in errors)
    assert [(e.error.event_id, e.error.type) for e in errors] == [  # type: ignore[union-attr]
        (None, "invalid_request_error"),
        ("evt_bad_1", "invalid_request_error"),
        ("evt_bad_2", "invalid_request_error"),
    ]
    codes = [e.error.code for e in errors]  # type: ignore[union-attr]
    assert codes == [MALFORMED[2], TRUNCATE[2], CANCEL[2]]
    # The capture shows the session as the client saw it, in order: every frame it sent,
    # valid or not, and every frame it received, the relay's own answers included.
    records = list(read_capture(capture))
    assert all(isinstance(record, Record) for record in records)
    assert [(r.direction, r.frame) for r in records if isinstance(r, Record)] == [
        ("server", hello),
        ("client", MALFORMED[0].encode()),
        ("server", answers[0]),
        ("client", VALID.encode()),
        ("client", TRUNCATE[0].encode()),
        ("server", answers[1]),
        ("client", CANCEL[0].encode()),
        ("server", answers[2]),
    ]
