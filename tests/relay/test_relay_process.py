"""The relay and the mock as the commands run them: real processes on loopback, both transports.

Faults a deployment meets (a client that leaves during the handshake, an upstream killed
mid-response, malformed and secret-bearing handshakes, health checks, a drain on SIGTERM)
are played against ``rtmsg relay`` in front of ``rtmsg mock-server``, each in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import rtmsg
from rtmsg.relay.proxy import Transport
from servers import (
    Process,
    established,
    http_get,
    read_response,
    receiver,
    recv_until,
    run,
    started,
    upgrade_request,
)

MARKER = "sk-proj-MARKER0secret0value0123"
"""A secret the handshakes carry; it must appear in no log line and no capture."""


@pytest.fixture
def mock_process(tmp_path: Path, transport: Transport) -> Iterator[Process]:
    args = ["mock-server", "--listen", "127.0.0.1:0", "--transport", transport, "-v"]
    with started([*args, "--audio-ms", "20000"], tmp_path / "mock.log") as mock:
        yield mock


def _relay_args(mock: Process, transport: Transport, *more: str) -> list[str]:
    return [
        "relay",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        mock.url,
        "--transport",
        transport,
        *more,
    ]


def _metrics(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = http_get(port, "/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_a_client_gone_during_the_handshake_leaves_no_upstream_open(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    """The mock is stopped (SIGSTOP): 10 clients send an upgrade and leave; once the mock
    runs again, none of the relay's connections to it stays open past a second."""
    with started(_relay_args(mock_process, transport), tmp_path / "relay.log") as relay:
        mock_process.signal(signal.SIGSTOP)
        try:
            clients = [socket.create_connection(("127.0.0.1", relay.port)) for _ in range(10)]
            for client in clients:
                client.sendall(upgrade_request(Authorization=f"Bearer {MARKER}"))
            deadline = time.monotonic() + 5
            while established(mock_process.port) < 10 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.3)
            for client in clients:
                client.close()
            time.sleep(0.2)
        finally:
            mock_process.signal(signal.SIGCONT)
        deadline = time.monotonic() + 1.0
        while established(mock_process.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = established(mock_process.port)
        samples = _metrics(relay.port)
    assert left == 0
    assert samples["rtmsg_relay_handshake_failures_total", (("cause", "client_gone"),)] == 10
    assert MARKER not in relay.text()


async def _drain(recv: Callable[[], Awaitable[bytes]]) -> None:
    """Receive until the connection closes (which raises)."""
    while True:
        await recv()


def test_an_upstream_killed_mid_response_closes_the_client_with_1014(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    with started(_relay_args(mock_process, transport, "-v"), tmp_path / "relay.log") as relay:

        async def scenario() -> tuple[int | None, int]:
            async with connect(f"{relay.url}/v1/realtime", max_size=None) as ws:
                recv = receiver(ws, timeout=5)
                await recv_until(recv, "session.created")
                await ws.send(rtmsg.encode(rtmsg.ResponseCreate()).decode())
                await recv_until(recv, "response.output_audio.delta")
                mock_process.proc.kill()
                with pytest.raises(ConnectionClosed):
                    await _drain(recv)
                return ws.close_code, http_get(relay.port, "/healthz")[0]

        code, health = run(scenario, timeout=20)
        log = relay.text()
    assert (code, health) == (1014, 200)
    assert "Traceback" not in log
    assert "ERROR" not in log


def test_malformed_handshakes_are_4xx_one_warning_and_never_show_a_secret(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    capture = tmp_path / "capture.jsonl"
    args = _relay_args(mock_process, transport, "-vv", "--capture", str(capture))
    requests = {
        "bad subprotocol": upgrade_request(
            Sec_WebSocket_Protocol=f"realtime, openai-insecure-api-key.Bearer {MARKER}"
        ),
        "non-ASCII authorization": upgrade_request(Authorization=f"Bearer {MARKER}\udcff"),
        "no upgrade": (
            f"GET /v1/realtime HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {MARKER}\r\n\r\n"
        ).encode(),
        "bad key": upgrade_request(Authorization=f"Bearer {MARKER}").replace(
            b"dGhlIHNhbXBsZSBub25jZQ==", b"short"
        ),
    }
    statuses = {}
    with started(args, tmp_path / "relay.log") as relay:
        for name, request in requests.items():
            before = relay.text().count("WARNING")
            with socket.create_connection(("127.0.0.1", relay.port), timeout=5) as sock:
                sock.sendall(request)
                statuses[name] = read_response(sock)[0]
            deadline = time.monotonic() + 2
            while relay.text().count("WARNING") == before and time.monotonic() < deadline:
                time.sleep(0.02)
            assert relay.text().count("WARNING") == before + 1, (name, relay.text())
        # A session whose headers carry the secret too, logged at DEBUG from end to end.
        headers = {"Authorization": f"Bearer {MARKER}", "X-Api-Key": MARKER}

        async def session() -> None:
            async with connect(f"{relay.url}/v1/realtime", additional_headers=headers) as ws:
                await recv_until(receiver(ws, timeout=5), "session.created")

        run(session)
        time.sleep(0.2)
        log = relay.text()
    assert statuses == {
        "bad subprotocol": 400,
        "non-ASCII authorization": 400,
        "no upgrade": 426,
        "bad key": 400,
    }
    assert "Traceback" not in log
    assert "ERROR" not in log
    assert MARKER not in log
    assert MARKER.encode() not in capture.read_bytes()
    assert "session 1 opened" in log


def test_bare_connects_and_plain_http_log_nothing_at_error(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    with started(_relay_args(mock_process, transport), tmp_path / "relay.log") as relay:
        for _ in range(3):
            socket.create_connection(("127.0.0.1", relay.port)).close()
        for path in ("/", "/v1/realtime", "/healthz"):
            http_get(relay.port, path)
        with socket.create_connection(("127.0.0.1", relay.port)) as sock:
            sock.sendall(b"NONSENSE\r\n\r\n")
            sock.recv(1024)
        time.sleep(0.3)
        health = http_get(relay.port, "/healthz")
        log = relay.text()
    assert health == (200, b"ok\n")
    assert "ERROR" not in log
    assert "Traceback" not in log


def test_healthz_and_metrics_during_a_session_with_known_counts(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    with started(_relay_args(mock_process, transport), tmp_path / "relay.log") as relay:

        async def scenario() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            async with connect(f"{relay.url}/v1/realtime") as ws:
                recv = receiver(ws, timeout=5)
                await recv_until(recv, "session.created")
                for index in range(3):
                    clear = rtmsg.InputAudioBufferClear(event_id=f"c{index}")
                    await ws.send(rtmsg.encode(clear).decode())
                    await recv_until(recv, "input_audio_buffer.cleared")
                await ws.send('{"type":"vendor.unknown","event_id":"u1"}')
                await recv_until(recv, "error")  # the mock refuses it
                await ws.send('{"type":"input_audio_buffer.clear",')
                await recv_until(recv, "error")  # the relay answers it
                return _metrics(relay.port)

        during = run(scenario)
        assert http_get(relay.port, "/healthz") == (200, b"ok\n")
        # The client closed with 1000, which went on to the upstream: both legs ended so.
        deadline = time.monotonic() + 5
        after = _metrics(relay.port)
        while after["rtmsg_relay_sessions_open", (("protocol", "conversation"),)]:
            assert time.monotonic() < deadline, "the session did not end"
            time.sleep(0.02)
            after = _metrics(relay.port)
    closes = {
        dict(labels)["side"]: (dict(labels)["code"], value)
        for (name, labels), value in after.items()
        if name == "rtmsg_relay_closes_total"
    }
    assert closes == {"client": ("1000", 1), "upstream": ("1000", 1)}
    assert ("rtmsg_relay_closes_total", (("code", "1000"), ("side", "client"))) not in during
    frames = "rtmsg_relay_frames_total"
    assert during[frames, (("code", ""), ("direction", "client"), ("outcome", "known"))] == 3
    assert during[frames, (("code", ""), ("direction", "client"), ("outcome", "unknown"))] == 1
    invalid = (("code", "invalid_json"), ("direction", "client"), ("outcome", "invalid"))
    assert during[frames, invalid] == 1
    # session.created, 3 cleared, the mock's error for the unknown type
    assert during[frames, (("code", ""), ("direction", "server"), ("outcome", "known"))] == 5
    assert during["rtmsg_relay_sessions_open", (("protocol", "conversation"),)] == 1
    assert during["rtmsg_relay_sessions_total", (("protocol", "conversation"),)] == 1
    assert during["rtmsg_relay_unknown_types_seen", ()] == 1
    assert during["rtmsg_relay_upstream_connect_seconds_count", ()] == 1
    assert during["rtmsg_relay_bytes_total", (("direction", "client"),)] > 0
    assert during["rtmsg_relay_draining", ()] == 0


def test_sigterm_drains_then_closes_what_is_left_with_1001(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    args = _relay_args(mock_process, transport, "--drain-timeout", "2")
    with started(args, tmp_path / "relay.log") as relay:

        async def scenario() -> tuple[int, int, int, int | None, float]:
            async with connect(f"{relay.url}/v1/realtime") as ws:
                recv = receiver(ws, timeout=5)
                await recv_until(recv, "session.created")
                relay.signal(signal.SIGTERM)
                await asyncio.sleep(0.3)
                health = http_get(relay.port, "/healthz")[0]
                with pytest.raises(InvalidStatus) as refused:
                    await connect(f"{relay.url}/v1/realtime")
                # The open session still works while the relay drains.
                await ws.send(rtmsg.encode(rtmsg.InputAudioBufferClear()).decode())
                await recv_until(recv, "input_audio_buffer.cleared")
                drained = time.monotonic()
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                waited = time.monotonic() - drained
                return (
                    health,
                    refused.value.response.status_code,
                    relay.proc.wait(10),
                    ws.close_code,
                    waited,
                )

        health, refused, status, code, waited = run(scenario)
    assert (health, refused, status, code) == (503, 503, 0, 1001)
    assert 1.0 < waited < 5.0
    assert "draining: 1 session open, refusing new ones" in (tmp_path / "relay.log").read_text()


def test_a_second_sigint_stops_at_once(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    args = _relay_args(mock_process, transport, "--drain-timeout", "60")
    with started(args, tmp_path / "relay.log") as relay:

        async def scenario() -> tuple[int | None, int]:
            async with connect(f"{relay.url}/v1/realtime") as ws:
                await recv_until(receiver(ws, timeout=5), "session.created")
                relay.signal(signal.SIGINT)
                await asyncio.sleep(0.3)
                relay.signal(signal.SIGINT)
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                return ws.close_code, relay.proc.wait(10)

        assert run(scenario) == (1001, 0)


def test_listen_is_validated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rtmsg import cli

    for value in ("127.0.0.1:99999", "nowhere", "::1:80", "127.0.0.1:", "[::1]:-1"):
        assert cli.main(["relay", "--listen", value, "--upstream", "ws://x"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert "--listen" in err
        assert "Traceback" not in err
    assert cli.main(["mock-server", "--listen", "127.0.0.1:70000"]) == 2


@pytest.mark.parametrize("command", ["mock-server", "relay"])
def test_an_ipv6_listener_prints_its_url_with_brackets(
    tmp_path: Path, command: str, transport: Transport
) -> None:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback address (::1) to listen on")
    listen = ["--listen", "[::1]:0", "--transport", transport]
    with started(["mock-server", *listen], tmp_path / "mock.log") as mock:
        server = mock
        with contextlib.ExitStack() as stack:
            if command == "relay":
                upstream = ["--upstream", f"ws://[::1]:{mock.port}"]
                server = stack.enter_context(
                    started(["relay", *listen, *upstream], tmp_path / "relay.log")
                )
            banner = server.text()
            url = f"ws://[::1]:{server.port}"

            async def first() -> bytes:
                async with connect(f"{url}/v1/realtime") as ws:
                    return await receiver(ws, timeout=5)()

            frame = run(first)
    assert f"rtmsg {command} listening on {url}" in banner
    assert f"({transport})" in banner
    assert json.loads(frame)["type"] == "session.created"


def _readme_metrics() -> dict[str, tuple[str, set[str]]]:
    """The README's metrics table: name -> (type, label names)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("| metric | type | labels | what it counts |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        labels = set(re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", cells[2])))
        rows[cells[0].strip("`")] = (cells[1], labels)
    return rows


def test_the_readme_lists_every_metric_with_its_type_and_labels(
    tmp_path: Path, mock_process: Process, transport: Transport
) -> None:
    with started(_relay_args(mock_process, transport), tmp_path / "relay.log") as relay:

        async def scenario() -> str:
            async with connect(f"{relay.url}/v1/realtime") as ws:
                await recv_until(receiver(ws, timeout=5), "session.created")
                await ws.send('{"type":"input_audio_buffer.clear",')
                await recv_until(receiver(ws, timeout=5), "error")
            http_get(relay.port, "/v1/realtime")  # not an upgrade: a handshake failure
            return http_get(relay.port, "/metrics")[1].decode()

        exposition = run(scenario)
    exposed = {}
    for family in text_string_to_metric_families(exposition):
        if not family.name.startswith("rtmsg_relay_"):
            continue
        labels = {label for sample in family.samples for label in sample.labels if label != "le"}
        name = family.name + ("_total" if family.type == "counter" else "")
        exposed[name] = (family.type, labels)
    assert exposed == _readme_metrics()
