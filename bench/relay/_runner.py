"""What the sink, the load generator and the minimal relays share: the loop, signals, commands.

Each runs ``main(stop)`` on uvloop (or asyncio's own loop when asked), where ``stop`` is set
by SIGINT or SIGTERM, and exits 0 without a traceback. A process that takes commands reads
one JSON object a line on stdin and writes one JSON reply a line on stdout, with the
command's ``id``, and stops when stdin closes (the harness is gone); a ``mark`` is answered
at once, however busy the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import uvloop

__all__ = ["Handler", "Immediate", "run", "serve_commands"]

Handler = Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]
Immediate = Callable[[dict[str, Any]], dict[str, Any]]


def run(main: Callable[[asyncio.Event], Coroutine[Any, Any, None]], *, loop: str = "uvloop") -> int:
    """Run ``main(stop)`` until it returns; SIGINT and SIGTERM set ``stop``."""

    async def guarded() -> None:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            running.add_signal_handler(signum, stop.set)
        await main(stop)

    if loop == "uvloop":
        uvloop.run(guarded())
    else:
        asyncio.run(guarded())
    return 0


async def serve_commands(
    handle: Handler, stop: asyncio.Event, *, at_once: Immediate | None = None
) -> None:
    """Answer each command line on stdin with ``handle``'s reply, until EOF or ``stop``.

    Commands are read on a thread of their own. ``at_once`` answers the ``mark`` command on
    that thread, without waiting for the event loop, which a load too heavy for the process
    keeps busy for seconds at a time (every socket read then holds many frames); it must only
    read plain counters. Every other command runs on the loop, one at a time.
    """
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()

    def answer(message: dict[str, Any]) -> dict[str, Any]:
        try:
            if at_once is not None and message.get("op") == "mark":
                return at_once(message)
            return asyncio.run_coroutine_threadsafe(handle(message), loop).result()
        except Exception as exc:  # reported to the harness, which says what failed
            return {"error": f"{type(exc).__name__}: {exc}"}

    def read() -> None:
        try:
            for line in sys.stdin.buffer:
                message = json.loads(line)
                reply = answer(message)
                sys.stdout.write(json.dumps({**reply, "id": message.get("id")}) + "\n")
                sys.stdout.flush()
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is closed already
                loop.call_soon_threadsafe(ended.set)

    threading.Thread(target=read, name="commands", daemon=True).start()
    waits = [asyncio.ensure_future(ended.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
