"""The mock's response: the event sequence of one spoken answer, with the pauses between events.

Separate from the conversation's handlers: this is the one long sequence the mock plays, a
generator that a server advances one event at a time, so that a ``response.cancel`` handled
in between ends it early, as the service does.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from typing import Final, Protocol, TypedDict

import msgspec

from ..conversation import server_events as se
from ..conversation.items import ConversationItem, Message, MessageContent
from ..conversation.responses import (
    InputTokenDetails,
    OutputTokenDetails,
    Response,
    ResponseAudio,
    ResponseAudioOutput,
    ResponseStatus,
    Usage,
)
from ..conversation.session import AudioFormat, SessionConfig
from ..engine.decoding import Unknown
from ._mock_base import Sleep
from .audio import tone

__all__ = ["Chat", "Output", "ResponseSettings", "Sleep", "response_events"]

Output = se.ServerEvent | Unknown
"""What the mock sends: a server event, or an :class:`Unknown` holding a frame's exact bytes."""


_TRANSCRIPT: Final = "Hello! This is a synthetic tone from the rtmsg mock server."


@dataclasses.dataclass(frozen=True)
class ResponseSettings:
    """How much tone a response speaks, in chunks of how long, after how long a pause."""

    audio_ms: int = 600
    chunk_ms: int = 100
    first_audio_delay_s: float = 0.0


class Chat(Protocol):
    """What a response reads and updates of its conversation (a ``Conversation``)."""

    items: dict[str, ConversationItem]
    last_item_id: str | None
    audio_ms_total: int

    @property
    def session(self) -> SessionConfig: ...

    @property
    def response_cancelled(self) -> bool: ...

    def new_id(self, prefix: str) -> str: ...


class _Where(TypedDict):
    """Where a response's content goes: the fields its delta and done events share."""

    response_id: str
    item_id: str
    output_index: int


def response_events(chat: Chat, settings: ResponseSettings) -> Iterator[Output | Sleep]:
    """The events of one response in ``chat``, updating its items as they are sent."""
    response_id = chat.new_id("resp")
    item_id = chat.new_id("item")
    output_format = chat.session.output_format
    bps = (output_format or AudioFormat()).bytes_per_second
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
    yield se.ResponseCreated(event_id=chat.new_id("event"), response=response)
    item = Message(
        id=item_id, object="realtime.item", status="in_progress", role="assistant", content=[]
    )
    yield se.ResponseOutputItemAdded(
        event_id=chat.new_id("event"), response_id=response_id, output_index=0, item=item
    )
    previous = chat.last_item_id
    chat.items[item_id] = item
    chat.last_item_id = item_id
    yield se.ConversationItemAdded(
        event_id=chat.new_id("event"), item=item, previous_item_id=previous
    )
    where = _Where(response_id=response_id, item_id=item_id, output_index=0)
    yield se.ResponseContentPartAdded(
        event_id=chat.new_id("event"),
        content_index=0,
        part=se.ContentPart(type="audio", transcript=""),
        **where,
    )
    if settings.first_audio_delay_s:
        yield Sleep(settings.first_audio_delay_s)
    kind = output_format.type if output_format is not None else None
    audio = tone(kind if isinstance(kind, str) else None, settings.audio_ms)
    chunk = max(1, bps * settings.chunk_ms // 1000)
    chunks = [audio[i : i + chunk] for i in range(0, len(audio), chunk)]
    words = _TRANSCRIPT.split(" ")
    per_chunk = math.ceil(len(words) / max(1, len(chunks)))
    spoken: list[str] = []
    sent_audio = 0
    for index, pcm in enumerate(chunks):
        if chat.response_cancelled:
            break
        yield se.ResponseOutputAudioDelta.from_pcm(
            pcm, event_id=chat.new_id("event"), content_index=0, **where
        )
        sent_audio += len(pcm)
        piece = words[index * per_chunk : (index + 1) * per_chunk]
        if piece:
            delta = (" " if spoken else "") + " ".join(piece)
            spoken.extend(piece)
            yield se.ResponseOutputAudioTranscriptDelta(
                event_id=chat.new_id("event"), content_index=0, delta=delta, **where
            )
        # A cancel handled during this pause stops the audio before its next chunk.
        yield Sleep(0)
    transcript = " ".join(spoken)
    cancelled = chat.response_cancelled
    if not cancelled:
        yield se.ResponseOutputAudioDone(event_id=chat.new_id("event"), content_index=0, **where)
        yield se.ResponseOutputAudioTranscriptDone(
            event_id=chat.new_id("event"), content_index=0, transcript=transcript, **where
        )
        yield se.ResponseContentPartDone(
            event_id=chat.new_id("event"),
            content_index=0,
            part=se.ContentPart(type="audio", transcript=transcript),
            **where,
        )
    final_item = Message(
        id=item_id,
        object="realtime.item",
        status="incomplete" if cancelled else "completed",
        role="assistant",
        content=[MessageContent(type="output_audio", transcript=transcript)],
    )
    chat.items[item_id] = final_item
    yield se.ResponseOutputItemDone(
        event_id=chat.new_id("event"), response_id=response_id, output_index=0, item=final_item
    )
    yield se.ConversationItemDone(
        event_id=chat.new_id("event"), item=final_item, previous_item_id=previous
    )
    done = msgspec.structs.replace(
        response,
        status="cancelled" if cancelled else "completed",
        status_details=(
            ResponseStatus(type="cancelled", reason="client_cancelled") if cancelled else None
        ),
        output=[final_item],
        usage=_usage(sent_audio * 1000 // bps, len(spoken), chat.audio_ms_total),
    )
    yield se.ResponseDone(event_id=chat.new_id("event"), response=done)


def _usage(output_audio_ms: int, output_words: int, input_audio_ms: int) -> Usage:
    """Made-up token counts: one per 50 ms of output audio, per 100 ms of input, per word."""
    output_audio_tokens = output_audio_ms // 50
    output_text_tokens = output_words
    input_audio_tokens = input_audio_ms // 100
    input_text_tokens = 20
    return Usage(
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
    )
