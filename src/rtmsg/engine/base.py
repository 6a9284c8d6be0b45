"""The shared Struct bases, their log-safe repr and the base64 audio helpers.

Every wire model derives from :class:`Model`, every object selected by its
``type`` from :class:`Tagged`, every event from :class:`Event`, so the msgspec
configuration (tag field, keyword-only fields, omitted defaults) and the repr
that keeps audio and credentials out of logs live in exactly one place (what counts
as a credential is :mod:`.redact`'s to say).
"""

from __future__ import annotations

import binascii
import enum
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

import msgspec

from .errors import DecodeError, ErrorCode
from .redact import SECRET_FIELDS, redact

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # in typing from 3.13; annotations are not evaluated

__all__ = [
    "Event",
    "Model",
    "Tagged",
    "b64decode",
    "b64encode",
    "base64_size",
    "given",
    "redact",
    "register_events",
]


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True, gc=False):
    """Base of every wire object: an absent field is ``UNSET`` and stays absent on encode.

    ``gc=False``: decoded JSON holds no reference cycles, so the garbage collector need
    not track wire objects (decoding creates tens of thousands a second). A cycle built
    by hand through a list or ``Any`` field would never be collected.

    The repr is safe for logs: audio fields (listed per class in ``_audio_fields``)
    and long base64 strings show their length, credentials show as ``<redacted>``.
    """

    _audio_fields: ClassVar[frozenset[str]] = frozenset()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in _safe_fields(self))
        return f"{type(self).__name__}({shown})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return list(_safe_fields(self))


class Tagged(Model, tag_field="type"):
    """Base of the wire objects whose ``type`` selects their shape (a msgspec tag)."""


class Event(Tagged):
    """Base of every event; ``event_type`` is the wire ``type`` string."""

    event_type: ClassVar[str]


class _Shown:
    """A stand-in whose repr is the given text: ``<base64, 6400 chars>``, ``<redacted>``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_REDACTED: Final = _Shown("<redacted>")
_BASE64: Final = re.compile(r"[A-Za-z0-9+/=\s]*")
_LONG_BASE64: Final = 256
_MAX_SHOWN_DEPTH: Final = 16


def _safe_fields(model: Model) -> Iterator[tuple[str, Any]]:
    """The fields a repr shows (defaults left out, as msgspec does), made safe to log."""
    cls = type(model)
    names = cls.__struct_fields__
    defaults = cls.__struct_defaults__
    first_default = len(names) - len(defaults)
    audio = cls._audio_fields
    for index, name in enumerate(names):
        value = getattr(model, name)
        if index >= first_default:
            default = defaults[index - first_default]
            if value is default or (type(value) is type(default) and value == default):
                continue
        if name in audio and isinstance(value, str):
            yield name, _Shown(f"<base64, {len(value)} chars>")
        elif name in SECRET_FIELDS and value is not None:
            yield name, _REDACTED
        elif name == "headers" and isinstance(value, dict):
            yield name, dict.fromkeys(value, _REDACTED)
        else:
            yield name, _safe(value, 0)


def _safe(value: Any, depth: int) -> Any:
    """``value`` with secrets and long base64 replaced; free-form JSON cut at a fixed depth."""
    if isinstance(value, msgspec.Raw):
        # Kept unread (a nested event): it may hold audio or credentials, so only its size.
        return _Shown(f"<raw JSON, {len(memoryview(value))} bytes>")
    if isinstance(value, str):
        if len(value) >= _LONG_BASE64 and _BASE64.fullmatch(value):
            return _Shown(f"<base64, {len(value)} chars>")
        return redact(value)
    if isinstance(value, list | tuple | dict) and depth >= _MAX_SHOWN_DEPTH:
        return _Shown("...")
    if isinstance(value, list | tuple):
        return [_safe(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_safe(key, depth + 1): _safe(item, depth + 1) for key, item in value.items()}
    return value


def b64encode(data: bytes) -> str:
    """Encode raw audio bytes as the base64 text the protocol carries."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def b64decode(text: str, path: str) -> bytes:
    """Decode base64 audio; bad input is a :class:`DecodeError` naming ``path``."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError(
            f"Invalid base64 audio: {exc}", path=path, code=ErrorCode.INVALID_VALUE
        ) from None


def base64_size(text: str) -> int:
    """How many bytes the base64 ``text`` decodes to, without decoding it."""
    size = len(text) * 3 // 4
    if text.endswith("=="):
        return size - 2
    if text.endswith("="):
        return size - 1
    return size


_T = TypeVar("_T")


def given(value: _T | None | msgspec.UnsetType) -> TypeIs[_T]:
    """Whether an optional field holds a value: neither ``None`` (null) nor ``UNSET`` (absent)."""
    return value is not None and value is not msgspec.UNSET


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
