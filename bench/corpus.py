"""The benchmark corpus: simulated voice sessions, generated from a seed, nothing downloaded.

A session is a timeline of conversation turns. The client streams microphone audio the whole
time (one ``input_audio_buffer.append`` per chunk) and sends the occasional control event; the
server answers each turn with the lifecycle events, audio deltas and transcript deltas the GA
Realtime API sends. Four sessions with different audio set-ups make up the corpus:

======================  =========================  ==================================
session                 client audio               turn taking
======================  =========================  ==================================
``pcm16-20ms``          24 kHz pcm16, 20 ms        server VAD, tools, barge-in
``pcm16-40ms``          24 kHz pcm16, 40 ms        semantic VAD, tools, barge-in
``pcm16-100ms``         24 kHz pcm16, 100 ms       push-to-talk (commit/clear)
``g711-20ms``           8 kHz G.711 mu-law, 20 ms  server VAD (a phone line)
======================  =========================  ==================================

:func:`translation_session` simulates a session of the other protocol, live translation
(``/v1/realtime/translations``): 24 kHz pcm16 streamed in, transcripts and translated audio
streamed out, one set of deltas per 200 ms frame. :func:`live_session` simulates a Live
session (``/v1/live/sessions``): 24 kHz pcm16 streamed in, the caller's transcript, the
model's audio and transcript out, and a task delegated to a Responses backend whose answer
streams back as nested ``response.event`` frames.

Frames are compact JSON with ``type`` first, as the API and the SDK write them. The same seed
gives the same bytes on every machine, so runs can be compared. ``tests/test_bench_corpus.py``
validates every frame against the official SDK's models in strict mode.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from typing import Any, Literal

from rtmsg.capture import Direction

__all__ = [
    "AUDIO_TYPES",
    "LIVE_FLAT",
    "SEED",
    "Corpus",
    "Session",
    "Side",
    "build_corpus",
    "flat_twin",
    "live_session",
    "translation_session",
    "unknown_twin",
]

Side = Literal[
    "client", "server", "translation client", "translation server", "live client", "live server"
]
"""Who sends the frames, and in which protocol: the conversation's sides, translation's, or
those of a Live session's primary connection."""

SEED = 20250828
"""The seed of the corpus (the GA protocol's release date)."""

AUDIO_TYPES = frozenset({"input_audio_buffer.append", "response.output_audio.delta"})
"""The audio events; every other event is a control event."""


_ID_CHARS = string.ascii_letters + string.digits

_WORDS_TEXT = (
    "sure I can help with that your order ships tomorrow and should arrive by Friday "
    "the weather in Lisbon is sunny with a high of twenty four degrees let me check "
    "the calendar you have a meeting at three with the design team would you like me "
    "to move it I have booked a table for two at seven thirty anything else today"
)
_WORDS = _WORDS_TEXT.split()

_USER_WORDS_TEXT = (
    "hi can you tell me when my package arrives and also what's the weather like in "
    "Lisbon tomorrow please move my three o'clock meeting to Thursday and book dinner"
)
_USER_WORDS = _USER_WORDS_TEXT.split()

_INSTRUCTIONS = (
    "You are Ava, the voice assistant of Northwind Travel. Speak in a warm, upbeat tone and "
    "keep answers under three sentences unless the caller asks for details. Always confirm "
    "dates, times and amounts by repeating them back. Never read out more than the last four "
    "digits of a card or account number. If the caller asks about an order, look it up with "
    "lookup_order before answering; if they ask about the weather, call get_weather; for "
    "calendar changes use move_meeting and read back the new time; for restaurant bookings "
    "use book_table and confirm the party size. When a tool fails, apologise briefly and "
    "offer to connect the caller to a human agent. If the caller is silent for a while, ask "
    "once whether they are still there. Do not discuss competitors, pricing exceptions or "
    "internal policies. Switch to the caller's language if they speak something other than "
    "English, and keep using it for the rest of the call. "
) * 2


def _function_tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "description": description,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": sorted(properties),
            "additionalProperties": False,
        },
    }


_TOOLS: list[dict[str, Any]] = [
    _function_tool(
        "lookup_order",
        "Look up an order by its number and return its status and delivery estimate.",
        {"order_number": {"type": "string", "description": "The order number, e.g. NW-1042."}},
    ),
    _function_tool(
        "get_weather",
        "Get the weather forecast for a city on a given day.",
        {
            "city": {"type": "string", "description": "City name, e.g. Lisbon."},
            "date": {"type": "string", "format": "date", "description": "ISO date."},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
    ),
    _function_tool(
        "move_meeting",
        "Move a calendar event to a new start time.",
        {
            "event_id": {"type": "string"},
            "new_start": {"type": "string", "format": "date-time"},
            "notify_attendees": {"type": "boolean"},
        },
    ),
    _function_tool(
        "book_table",
        "Book a restaurant table.",
        {
            "restaurant": {"type": "string"},
            "party_size": {"type": "integer", "minimum": 1, "maximum": 20},
            "time": {"type": "string", "format": "date-time"},
        },
    ),
    {
        "type": "mcp",
        "server_label": "northwind_crm",
        "server_url": "https://mcp.northwind.example/crm",
        "server_description": "Customer records, tickets and loyalty points.",
        "allowed_tools": ["find_customer", "open_ticket", "loyalty_balance"],
        "headers": {"X-Tenant": "northwind-eu"},
        "require_approval": "never",
    },
]


@dataclass
class Session:
    """One simulated session: its frames in time order, both directions."""

    name: str
    seconds: float
    frames: list[tuple[Direction, bytes]] = field(default_factory=list)


@dataclass
class Corpus:
    """The frames of every benchmark mix, and the micro-benchmark frames by name."""

    sessions: list[Session]
    client: list[bytes]
    server: list[bytes]
    control_client: list[bytes]
    control_server: list[bytes]
    unknown_heavy: list[bytes]
    micro: dict[str, tuple[Side, bytes]]
    translation_client: list[bytes] = field(default_factory=list)
    translation_server: list[bytes] = field(default_factory=list)
    live_client: list[bytes] = field(default_factory=list)
    live_server: list[bytes] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Simulated session time covered by ``client`` and ``server``."""
        return sum(session.seconds for session in self.sessions)


class _Writer:
    """Builds the frames of one session; every random choice comes from its own ``Random``."""

    def __init__(self, rng: random.Random, session: Session) -> None:
        self.rng = rng
        self.session = session
        self.audio_ms = 0

    def ident(self, prefix: str, length: int = 21) -> str:
        return prefix + "".join(self.rng.choices(_ID_CHARS, k=length))

    def client(self, body: dict[str, Any]) -> None:
        self.session.frames.append(("client", _dumps(body)))

    def server(self, event_type: str, **body: Any) -> None:
        frame = {"type": event_type, "event_id": self.ident("event_"), **body}
        self.session.frames.append(("server", _dumps(frame)))

    def audio(self, n_bytes: int) -> str:
        return _b64(self.rng.randbytes(n_bytes))

    def words(self, vocabulary: list[str], n: int) -> str:
        return " ".join(self.rng.choices(vocabulary, k=n))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def session_update(
    *, input_format: dict[str, Any], turn_detection: dict[str, Any] | None
) -> dict[str, Any]:
    """The large ``session.update`` a voice agent sends first: instructions, audio, tools, MCP."""
    return {
        "type": "session.update",
        "event_id": "evt_client_session_update",
        "session": {
            "type": "realtime",
            "model": "gpt-realtime",
            "instructions": _INSTRUCTIONS,
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": input_format,
                    "noise_reduction": {"type": "near_field"},
                    "transcription": {"model": "gpt-4o-mini-transcribe", "language": "en"},
                    "turn_detection": turn_detection,
                },
                "output": {"format": input_format, "voice": "marin", "speed": 1.05},
            },
            "tools": _TOOLS,
            "tool_choice": "auto",
            "max_output_tokens": 1024,
            "tracing": {"workflow_name": "northwind-voice", "metadata": {"build": "2025.08"}},
            "truncation": {"type": "retention_ratio", "retention_ratio": 0.8},
            "include": ["item.input_audio_transcription.logprobs"],
        },
    }


def _server_session(input_format: dict[str, Any], turn_detection: dict[str, Any] | None) -> Any:
    # The server also sends ``id`` and ``object``, which the SDK's session model does not
    # have (and rtmsg ignores): left out, so that every frame round-trips.
    return session_update(input_format=input_format, turn_detection=turn_detection)["session"]


def _usage(rng: random.Random) -> dict[str, Any]:
    audio_in, text_in = rng.randint(200, 4000), rng.randint(800, 3000)
    audio_out, text_out = rng.randint(100, 900), rng.randint(20, 200)
    cached = rng.randint(0, text_in)
    return {
        "total_tokens": audio_in + text_in + audio_out + text_out,
        "input_tokens": audio_in + text_in,
        "output_tokens": audio_out + text_out,
        "input_token_details": {
            "text_tokens": text_in,
            "audio_tokens": audio_in,
            "image_tokens": 0,
            "cached_tokens": cached,
            "cached_tokens_details": {"text_tokens": cached, "audio_tokens": 0, "image_tokens": 0},
        },
        "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
    }


def _simulate(
    rng: random.Random,
    name: str,
    seconds: float,
    *,
    chunk_ms: int,
    g711: bool,
    turn_detection: dict[str, Any] | None,
) -> Session:
    """One session: continuous microphone audio, turns, tool calls and barge-ins."""
    session = Session(name=name, seconds=seconds)
    w = _Writer(rng, session)
    bytes_per_ms = 8 if g711 else 48  # 8 kHz x 1 byte, 24 kHz x 2 bytes
    fmt: dict[str, Any] = {"type": "audio/pcmu"} if g711 else {"type": "audio/pcm", "rate": 24000}
    push_to_talk = turn_detection is None

    w.client(session_update(input_format=fmt, turn_detection=turn_detection))
    w.server("session.created", session=_server_session(fmt, turn_detection))
    w.server("session.updated", session=_server_session(fmt, turn_detection))
    w.client(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "system",
                "content": [{"type": "input_text", "text": "The caller is a gold member."}],
            },
        }
    )
    w.server(
        "conversation.item.added",
        previous_item_id=None,
        item={
            "id": w.ident("item_"),
            "type": "message",
            "object": "realtime.item",
            "status": "completed",
            "role": "system",
            "content": [{"type": "input_text", "text": "The caller is a gold member."}],
        },
    )

    clock_ms = 0.0
    end_ms = seconds * 1000
    previous_item: str | None = None
    chunk_bytes = chunk_ms * bytes_per_ms

    def mic(until_ms: float) -> None:
        """The microphone stream keeps going whatever else happens."""
        nonlocal clock_ms
        while clock_ms + chunk_ms <= until_ms:
            clock_ms += chunk_ms
            w.client({"type": "input_audio_buffer.append", "audio": w.audio(chunk_bytes)})

    turn = 0
    while clock_ms < end_ms - 2000:
        turn += 1
        # the user speaks, then pauses
        speak_ms = rng.uniform(1500, 5000)
        user_item = w.ident("item_")
        start_ms = int(clock_ms)
        if push_to_talk:
            w.client({"type": "input_audio_buffer.clear"})
            w.server("input_audio_buffer.cleared")
        else:
            mic(clock_ms + 300)
            w.server(
                "input_audio_buffer.speech_started", audio_start_ms=start_ms, item_id=user_item
            )
        mic(min(end_ms, clock_ms + speak_ms))
        if push_to_talk:
            w.client({"type": "input_audio_buffer.commit"})
        else:
            mic(min(end_ms, clock_ms + 500))
            w.server(
                "input_audio_buffer.speech_stopped", audio_end_ms=int(clock_ms), item_id=user_item
            )
        w.server("input_audio_buffer.committed", previous_item_id=previous_item, item_id=user_item)
        user_message = {
            "id": user_item,
            "type": "message",
            "object": "realtime.item",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        w.server("conversation.item.added", previous_item_id=previous_item, item=user_message)
        w.server("conversation.item.done", previous_item_id=previous_item, item=user_message)
        previous_item = user_item
        transcript = w.words(_USER_WORDS, rng.randint(4, 14))
        for word in transcript.split():
            w.server(
                "conversation.item.input_audio_transcription.delta",
                item_id=user_item,
                content_index=0,
                delta=word + " ",
            )
        w.server(
            "conversation.item.input_audio_transcription.completed",
            item_id=user_item,
            content_index=0,
            transcript=transcript,
            usage={
                "type": "tokens",
                "total_tokens": 40,
                "input_tokens": 31,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 31},
                "output_tokens": 9,
            },
        )
        if push_to_talk:
            w.client({"type": "response.create"})

        if rng.random() < 0.3:
            previous_item = _tool_call(w, mic, previous_item, clock=lambda: clock_ms)
        previous_item, interrupted = _spoken_response(
            w, mic, previous_item, clock=lambda: clock_ms, g711=g711, barge_in=turn % 5 == 3
        )
        if interrupted is not None:
            item_id, played_ms = interrupted
            w.client({"type": "response.cancel"})
            w.client(
                {
                    "type": "conversation.item.truncate",
                    "item_id": item_id,
                    "content_index": 0,
                    "audio_end_ms": played_ms,
                }
            )
            w.server(
                "conversation.item.truncated",
                item_id=item_id,
                content_index=0,
                audio_end_ms=played_ms,
            )
        if turn == 4:
            w.client(
                {
                    "type": "session.update",
                    "session": {
                        "type": "realtime",
                        "instructions": "The caller prefers short answers.",
                    },
                }
            )
            w.server("session.updated", session=_server_session(fmt, turn_detection))
        mic(min(end_ms, clock_ms + rng.uniform(300, 1500)))
    mic(end_ms)
    return session


def _tool_call(w: _Writer, mic: Any, previous_item: str | None, *, clock: Any) -> str:
    """The model calls a function; the client answers with its output and a new response."""
    rng = w.rng
    response_id, item_id, call_id = w.ident("resp_"), w.ident("item_"), w.ident("call_", 16)
    name = rng.choice(["lookup_order", "get_weather", "move_meeting", "book_table"])
    arguments = json.dumps(
        {"city": "Lisbon", "date": "2025-09-12", "unit": "celsius"}
        if name == "get_weather"
        else {"order_number": f"NW-{rng.randint(1000, 9999)}"}
    )
    response = _response(response_id, status="in_progress", output=[], usage=None)
    w.server("response.created", response=response)
    call = {
        "id": item_id,
        "type": "function_call",
        "object": "realtime.item",
        "status": "in_progress",
        "name": name,
        "call_id": call_id,
        "arguments": "",
    }
    w.server("response.output_item.added", response_id=response_id, output_index=0, item=call)
    w.server("conversation.item.added", previous_item_id=previous_item, item=call)
    for start in range(0, len(arguments), 6):
        w.server(
            "response.function_call_arguments.delta",
            response_id=response_id,
            item_id=item_id,
            output_index=0,
            call_id=call_id,
            delta=arguments[start : start + 6],
        )
    w.server(
        "response.function_call_arguments.done",
        response_id=response_id,
        item_id=item_id,
        output_index=0,
        call_id=call_id,
        name=name,
        arguments=arguments,
    )
    done_call = {**call, "status": "completed", "arguments": arguments}
    w.server("response.output_item.done", response_id=response_id, output_index=0, item=done_call)
    w.server("conversation.item.done", previous_item_id=previous_item, item=done_call)
    w.server(
        "response.done",
        response=_response(response_id, status="completed", output=[done_call], usage=_usage(rng)),
    )
    mic_ms = rng.uniform(200, 600)  # the tool runs while the caller keeps breathing
    mic(clock() + mic_ms)
    output_item = w.ident("item_")
    w.client(
        {
            "type": "conversation.item.create",
            "previous_item_id": item_id,
            "item": {
                "id": output_item,
                "type": "function_call_output",
                "call_id": call_id,
                "output": json.dumps(
                    {"status": "shipped", "eta": "2025-09-12", "carrier": "DPD", "stops": 3}
                ),
            },
        }
    )
    w.server(
        "conversation.item.added",
        previous_item_id=item_id,
        item={
            "id": output_item,
            "type": "function_call_output",
            "object": "realtime.item",
            "status": "completed",
            "call_id": call_id,
            "output": '{"status":"shipped","eta":"2025-09-12","carrier":"DPD","stops":3}',
        },
    )
    w.client(
        {
            "type": "response.create",
            "response": {
                "instructions": "Tell the caller the result of the tool call in one sentence.",
                "tool_choice": "none",
                "output_modalities": ["audio"],
                "max_output_tokens": 300,
                "metadata": {"turn": "tool-followup", "tool": name},
            },
        }
    )
    return output_item


def _response(
    response_id: str, *, status: str, output: list[Any], usage: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "object": "realtime.response",
        "id": response_id,
        "status": status,
        "status_details": None,
        "output": output,
        "conversation_id": "conv_C9xq1N6zYb2mT4kLp0aWe",
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": {
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"},
        },
        "usage": usage,
        "metadata": None,
    }


def _spoken_response(
    w: _Writer,
    mic: Any,
    previous_item: str | None,
    *,
    clock: Any,
    g711: bool,
    barge_in: bool,
) -> tuple[str, tuple[str, int] | None]:
    """An audio answer: lifecycle events, audio and transcript deltas, ``response.done``.

    The server sends audio faster than real time, in 50 to 200 ms deltas, interleaved with
    transcript deltas; the microphone keeps streaming meanwhile.
    """
    rng = w.rng
    response_id, item_id = w.ident("resp_"), w.ident("item_")
    w.server(
        "response.created",
        response=_response(response_id, status="in_progress", output=[], usage=None),
    )
    item = {
        "id": item_id,
        "type": "message",
        "object": "realtime.item",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    w.server("response.output_item.added", response_id=response_id, output_index=0, item=item)
    w.server("conversation.item.added", previous_item_id=previous_item, item=item)
    where = {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}
    w.server("response.content_part.added", **where, part={"type": "audio", "transcript": ""})

    answer_ms = rng.uniform(2000, 7000)
    words = w.words(_WORDS, int(answer_ms / 1000 * 2.6) + 1).split()
    spoken, sent_ms, word_index = [], 0.0, 0
    start = clock()
    interrupted_at = answer_ms * rng.uniform(0.3, 0.6) if barge_in else None
    bytes_per_ms = 8 if g711 else 48
    while sent_ms < answer_ms:
        if interrupted_at is not None and sent_ms >= interrupted_at:
            break
        delta_ms = rng.choice((50, 100, 100, 200))
        w.server("response.output_audio.delta", **where, delta=w.audio(delta_ms * bytes_per_ms))
        sent_ms += delta_ms
        while word_index < len(words) and word_index < sent_ms / 1000 * 2.6:
            token = (" " if word_index else "") + words[word_index]
            w.server("response.output_audio_transcript.delta", **where, delta=token)
            spoken.append(words[word_index])
            word_index += 1
        mic(start + sent_ms / 3)  # audio arrives about three times faster than real time
    transcript = " ".join(spoken)
    status = "completed" if interrupted_at is None else "cancelled"
    if interrupted_at is None:
        w.server("response.output_audio.done", **where)
        w.server("response.output_audio_transcript.done", **where, transcript=transcript)
    part = {"type": "audio", "transcript": transcript}
    w.server("response.content_part.done", **where, part=part)
    done_item = {
        **item,
        "status": "completed" if interrupted_at is None else "incomplete",
        "content": [{"type": "output_audio", "transcript": transcript}],
    }
    w.server("response.output_item.done", response_id=response_id, output_index=0, item=done_item)
    w.server("conversation.item.done", previous_item_id=previous_item, item=done_item)
    response = _response(response_id, status=status, output=[done_item], usage=_usage(rng))
    if interrupted_at is not None:
        response["status_details"] = {"type": "cancelled", "reason": "turn_detected"}
    w.server("response.done", response=response)
    w.server(
        "rate_limits.updated",
        rate_limits=[
            {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
            {
                "name": "tokens",
                "limit": 800000,
                "remaining": 800000 - rng.randint(2000, 9000),
                "reset_seconds": 0.41,
            },
        ],
    )
    mic(start + sent_ms)  # the caller listens to the answer, or to the part before barge-in
    if interrupted_at is None:
        return item_id, None
    return item_id, (item_id, int(interrupted_at))


# Event types a newer server might send, with bodies shaped like today's events.
_FUTURE_TYPES = {
    "response.output_audio.delta": "response.output_video.delta",
    "response.output_audio_transcript.delta": "response.output_audio_timestamps.delta",
    "conversation.item.input_audio_transcription.delta": (
        "conversation.item.input_audio_diarization.delta"
    ),
    "response.function_call_arguments.delta": "response.function_call_progress.delta",
}


def unknown_twin(frame: bytes) -> bytes | None:
    """The same frame with its ``type`` renamed to a future event type, or None.

    The body stays as it is, so the twin costs what the known event costs to read.
    """
    value = json.loads(frame)
    future = _FUTURE_TYPES.get(value["type"])
    if future is None:
        return None
    return frame.replace(value["type"].encode(), future.encode(), 1)


def _future_events(rng: random.Random, writer: _Writer) -> list[bytes]:
    """Future event types with realistic bodies: word timings, reasoning, heartbeats, video."""
    response_id, item_id = writer.ident("resp_"), writer.ident("item_")
    words = writer.words(_WORDS, 6).split()
    timings, at = [], rng.randint(0, 5000)
    for word in words:
        length = rng.randint(120, 480)
        timings.append({"word": word, "start_ms": at, "end_ms": at + length})
        at += length + rng.randint(0, 80)
    bodies: list[dict[str, Any]] = [
        {
            "type": "response.output_audio_timestamps.delta",
            "response_id": response_id,
            "item_id": item_id,
            "output_index": 0,
            "content_index": 0,
            "words": timings,
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "response_id": response_id,
            "item_id": item_id,
            "output_index": 0,
            "summary_index": 0,
            "delta": " ".join(words),
        },
        {"type": "session.heartbeat", "server_time_ms": 1757000000000 + rng.randint(0, 10**7)},
        {
            "type": "input_audio_buffer.emotion_detected",
            "item_id": item_id,
            "audio_start_ms": at,
            "emotion": rng.choice(["neutral", "happy", "frustrated"]),
            "confidence": round(rng.random(), 3),
        },
        {
            "type": "response.output_video.delta",
            "response_id": response_id,
            "item_id": item_id,
            "output_index": 1,
            "content_index": 0,
            "delta": writer.audio(rng.choice((3000, 4800, 9600))),
        },
    ]
    return [
        _dumps({"type": body["type"], "event_id": writer.ident("event_"), **body})
        for body in bodies
    ]


def _unknown_heavy(rng: random.Random, server: list[bytes], share: float) -> list[bytes]:
    """The server stream with future event types mixed in until they are ``share`` of frames."""
    writer = _Writer(rng, Session("future", 0.0))
    future: list[bytes] = []
    n_unknown = round(len(server) * share / (1 - share))
    while len(future) < n_unknown:
        future.extend(_future_events(rng, writer))
    mixed = list(server)
    for frame in future[:n_unknown]:
        mixed.insert(rng.randrange(len(mixed) + 1), frame)
    return mixed


def _event_type(frame: bytes) -> str:
    return str(json.loads(frame)["type"])


def build_corpus(seconds_per_session: float = 30.0, seed: int = SEED) -> Corpus:
    """Simulate the four sessions and derive every benchmark mix from them."""
    rng = random.Random(seed)
    server_vad = {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "create_response": True,
        "interrupt_response": True,
    }
    semantic_vad = {"type": "semantic_vad", "eagerness": "auto", "create_response": True}
    sessions = [
        _simulate(
            rng,
            "pcm16-20ms",
            seconds_per_session,
            chunk_ms=20,
            g711=False,
            turn_detection=server_vad,
        ),
        _simulate(
            rng,
            "pcm16-40ms",
            seconds_per_session,
            chunk_ms=40,
            g711=False,
            turn_detection=semantic_vad,
        ),
        _simulate(
            rng, "pcm16-100ms", seconds_per_session, chunk_ms=100, g711=False, turn_detection=None
        ),
        _simulate(
            rng, "g711-20ms", seconds_per_session, chunk_ms=20, g711=True, turn_detection=server_vad
        ),
    ]
    client = [frame for s in sessions for d, frame in s.frames if d == "client"]
    server = [frame for s in sessions for d, frame in s.frames if d == "server"]
    types = {frame: _event_type(frame) for frame in (*client, *server)}
    control_client = [f for f in client if types[f] not in AUDIO_TYPES]
    control_server = [f for f in server if types[f] not in AUDIO_TYPES]

    def first(frames: list[bytes], event_type: str, size: int | None = None) -> bytes:
        return next(
            f for f in frames if types[f] == event_type and (size is None or len(f) >= size)
        )

    def append(chunk_ms: int, bytes_per_ms: int) -> bytes:
        w = _Writer(random.Random(seed + chunk_ms + bytes_per_ms), Session("micro", 0))
        return _dumps(
            {"type": "input_audio_buffer.append", "audio": w.audio(chunk_ms * bytes_per_ms)}
        )

    audio_delta = max(
        (f for f in server if types[f] == "response.output_audio.delta"), key=len
    )  # 200 ms of pcm16
    transcript_delta = first(server, "response.output_audio_transcript.delta")
    micro: dict[str, tuple[Side, bytes]] = {
        "append pcm16 20 ms": ("client", append(20, 48)),
        "append pcm16 40 ms": ("client", append(40, 48)),
        "append pcm16 100 ms": ("client", append(100, 48)),
        "append G.711 20 ms": ("client", append(20, 8)),
        "session.update": ("client", first(client, "session.update", 4000)),
        "output_audio.delta 200 ms": ("server", audio_delta),
        "audio_transcript.delta": ("server", transcript_delta),
        "response.done": (
            "server",
            max((f for f in server if types[f] == "response.done"), key=len),
        ),
    }
    for name, (_, frame) in list(micro.items()):
        if name in ("output_audio.delta 200 ms", "audio_transcript.delta"):
            twin = unknown_twin(frame)
            assert twin is not None
            assert len(twin) == len(frame)
            micro[f"{name} as Unknown"] = ("server", twin)
    translation = translation_session(seconds_per_session, seed)
    live = live_session(seconds_per_session, seed)
    live_server = [f for d, f in live.frames if d == "server"]
    # The micro frames do not depend on the corpus length: a session long enough to delegate.
    delegated = [f for d, f in live_session(7.0, seed).frames if d == "server"]
    nested_frame = max((f for f in delegated if b'"response.output_text.delta"' in f), key=len)
    micro["live response.event"] = ("live server", nested_frame)
    micro[LIVE_FLAT] = ("live server", flat_twin(nested_frame))
    return Corpus(
        sessions=sessions,
        client=client,
        server=server,
        control_client=control_client,
        control_server=control_server,
        unknown_heavy=_unknown_heavy(random.Random(seed + 1), server, 0.3),
        micro=micro,
        translation_client=[f for d, f in translation.frames if d == "client"],
        translation_server=[f for d, f in translation.frames if d == "server"],
        live_client=[f for d, f in live.frames if d == "client"],
        live_server=live_server,
    )


_TRANSLATION_FRAME_MS = 200
_SPANISH_TEXT = (
    "claro puedo ayudarle con eso su pedido sale mañana y debería llegar el viernes "
    "el tiempo en Lisboa es soleado con una máxima de veinticuatro grados"
)
_SPANISH_WORDS = _SPANISH_TEXT.split()


def translation_session(seconds: float = 30.0, seed: int = SEED, *, chunk_ms: int = 200) -> Session:
    """A simulated translation session: English speech in, Spanish text and speech out.

    The client configures transcription and the target language, then streams 24 kHz pcm16
    in ``chunk_ms`` appends and ends with ``session.close``. For each 200 ms of input the
    server sends a source and a translated transcript delta and a translated audio delta
    of about the same length, as the audio arrives; ``session.closed`` ends the session.
    """
    rng = random.Random(seed)
    session = Session(f"translation-{chunk_ms}ms", seconds)
    w = _Writer(rng, session)
    session_id = w.ident("sess_")
    w.server(
        "session.created",
        session={
            "type": "translation",
            "id": session_id,
            "model": "gpt-realtime-translate",
            "expires_at": 1756310470,
            "audio": {
                "input": {"transcription": None, "noise_reduction": None},
                "output": {"language": "en"},
            },
        },
    )
    audio = {
        "input": {
            "transcription": {"model": "gpt-realtime-whisper"},
            "noise_reduction": {"type": "near_field"},
        },
        "output": {"language": "es"},
    }
    w.client({"type": "session.update", "event_id": w.ident("evt_"), "session": {"audio": audio}})
    w.server(
        "session.updated",
        session={
            "type": "translation",
            "id": session_id,
            "model": "gpt-realtime-translate",
            "expires_at": 1756310470,
            "audio": audio,
        },
    )
    sent_ms = translated_ms = 0
    total_ms = int(seconds * 1000)
    while sent_ms < total_ms:
        w.client(
            {
                "type": "session.input_audio_buffer.append",
                "audio": w.audio(chunk_ms * 48),
            }
        )
        sent_ms += chunk_ms
        while translated_ms + _TRANSLATION_FRAME_MS <= sent_ms:
            translated_ms += _TRANSLATION_FRAME_MS
            separator = " " if translated_ms > _TRANSLATION_FRAME_MS else ""
            w.server(
                "session.input_transcript.delta",
                delta=separator + w.words(_USER_WORDS, 1),
                elapsed_ms=translated_ms,
            )
            w.server(
                "session.output_transcript.delta",
                delta=separator + w.words(_SPANISH_WORDS, 1),
                elapsed_ms=translated_ms,
            )
            # Translated speech runs a little longer or shorter than the source.
            out_ms = rng.randint(150, 250)
            w.server(
                "session.output_audio.delta",
                delta=w.audio(out_ms * 48),
                sample_rate=24000,
                channels=1,
                format="pcm16",
                elapsed_ms=translated_ms,
            )
    w.client({"type": "session.close", "event_id": w.ident("evt_")})
    w.server("session.closed")
    return session


LIVE_FLAT = "live flat event, response.event's size"
"""The micro frame a ``response.event`` is held to: a flat event of the same size."""


def flat_twin(frame: bytes) -> bytes:
    """A flat ``session.output_transcript.delta`` as long as ``frame``: its delta fills the gap."""
    base = {
        "type": "session.output_transcript.delta",
        "event_id": "event_" + "x" * 21,
        "start_ms": 1000,
        "end_ms": 1100,
        "delta": "",
    }
    padding = len(frame) - len(_dumps(base))
    twin = _dumps({**base, "delta": ("word " * padding)[:padding]})
    assert len(twin) == len(frame), (len(twin), len(frame))
    return twin


_LIVE_AUDIO_MS = 50
_LIVE_INSTRUCTIONS = (
    "You are the voice of a restaurant's booking line. Answer briefly and warmly, and delegate"
    " every question about tables, opening hours or the menu."
)
_ANSWER_TEXT = (
    "An outdoor table for two is available at seven tonight, and the kitchen is open until"
    " eleven; shall I book it under your name?"
)


def live_session(seconds: float = 30.0, seed: int = SEED) -> Session:
    """A simulated Live session on a primary WebSocket, with a task delegated to Responses.

    The client starts the session (24 kHz pcm16, a Responses backend with one function tool)
    and streams 50 ms appends, as observed Live clients do. The caller speaks in turns of
    3 s: the server sends the caller's transcript in 300 ms pieces, then the model's answer,
    100 ms audio deltas with a transcript delta each. The second turn is delegated:
    ``session.delegation.created``, then the backend's text answer as nested
    ``response.event`` frames (created, in progress, the message item and its content part,
    one text delta per word, the dones, completed with usage), then the spoken answer.
    ``session.usage.updated`` comes every 15 s; ``session.close`` and ``session.closed`` end it.
    """
    rng = random.Random(seed + 2)
    session = Session("live-50ms", seconds)
    w = _Writer(rng, session)
    session_id = w.ident("live_u7_", 32)
    delegation = {
        "type": "responses",
        "responses": {
            "model": "gpt-5.5",
            "instructions": "Check availability with the booking tool before you answer.",
            "max_output_tokens": 512,
            "tools": [
                _function_tool(
                    "check_availability",
                    "Free tables for a party size and a time.",
                    {"party_size": {"type": "integer"}, "time": {"type": "string"}},
                )
            ],
        },
    }
    audio = {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "marin"}}
    config = {
        "model": "gpt-live-1",
        "instructions": _LIVE_INSTRUCTIONS,
        "audio": audio,
        "delegation": delegation,
    }
    w.client({"type": "session.start", "session": config})
    w.server(
        "session.started",
        session={
            "id": session_id,
            "expires_at": 1791553820,
            "status": "active",
            "input": [],
            **config,
        },
    )
    total_ms = int(seconds * 1000)
    turn_ms = 3000
    heard_ms = usage_ms = 0
    sequence = 0
    turn = 0

    def nested(delegation_id: str, event_type: str, **body: Any) -> None:
        nonlocal sequence
        event = {"type": event_type, **body, "sequence_number": sequence}
        sequence += 1
        w.server("response.event", delegation_id=delegation_id, event=event)

    def speak(text: str, at_ms: int) -> None:
        for index, word in enumerate(text.split()):
            w.session.frames.append(
                (
                    "server",
                    _dumps({"type": "session.output_audio.delta", "delta": w.audio(100 * 48)}),
                )
            )
            w.server(
                "session.output_transcript.delta",
                delta=(" " if index else "") + word,
                start_ms=at_ms + index * 100,
                end_ms=at_ms + (index + 1) * 100,
            )

    for sent_ms in range(_LIVE_AUDIO_MS, total_ms + 1, _LIVE_AUDIO_MS):
        w.client({"type": "session.input_audio.append", "audio": w.audio(_LIVE_AUDIO_MS * 48)})
        if sent_ms - heard_ms >= 300:
            w.server(
                "session.input_transcript.delta",
                delta=(" " if sent_ms % turn_ms > 300 else "") + w.words(_USER_WORDS, 2),
                start_ms=heard_ms,
                end_ms=sent_ms,
            )
            heard_ms = sent_ms
        if sent_ms % turn_ms == 0:
            turn += 1
            if turn % 2 == 0:
                delegation_id = w.ident("item_", 20)
                response_id = w.ident("resp_", 24)
                w.server(
                    "session.delegation.created",
                    offset_ms=sent_ms,
                    delegation={
                        "id": delegation_id,
                        "type": "delegation",
                        "target": "responses",
                        "response_id": response_id,
                    },
                )
                snapshot = {
                    "id": response_id,
                    "object": "response",
                    "created_at": 1791546621,
                    "model": "gpt-5.5",
                    "status": "in_progress",
                    "output": [],
                    "parallel_tool_calls": True,
                    "tool_choice": "auto",
                    "tools": [],
                    "instructions": None,
                    "error": None,
                    "usage": None,
                }
                nested(delegation_id, "response.created", response=snapshot)
                nested(delegation_id, "response.in_progress", response=snapshot)
                item_id = w.ident("msg_", 24)
                item = {
                    "id": item_id,
                    "type": "message",
                    "role": "assistant",
                    "status": "in_progress",
                    "content": [],
                }
                nested(delegation_id, "response.output_item.added", output_index=0, item=item)
                part = {"type": "output_text", "text": "", "annotations": []}
                where = {"item_id": item_id, "output_index": 0, "content_index": 0}
                nested(delegation_id, "response.content_part.added", **where, part=part)
                for index, word in enumerate(_ANSWER_TEXT.split()):
                    nested(
                        delegation_id,
                        "response.output_text.delta",
                        **where,
                        delta=(" " if index else "") + word,
                        logprobs=[],
                    )
                nested(
                    delegation_id,
                    "response.output_text.done",
                    **where,
                    text=_ANSWER_TEXT,
                    logprobs=[],
                )
                done = {**part, "text": _ANSWER_TEXT}
                nested(delegation_id, "response.content_part.done", **where, part=done)
                message = {**item, "status": "completed", "content": [done]}
                nested(delegation_id, "response.output_item.done", output_index=0, item=message)
                usage = {
                    "input_tokens": 812,
                    "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 512},
                    "output_tokens": 31,
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": 843,
                }
                completed = {
                    **snapshot,
                    "status": "completed",
                    "completed_at": 1791546623,
                    "usage": usage,
                }
                nested(delegation_id, "response.completed", response=completed)
                speak(_ANSWER_TEXT, sent_ms)
            else:
                speak(w.words(_WORDS, 12), sent_ms)
        if sent_ms - usage_ms >= 15000:
            usage_ms = sent_ms
            w.server(
                "session.usage.updated",
                usage={"seconds": sent_ms // 1000},
                context_window={"usage_ratio": round(sent_ms / 600000, 4)},
            )
    w.client({"type": "session.close", "event_id": w.ident("evt_")})
    w.server(
        "session.closed",
        reason="close_requested",
        session={
            "id": session_id,
            "expires_at": 1791553820,
            "status": "active",
            "input": [],
            **config,
        },
        usage={"seconds": total_ms // 1000},
    )
    return session
