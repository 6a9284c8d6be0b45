"""What the sink, the load generator and the minimal relays share: the loop, signals, commands.

Each runs ``main(stop)`` on uvloop (or asyncio's own loop when asked), where ``stop`` is set
by SIGINT or SIGTERM, and exits 0 without a traceback. A process that takes commands reads
one JSON object a line on stdin and writes one JSON reply a line on stdout, with the
command's ``id``, and stops when stdin closes (the harness is gone).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import uvloop

__all__ = ["Handler", "run", "serve_commands"]

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


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


async def serve_commands(handle: Handler, stop: asyncio.Event) -> None:
    """Answer each command line on stdin with ``handle``'s reply, until EOF or ``stop``."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        while True:
            line = asyncio.ensure_future(reader.readline())
            await asyncio.wait({line, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not line.done():
                line.cancel()
                return
            if not line.result():
                return
            message = json.loads(line.result())
            try:
                reply = await handle(message)
            except Exception as exc:  # reported to the harness, which says what failed
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps({**reply, "id": message.get("id")}) + "\n")
            sys.stdout.flush()
    finally:
        stopped.cancel()
