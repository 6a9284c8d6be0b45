"""Strict twins of the wire models, which refuse fields the protocol does not have.

msgspec sets ``forbid_unknown_fields`` per Struct class, not per decoder. A decoder
built with ``unknown_fields="reject"`` therefore checks each known event a second
time, against a twin of its union in which every Struct is a subclass of the model
that forbids unknown fields. The twin only checks: the event returned is the one of
the ordinary models, so that events compare equal whichever decoder made them.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

import msgspec

__all__ = ["strict_type"]


@functools.cache
def _strict_struct(cls: type[msgspec.Struct]) -> type[msgspec.Struct]:
    config = cls.__struct_config__
    fields = [
        (
            field.name,
            strict_type(field.type),
            # The wire name stays the field's own (``async`` for ``async_``).
            msgspec.field(default_factory=field.default_factory, name=field.encode_name)
            if field.default_factory is not msgspec.NODEFAULT
            else msgspec.field(default=field.default, name=field.encode_name),
        )
        for field in msgspec.structs.fields(cls)
    ]
    # Keyword-only, as every wire model: a subclass may make a field required again.
    twin: type[msgspec.Struct] = msgspec.defstruct(
        cls.__name__,
        fields,
        bases=(cls,),
        module=cls.__module__,
        kw_only=True,
        forbid_unknown_fields=True,
        tag=config.tag,
        tag_field=config.tag_field,
    )
    return twin


def strict_type(annotation: Any) -> Any:
    """``annotation`` with every Struct in it replaced by its strict twin."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _strict_struct(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is None or not args:
        return annotation
    strict_args = tuple(strict_type(arg) for arg in args)
    if strict_args == args:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return typing.Union[strict_args]  # noqa: UP007  # built from a tuple of types
    return origin[strict_args]
