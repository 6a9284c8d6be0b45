"""The shared Struct bases and the error type every module raises.

Every wire model derives from :class:`Model`, every object selected by its
``type`` from :class:`Tagged`, every event from :class:`Event`, so the msgspec
configuration (tag field, keyword-only fields, omitted defaults) lives in
exactly one place.
"""

from __future__ import annotations

import binascii
import enum
from typing import ClassVar

import msgspec

__all__ = ["DecodeError", "Event", "Model", "Tagged", "b64decode", "b64encode", "register_events"]


class DecodeError(ValueError):
    """A frame that is not a valid event: malformed JSON, or a body that breaks the schema.

    ``event_type`` and ``event_id`` hold the frame's ``type`` and ``event_id``
    when they could be read, so a server can name the offending event in its answer.
    """

    def __init__(
        self,
        message: str,
        *,
        event_type: str | None = None,
        event_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.event_type = event_type
        self.event_id = event_id


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True, gc=False):
    """Base of every wire object: an absent field is ``UNSET`` and stays absent on encode.

    ``gc=False``: decoded JSON holds no reference cycles, so the garbage collector need
    not track wire objects (decoding creates tens of thousands a second). A cycle built
    by hand through a list or ``Any`` field would never be collected.
    """


class Tagged(Model, tag_field="type"):
    """Base of the wire objects whose ``type`` selects their shape (a msgspec tag)."""


class Event(Tagged):
    """Base of every event; ``event_type`` is the wire ``type`` string."""

    event_type: ClassVar[str]


def b64encode(data: bytes) -> str:
    """Encode raw audio bytes as the base64 text the protocol carries."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def b64decode(text: str, path: str) -> bytes:
    """Decode base64 audio; bad input is a :class:`DecodeError` naming ``path``."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError(f"Invalid base64 audio: {exc} - at `{path}`") from None


def register_events(events: tuple[type[Event], ...], names: type[enum.StrEnum]) -> None:
    """Set ``event_type`` on each event class and check the enum lists exactly their tags."""
    tags = []
    for cls in events:
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str), cls
        cls.event_type = tag
        tags.append(tag)
    if sorted(tags) != sorted(member.value for member in names):
        raise RuntimeError(f"{names.__name__} does not match its event classes")
