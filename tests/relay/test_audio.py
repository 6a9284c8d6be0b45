"""The mock's synthetic audio: tone lengths per format, and G.711 against the reference."""

from __future__ import annotations

import struct
import sys
import warnings

import pytest

from rtmsg.relay.audio import alaw, tone, ulaw


def test_tone_formats() -> None:
    assert len(tone("audio/pcm", 100)) == 4800
    assert len(tone(None, 100)) == 4800
    assert len(tone("audio/pcmu", 100)) == 800
    assert tone("audio/pcmu", 100) != tone("audio/pcma", 100)


def test_seconds_of_tone_join() -> None:
    assert tone("audio/pcm", 2500) == (tone("audio/pcm", 1000) * 3)[: 2 * 48_000 + 24_000]


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="audioop left the standard library")
def test_g711_agrees_with_audioop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    samples = range(-32768, 32768)
    pcm = struct.pack(f"<{len(samples)}h", *samples)
    # The bits of a code are inverted (mu-law) or XORed with 0x55 (A-law) on the wire; undone,
    # the code counts quantization steps, so neighbouring steps differ by one.
    for ours, reference, mask in (
        (ulaw, audioop.lin2ulaw(pcm, 2), 0xFF),
        (alaw, audioop.lin2alaw(pcm, 2), 0x55),
    ):
        for sample, code in zip(samples, reference, strict=True):
            if sample >= 0:
                assert ours(sample) == code, (ours.__name__, sample)
            else:
                # audioop takes the magnitude of a negative sample as ~sample, one less than
                # -sample, so near a step's edge it picks the neighbouring step.
                assert abs((ours(sample) ^ mask) - (code ^ mask)) <= 1, (ours.__name__, sample)
