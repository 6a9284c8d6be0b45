"""The models' shared helpers: base64 sizes and the test for a field that holds a value."""

from __future__ import annotations

import base64

import pytest

import rtmsg
from rtmsg.engine.base import base64_size, given


@pytest.mark.parametrize("size", range(12))
def test_base64_size_is_the_decoded_length(size: int) -> None:
    text = base64.b64encode(bytes(range(size))).decode()
    assert base64_size(text) == size == len(rtmsg.InputAudioBufferAppend(audio=text).pcm())


def test_given() -> None:
    assert not given(None)
    assert not given(rtmsg.UNSET)
    values: tuple[object, ...] = (0, "", [], False, rtmsg.AudioFormat())
    for value in values:
        assert given(value)
