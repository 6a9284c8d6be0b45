"""The mock's Responses backend: the nested Responses stream of a delegated Live answer.

Apart from the Live session's logic: this is one long declaration of Responses API events
(a short text answer, from ``response.created`` to ``response.completed`` with its usage),
which the session wraps in ``response.event`` frames.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Final

import msgspec

from ..live import responses as nested

__all__ = ["ANSWER", "INPUT_TOKENS", "backend_answer"]

ANSWER: Final = "A table for two is free at seven tonight."
"""The backend's answer: its text, one output token a word."""

INPUT_TOKENS: Final = 64
"""The input tokens every answer reports."""


def backend_answer(
    response_id: str, new_id: Callable[[str], str]
) -> list[nested.ResponseStreamEvent]:
    """The backend's stream for one delegated request: a short text answer, with its usage.

    ``new_id(prefix)`` names the output message.
    """
    sequence = itertools.count()
    snapshot = nested.Response(
        id=response_id,
        created_at=float(int(time.time())),
        model="gpt-5.5",
        object="response",
        output=[],
        parallel_tool_calls=True,
        tool_choice="auto",
        tools=[],
        status="in_progress",
    )
    item_id = new_id("msg")
    words = ANSWER.split()
    empty = nested.OutputText(annotations=[], text="")
    done = nested.OutputText(annotations=[], text=ANSWER)
    message = nested.OutputMessage(id=item_id, content=[], role="assistant", status="in_progress")
    usage = nested.ResponseUsage(
        input_tokens=INPUT_TOKENS,
        input_tokens_details=nested.InputTokensDetails(cache_write_tokens=0, cached_tokens=0),
        output_tokens=len(words),
        output_tokens_details=nested.OutputTokensDetails(reasoning_tokens=0),
        total_tokens=INPUT_TOKENS + len(words),
    )
    return [
        nested.ResponseCreated(response=snapshot, sequence_number=next(sequence)),
        nested.ResponseInProgress(response=snapshot, sequence_number=next(sequence)),
        nested.ResponseOutputItemAdded(
            item=message, output_index=0, sequence_number=next(sequence)
        ),
        nested.ResponseContentPartAdded(
            item_id=item_id,
            output_index=0,
            content_index=0,
            part=empty,
            sequence_number=next(sequence),
        ),
        *(
            nested.ResponseOutputTextDelta(
                item_id=item_id,
                output_index=0,
                content_index=0,
                delta=("" if i == 0 else " ") + word,
                logprobs=[],
                sequence_number=next(sequence),
            )
            for i, word in enumerate(words)
        ),
        nested.ResponseOutputTextDone(
            item_id=item_id,
            output_index=0,
            content_index=0,
            text=ANSWER,
            logprobs=[],
            sequence_number=next(sequence),
        ),
        nested.ResponseContentPartDone(
            item_id=item_id,
            output_index=0,
            content_index=0,
            part=done,
            sequence_number=next(sequence),
        ),
        nested.ResponseOutputItemDone(
            item=msgspec.structs.replace(message, content=[done], status="completed"),
            output_index=0,
            sequence_number=next(sequence),
        ),
        nested.ResponseCompleted(
            response=msgspec.structs.replace(
                snapshot, status="completed", completed_at=snapshot.created_at, usage=usage
            ),
            sequence_number=next(sequence),
        ),
    ]
