"""The load generator: Realtime clients on picows and uvloop, driven by the harness.

``python -m bench.relay.load`` takes commands on stdin (one JSON object a line) and answers
each on stdout. The harness starts several such processes and gives each its share of the
sessions:

- ``{"op": "start", "workload": W, "url": U, "sessions": N, ...}`` opens the sessions and
  answers once every one has had its ``session.created``; ``{"op": "go"}`` then starts the
  load, so that every process starts it at the same moment. Workloads:

  - ``flood``: each session keeps ``window`` requests in flight (sends one more for each
    answer), as fast as flow control allows; the request is ``request`` (``append``: 20 ms of
    pcm16, answered with an output audio delta of the same size; ``clear``, answered with
    ``cleared``: the small frames);
  - ``voice``: each session sends an append every ``1 / rate`` s, spread evenly over the
    period across sessions (one slot a millisecond), and times each one's round trip to its
    answer (answers come back in order on a session, so the k-th answer is the k-th
    append's);
  - ``short``: ``sessions`` lanes, each opening a session, waiting for ``session.created``,
    making ``requests`` clear/cleared round trips one after the other, closing, and again.

- ``{"op": "mark"}`` answers the counters (requests sent, answers received, short sessions
  completed, voice appends skipped) and when it read them (``t``, ``time.perf_counter()``).
  The first mark opens the voice recording window, the second closes it.
- ``{"op": "stop", "grace": S}`` stops the load (a voice load goes on for up to ``S`` s until
  every append of the window is answered), closes every session (drops them, if appends are
  still unanswered: a relay far behind would take long to close) and answers the voice
  window's round trips in microseconds, -1 for an append never answered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from bench.relay import frames
from bench.relay._runner import run, serve_commands

__all__ = ["Load", "main"]

_CONNECTS_AT_ONCE: Final = 64
_SLOT_S: Final = 0.001
_CLOSE_TIMEOUT: Final = 10.0


class Counters:
    __slots__ = ("received", "sent", "sessions", "skipped")

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0
        self.sessions = 0
        self.skipped = 0

    def snapshot(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


class Recorder:
    """Send times and round trips of the appends sent while the window is open."""

    def __init__(self) -> None:
        self.open = False
        self.times: list[float] = []
        self.rtts: list[float] = []
        self.unanswered = 0

    def sent(self, now: float) -> int:
        if not self.open:
            return -1
        self.times.append(now)
        self.rtts.append(-1.0)
        self.unanswered += 1
        return len(self.times) - 1

    def answered(self, index: int, now: float) -> None:
        if index >= 0:
            self.rtts[index] = now - self.times[index]
            self.unanswered -= 1


class Session(WSListener):
    """One client connection; what it does with each answer is its workload's."""

    def __init__(self, counters: Counters) -> None:
        super().__init__()
        self.counters = counters
        self.transport: WSTransport | None = None
        self.created: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.paused = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY or kind is WSMsgType.CONTINUATION:
            if not frame.fin:
                return
            self.counters.received += 1
            if not self.created.done():
                self.created.set_result(None)  # session.created
            else:
                self.on_answer()
        elif kind is WSMsgType.CLOSE:
            if not transport.is_close_frame_sent:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if not self.created.done():
            self.created.set_exception(ConnectionError("closed before session.created"))

    def on_answer(self) -> None:
        pass

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False


class FloodSession(Session):
    def __init__(self, counters: Counters, request: Callable[[], bytes], window: int) -> None:
        super().__init__(counters)
        self.request = request
        self.window = window
        self.running = False
        self.owed = 0

    def begin(self) -> None:
        self.running = True
        self.owed = self.window
        self._send_owed()

    def _send_owed(self) -> None:
        transport = self.transport
        assert transport is not None
        while self.owed and not self.paused:
            transport.send(WSMsgType.TEXT, self.request())
            self.counters.sent += 1
            self.owed -= 1

    def on_answer(self) -> None:
        if self.running:
            self.owed += 1
            self._send_owed()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.running:
            self._send_owed()


class VoiceSession(Session):
    def __init__(self, counters: Counters, recorder: Recorder) -> None:
        super().__init__(counters)
        self.recorder = recorder
        self.pending: deque[int] = deque()

    def on_answer(self) -> None:
        index = self.pending.popleft() if self.pending else -1
        self.recorder.answered(index, time.perf_counter())


class ShortSession(Session):
    def __init__(self, counters: Counters) -> None:
        super().__init__(counters)
        self.answer: asyncio.Future[None] | None = None

    def on_answer(self) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(None)


async def _open(url: str, factory: Callable[[], Session], timeout: float) -> Session:
    transport, listener = await ws_connect(
        factory,
        url,
        websocket_handshake_timeout=timeout,
        max_frame_size=16 << 20,
        use_aiofastnet=False,
    )
    assert isinstance(listener, Session)
    try:
        await asyncio.wait_for(asyncio.shield(listener.created), timeout)
    except BaseException:
        transport.disconnect(graceful=False)
        raise
    return listener


async def _close(sessions: Sequence[Session], *, abort: bool = False) -> None:
    """Close every session with 1000 and wait for the other side's close, within a bound;
    with ``abort``, drop the connections at once (a relay far behind would take long)."""
    transports = [s.transport for s in sessions if s.transport is not None]
    if abort:
        for transport in transports:
            transport.disconnect(graceful=False)
        return
    for transport in transports:
        if not transport.is_disconnected and not transport.is_close_frame_sent:
            transport.send_close(WSCloseCode.OK)
    waits = [t.wait_disconnected() for t in transports]
    try:
        await asyncio.wait_for(asyncio.gather(*waits), _CLOSE_TIMEOUT)
    except TimeoutError:
        for transport in transports:
            transport.disconnect(graceful=False)


class Load:
    """One load generator process: at most one workload at a time."""

    def __init__(self) -> None:
        self.frames = frames.build()
        self.counters = Counters()
        self.recorder = Recorder()
        self.sessions: list[Session] = []
        self.workload = ""
        self.running = False
        self.tasks: list[asyncio.Task[None]] = []
        self.starters: list[Callable[[], object]] = []
        self.marks = 0

    async def command(self, message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        if op == "start":
            return await self.start(message)
        if op == "go":
            self.go()
            return {"going": True}
        if op == "stop":
            return await self.stop(float(message.get("grace", 0.0)))
        raise ValueError(f"unknown command {message!r}")

    async def start(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.workload:
            raise RuntimeError(f"a {self.workload} load is running already")
        self.workload = workload = str(message["workload"])
        self.counters, self.recorder, self.marks = Counters(), Recorder(), 0
        self.running = True
        self.starters = []
        url, count = str(message["url"]), int(message["sessions"])
        timeout = float(message.get("timeout", 30.0))
        began = time.perf_counter()
        try:
            if workload == "flood":
                pool = (self.frames.clear,) if message.get("request") == "clear" else None
                request = itertools.cycle(pool or self.frames.appends).__next__
                window = int(message["window"])
                await self._open_all(
                    url, count, lambda: FloodSession(self.counters, request, window), timeout
                )
                self.starters += [
                    session.begin for session in self.sessions if isinstance(session, FloodSession)
                ]
            elif workload == "voice":
                await self._open_all(
                    url, count, lambda: VoiceSession(self.counters, self.recorder), timeout
                )
                rate = float(message["rate"])
                self.starters.append(lambda: self._spawn(self._pace(rate)))
            elif workload == "short":
                requests = int(message["requests"])
                self.starters += [
                    lambda: self._spawn(self._lane(url, requests, timeout)) for _ in range(count)
                ]
            else:
                raise ValueError(f"unknown workload {workload!r}")
        except BaseException:
            await self._teardown()
            raise
        return {"ready": True, "connect_s": time.perf_counter() - began}

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self.tasks.append(asyncio.create_task(work))

    def go(self) -> None:
        if not self.workload:
            raise RuntimeError("no load is started")
        starters, self.starters = self.starters, []
        for start in starters:
            start()

    async def _open_all(
        self, url: str, count: int, factory: Callable[[], Session], timeout: float
    ) -> None:
        gate = asyncio.Semaphore(_CONNECTS_AT_ONCE)

        async def one() -> None:
            async with gate:
                self.sessions.append(await _open(url, factory, timeout))

        async with asyncio.TaskGroup() as group:  # the first failure cancels the others
            for _ in range(count):
                group.create_task(one())

    async def _pace(self, rate: float) -> None:
        """Each voice session sends an append every ``1 / rate`` s, in its slot of the period."""
        period = 1.0 / rate
        slots = max(1, round(period / _SLOT_S))
        by_slot: list[list[Session]] = [[] for _ in range(slots)]
        for i, session in enumerate(self.sessions):
            by_slot[i % slots].append(session)
        append = itertools.cycle(self.frames.appends).__next__
        counters, recorder = self.counters, self.recorder
        step = period / slots
        start = time.perf_counter()
        tick = 0
        while self.running:
            now = time.perf_counter()
            while start + tick * step <= now:
                due, sessions = start + tick * step, by_slot[tick % slots]
                tick += 1
                if now - due > period:  # this process fell a period behind: no burst to catch up
                    if recorder.open:
                        counters.skipped += len(sessions)
                    continue
                for session in sessions:
                    transport = session.transport
                    assert isinstance(session, VoiceSession)
                    assert transport is not None
                    if session.paused or transport.is_disconnected:
                        if recorder.open:
                            counters.skipped += 1
                        continue
                    sent_at = time.perf_counter()
                    transport.send(WSMsgType.TEXT, append())
                    session.pending.append(recorder.sent(sent_at))
                    counters.sent += 1
            await asyncio.sleep(max(0.0, start + tick * step - time.perf_counter()))

    async def _lane(self, url: str, requests: int, timeout: float) -> None:
        counters, clear = self.counters, self.frames.clear
        while self.running:
            session = await _open(url, lambda: ShortSession(counters), timeout)
            transport = session.transport
            assert isinstance(session, ShortSession)
            assert transport is not None
            try:
                for _ in range(requests):
                    session.answer = asyncio.get_running_loop().create_future()
                    transport.send(WSMsgType.TEXT, clear)
                    counters.sent += 1
                    await asyncio.wait_for(session.answer, timeout)
                transport.send_close(WSCloseCode.OK)
                await asyncio.wait_for(transport.wait_disconnected(), timeout)
            finally:
                if not transport.is_disconnected:
                    transport.disconnect(graceful=False)
            counters.sessions += 1

    def mark(self, message: dict[str, Any]) -> dict[str, Any]:
        """The counters, read on the command thread (plain ints: no lock needed)."""
        self.marks += 1
        if self.workload == "voice":
            self.recorder.open = self.marks == 1
        return {"t": time.perf_counter(), **self.counters.snapshot()}

    async def stop(self, grace: float) -> dict[str, Any]:
        if not self.workload:
            raise RuntimeError("no load is running")
        deadline = time.perf_counter() + grace
        self.recorder.open = False
        while self.recorder.unanswered and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        errors = await self._teardown(abort=self.recorder.unanswered > 0)
        rtts = self.recorder.rtts
        return {
            "stopped": True,
            "rtt_us": [round(rtt * 1e6) if rtt >= 0 else -1 for rtt in rtts],
            "errors": errors,
            **self.counters.snapshot(),
        }

    async def _teardown(self, *, abort: bool = False) -> list[str]:
        self.running = False
        for session in self.sessions:
            if isinstance(session, FloodSession):
                session.running = False
        errors: list[str] = []
        if self.tasks:
            done, pending = await asyncio.wait(self.tasks, timeout=_CLOSE_TIMEOUT)
            for task in pending:
                task.cancel()
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    exc = task.exception()
                    errors.append(f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
        await _close(self.sessions, abort=abort)
        self.sessions, self.tasks, self.workload = [], [], ""
        return sorted(set(errors))


async def _serve(stop: asyncio.Event) -> None:
    load = Load()
    try:
        await serve_commands(load.command, stop, at_once=load.mark)
    finally:
        if load.workload:
            await load._teardown()


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m bench.relay.load", description=__doc__).parse_args(argv)
    return run(_serve)


if __name__ == "__main__":
    raise SystemExit(main())
