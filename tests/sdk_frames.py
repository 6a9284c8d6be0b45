"""Frames generated from the SDK's models: valid events of every shape, and their mutants.

The generator walks each SDK event model field by field. For every model it
emits a minimal object (required fields only), a full one (every field), and
one object per value of each field: each union branch, ``null`` where allowed,
and edge values (empty, unicode and astral strings, 0 and 2**63-1, 1e-7,
integers given for floats, nested free-form JSON). Every value is serialized
compactly, with ``\\u`` escapes and pretty-printed, so the frames also cover
non-canonical JSON. Generation is seeded and cached per process.

Mutants take valid frames and change one node each: another JSON type,
``null``, a removed key, an integer written as ``7.0``, an unknown string, a
literal another SDK model declares for a field of that name (another tag,
role or format), an added field no SDK model declares, and in the merged
Structs' parts a field only another variant declares, well or wrongly typed.

Both protocols go through the same generator: ``frames`` and ``mutants`` take
the protocol whose SDK unions they walk, the conversation by default.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import typing
from collections.abc import Iterator
from typing import Any

import pydantic

from divergences import REQUIRED_BY_SERVICE
from helpers import Direction, Protocol
from sdk_live import FOREIGN_SAMPLES
from sdk_oracle import (
    MERGED,
    PROTOCOLS,
    SDK_TO_RTMSG,
    Node,
    is_foreign,
    sdk_events,
    sdk_models,
    sdk_name,
    sdk_node,
    sdk_validate,
)

__all__ = [
    "EXTRA_FIELD",
    "Frame",
    "Mutant",
    "Path",
    "events_of",
    "frames",
    "mutants",
]

Path = tuple[str | int, ...]

SEED = 20250828

STRINGS: tuple[str, ...] = (
    "item_Bq3x",
    "",
    "évènement",
    "日本語のテキスト",
    "astral \U0001f600\U0001d11e",
    'quote " backslash \\ slash / tab \t newline \n cr \r',
    "control \x00\x01\x1f del \x7f",
    "line sep \u2028 para sep \u2029 bom \ufeff",
    "x" * 300,
)
INTS: tuple[int, ...] = (7, 0, -1, 1, 24000, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**64, -(2**70))
FLOATS: tuple[float | int, ...] = (0.5, 1e-7, 0.0, -2.25, 1e300, 3, 0, -7, 2**53)
FREE_JSON: tuple[Any, ...] = (
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    {},
    [],
    "text",
    0,
    -1.5e-7,
    True,
    {"nested": {"list": [1, 2.5, "s", None, False, {"deep": [[], {}]}], "é\U0001f600": None}},
)


@dataclasses.dataclass(frozen=True)
class Frame:
    """One generated frame: its event type, its JSON value and its text."""

    event_type: str
    value: Any
    text: str


@dataclasses.dataclass(frozen=True)
class Mutant:
    """A valid frame with one node broken: ``kind`` says how, ``path`` says where."""

    event_type: str
    kind: str
    path: Path
    original: Any
    source: Any
    value: Any
    text: str


class _Generator:
    """Valid JSON values for SDK annotation trees; deterministic for a given seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cache: dict[Node, list[Any]] = {}

    def pick(self, options: tuple[Any, ...]) -> Any:
        return options[self.rng.randrange(len(options))]

    def one(self, node: Node) -> Any:
        """A typical value: the first of a union's non-null branches, values varied by seed."""
        kind = node.kind
        if kind == "str":
            return self.pick(STRINGS[:5])
        if kind == "int":
            return self.pick(INTS[:5])
        if kind == "float":
            return self.pick(FLOATS)
        if kind == "bool":
            return self.pick((True, False))
        if kind == "any":
            return self.pick(FREE_JSON)
        if kind == "none":
            return None
        if kind == "literal":
            return self.pick(node.args)
        if kind == "samples":
            return json.loads(self.pick(node.args))
        if kind == "list":
            return [self.one(node.args[0])]
        if kind == "dict":
            return {"key": self.one(node.args[0])}
        if kind == "union":
            branches = [b for b in node.branches() if b.kind != "none"]
            return self.one(branches[0])
        model: type[pydantic.BaseModel] = node.args[0]
        return {
            field.alias or name: self.one(_field_node(model, name))
            for name, field in model.model_fields.items()
            if _required(model, name)
        }

    def full(self, node: Node) -> Any:
        """A value with every optional field present, recursively."""
        if node.kind == "model":
            model: type[pydantic.BaseModel] = node.args[0]
            return {
                field.alias or name: self.full(_field_node(model, name))
                for name, field in model.model_fields.items()
            }
        if node.kind == "samples":
            return json.loads(node.args[-1])
        if node.kind == "union":
            branches = [b for b in node.branches() if b.kind != "none"]
            return self.full(branches[-1])
        if node.kind == "list":
            return [self.full(node.args[0]), self.one(node.args[0])]
        if node.kind == "dict":
            return {"a": self.full(node.args[0]), "ключ \U0001f511": self.one(node.args[0])}
        return self.one(node)

    def values(self, node: Node) -> list[Any]:
        """Every value this node should be tried with, each shape once."""
        if node not in self.cache:
            self.cache[node] = _dedupe(self._values(node))
        return self.cache[node]

    def _values(self, node: Node) -> Iterator[Any]:
        kind = node.kind
        if kind == "str":
            yield from STRINGS
        elif kind == "int":
            yield from INTS
        elif kind == "float":
            yield from FLOATS
        elif kind == "bool":
            yield from (True, False)
        elif kind == "any":
            yield from FREE_JSON
            yield None
        elif kind == "none":
            yield None
        elif kind == "literal":
            yield from node.args
        elif kind == "samples":
            yield from (json.loads(text) for text in node.args)
        elif kind == "union":
            for branch in node.args:
                yield from self.values(branch)
        elif kind == "list":
            item = node.args[0]
            yield []
            for value in self.values(item):
                yield [value]
            yield [self.full(item), self.one(item), self.one(item)]
        elif kind == "dict":
            item = node.args[0]
            yield {}
            for value in self.values(item)[:4]:
                yield {"k": value}
            yield {"": self.one(item), "ключ \U0001f511": self.full(item), "a/b": self.one(item)}
        else:
            yield from self._model_values(node.args[0])

    def _model_values(self, model: type[pydantic.BaseModel]) -> Iterator[dict[str, Any]]:
        fields = {
            field.alias or name: _field_node(model, name)
            for name, field in model.model_fields.items()
        }
        required = {
            field.alias or name
            for name, field in model.model_fields.items()
            if _required(model, name)
        }
        base = self.one(Node("model", (model,)))
        full = self.full(Node("model", (model,)))
        yield base
        yield full
        for name, node in fields.items():
            for value in self.values(node):
                yield {**base, name: value}
            for branch in node.branches():
                if branch.kind != "none":
                    yield {**full, name: self.full(branch)}
            if name not in required:
                yield {key: value for key, value in full.items() if key != name}


def _required(model: type[pydantic.BaseModel], name: str) -> bool:
    """Whether a field must be there: the SDK says so, or the service (and so rtmsg) does."""
    if model.model_fields[name].is_required():
        return True
    return (SDK_TO_RTMSG.get(sdk_name(model)), name) in REQUIRED_BY_SERVICE


def _field_node(model: type[pydantic.BaseModel], name: str) -> Node:
    """The node of a field: its annotation's, or the sample values of what rtmsg keeps as JSON."""
    if is_foreign(model, name):
        samples = FOREIGN_SAMPLES[SDK_TO_RTMSG[sdk_name(model)], name]
        return Node("samples", tuple(json.dumps(value) for value in samples))
    return sdk_node(model.model_fields[name].annotation)


def _dedupe(values: Iterator[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(json.dumps(value, sort_keys=True), value)
    return list(seen.values())


def _texts(value: Any, index: int) -> Iterator[str]:
    """The ways a frame is sent: compact UTF-8, ``\\u``-escaped, and now and then pretty."""
    yield json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    yield json.dumps(value, ensure_ascii=True)
    if index % 7 == 0:
        yield json.dumps(value, indent=2).replace("\n", "\r\n") + " \r\n"


def events_of(
    direction: Direction, protocol: Protocol = "conversation"
) -> dict[str, type[pydantic.BaseModel]]:
    """The SDK event models of a direction of a protocol, by wire type."""
    return {
        typing.get_args(model.model_fields["type"].annotation)[0]: model
        for model in sdk_events(direction, protocol)
    }


@functools.cache
def frames(direction: Direction, protocol: Protocol = "conversation") -> tuple[Frame, ...]:
    """Every generated frame of a direction of a protocol, valid by construction."""
    generator = _Generator(SEED)
    out: list[Frame] = []
    for event_type, model in events_of(direction, protocol).items():
        values = generator.values(Node("model", (model,)))
        texts: dict[str, Any] = {}
        for index, value in enumerate(values):
            if index % 3 == 0:
                # The tag is not always first on the wire.
                value = {**{k: v for k, v in value.items() if k != "type"}, "type": event_type}
            for text in _texts(value, index):
                texts.setdefault(text, value)
        out.extend(Frame(event_type, value, text) for text, value in texts.items())
    return tuple(out)


_OTHER_TYPES: tuple[Any, ...] = ("mutant", 7, 1.5, True, {}, [])


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number" if not isinstance(value, float) else "float"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def _nodes(value: Any) -> Iterator[tuple[Path, Any, tuple[Any, ...]]]:
    """Every node of a JSON value with its path and its place: the path without list
    indices, plus the tag and role of the object holding it (what tells variants apart)."""
    stack: list[tuple[Path, Any, tuple[Any, ...]]] = [((), value, ())]
    while stack:
        path, node, place = stack.pop()
        yield path, node, place
        if isinstance(node, dict):
            shape = _object_shape(node)
            for key, child in node.items():
                stack.append(((*path, key), child, (*place[:-1], key, shape)))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                stack.append(((*path, index), child, (*place[:-1], None, ())))


def _object_shape(node: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f"{k}={node[k]}" for k in ("type", "role") if isinstance(node.get(k), str))


def _replace(value: Any, path: Path, new: Any, *, remove: bool = False) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        assert isinstance(head, str)
        if not rest:
            if remove:
                return {k: v for k, v in value.items() if k != head}
            return {**value, head: new}
        return {**value, head: _replace(value[head], rest, new, remove=remove)}
    assert isinstance(head, int)
    copy = list(value)
    copy[head] = _replace(value[head], rest, new, remove=remove)
    return copy


def _family(protocol: Protocol) -> tuple[Protocol, ...]:
    """The streams whose literals a stream's mutants borrow: the realtime protocols', or Live's."""
    if protocol.startswith("live"):
        return tuple(p for p in PROTOCOLS if p.startswith("live"))
    return ("conversation", "translation")


def _mutations(
    original: Any, path: Path, family: tuple[Protocol, ...]
) -> Iterator[tuple[str, Any, bool]]:
    """(kind, new value, remove?) for one node."""
    kind = _json_kind(original)
    for other in _OTHER_TYPES:
        other_kind = _json_kind(other)
        if other_kind == kind or (kind == "float" and other_kind == "number"):
            continue
        yield f"{kind}->{other_kind}", other, False
    if original is not None:
        yield "null", None, False
    if path and isinstance(path[-1], str):
        yield "remove", None, True
    if kind == "number" and abs(original) < 2**53:
        yield "integral-float", float(original), False
        yield "other-int", original + 1, False
    if isinstance(original, str):
        yield "unknown-string", "unknown_value.v2", False
        name = next((step for step in reversed(path) if isinstance(step, str)), "")
        others = [value for value in _literal_pool(family).get(name, ()) if value != original]
        if name in ("type", "role"):
            # What selects a shape gets every other value; the rest, one.
            for value in others:
                yield f"other-literal:{value}", value, False
        elif others:
            yield "other-literal", others[0], False


@functools.cache
def _literal_pool(family: tuple[Protocol, ...]) -> dict[str, tuple[str, ...]]:
    """Every string literal the SDK declares for a field name, in any model of the streams:
    ``type`` gathers the tags and formats of all variants, ``role`` the roles, and so on."""
    pool: dict[str, dict[str, None]] = {}
    events = {
        *(model for p in family for model in sdk_events("client", p)),
        *(model for p in family for model in sdk_events("server", p)),
    }
    for model in sdk_models(family):
        if model in events:
            continue
        for name, field in model.model_fields.items():
            for value in sdk_node(field.annotation).literal_strings():
                pool.setdefault(name, {})[value] = None
            items = [b.args[0] for b in sdk_node(field.annotation).branches() if b.kind == "list"]
            for item in items:
                for value in item.literal_strings():
                    pool.setdefault(name, {})[value] = None
    return {name: tuple(values) for name, values in pool.items()}


_Change = tuple[Path, Any, tuple[Any, ...], tuple[str, Any, bool]]
"""Where (path), what was there, the place it stands for, and (kind, new value, remove?)."""


@functools.cache
def mutants(
    direction: Direction,
    protocol: Protocol = "conversation",
    per_shape: int = 1,
    events: frozenset[str] | None = None,
) -> tuple[Mutant, ...]:
    """One-node mutants of the generated frames; each (place, mutation) at most ``per_shape``;
    of the frames of the event types ``events`` only, when given."""
    counts: dict[tuple[Any, ...], int] = {}
    out: list[Mutant] = []
    seen: set[str] = set()
    visited: set[tuple[Any, ...]] = set()
    generator = _Generator(SEED)
    sources = {
        json.dumps(f.value, sort_keys=True): f
        for f in frames(direction, protocol)
        if events is None or f.event_type in events
    }
    for frame in sources.values():
        changes: list[_Change] = []
        for path, original, place in _nodes(frame.value):
            # A place already mutated with a value of the same JSON type has nothing new.
            visit = (frame.event_type, *place, _json_kind(original))
            if path in ((), ("type",)) or (per_shape == 1 and visit in visited):
                continue
            visited.add(visit)
            changes.extend(
                (path, original, (frame.event_type, *place), mutation)
                for mutation in _mutations(original, path, _family(protocol))
            )
        changes += _added_fields(frame, direction, protocol, generator)
        for path, original, place, (kind, new, remove) in changes:
            key = (*place, kind)
            if counts.get(key, 0) >= per_shape:
                continue
            value = _replace(frame.value, path, new, remove=remove)
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            if text in seen:
                continue
            seen.add(text)
            counts[key] = counts.get(key, 0) + 1
            out.append(Mutant(frame.event_type, kind, path, original, frame.value, value, text))
    return tuple(out)


EXTRA_FIELD = "x_vendor_extension"
_EXTRA_VALUE = {"nested": [1, "two", None, {"three": 3.5}]}


def _added_fields(
    frame: Frame, direction: Direction, protocol: Protocol, generator: _Generator
) -> list[_Change]:
    """Keys added to the objects of a frame: a field no SDK model declares, in every object,
    and, in the parts of the merged Structs, each field another variant declares, typed as that
    variant declares it and wrongly typed."""
    changes: list[_Change] = []
    sdk_event = sdk_validate(json.dumps(frame.value), direction, protocol)
    for path, model in _models_at(sdk_event):
        shape = _object_shape(_at(frame.value, path))
        steps = tuple(None if isinstance(step, int) else step for step in path)
        place = (frame.event_type, *steps, EXTRA_FIELD, shape)
        changes.append(((*path, EXTRA_FIELD), None, place, ("extra-field", _EXTRA_VALUE, False)))
        struct = SDK_TO_RTMSG[sdk_name(type(model))]
        if struct not in MERGED:
            continue
        for name, node in _sibling_fields(type(model)).items():
            valid = generator.one(node)
            wrong = 7 if node.admits_any_str() or node.literal_strings() else "mutant"
            place = (frame.event_type, *steps, name, shape)
            changes.append(((*path, name), None, place, ("sibling-field", valid, False)))
            changes.append(((*path, name), None, place, ("sibling-field-wrong-type", wrong, False)))
    return changes


def _at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def _models_at(value: Any, path: Path = ()) -> Iterator[tuple[Path, pydantic.BaseModel]]:
    """Every SDK model object inside a validated event, with its path; not inside what rtmsg
    keeps as JSON (:data:`~sdk_oracle.FOREIGN`), whose extras it keeps."""
    if isinstance(value, pydantic.BaseModel):
        yield path, value
        for name in type(value).model_fields:
            if not is_foreign(type(value), name):
                yield from _models_at(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _models_at(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _models_at(item, (*path, key))


@functools.cache
def _sibling_fields(model: type[pydantic.BaseModel]) -> dict[str, Node]:
    """Fields that other SDK variants of the same merged Struct declare and ``model`` does not."""
    struct = SDK_TO_RTMSG[sdk_name(model)]
    siblings: dict[str, Node] = {}
    for other in sdk_models(None):
        if SDK_TO_RTMSG[sdk_name(other)] is not struct:
            continue
        for name, field in other.model_fields.items():
            if name not in model.model_fields and name not in siblings:
                siblings[name] = sdk_node(field.annotation)
    return siblings
