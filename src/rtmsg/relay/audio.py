"""Synthetic audio for the mock server: a 440 Hz tone as pcm16 or G.711 (mu-law, A-law).

Separate from the mock's protocol logic: it knows sample rates and codecs, nothing of events.
Pure Python and the standard library, computed once per format and cached.
"""

from __future__ import annotations

import functools
import math

__all__ = ["alaw", "tone", "ulaw"]

_G711: frozenset[str | None] = frozenset({"audio/pcmu", "audio/pcma"})


def ulaw(sample: int) -> int:
    """G.711 mu-law code of one 16-bit sample."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def alaw(sample: int) -> int:
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
    rate = 8000 if kind in _G711 else 24000
    samples = [int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(rate)]
    if kind == "audio/pcmu":
        return bytes(ulaw(s) for s in samples)
    if kind == "audio/pcma":
        return bytes(alaw(s) for s in samples)
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)
