"""The mock Realtime session as a state machine: client events in, server events out, no I/O.

:class:`Conversation` holds one session's state (its config, input buffer, items, active
response). :meth:`Conversation.handle` takes a client event and returns the server events
that answer it at once; a ``response.create`` also starts a response, whose events come from
:meth:`Conversation.take_response`, a generator that yields them interleaved with
:class:`Sleep` instructions: the pauses the server makes between them. The server
(:mod:`rtmsg.relay.mock`) only sends what it is given and sleeps when told, so every
answer can be tested by calling these methods, without a socket or an event loop.

Turn detection is simulated: while it is on (``server_vad``, the default), the first append
after an empty buffer is reported as ``input_audio_buffer.speech_started`` and the commit as
``input_audio_buffer.speech_stopped``; responses start only on ``response.create``.

Test hook: a ``response.create`` whose ``response.metadata`` has ``mock_unknown_event`` set to an
event type makes the mock send, before ``response.created``, an event of that type that rtmsg
does not model, in unusual but valid JSON (spaces, ``1.50``) so that any re-encoding shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, Final

import msgspec

from ..common.errors import build_error, error_event
from ..conversation import client_events as ce
from ..conversation import server_events as se
from ..conversation.codec import decode_client_event
from ..conversation.items import ConversationItem, Message, MessageContent
from ..conversation.session import AudioFormat, SessionConfig
from ..engine.base import base64_size, given
from ..engine.decoding import Unknown
from ..engine.errors import DecodeError
from ._mock_config import default_session, merge
from ._response import Output, ResponseSettings, Sleep, response_events

__all__ = ["UNKNOWN_EVENT_HOOK", "Conversation", "Output", "Sleep"]

UNKNOWN_EVENT_HOOK: Final = "mock_unknown_event"


class Conversation:
    """One mock session. ``audio_ms`` of tone per response in chunks of ``chunk_ms``;
    ``first_audio_delay_s`` is the model's simulated thinking time before its first audio."""

    def __init__(
        self,
        *,
        model: str = "gpt-realtime",
        audio_ms: int = 600,
        chunk_ms: int = 100,
        first_audio_delay_s: float = 0.0,
    ) -> None:
        self.settings = ResponseSettings(
            audio_ms=audio_ms, chunk_ms=chunk_ms, first_audio_delay_s=first_audio_delay_s
        )
        self.session: SessionConfig = default_session(model)
        self.items: dict[str, ConversationItem] = {}
        self.last_item_id: str | None = None
        self.buffer_bytes = 0
        self.audio_ms_total = 0
        self.speech_item_id: str | None = None
        self.response_active = False
        self.response_cancelled = False
        self.closed = False  # the client ends a conversation, never the session
        self._ids = itertools.count(1)
        self._response: Iterator[Output | Sleep] | None = None
        self._handlers: dict[str, Callable[[Any], list[Output]]] = {
            ce.ClientEventType.SESSION_UPDATE: self._on_session_update,
            ce.ClientEventType.INPUT_AUDIO_BUFFER_APPEND: self._on_append,
            ce.ClientEventType.INPUT_AUDIO_BUFFER_COMMIT: self._on_commit,
            ce.ClientEventType.INPUT_AUDIO_BUFFER_CLEAR: self._on_clear,
            ce.ClientEventType.OUTPUT_AUDIO_BUFFER_CLEAR: self._on_output_clear,
            ce.ClientEventType.CONVERSATION_ITEM_CREATE: self._on_item_create,
            ce.ClientEventType.CONVERSATION_ITEM_RETRIEVE: self._on_item_retrieve,
            ce.ClientEventType.CONVERSATION_ITEM_DELETE: self._on_item_delete,
            ce.ClientEventType.CONVERSATION_ITEM_TRUNCATE: self._on_truncate,
            ce.ClientEventType.RESPONSE_CREATE: self._on_response_create,
            ce.ClientEventType.RESPONSE_CANCEL: self._on_response_cancel,
        }

    @property
    def handled_types(self) -> frozenset[str]:
        """The client event types this session answers."""
        return frozenset(self._handlers)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):05d}"

    # --- the interface the server drives ----------------------------------------

    def start(self) -> list[Output]:
        """What the server sends on connect: ``session.created``."""
        return [se.SessionCreated(event_id=self.new_id("event"), session=self.session)]

    def receive(self, frame: bytes | str) -> list[Output]:
        """The answer to one client frame; an invalid frame is answered with an ``error``."""
        try:
            event = decode_client_event(frame)
        except DecodeError as exc:
            return [error_event(exc, event_id=self.new_id("event"))]
        return self.handle(event)

    def handle(self, event: ce.ClientEvent | Unknown) -> list[Output]:
        """The events that answer ``event`` at once, in order (often one, sometimes none)."""
        handler = self._handlers.get(event.event_type)
        if handler is None:
            return [
                self._error(
                    "invalid_value",
                    f"Invalid value: {event.event_type!r}. Supported values are: "
                    + ", ".join(f"{t.value!r}" for t in ce.ClientEventType)
                    + ".",
                    param="type",
                    client_event_id=_id(event.event_id),
                )
            ]
        return handler(event)

    def take_response(self) -> Iterator[Output | Sleep] | None:
        """The events of the response the last ``response.create`` started, once, or ``None``."""
        response, self._response = self._response, None
        return response

    def _error(
        self, code: str, message: str, *, param: str | None = None, client_event_id: str | None
    ) -> se.Error:
        return build_error(
            code,
            message,
            param=param,
            client_event_id=client_event_id,
            event_id=self.new_id("event"),
        )

    # --- session and input audio -------------------------------------------------

    def _on_session_update(self, event: ce.SessionUpdate) -> list[Output]:
        self.session = merge(self.session, event.session)
        return [se.SessionUpdated(event_id=self.new_id("event"), session=self.session)]

    def _input_format(self) -> AudioFormat:
        return self.session.input_format or AudioFormat()

    def _on_append(self, event: ce.InputAudioBufferAppend) -> list[Output]:
        size = base64_size(event.audio)
        start_ms = self.audio_ms_total
        self.audio_ms_total += size * 1000 // self._input_format().bytes_per_second
        answer: list[Output] = []
        if self.buffer_bytes == 0 and size and self.session.turn_detection is not None:
            self.speech_item_id = self.new_id("item")
            answer.append(
                se.InputAudioBufferSpeechStarted(
                    event_id=self.new_id("event"),
                    item_id=self.speech_item_id,
                    audio_start_ms=start_ms,
                )
            )
        self.buffer_bytes += size
        return answer

    def _on_commit(self, event: ce.InputAudioBufferCommit) -> list[Output]:
        if self.buffer_bytes == 0:
            return [
                self._error(
                    "input_audio_buffer_commit_empty",
                    "Error committing input audio buffer: the buffer is empty.",
                    client_event_id=_id(event.event_id),
                )
            ]
        answer: list[Output] = []
        item_id = self.speech_item_id or self.new_id("item")
        if self.speech_item_id is not None:
            answer.append(
                se.InputAudioBufferSpeechStopped(
                    event_id=self.new_id("event"),
                    item_id=item_id,
                    audio_end_ms=self.audio_ms_total,
                )
            )
        previous = self.last_item_id
        answer.append(
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
        return answer + self._add_item(item, previous)

    def _on_clear(self, event: ce.InputAudioBufferClear) -> list[Output]:
        self.buffer_bytes = 0
        self.speech_item_id = None
        return [se.InputAudioBufferCleared(event_id=self.new_id("event"))]

    def _on_output_clear(self, event: ce.OutputAudioBufferClear) -> list[Output]:
        return [
            self._error(
                "invalid_value",
                "output_audio_buffer.clear is only supported for WebRTC and SIP connections.",
                param="type",
                client_event_id=_id(event.event_id),
            )
        ]

    # --- conversation items ------------------------------------------------------

    def _add_item(self, item: ConversationItem, previous: str | None) -> list[Output]:
        item_id = item.id if isinstance(item.id, str) else self.new_id("item")
        if item.id != item_id:
            item = msgspec.structs.replace(item, id=item_id)
        self.items[item_id] = item
        self.last_item_id = item_id
        return [
            se.ConversationItemAdded(
                event_id=self.new_id("event"), item=item, previous_item_id=previous
            ),
            se.ConversationItemDone(
                event_id=self.new_id("event"), item=item, previous_item_id=previous
            ),
        ]

    def _on_item_create(self, event: ce.ConversationItemCreate) -> list[Output]:
        previous = event.previous_item_id
        return self._add_item(event.item, previous if given(previous) else self.last_item_id)

    def _on_item_retrieve(self, event: ce.ConversationItemRetrieve) -> list[Output]:
        item = self.items.get(event.item_id)
        if item is None:
            return [self._no_item(event.item_id, event.event_id)]
        return [se.ConversationItemRetrieved(event_id=self.new_id("event"), item=item)]

    def _on_item_delete(self, event: ce.ConversationItemDelete) -> list[Output]:
        if self.items.pop(event.item_id, None) is None:
            return [self._no_item(event.item_id, event.event_id)]
        return [se.ConversationItemDeleted(event_id=self.new_id("event"), item_id=event.item_id)]

    def _on_truncate(self, event: ce.ConversationItemTruncate) -> list[Output]:
        item = self.items.get(event.item_id)
        if not isinstance(item, Message) or item.role != "assistant":
            return [self._no_item(event.item_id, event.event_id)]
        return [
            se.ConversationItemTruncated(
                event_id=self.new_id("event"),
                item_id=event.item_id,
                content_index=event.content_index,
                audio_end_ms=event.audio_end_ms,
            )
        ]

    def _no_item(self, item_id: str, event_id: str | None | msgspec.UnsetType) -> se.Error:
        return self._error(
            "invalid_value",
            f"Conversation has no assistant item with id {item_id!r}.",
            param="item_id",
            client_event_id=_id(event_id),
        )

    # --- responses -----------------------------------------------------------------

    def _on_response_create(self, event: ce.ResponseCreate) -> list[Output]:
        if self.response_active:
            return [
                self._error(
                    "conversation_already_has_active_response",
                    "Conversation already has an active response in progress.",
                    client_event_id=_id(event.event_id),
                )
            ]
        answer: list[Output] = []
        params = event.response
        metadata = params.metadata if given(params) else None
        if isinstance(metadata, dict) and UNKNOWN_EVENT_HOOK in metadata:
            answer.append(_unknown_event(metadata[UNKNOWN_EVENT_HOOK], self.new_id("event")))
        self.response_active = True
        self.response_cancelled = False
        self._response = self._respond()
        return answer

    def _on_response_cancel(self, event: ce.ResponseCancel) -> list[Output]:
        if not self.response_active:
            return [
                self._error(
                    "response_cancel_not_active",
                    "Cancellation failed: no active response found.",
                    client_event_id=_id(event.event_id),
                )
            ]
        self.response_cancelled = True
        return []

    def _respond(self) -> Iterator[Output | Sleep]:
        try:
            yield from response_events(self, self.settings)
        finally:
            self.response_active = False


def _id(event_id: str | None | msgspec.UnsetType) -> str | None:
    return event_id if isinstance(event_id, str) else None


def _unknown_event(event_type: str, event_id: str) -> Unknown:
    """An event type rtmsg does not model, spelled so that any re-encoding would show."""
    raw = (
        b'{"type": '
        + msgspec.json.encode(event_type)
        + b', "event_id": '
        + msgspec.json.encode(event_id)
        + b', "note": "not modelled by rtmsg",  "ratio": 1.50}'
    )
    return Unknown(event_type, raw, event_id)
