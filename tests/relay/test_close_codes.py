"""How the relay closes one side when the other goes: the close codes each end receives.

Black box: ``rtmsg relay`` in its own process, on each transport, between peers written at
the socket level (tests/raw_websocket.py) that can do what a WebSocket library never does:
drop TCP without a close frame, or send a close frame without a status. The relay's promise
(its documentation and the README): a close code and reason travel to the other side
unchanged; a close without a status (1005) travels as 1000; an abnormal closure (1006, no
close frame) reaches the client as 1014 (bad gateway) and the upstream as 1001 (going away).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from raw_websocket import NO_CLOSE_FRAME, RawPeer, connect_raw, serve_raw
from relay_process import relay_process
from servers import run

HELLO = b'{"type":"upstream.hello","event_id":"s1"}'
READY = '{"type":"client.ready","event_id":"c1"}'
WAIT_S = 10.0

Close = tuple[int | None, str] | str
"""A close as one peer saw it: ``(code, reason)``, or that TCP ended without one."""


def _client_sees(
    tmp_path: Path, transport: str, upstream_ends: str, code: int | None = None
) -> tuple[int, str]:
    """The close code and reason a client gets when, once the session runs, the upstream:

    ``"reset"`` or ``"fin"``: drops TCP without a close frame; ``"close"``: sends a close
    frame with ``code`` (``None``: no status).
    """

    async def upstream(peer: RawPeer) -> None:
        await peer.send_text(HELLO)
        assert await peer.recv_text() == READY.encode()
        if upstream_ends == "close":
            await peer.send_close(code, "upstream says bye" if code is not None else "")
            await peer.wait_close(answer=False)
            await peer.finish()
        else:
            peer.drop(reset=upstream_ends == "reset")

    async def scenario() -> tuple[int, str]:
        async with (
            serve_raw(upstream) as upstream_url,
            relay_process(
                upstream_url, transport=transport, log=tmp_path / "relay.log"
            ) as relay_url,
            connect(f"{relay_url}/v1/realtime") as ws,
        ):
            assert await asyncio.wait_for(ws.recv(decode=False), WAIT_S) == HELLO
            await ws.send(READY)
            await asyncio.wait_for(ws.wait_closed(), WAIT_S)
            assert ws.close_code is not None
            return ws.close_code, ws.close_reason or ""

    return run(scenario)


def _upstream_sees(
    tmp_path: Path, transport: str, client_ends: str, code: int | None = None
) -> Close:
    """The close the upstream gets when, once the session runs, the client ends it so."""
    closes: list[Close] = []

    async def upstream(peer: RawPeer) -> None:
        await peer.send_text(HELLO)
        closes.append(await peer.wait_close())
        await peer.finish()

    async def scenario() -> None:
        async with (
            serve_raw(upstream) as upstream_url,
            relay_process(
                upstream_url, transport=transport, log=tmp_path / "relay.log"
            ) as relay_url,
        ):
            client = await connect_raw(relay_url)
            assert await asyncio.wait_for(client.recv_text(), WAIT_S) == HELLO
            if client_ends == "close":
                await client.send_close(code, "client says bye" if code is not None else "")
                # The relay answers the close: the closing handshake completes, and the
                # client shuts TCP down as the relay expects.
                answer = await asyncio.wait_for(client.wait_close(answer=False), WAIT_S)
                assert answer != NO_CLOSE_FRAME
                await client.finish()
            else:
                client.drop(reset=client_ends == "reset")
            for _ in range(int(WAIT_S * 100)):
                if closes:
                    break
                await asyncio.sleep(0.01)

    run(scenario)
    assert closes, "the upstream saw no close in time"
    [close] = closes
    return close


@pytest.mark.parametrize("ends", ["reset", "fin"])
def test_an_upstream_gone_without_a_close_frame_closes_the_client_with_1014(
    tmp_path: Path, transport: str, ends: str
) -> None:
    assert _client_sees(tmp_path, transport, ends) == (1014, "upstream went away")


@pytest.mark.parametrize("ends", ["reset", "fin"])
def test_a_client_gone_without_a_close_frame_closes_the_upstream_with_1001(
    tmp_path: Path, transport: str, ends: str
) -> None:
    assert _upstream_sees(tmp_path, transport, ends) == (1001, "client went away")


def test_an_upstream_close_without_a_status_reaches_the_client_as_1000(
    tmp_path: Path, transport: str
) -> None:
    assert _client_sees(tmp_path, transport, "close", None) == (1000, "")


def test_a_client_close_without_a_status_reaches_the_upstream_as_1000(
    tmp_path: Path, transport: str
) -> None:
    assert _upstream_sees(tmp_path, transport, "close", None) == (1000, "")


@pytest.mark.parametrize("code", [1000, 1001, 1011, 4000])
def test_a_close_code_and_its_reason_travel_both_ways(
    tmp_path: Path, transport: str, code: int
) -> None:
    assert _client_sees(tmp_path, transport, "close", code) == (code, "upstream says bye")
    assert _upstream_sees(tmp_path, transport, "close", code) == (code, "client says bye")
