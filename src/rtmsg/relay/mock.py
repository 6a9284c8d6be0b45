"""A protocol-faithful stand-in for the Realtime service, for tests and demos: the server side.

It speaks the GA protocol over WebSocket with rtmsg's own Structs: ``session.created`` on
connect, ``session.updated`` for each ``session.update``, and for a committed input audio buffer
followed by ``response.create`` the whole response sequence, with audio deltas of a synthetic
tone in the session's output format and transcript deltas, ending with ``response.done`` and
its usage. It also handles clear, cancel, truncate, item create/retrieve/delete, and answers
unknown or invalid client events with an ``error`` event as the service does.

What to answer is decided without I/O by a session object (:class:`Conversation` for the
realtime protocol, see :mod:`rtmsg.relay.conversation`), chosen by the request path; this
module only accepts connections, sends what the session returns and sleeps when it says so.

A connection on ``/v1/realtime/translations`` is a translation session instead, answered by
:class:`~rtmsg.relay.translation_mock.TranslationSession` (registered in
:attr:`MockServer.session_kinds`): deltas for each 200 ms of input audio, and
``session.closed`` (then a normal close) for ``session.close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from http import HTTPStatus
from typing import Final, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.http11 import Response as HTTPResponse
from websockets.typing import Subprotocol

from .. import translation
from ..codec import encode
from ._logging import wire_logger
from ._protocols import protocol_of
from .conversation import Conversation, Output, Sleep
from .translation_mock import TranslationSession

__all__ = ["TRANSLATIONS_ROUTE", "MockServer", "MockSession", "Sent", "SessionKind"]

TRANSLATIONS_ROUTE: Final = "/v1/realtime/translations"
"""The path :attr:`MockServer.session_kinds` has the translation session under."""

Sent = Output | translation.ServerEvent
"""What a session gives the server to send: a server event of either protocol, or an Unknown."""


class SessionKind(Protocol):
    """What the server drives for one connection: a session that answers without I/O."""

    def start(self) -> Sequence[Sent]:
        """The events to send on connect."""
        ...

    def receive(self, frame: bytes | str) -> Sequence[Sent]:
        """The events answering one client frame."""
        ...

    def take_response(self) -> Iterator[Sent | Sleep] | None:
        """A stream of events (and pauses) to send alongside, started by the last frame."""
        ...

    @property
    def closed(self) -> bool:
        """Whether the session is over: the server then closes the connection (1000)."""
        ...


class MockSession:
    """What one connection to the mock exchanged, kept when the mock records.

    ``received`` and ``sent`` hold the exact frames, as UTF-8 bytes, in wire order.
    """

    def __init__(self, path: str, headers: dict[str, str]) -> None:
        self.path = path
        self.headers = headers
        self.received: list[bytes] = []
        self.sent: list[bytes] = []
        self.close_code: int | None = None
        self.close_reason: str | None = None

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


class MockServer:
    """The mock Realtime service. Use :meth:`serve` to listen.

    ``audio_ms`` of tone per response in chunks of ``chunk_ms``; ``first_audio_delay_s``
    simulates the model's thinking time before the first audio delta. With ``record`` every
    connection's frames are kept in :attr:`sessions`. With ``require_api_key`` a handshake
    without an ``Authorization: Bearer …`` header is refused with HTTP 401, as the service does.
    """

    def __init__(
        self,
        *,
        audio_ms: int = 600,
        chunk_ms: int = 100,
        first_audio_delay_s: float = 0.0,
        record: bool = False,
        require_api_key: bool = False,
    ) -> None:
        self.require_api_key = require_api_key
        self.audio_ms = audio_ms
        self.chunk_ms = chunk_ms
        self.first_audio_delay_s = first_audio_delay_s
        self.record = record
        self.sessions: list[MockSession] = []
        # Request path (without its query) -> the kind of session it opens; any other path
        # opens a realtime conversation, as the tests and the SDK's base URLs expect.
        self.session_kinds: dict[str, Callable[[MockSession], SessionKind]] = {
            TRANSLATIONS_ROUTE: _translation_session
        }

    def serve(self, host: str, port: int) -> contextlib.AbstractAsyncContextManager[Server]:
        """The websockets server; use as ``async with mock.serve(...) as server``."""
        return serve(
            self._handle,
            host,
            port,
            max_size=None,
            compression=None,
            logger=wire_logger("rtmsg.mock.websockets"),
            process_request=self._check_api_key,
            # Browser clients offer "realtime" plus their key as a second subprotocol.
            select_subprotocol=_select_realtime,
        )

    def new_session(self, log: MockSession) -> SessionKind:
        """The session object for a connection to ``log.path``."""
        route = urllib.parse.urlsplit(log.path).path
        kind = self.session_kinds.get(route)
        if kind is None and protocol_of(route) == "translation":
            # Behind a base path too (``/openai/v1/realtime/translations``), as the relay reads it.
            kind = self.session_kinds.get(TRANSLATIONS_ROUTE)
        if kind is not None:
            return kind(log)
        return Conversation(
            model=log.query.get("model", "gpt-realtime"),
            audio_ms=self.audio_ms,
            chunk_ms=self.chunk_ms,
            first_audio_delay_s=self.first_audio_delay_s,
        )

    def _check_api_key(self, connection: ServerConnection, request: Request) -> HTTPResponse | None:
        if not self.require_api_key:
            return None
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return None
        return connection.respond(
            HTTPStatus.UNAUTHORIZED, "Missing bearer authentication in header.\n"
        )

    async def _handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else "/"
        headers = dict(connection.request.headers.raw_items()) if connection.request else {}
        log = MockSession(path, headers)
        if self.record:
            self.sessions.append(log)
        await _Link(connection, log if self.record else None).run(self.new_session(log))
        log.close_code = connection.close_code
        log.close_reason = connection.close_reason


class _Link:
    """One connection: sends a session's events, runs its response streams, records frames."""

    def __init__(self, connection: ServerConnection, log: MockSession | None) -> None:
        self.connection = connection
        self.log = log
        # The response stream and the answers to client frames share the socket: each frame
        # is recorded and sent as one step, so the record is in wire order.
        self._send_lock = asyncio.Lock()

    async def send(self, events: Sequence[Sent]) -> None:
        for event in events:
            data = encode(event)
            async with self._send_lock:
                if self.log is not None:
                    self.log.sent.append(data)
                await self.connection.send(data.decode())

    async def run(self, session: SessionKind) -> None:
        streams: set[asyncio.Task[None]] = set()
        try:
            await self.send(session.start())
            async for message in self.connection:
                frame = message.encode() if isinstance(message, str) else message
                if self.log is not None:
                    self.log.received.append(frame)
                await self.send(session.receive(frame))
                if session.closed:
                    await self.connection.close()
                    break
                stream = session.take_response()
                if stream is not None:
                    task = asyncio.create_task(self._play(stream))
                    streams.add(task)
                    task.add_done_callback(streams.discard)
        except ConnectionClosed:
            pass
        finally:
            for task in streams:
                task.cancel()

    async def _play(self, stream: Iterator[Sent | Sleep]) -> None:
        with contextlib.suppress(ConnectionClosed):
            for step in stream:
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                else:
                    await self.send((step,))


def _translation_session(log: MockSession) -> TranslationSession:
    return TranslationSession(log.query.get("model", "gpt-realtime-translate"))


def _select_realtime(
    connection: ServerConnection, subprotocols: Sequence[Subprotocol]
) -> Subprotocol | None:
    return Subprotocol("realtime") if "realtime" in subprotocols else None
