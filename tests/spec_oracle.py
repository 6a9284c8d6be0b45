"""OpenAI's OpenAPI spec as a test oracle: its Realtime event schemas, reduced to small trees.

The spec (``tests/data/openai-openapi/openapi.yaml``, a copy of OpenAI's, see its
README) describes every GA event in ``components.schemas``: the ``RealtimeClientEvent``
and ``RealtimeServerEvent`` unions list them. This module loads the file once, resolves
``$ref``, merges ``allOf`` and flattens ``anyOf``/``oneOf``, and turns each schema into a
:class:`SpecNode` tree that says which JSON values it describes and nothing else
(descriptions, defaults, formats, bounds and patterns are left out). The same is done
for rtmsg's annotations (:func:`rtmsg_node`), so that a test can compare the two.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import yaml

from helpers import Direction

__all__ = [
    "SPEC_DIR",
    "RtNode",
    "SpecNode",
    "event_schema_names",
    "event_schemas",
    "example",
    "rtmsg_node",
    "schemas",
    "spec_node",
    "struct_fields",
]

SPEC_DIR = Path(__file__).parent / "data" / "openai-openapi"

_UNIONS: dict[Direction, str] = {"client": "RealtimeClientEvent", "server": "RealtimeServerEvent"}


@functools.cache
def schemas() -> dict[str, Any]:
    """The spec's ``components.schemas``, loaded once (the C loader when PyYAML has it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (SPEC_DIR / "openapi.yaml").open(encoding="utf-8") as file:
        document = yaml.load(file, Loader=loader)
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def event_schema_names(direction: Direction) -> dict[str, str]:
    """The GA events of one direction, by wire type: the members of the spec's event union."""
    union = schemas()[_UNIONS[direction]]
    names = [member["$ref"].rsplit("/", 1)[-1] for member in union["anyOf"]]
    return {_event_type(name): name for name in names}


def _event_type(name: str) -> str:
    (value,) = schemas()[name]["properties"]["type"]["enum"]
    assert isinstance(value, str)
    return value


def event_schemas(direction: Direction) -> dict[str, SpecNode]:
    """The :class:`SpecNode` of every GA event of one direction, by wire type."""
    return {
        event_type: spec_node({"$ref": f"#/components/schemas/{name}"})
        for event_type, name in event_schema_names(direction).items()
    }


def example(name: str) -> str | None:
    """The ``x-oaiMeta.example`` text of a schema, if it has one."""
    meta = schemas()[name].get("x-oaiMeta", {})
    text = meta.get("example")
    return text if isinstance(text, str) else None


# --- spec schemas as trees ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SpecNode:
    """One spec schema, reduced to the JSON values it allows.

    ``kind`` is one of ``str int float bool any none literal object array map union``.
    ``args`` holds the literal values, the item or value node of an array or map, or the
    branches of a union. An ``object`` has ``props`` (name and node, in the spec's order)
    and ``required``; ``name`` is the schema it came from, for messages.
    """

    kind: str
    args: tuple[Any, ...] = ()
    props: tuple[tuple[str, SpecNode], ...] = ()
    required: frozenset[str] = frozenset()
    name: str = ""

    @property
    def nullable(self) -> bool:
        return self.kind in ("none", "any") or any(b.kind == "none" for b in self.branches())

    def branches(self) -> tuple[SpecNode, ...]:
        """The alternatives of a union, flattened; the node itself otherwise."""
        if self.kind == "union":
            return tuple(b for child in self.args for b in child.branches())
        return (self,)

    def without_null(self) -> tuple[SpecNode, ...]:
        return tuple(b for b in self.branches() if b.kind != "none")

    def prop(self, name: str) -> SpecNode | None:
        return dict(self.props).get(name)

    def tag(self, field: str = "type") -> str | None:
        """The single string an object's ``field`` must hold, if the spec fixes one."""
        node = self.prop(field)
        if node is None:
            return None
        values = [v for b in node.without_null() if b.kind == "literal" for v in b.args]
        only_literals = all(b.kind == "literal" for b in node.without_null())
        if only_literals and len(values) == 1 and isinstance(values[0], str):
            return values[0]
        return None


_SCALAR_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def spec_node(schema: dict[str, Any]) -> SpecNode:
    """The :class:`SpecNode` of a spec schema (a ``$ref`` or an inline schema)."""
    return _reduce(schema, "")


_IN_PROGRESS: set[str] = set()


@functools.cache
def _named(name: str) -> SpecNode:
    """A named schema's node, reduced once: the event schemas share many."""
    if name in _IN_PROGRESS:
        raise AssertionError(f"recursive schema {name}: the comparison assumes none")
    _IN_PROGRESS.add(name)
    try:
        return _reduce(schemas()[name], name)
    finally:
        _IN_PROGRESS.discard(name)


def _reduce(schema: Any, name: str) -> SpecNode:
    if not isinstance(schema, dict):
        return SpecNode("any")
    if "$ref" in schema:
        node = _named(schema["$ref"].rsplit("/", 1)[-1])
    else:
        node = _reduce_plain(schema, name)
    return _or_null(node) if schema.get("nullable") is True else node


def _reduce_plain(schema: dict[str, Any], name: str) -> SpecNode:
    if "allOf" in schema:
        parts = [_reduce(part, name) for part in schema["allOf"]]
        return parts[0] if len(parts) == 1 else _merge_objects(parts, name)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            branches = tuple(_reduce(b, name) for b in schema[combinator])
            return branches[0] if len(branches) == 1 else SpecNode("union", branches)
    kind = schema.get("type")
    if isinstance(kind, list):
        return SpecNode("union", tuple(_reduce({**schema, "type": k}, name) for k in kind))
    if "const" in schema:
        return SpecNode("literal", (schema["const"],))
    if "enum" in schema:
        values = tuple(v for v in schema["enum"] if v is not None)
        node = SpecNode("literal", values)
        return _or_null(node) if None in schema["enum"] else node
    if kind == "null":
        return SpecNode("none")
    if kind in _SCALAR_TYPES:
        return SpecNode(_SCALAR_TYPES[kind])
    if kind == "array":
        return SpecNode("array", (_reduce(schema.get("items", {}), name),))
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if properties:
            props = tuple(
                (prop, _reduce(value, f"{name}.{prop}")) for prop, value in properties.items()
            )
            return SpecNode(
                "object", props=props, required=frozenset(schema.get("required", ())), name=name
            )
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return SpecNode("map", (_reduce(extra, f"{name}{{}}"),))
        return SpecNode("any")  # a free-form object
    return SpecNode("any")


def _or_null(node: SpecNode) -> SpecNode:
    return node if node.nullable else SpecNode("union", (node, SpecNode("none")))


def _merge_objects(parts: list[SpecNode], name: str) -> SpecNode:
    props: dict[str, SpecNode] = {}
    required: set[str] = set()
    for part in parts:
        assert part.kind == "object", f"allOf of a {part.kind} in {name}"
        props.update(part.props)
        required |= part.required
    return SpecNode("object", props=tuple(props.items()), required=frozenset(required), name=name)


# --- rtmsg annotations as trees -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RtNode:
    """One rtmsg annotation, reduced like :class:`SpecNode` (``UNSET`` dropped).

    ``kind`` is one of ``str int float bool any none literal struct array map union``;
    a ``struct`` holds its class in ``args``.
    """

    kind: str
    args: tuple[Any, ...] = ()

    @property
    def nullable(self) -> bool:
        return self.kind in ("none", "any") or any(b.kind == "none" for b in self.branches())

    def branches(self) -> tuple[RtNode, ...]:
        if self.kind == "union":
            return tuple(b for child in self.args for b in child.branches())
        return (self,)

    def without_null(self) -> tuple[RtNode, ...]:
        return tuple(b for b in self.branches() if b.kind != "none")


_RT_SCALARS: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool"}


@functools.cache
def rtmsg_node(annotation: Any) -> RtNode:
    """The :class:`RtNode` of an rtmsg field annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is None or annotation is type(None):
        return RtNode("none")
    if annotation in _RT_SCALARS:
        return RtNode(_RT_SCALARS[annotation])
    if annotation is Any or annotation is object:
        return RtNode("any")
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return RtNode("struct", (annotation,))
    if origin is typing.Literal:
        return RtNode("literal", args)
    if origin in (typing.Union, types.UnionType):
        kept = tuple(rtmsg_node(a) for a in args if a is not msgspec.UnsetType)
        return kept[0] if len(kept) == 1 else RtNode("union", kept)
    if origin is list:
        return RtNode("array", (rtmsg_node(args[0]),))
    if origin is dict:
        assert args[0] is str, annotation
        return RtNode("map", (rtmsg_node(args[1]),))
    raise TypeError(f"annotation the spec comparison does not know: {annotation!r}")


def struct_fields(cls: type[msgspec.Struct]) -> Iterator[tuple[str, bool, RtNode]]:
    """An rtmsg Struct's JSON fields: wire name, whether required, and the value's node."""
    for field in msgspec.structs.fields(cls):
        yield field.encode_name, field.required, rtmsg_node(field.type)
