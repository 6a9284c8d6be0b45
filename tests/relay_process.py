"""``rtmsg relay`` as its own process, the way an operator runs it, for black-box tests.

The tests that use it know the relay only by its command line and the wire: whatever
the relay is built on, the same tests hold, on each of its transports.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from servers import Process

__all__ = ["relay_process"]


@asynccontextmanager
async def relay_process(
    upstream: str, *options: str, transport: str, log: Path
) -> AsyncIterator[str]:
    """A relay on ``transport`` to ``upstream`` on a free 127.0.0.1 port; yields its URL.

    Its standard error goes to ``log``. Leaving the block stops it as an operator does
    (SIGTERM), waits for it to exit, and checks it exited with status 0 and logged no
    traceback: nothing a peer does may make the relay fail. The event loop keeps running
    while the relay starts and stops, so that peers served by it can answer.
    """
    args = ["relay", "--listen", "127.0.0.1:0", "--upstream", upstream, "--transport", transport]
    process = Process([*args, *options], log)
    try:
        await asyncio.to_thread(process.wait_banner)
        yield process.url
    finally:
        # In a thread that finishes even if the test's deadline cancels the wait.
        status = await asyncio.to_thread(process.stop)
    text = process.text()
    assert status == 0, text
    assert "Traceback" not in text, text
