"""The frames the relay benchmark sends: real Realtime events, built with rtmsg's own Structs.

Audio is random bytes (base64 of noise compresses about as badly as speech does), seeded, so
every run sends the same bytes. The sink answers each request type with one reply of the
same kind of size: an append of 20 ms of pcm16 at 24 kHz with an output audio delta of 20 ms,
a ``clear`` with a ``cleared``. ``session.created`` is the service's: the session of a voice
agent with instructions and tools (the corpus's), as the sink sends it on every connection.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from typing import Final

import rtmsg
from bench.corpus import SEED, session_update

__all__ = ["PCM16_24K_BYTES_PER_MS", "Frames", "build", "event_type"]

PCM16_24K_BYTES_PER_MS: Final = 48
_TYPE_PREFIX: Final = b'{"type":"'


@dataclass(frozen=True)
class Frames:
    """One of each frame the load sends, and the sink's answer to each request type."""

    append: bytes  # input_audio_buffer.append, 20 ms pcm16 24 kHz
    delta: bytes  # response.output_audio.delta, 20 ms pcm16 24 kHz
    clear: bytes  # input_audio_buffer.clear
    cleared: bytes  # input_audio_buffer.cleared
    session_created: bytes

    def replies(self) -> dict[bytes, bytes]:
        """The sink's answer to each request, by the request's event type."""
        return {event_type(self.append): self.delta, event_type(self.clear): self.cleared}


def _audio(rng: random.Random, ms: int) -> str:
    return base64.b64encode(rng.randbytes(ms * PCM16_24K_BYTES_PER_MS)).decode("ascii")


def build(audio_ms: int = 20, seed: int = SEED) -> Frames:
    """The benchmark's frames, the same bytes for the same arguments."""
    rng = random.Random(seed)
    session = session_update(
        input_format={"type": "audio/pcm", "rate": 24000},
        turn_detection={"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
    )["session"]
    created = rtmsg.decode_server_event(
        json.dumps({"type": "session.created", "event_id": "event_B7kq2", "session": session})
    )
    return Frames(
        append=rtmsg.encode(
            rtmsg.InputAudioBufferAppend(event_id="evt_client_00001", audio=_audio(rng, audio_ms))
        ),
        delta=rtmsg.encode(
            rtmsg.ResponseOutputAudioDelta(
                event_id="event_CkX3y9rmbIbNmtXhKfQ2B",
                response_id="resp_CkX3yHdSK1wSu6QIiyGZD",
                item_id="item_CkX3yqZwYrbyUjZsPt1pH",
                output_index=0,
                content_index=0,
                delta=_audio(rng, audio_ms),
            )
        ),
        clear=rtmsg.encode(rtmsg.InputAudioBufferClear(event_id="evt_client_00002")),
        cleared=rtmsg.encode(rtmsg.InputAudioBufferCleared(event_id="event_CkX3zJd1WSm8qbJ5jQ")),
        session_created=rtmsg.encode(created),
    )


def event_type(frame: bytes) -> bytes:
    """The ``type`` of a frame rtmsg encoded (the tag comes first), else ``b""``."""
    if not frame.startswith(_TYPE_PREFIX):
        return b""
    end = frame.find(b'"', len(_TYPE_PREFIX))
    return frame[len(_TYPE_PREFIX) : end] if end > 0 else b""
