"""A protocol-faithful stand-in for the Realtime service, for tests and demos.

It speaks the GA protocol over WebSocket with rtmsg's own Structs: ``session.created`` on
connect, ``session.updated`` for each ``session.update``, and for a committed input audio buffer
followed by ``response.create`` the whole response sequence, with audio deltas of a synthetic
tone in the session's output format and transcript deltas, ending with ``response.done`` and
its usage. It also handles clear, cancel, truncate, item create/retrieve/delete, and answers
unknown or invalid client events with an ``error`` event as the service does.

Turn detection is simulated: while it is on (``server_vad``, the default), the first append
after an empty buffer is reported as ``input_audio_buffer.speech_started`` and the commit as
``input_audio_buffer.speech_stopped``; responses start only on ``response.create``.

A connection on ``…/realtime/translations`` is a translation session instead, answered by
:class:`~rtmsg.relay.translation_mock.TranslationSession`: deltas for each 200 ms of input
audio, and ``session.closed`` (then a normal close) for ``session.close``.

Test hook: a ``response.create`` whose ``response.metadata`` has ``mock_unknown_event`` set to an
event type makes the mock send, before ``response.created``, an event of that type that rtmsg
does not model, in unusual but valid JSON (spaces, ``1.50``) so that any re-encoding shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import math
import urllib.parse
from collections.abc import Sequence
from http import HTTPStatus
from typing import Final, TypedDict, TypeVar

import msgspec
from msgspec import UNSET
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.http11 import Response as HTTPResponse
from websockets.typing import Subprotocol

from .. import client_events as ce
from .. import server_events as se
from .._base import DecodeError, Event, Model
from ..codec import Unknown, decode_client_event, encode
from ..errors import error_event
from ..inspection import audio_bytes_per_second, base64_size
from ..items import ConversationItem, Message, MessageContent
from ..responses import (
    InputTokenDetails,
    OutputTokenDetails,
    Response,
    ResponseAudio,
    ResponseAudioOutput,
    ResponseStatus,
    Usage,
)
from ..session import (
    AudioConfig,
    AudioConfigInput,
    AudioConfigOutput,
    AudioFormat,
    ServerVad,
    Session,
    SessionConfig,
)
from ._logging import wire_logger
from ._protocols import protocol_of
from .translation_mock import TranslationSession

__all__ = ["MockServer", "MockSession", "tone"]

UNKNOWN_EVENT_HOOK: Final = "mock_unknown_event"

_TRANSCRIPT: Final = "Hello! This is a synthetic tone from the rtmsg mock server."

_M = TypeVar("_M", bound=Model)


def _merge(old: _M, new: _M) -> _M:
    """``old`` updated with the fields ``new`` sets; nested objects of one type merge too.

    An audio format is one value, replaced whole: its rate belongs to its type.
    """
    if type(old) is not type(new) or isinstance(new, AudioFormat):
        return new
    changes = {}
    for name in new.__struct_fields__:
        value = getattr(new, name)
        if value is UNSET:
            continue
        current = getattr(old, name)
        if isinstance(value, Model) and type(current) is type(value):
            value = _merge(current, value)
        changes[name] = value
    return msgspec.structs.replace(old, **changes)


def _default_session(model: str) -> Session:
    return Session(
        model=model,
        output_modalities=["audio"],
        instructions="You are a helpful assistant.",
        tool_choice="auto",
        tools=[],
        max_output_tokens="inf",
        tracing=None,
        truncation="auto",
        audio=AudioConfig(
            input=AudioConfigInput(
                format=AudioFormat(type="audio/pcm", rate=24000),
                transcription=None,
                noise_reduction=None,
                turn_detection=ServerVad(
                    threshold=0.5,
                    prefix_padding_ms=300,
                    silence_duration_ms=200,
                    create_response=True,
                    interrupt_response=True,
                    idle_timeout_ms=None,
                ),
            ),
            output=AudioConfigOutput(
                format=AudioFormat(type="audio/pcm", rate=24000), voice="marin", speed=1.0
            ),
        ),
    )


def _ulaw(sample: int) -> int:
    """G.711 mu-law code of one 16-bit sample."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _alaw(sample: int) -> int:
    """G.711 A-law code of one 16-bit sample."""
    sign = 0x80 if sample >= 0 else 0
    magnitude = min(abs(sample), 32767) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (sign | code) ^ 0x55


def tone(kind: str | None, duration_ms: int) -> bytes:
    """``duration_ms`` of a 440 Hz tone in the audio format ``kind`` (``audio/pcm``,
    ``audio/pcmu``, ``audio/pcma``; pcm16 at 24 kHz by default, G.711 at 8 kHz)."""
    second = _tone_second(kind)
    size = len(second) * duration_ms // 1000
    # 440 whole periods fit in a second, so seconds of tone join without a click.
    return (second * (size // len(second) + 1))[:size]


@functools.lru_cache(maxsize=4)
def _tone_second(kind: str | None) -> bytes:
    rate = 8000 if kind in ("audio/pcmu", "audio/pcma") else 24000
    samples = [int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(rate)]
    if kind == "audio/pcmu":
        return bytes(_ulaw(s) for s in samples)
    if kind == "audio/pcma":
        return bytes(_alaw(s) for s in samples)
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


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

    def serve(self, host: str, port: int) -> serve:
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
        if protocol_of(path) == "translation":
            model = log.query.get("model", "gpt-realtime-translate")
            await _translate(TranslationSession(model), connection, log if self.record else None)
        else:
            await _Conversation(self, connection, log).run()
        log.close_code = connection.close_code
        log.close_reason = connection.close_reason


class _Conversation:
    """The state of one mock session: its config, input buffer, items and active response."""

    def __init__(self, server: MockServer, connection: ServerConnection, log: MockSession) -> None:
        self.server = server
        self.connection = connection
        self.log = log
        self.record = server.record
        model = log.query.get("model", "gpt-realtime")
        self.session: SessionConfig = _default_session(model)
        self._ids = itertools.count(1)
        self._send_lock = asyncio.Lock()
        self.items: dict[str, ConversationItem] = {}
        self.last_item_id: str | None = None
        self.buffer_bytes = 0
        self.audio_ms_total = 0
        self.speech_item_id: str | None = None
        self.response_task: asyncio.Task[None] | None = None
        self.response_cancelled = False

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):05d}"

    async def send(self, event: Event | bytes) -> None:
        data = event if isinstance(event, bytes) else encode(event)
        async with self._send_lock:
            if self.record:
                self.log.sent.append(data)
            await self.connection.send(data.decode())

    async def error(
        self, code: str, message: str, *, param: str | None = None, event_id: str | None = None
    ) -> None:
        await self.send(
            se.Error(
                event_id=self.new_id("event"),
                error=se.RealtimeError(
                    type="invalid_request_error",
                    code=code,
                    message=message,
                    param=param,
                    event_id=event_id,
                ),
            )
        )

    async def run(self) -> None:
        try:
            await self.send(se.SessionCreated(event_id=self.new_id("event"), session=self.session))
            async for message in self.connection:
                frame = message.encode() if isinstance(message, str) else message
                if self.record:
                    self.log.received.append(frame)
                await self.dispatch(frame)
        except ConnectionClosed:
            pass
        finally:
            if self.response_task is not None:
                self.response_task.cancel()

    async def dispatch(self, frame: bytes) -> None:
        try:
            event = decode_client_event(frame)
        except DecodeError as exc:
            await self.send(error_event(exc, event_id=self.new_id("event")))
            return
        if isinstance(event, Unknown):
            await self.error(
                "invalid_value",
                f"Invalid value: {event.type!r}. Supported values are: "
                + ", ".join(f"{t.value!r}" for t in ce.ClientEventType)
                + ".",
                param="type",
                event_id=event.event_id,
            )
            return
        match event:
            case ce.SessionUpdate():
                await self.on_session_update(event)
            case ce.InputAudioBufferAppend():
                await self.on_append(event)
            case ce.InputAudioBufferCommit():
                await self.on_commit(event)
            case ce.InputAudioBufferClear():
                await self.on_clear(event)
            case ce.OutputAudioBufferClear():
                await self.on_output_clear(event)
            case ce.ConversationItemCreate():
                await self.on_item_create(event)
            case ce.ConversationItemRetrieve():
                await self.on_item_retrieve(event)
            case ce.ConversationItemDelete():
                await self.on_item_delete(event)
            case ce.ConversationItemTruncate():
                await self.on_truncate(event)
            case ce.ResponseCreate():
                await self.on_response_create(event)
            case ce.ResponseCancel():
                await self.on_response_cancel(event)

    # --- handlers -------------------------------------------------------------

    async def on_session_update(self, event: ce.SessionUpdate) -> None:
        self.session = _merge(self.session, event.session)
        await self.send(se.SessionUpdated(event_id=self.new_id("event"), session=self.session))

    def _format(self, direction: str) -> AudioFormat | None:
        audio = self.session.audio
        if audio is None or audio is UNSET:
            return None
        side = getattr(audio, direction, None)
        if side is None or side is UNSET:
            return None
        return side.format if isinstance(side.format, AudioFormat) else None

    def _vad(self) -> bool:
        audio = self.session.audio
        if audio is None or audio is UNSET or audio.input is None or audio.input is UNSET:
            return False
        return audio.input.turn_detection is not None

    async def on_append(self, event: ce.InputAudioBufferAppend) -> None:
        size = base64_size(event.audio)
        start_ms = self.audio_ms_total
        self.audio_ms_total += size * 1000 // audio_bytes_per_second(self._format("input"))
        if self.buffer_bytes == 0 and size and self._vad():
            self.speech_item_id = self.new_id("item")
            await self.send(
                se.InputAudioBufferSpeechStarted(
                    event_id=self.new_id("event"),
                    item_id=self.speech_item_id,
                    audio_start_ms=start_ms,
                )
            )
        self.buffer_bytes += size

    async def on_commit(self, event: ce.InputAudioBufferCommit) -> None:
        if self.buffer_bytes == 0:
            await self.error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: the buffer is empty.",
                event_id=_id(event.event_id),
            )
            return
        item_id = self.speech_item_id or self.new_id("item")
        if self.speech_item_id is not None:
            await self.send(
                se.InputAudioBufferSpeechStopped(
                    event_id=self.new_id("event"),
                    item_id=item_id,
                    audio_end_ms=self.audio_ms_total,
                )
            )
        previous = self.last_item_id
        await self.send(
            se.InputAudioBufferCommitted(
                event_id=self.new_id("event"), item_id=item_id, previous_item_id=previous
            )
        )
        self.buffer_bytes = 0
        self.speech_item_id = None
        item = Message(
            id=item_id,
            object="realtime.item",
            status="completed",
            role="user",
            content=[MessageContent(type="input_audio", transcript=None)],
        )
        await self.add_item(item, previous)

    async def add_item(self, item: ConversationItem, previous: str | None) -> None:
        item_id = item.id if isinstance(item.id, str) else self.new_id("item")
        if item.id != item_id:
            item = msgspec.structs.replace(item, id=item_id)
        self.items[item_id] = item
        self.last_item_id = item_id
        added = se.ConversationItemAdded(
            event_id=self.new_id("event"), item=item, previous_item_id=previous
        )
        await self.send(added)
        done = se.ConversationItemDone(
            event_id=self.new_id("event"), item=item, previous_item_id=previous
        )
        await self.send(done)

    async def on_clear(self, event: ce.InputAudioBufferClear) -> None:
        self.buffer_bytes = 0
        self.speech_item_id = None
        await self.send(se.InputAudioBufferCleared(event_id=self.new_id("event")))

    async def on_output_clear(self, event: ce.OutputAudioBufferClear) -> None:
        await self.error(
            "invalid_value",
            "output_audio_buffer.clear is only supported for WebRTC and SIP connections.",
            param="type",
            event_id=_id(event.event_id),
        )

    async def on_item_create(self, event: ce.ConversationItemCreate) -> None:
        previous = event.previous_item_id
        await self.add_item(
            event.item, previous if isinstance(previous, str) else self.last_item_id
        )

    async def on_item_retrieve(self, event: ce.ConversationItemRetrieve) -> None:
        item = self.items.get(event.item_id)
        if item is None:
            await self._no_item(event.item_id, event.event_id)
            return
        await self.send(se.ConversationItemRetrieved(event_id=self.new_id("event"), item=item))

    async def on_item_delete(self, event: ce.ConversationItemDelete) -> None:
        if self.items.pop(event.item_id, None) is None:
            await self._no_item(event.item_id, event.event_id)
            return
        await self.send(
            se.ConversationItemDeleted(event_id=self.new_id("event"), item_id=event.item_id)
        )

    async def on_truncate(self, event: ce.ConversationItemTruncate) -> None:
        item = self.items.get(event.item_id)
        if not isinstance(item, Message) or item.role != "assistant":
            await self._no_item(event.item_id, event.event_id)
            return
        await self.send(
            se.ConversationItemTruncated(
                event_id=self.new_id("event"),
                item_id=event.item_id,
                content_index=event.content_index,
                audio_end_ms=event.audio_end_ms,
            )
        )

    async def _no_item(self, item_id: str, event_id: str | None | msgspec.UnsetType) -> None:
        await self.error(
            "invalid_value",
            f"Conversation has no assistant item with id {item_id!r}.",
            param="item_id",
            event_id=_id(event_id),
        )

    async def on_response_create(self, event: ce.ResponseCreate) -> None:
        if self.response_task is not None and not self.response_task.done():
            await self.error(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress.",
                event_id=_id(event.event_id),
            )
            return
        params = event.response
        metadata = params.metadata if params is not None and params is not UNSET else None
        if isinstance(metadata, dict) and UNKNOWN_EVENT_HOOK in metadata:
            await self.send(_unknown_frame(metadata[UNKNOWN_EVENT_HOOK], self.new_id("event")))
        self.response_cancelled = False
        self.response_task = asyncio.create_task(self.respond_until_closed())

    async def on_response_cancel(self, event: ce.ResponseCancel) -> None:
        if self.response_task is None or self.response_task.done():
            await self.error(
                "response_cancel_not_active",
                "Cancellation failed: no active response found.",
                event_id=_id(event.event_id),
            )
            return
        self.response_cancelled = True

    # --- the response sequence ------------------------------------------------

    async def respond_until_closed(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.respond()

    async def respond(self) -> None:
        response_id = self.new_id("resp")
        item_id = self.new_id("item")
        output_format = self._format("output")
        bps = audio_bytes_per_second(output_format)
        response = Response(
            id=response_id,
            object="realtime.response",
            status="in_progress",
            conversation_id="conv_mock",
            output=[],
            output_modalities=["audio"],
            audio=ResponseAudio(output=ResponseAudioOutput(format=output_format, voice="marin")),
            max_output_tokens="inf",
            metadata=None,
            usage=None,
        )
        await self.send(se.ResponseCreated(event_id=self.new_id("event"), response=response))
        item = Message(
            id=item_id, object="realtime.item", status="in_progress", role="assistant", content=[]
        )
        await self.send(
            se.ResponseOutputItemAdded(
                event_id=self.new_id("event"), response_id=response_id, output_index=0, item=item
            )
        )
        previous = self.last_item_id
        self.items[item_id] = item
        self.last_item_id = item_id
        await self.send(
            se.ConversationItemAdded(
                event_id=self.new_id("event"), item=item, previous_item_id=previous
            )
        )
        where = _Where(response_id=response_id, item_id=item_id, output_index=0)
        await self.send(
            se.ResponseContentPartAdded(
                event_id=self.new_id("event"),
                content_index=0,
                part=se.ContentPart(type="audio", transcript=""),
                **where,
            )
        )
        if self.server.first_audio_delay_s:
            await asyncio.sleep(self.server.first_audio_delay_s)
        kind = output_format.type if output_format is not None else None
        audio = tone(kind if isinstance(kind, str) else None, self.server.audio_ms)
        chunk = max(1, bps * self.server.chunk_ms // 1000)
        chunks = [audio[i : i + chunk] for i in range(0, len(audio), chunk)]
        words = _TRANSCRIPT.split(" ")
        per_chunk = math.ceil(len(words) / max(1, len(chunks)))
        spoken: list[str] = []
        sent_audio = 0
        for index, pcm in enumerate(chunks):
            if self.response_cancelled:
                break
            await self.send(
                se.ResponseOutputAudioDelta.from_pcm(
                    pcm, event_id=self.new_id("event"), content_index=0, **where
                )
            )
            sent_audio += len(pcm)
            piece = words[index * per_chunk : (index + 1) * per_chunk]
            if piece:
                delta = (" " if spoken else "") + " ".join(piece)
                spoken.extend(piece)
                await self.send(
                    se.ResponseOutputAudioTranscriptDelta(
                        event_id=self.new_id("event"), content_index=0, delta=delta, **where
                    )
                )
            await asyncio.sleep(0)
        transcript = " ".join(spoken)
        cancelled = self.response_cancelled
        if not cancelled:
            await self.send(
                se.ResponseOutputAudioDone(event_id=self.new_id("event"), content_index=0, **where)
            )
            await self.send(
                se.ResponseOutputAudioTranscriptDone(
                    event_id=self.new_id("event"), content_index=0, transcript=transcript, **where
                )
            )
            await self.send(
                se.ResponseContentPartDone(
                    event_id=self.new_id("event"),
                    content_index=0,
                    part=se.ContentPart(type="audio", transcript=transcript),
                    **where,
                )
            )
        final_item = Message(
            id=item_id,
            object="realtime.item",
            status="incomplete" if cancelled else "completed",
            role="assistant",
            content=[MessageContent(type="output_audio", transcript=transcript)],
        )
        self.items[item_id] = final_item
        await self.send(
            se.ResponseOutputItemDone(
                event_id=self.new_id("event"),
                response_id=response_id,
                output_index=0,
                item=final_item,
            )
        )
        await self.send(
            se.ConversationItemDone(
                event_id=self.new_id("event"), item=final_item, previous_item_id=previous
            )
        )
        output_audio_tokens = sent_audio * 1000 // bps // 50
        output_text_tokens = len(spoken)
        input_audio_tokens = self.audio_ms_total // 100
        input_text_tokens = 20
        done = msgspec.structs.replace(
            response,
            status="cancelled" if cancelled else "completed",
            status_details=(
                ResponseStatus(type="cancelled", reason="client_cancelled") if cancelled else None
            ),
            output=[final_item],
            usage=Usage(
                total_tokens=input_audio_tokens
                + input_text_tokens
                + output_audio_tokens
                + output_text_tokens,
                input_tokens=input_audio_tokens + input_text_tokens,
                output_tokens=output_audio_tokens + output_text_tokens,
                input_token_details=InputTokenDetails(
                    audio_tokens=input_audio_tokens, text_tokens=input_text_tokens, cached_tokens=0
                ),
                output_token_details=OutputTokenDetails(
                    audio_tokens=output_audio_tokens, text_tokens=output_text_tokens
                ),
            ),
        )
        await self.send(se.ResponseDone(event_id=self.new_id("event"), response=done))


async def _translate(
    session: TranslationSession, connection: ServerConnection, log: MockSession | None
) -> None:
    """Serve one translation session: send what it answers, close once it is closed."""

    async def send(events: Sequence[Event]) -> None:
        for event in events:
            data = encode(event)
            if log is not None:
                log.sent.append(data)
            await connection.send(data.decode())

    with contextlib.suppress(ConnectionClosed):
        await send(session.start())
        async for message in connection:
            frame = message.encode() if isinstance(message, str) else message
            if log is not None:
                log.received.append(frame)
            await send(session.receive(frame))
            if session.closed:
                await connection.close()


def _select_realtime(
    connection: ServerConnection, subprotocols: Sequence[Subprotocol]
) -> Subprotocol | None:
    return Subprotocol("realtime") if "realtime" in subprotocols else None


class _Where(TypedDict):
    """Where a response's content goes: the fields its delta and done events share."""

    response_id: str
    item_id: str
    output_index: int


def _id(event_id: str | None | msgspec.UnsetType) -> str | None:
    return event_id if isinstance(event_id, str) else None


def _unknown_frame(event_type: str, event_id: str) -> bytes:
    """An event type rtmsg does not model, spelled so that any re-encoding would show."""
    return (
        b'{"type": '
        + msgspec.json.encode(event_type)
        + b', "event_id": '
        + msgspec.json.encode(event_id)
        + b', "note": "not modelled by rtmsg",  "ratio": 1.50}'
    )
