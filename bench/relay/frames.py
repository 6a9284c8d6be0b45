"""The frames the relay benchmark sends: real Realtime events, built with rtmsg's own Structs.

Audio is random bytes, seeded, so that every run sends the same bytes: noise compresses as
badly as the low bits of speech do, and there are ``VARIANTS`` different appends and deltas,
sent in turn, more than a gzip window (32 KiB) holds, so that a capture cannot compress one
frame against an identical one sent just before. The sink answers each request type with one
reply of the same kind of size: an append of 20 ms of pcm16 at 24 kHz with an output audio
delta of 20 ms, a ``clear`` with a ``cleared``. ``session.created`` is the service's: the
session of a voice agent with instructions and tools (the corpus's), as the sink sends it on
every connection.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from typing import Final

import rtmsg
from bench.corpus import SEED, session_update

__all__ = ["PCM16_24K_BYTES_PER_MS", "VARIANTS", "Frames", "build", "event_type", "sizes"]

PCM16_24K_BYTES_PER_MS: Final = 48
VARIANTS: Final = 64  # 64 different appends of 1.4 kB: twice and more a gzip window
_TYPE_PREFIX: Final = b'{"type":"'


@dataclass(frozen=True)
class Frames:
    """The frames the load sends, and the sink's answers to each request type."""

    appends: tuple[bytes, ...]  # input_audio_buffer.append, 20 ms pcm16 24 kHz, all different
    deltas: tuple[bytes, ...]  # response.output_audio.delta, 20 ms pcm16 24 kHz, all different
    clear: bytes  # input_audio_buffer.clear
    cleared: bytes  # input_audio_buffer.cleared
    session_created: bytes

    @property
    def append(self) -> bytes:
        return self.appends[0]

    @property
    def delta(self) -> bytes:
        return self.deltas[0]

    def replies(self) -> dict[bytes, tuple[bytes, ...]]:
        """The sink's answers to each request, by the request's event type, to send in turn."""
        return {event_type(self.append): self.deltas, event_type(self.clear): (self.cleared,)}


def _audio(rng: random.Random, ms: int) -> str:
    return base64.b64encode(rng.randbytes(ms * PCM16_24K_BYTES_PER_MS)).decode("ascii")


def build(audio_ms: int = 20, seed: int = SEED, variants: int = VARIANTS) -> Frames:
    """The benchmark's frames, the same bytes for the same arguments."""
    rng = random.Random(seed)
    session = session_update(
        input_format={"type": "audio/pcm", "rate": 24000},
        turn_detection={"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
    )["session"]
    created = rtmsg.decode_server_event(
        json.dumps({"type": "session.created", "event_id": "event_B7kq2", "session": session})
    )
    appends = tuple(
        rtmsg.encode(
            rtmsg.InputAudioBufferAppend(
                event_id=f"evt_client_{i:05d}", audio=_audio(rng, audio_ms)
            )
        )
        for i in range(variants)
    )
    deltas = tuple(
        rtmsg.encode(
            rtmsg.ResponseOutputAudioDelta(
                event_id=f"event_CkX3y9rmbIbNmtXh{i:05d}",
                response_id="resp_CkX3yHdSK1wSu6QIiyGZD",
                item_id="item_CkX3yqZwYrbyUjZsPt1pH",
                output_index=0,
                content_index=0,
                delta=_audio(rng, audio_ms),
            )
        )
        for i in range(variants)
    )
    return Frames(
        appends=appends,
        deltas=deltas,
        clear=rtmsg.encode(rtmsg.InputAudioBufferClear(event_id="evt_client_clear")),
        cleared=rtmsg.encode(rtmsg.InputAudioBufferCleared(event_id="event_CkX3zJd1WSm8qbJ5jQ")),
        session_created=rtmsg.encode(created),
    )


def sizes(built: Frames) -> dict[str, int]:
    """Each kind of frame's size in bytes (the variants of a kind are all the same size)."""
    return {
        "append": len(built.append),
        "delta": len(built.delta),
        "clear": len(built.clear),
        "cleared": len(built.cleared),
        "session_created": len(built.session_created),
    }


def event_type(frame: bytes) -> bytes:
    """The ``type`` of a frame rtmsg encoded (the tag comes first), else ``b""``."""
    if not frame.startswith(_TYPE_PREFIX):
        return b""
    end = frame.find(b'"', len(_TYPE_PREFIX))
    return frame[len(_TYPE_PREFIX) : end] if end > 0 else b""
