"""``rtmsg relay`` as its own process, the way an operator runs it, for black-box tests.

The tests that use it know the relay only by its command line and the wire: whatever
the relay is built on, the same tests hold.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

__all__ = ["relay_process"]

_LISTENING = re.compile(rb"listening on (ws://[^\s]+)")
_START_S = 20.0
_STOP_S = 15.0


@asynccontextmanager
async def relay_process(
    upstream: str, *options: str, log: Path, listen: str = "127.0.0.1:0"
) -> AsyncIterator[str]:
    """A relay to ``upstream`` on a free port of ``listen``, with ``options``; yields its URL.

    Its standard error goes to ``log``. Leaving the block stops it as an operator does
    (SIGTERM) and waits for it to exit; the exit status must be 0, and the log must hold no
    traceback: nothing a peer does may make the relay fail.
    """
    argv = ["relay", "--listen", listen, "--upstream", upstream, *options]
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rtmsg", *argv, stdin=asyncio.subprocess.DEVNULL, stderr=err
        )
    try:
        deadline = time.monotonic() + _START_S
        while (found := _LISTENING.search(log.read_bytes())) is None:
            if process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"the relay did not start: {log.read_text()}")
            await asyncio.sleep(0.02)
        yield found.group(1).decode()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), _STOP_S)
        except TimeoutError:
            process.kill()
            raise AssertionError(f"the relay did not stop on SIGTERM: {log.read_text()}") from None
        except BaseException:  # the test's own deadline: never leave the relay running
            process.kill()
            raise
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Traceback" not in text, text
