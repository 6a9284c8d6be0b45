"""``rtmsg relay`` as an operator runs it: its options and its frame limit, on each transport.

Black box: the relay in its own process, a socket-level upstream (tests/raw_websocket.py).
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

from websockets.asyncio.client import connect

import rtmsg
from raw_websocket import RecordingUpstream, serve_raw
from relay_process import relay_process
from servers import run

HELLO = b'{"type":"upstream.hello","event_id":"s1"}'
WAIT_S = 10.0


def test_forward_invalid_forwards_invalid_client_frames_and_still_answers(
    tmp_path: Path, transport: str
) -> None:
    invalid = '{"type":"conversation.item.truncate","event_id":"evt_bad","item_id":"x"}'
    upstream = RecordingUpstream(HELLO)

    async def scenario() -> bytes:
        async with (
            serve_raw(upstream) as upstream_url,
            relay_process(
                upstream_url, "--forward-invalid", transport=transport, log=tmp_path / "relay.log"
            ) as url,
            connect(f"{url}/v1/realtime") as ws,
        ):
            assert await asyncio.wait_for(ws.recv(decode=False), WAIT_S) == HELLO
            await ws.send(invalid)
            answer = await asyncio.wait_for(ws.recv(decode=False), WAIT_S)
            assert isinstance(answer, bytes)
            await upstream.wait_for(1, WAIT_S)
            return answer

    error = rtmsg.decode_server_event(run(scenario))
    assert isinstance(error, rtmsg.Error)
    assert (error.error.code, error.error.event_id) == ("missing_required_parameter", "evt_bad")
    assert upstream.received == [invalid.encode()]


def test_frames_of_several_mebibytes_pass_both_ways_by_default(
    tmp_path: Path, transport: str
) -> None:
    # The default limit is the codec's, 16 MiB (the service takes appends of up to 15 MiB),
    # not a WebSocket library's 1 MiB: 3 MiB of audio each way go through unchanged.
    pcm = bytes(range(256)) * (3 * 4096)
    append = rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(pcm, event_id="c1"))
    delta = rtmsg.encode(
        rtmsg.ResponseOutputAudioDelta(
            event_id="s2",
            response_id="r",
            item_id="i",
            output_index=0,
            content_index=0,
            delta=base64.b64encode(pcm).decode(),
        )
    )
    assert len(append) > 4 << 20
    assert len(delta) > 4 << 20
    upstream = RecordingUpstream(HELLO, answers={append: delta})

    async def scenario() -> bytes:
        async with (
            serve_raw(upstream) as upstream_url,
            relay_process(upstream_url, transport=transport, log=tmp_path / "relay.log") as url,
            connect(f"{url}/v1/realtime", max_size=None) as ws,
        ):
            assert await asyncio.wait_for(ws.recv(decode=False), WAIT_S) == HELLO
            await ws.send(append.decode())
            answer = await asyncio.wait_for(ws.recv(decode=False), WAIT_S)
            assert isinstance(answer, bytes)
            return answer

    assert run(scenario) == delta
    assert upstream.received == [append]
