"""The mock's session config: the one it starts with, and how ``session.update`` changes it.

Separate from the conversation's state machine: these are pure functions of the models.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec
from msgspec import UNSET

from ..conversation.session import (
    AudioConfig,
    AudioConfigInput,
    AudioConfigOutput,
    AudioFormat,
    ServerVad,
    Session,
)
from ..engine.base import Model

__all__ = ["default_session", "merge"]

_M = TypeVar("_M", bound=Model)


def merge(old: _M, new: _M) -> _M:
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
            value = merge(current, value)
        changes[name] = value
    return msgspec.structs.replace(old, **changes)


def default_session(model: str) -> Session:
    """The session a new connection gets, as the service reports it in ``session.created``."""
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
