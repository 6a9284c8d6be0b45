"""What an event means for its session, in terms every protocol shares: the tools' vocabulary.

``rtmsg stats`` and ``rtmsg export`` summarise sessions of any protocol: audio seconds both
ways, turns, responses, token usage, transcripts, the latency from the end of the user's turn
to the first audio of the answer. Which events carry those facts, and at which audio format,
is each protocol's knowledge: a protocol declares a :class:`SessionReader` (one per session,
it may keep state such as the session's audio format) that turns each of its events into a
:class:`Reading`. The tools read only Readings, never event classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal, Protocol

import msgspec

__all__ = [
    "NOTHING",
    "Reading",
    "SessionReader",
    "TokenTotals",
    "TurnEnd",
    "ids_of",
    "text",
]

TurnEnd = Literal["speech", "commit"]
"""How the user's turn ended: the server detected the end of speech, or the client said so."""


class TokenTotals(msgspec.Struct, kw_only=True):
    """Token counts: of one response's usage, or summed over a session's responses."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_audio_tokens: int = 0
    input_text_tokens: int = 0
    input_cached_tokens: int = 0
    output_audio_tokens: int = 0
    output_text_tokens: int = 0

    def add(self, other: TokenTotals) -> None:
        """Add ``other``'s counts to these."""
        for name in self.__struct_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Reading(msgspec.Struct, kw_only=True, frozen=True, gc=False):
    """What one event says about its session; every field is ``None`` (or false) if nothing.

    - ``audio_bytes``, ``audio_seconds``: the event carries audio of that size and length,
      sent by the user, or received from the model if ``audio_out``;
    - ``turn_end``: the user's turn ended here; the next audio received answers it;
    - ``turn``: a user turn was committed (a turn counts once, whatever ended it);
    - ``response_done``: a response ended, with ``status`` and its ``tokens``;
    - ``transcript_in``, ``transcript_out``: a piece of the transcript of the user's speech,
      or of the model's;
    - ``usage_seconds``: the session's billed duration so far, as the server counts it (a
      running total: the last one is the session's; token counts come with ``tokens``);
    - ``event_id``, ``response_id``, ``item_id``, ``text``, ``code``, ``param``, ``message``:
      the columns of an event's row in ``rtmsg export``;
    - ``model``: the model the session (or a response) says it runs;
    - ``session_started``: the server's first event of a session (a new session begins).
    """

    audio_bytes: int | None = None
    audio_seconds: float | None = None
    audio_out: bool = False
    turn_end: TurnEnd | None = None
    turn: bool = False
    response_done: bool = False
    status: str | None = None
    tokens: TokenTotals | None = None
    transcript_in: str | None = None
    transcript_out: str | None = None
    usage_seconds: float | None = None
    event_id: str | None = None
    response_id: str | None = None
    item_id: str | None = None
    text: str | None = None
    code: str | None = None
    param: str | None = None
    message: str | None = None
    model: str | None = None
    session_started: bool = False


NOTHING: Final = Reading()
"""The reading of an event that says nothing a tool counts."""


class SessionReader(Protocol):
    """Reads one session's events in order; a protocol declares one (see the registry)."""

    def read(self, event: Any) -> Reading:
        """What ``event``, a known event of the protocol, says about the session."""
        ...


def text(value: object) -> str | None:
    """``value`` if it is a string: fields the server may send as null or leave absent."""
    return value if isinstance(value, str) else None


_IdsReader = Callable[[Any], tuple[str | None, str | None, str | None]]
_ID_READERS: dict[type, _IdsReader] = {}


def ids_of(event: Any) -> tuple[str | None, str | None, str | None]:
    """The ``event_id``, ``response_id`` and ``item_id`` fields of ``event``, where it has them.

    Which of them a class has is looked up once per class.
    """
    cls = type(event)
    reader = _ID_READERS.get(cls)
    if reader is None:
        reader = _ID_READERS[cls] = _ids_reader(cls)
    return reader(event)


def _ids_reader(cls: type) -> _IdsReader:
    fields = set(getattr(cls, "__struct_fields__", ()))
    with_event_id, with_response_id = "event_id" in fields, "response_id" in fields
    with_item_id = "item_id" in fields

    def read(event: Any) -> tuple[str | None, str | None, str | None]:
        return (
            text(event.event_id) if with_event_id else None,
            text(event.response_id) if with_response_id else None,
            text(event.item_id) if with_item_id else None,
        )

    return read
