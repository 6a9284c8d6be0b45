"""``relay`` and ``mock-server``: serve until told to stop, draining on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

__all__ = ["host_port", "mock_server", "relay"]


def host_port(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (an IPv6 host in brackets) as a host and a port from 0 to 65535."""
    host, sep, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        bracketed = True
    else:
        bracketed = False
    if (
        not sep
        or not host
        or not port.isascii()
        or not port.isdigit()
        or int(port) > 65535
        or (":" in host and not bracketed)
    ):
        raise ValueError(f"expected HOST:PORT with a port from 0 to 65535, got {value!r}")
    return host, int(port)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _relay_missing() -> int:
    print(
        "rtmsg: the relay and the mock server need the 'relay' extra: pip install 'rtmsg[relay]'",
        file=sys.stderr,
    )
    return 2


def _logging(verbose: int) -> None:
    level = logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _listen(args: argparse.Namespace) -> tuple[str, int] | None:
    try:
        return host_port(args.listen)
    except ValueError as exc:
        print(f"rtmsg {args.command}: --listen: {exc}", file=sys.stderr)
        return None


def relay(args: argparse.Namespace) -> int:
    try:
        from ..relay import Relay
    except ImportError:
        return _relay_missing()
    listen = _listen(args)
    if listen is None:
        return 2
    _logging(args.verbose)
    try:
        server = Relay(
            args.upstream,
            capture=args.capture,
            flush_interval=args.flush_interval,
            capture_level=args.capture_level,
            forward_invalid=args.forward_invalid,
            transport=args.transport,
        )
    except ValueError as exc:
        print(f"rtmsg relay: {exc}", file=sys.stderr)
        return 2
    host, port = listen
    try:
        return _run_server(
            lambda: server.serve(host, port),
            args,
            f" -> {args.upstream}",
            drain=server.drain,
            close=server.close_sessions,
        )
    finally:
        server.close()


def mock_server(args: argparse.Namespace) -> int:
    try:
        from ..relay import MockServer
    except ImportError:
        return _relay_missing()
    listen = _listen(args)
    if listen is None:
        return 2
    _logging(args.verbose)
    mock = MockServer(
        audio_ms=args.audio_ms,
        first_audio_delay_s=args.first_audio_delay_ms / 1000,
        transport=args.transport,
    )
    host, port = listen
    return _run_server(lambda: mock.serve(host, port), args, "")


def _run_server(
    server: Callable[[], AbstractAsyncContextManager[Any]],
    args: argparse.Namespace,
    target: str,
    *,
    drain: Callable[[float], Awaitable[int]] | None = None,
    close: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Serve until ``--duration`` ends or a signal comes.

    SIGTERM or a first SIGINT drains (when the server can): new sessions are refused and open
    ones get ``--drain-timeout`` seconds; a second SIGINT closes them at once.
    """

    async def run() -> None:
        stop, hurry = asyncio.Event(), asyncio.Event()
        interrupts = 0

        def on_signal(signum: int) -> None:
            nonlocal interrupts
            interrupts += signum == signal.SIGINT
            if stop.is_set() and interrupts >= 2:
                hurry.set()
            stop.set()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, on_signal, signum)
        async with server() as running:
            for sock in running.sockets:
                host, port = sock.getsockname()[:2]
                print(
                    f"rtmsg {args.command} listening on ws://{_url_host(host)}:{port}{target}"
                    f" ({args.transport})",
                    file=sys.stderr,
                    flush=True,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.duration)
            if drain is not None and close is not None and stop.is_set():
                draining = asyncio.ensure_future(drain(args.drain_timeout))
                hurrying = asyncio.ensure_future(hurry.wait())
                await asyncio.wait((draining, hurrying), return_when=asyncio.FIRST_COMPLETED)
                hurrying.cancel()
                if not draining.done():
                    draining.cancel()
                    await close()

    with contextlib.suppress(KeyboardInterrupt):
        if args.transport == "picows":
            try:
                import uvloop
            except ImportError:  # no uvloop where it does not build (Windows): asyncio's loop
                asyncio.run(run())
            else:
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    runner.run(run())
        else:
            asyncio.run(run())
    return 0
