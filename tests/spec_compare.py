"""rtmsg's models compared with the spec's event schemas: every difference, as a flat list.

:func:`differences` walks each GA event schema of the spec (see :mod:`spec_oracle`)
side by side with the rtmsg event class of the same ``type``, down through objects,
arrays, maps and unions, and reports where the two disagree on a field's presence,
required-ness, nullability or JSON type. Each difference is named by the rtmsg Struct
and field it concerns (``Session.id``), so that one that shows up in several events
(a session, a response, an item) is one entry, with the events listed.

What is not a difference:

- an ``enum`` of the spec read as a plain ``str`` by rtmsg: values the server may
  extend stay open (DESIGN rule 5);
- ``null`` admitted by rtmsg where the spec has none, when the SDK's model of the
  same field admits it too (DESIGN rule 2: nullable per the SDK);
- a free-form object of the spec (``{"type": "object"}``) read as any JSON, as the
  SDK does (``object``);
- bounds, formats, patterns and defaults, which neither rtmsg nor the SDK checks.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

import rtmsg
from helpers import Direction
from sdk_oracle import SDK_TO_RTMSG, sdk_models, sdk_name, sdk_node
from spec_oracle import RtNode, SpecNode, event_schemas, struct_fields

__all__ = ["Difference", "compare", "differences", "rtmsg_events"]


@dataclasses.dataclass(frozen=True)
class Difference:
    """Where rtmsg and the spec disagree: ``place`` (``Struct.field``), ``kind`` and detail."""

    place: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.place}: {self.kind}: {self.detail}"


def rtmsg_events(direction: Direction) -> dict[str, type[rtmsg.Event]]:
    """rtmsg's event classes of one direction, by wire type."""
    union = rtmsg.ClientEvent if direction == "client" else rtmsg.ServerEvent
    return {cls.event_type: cls for cls in typing.get_args(union)}


@functools.cache
def _sdk_nullable() -> dict[tuple[type[msgspec.Struct], str], bool]:
    """For each rtmsg Struct and field the SDK declares: whether an SDK model admits null."""
    found: dict[tuple[type[msgspec.Struct], str], bool] = {}
    for model in sdk_models():
        struct = SDK_TO_RTMSG[sdk_name(model)]
        for name, field in model.model_fields.items():
            key = (struct, name)
            found[key] = found.get(key, False) or sdk_node(field.annotation).nullable
    return found


class _Walk:
    """One comparison run: the differences found, and the events each was found in."""

    def __init__(self) -> None:
        self.found: dict[Difference, set[str]] = {}
        self.event = ""

    def add(self, place: str, kind: str, detail: str) -> None:
        self.found.setdefault(Difference(place, kind, detail), set()).add(self.event)

    # --- values ---------------------------------------------------------------------

    def value(self, spec: SpecNode, rt: RtNode, place: str, owner: Any, field: str) -> None:
        """Compare one value position (a field, a list item, a map value)."""
        self.nullability(spec, rt, place, owner, field)
        spec_branches = spec.without_null()
        rt_branches = rt.without_null()
        if any(b.kind == "any" for b in spec_branches):
            if not any(b.kind == "any" for b in rt_branches):
                self.add(place, "type", f"spec: any JSON, rtmsg: {_kinds(rt_branches)}")
            return
        if any(b.kind == "any" for b in rt_branches):
            if spec_branches:
                self.add(place, "type", f"spec: {_kinds(spec_branches)}, rtmsg: any JSON")
            return
        self.branches(spec_branches, rt_branches, place)

    def nullability(self, spec: SpecNode, rt: RtNode, place: str, owner: Any, field: str) -> None:
        if spec.nullable == rt.nullable:
            return
        if spec.nullable:
            self.add(place, "null", "the spec admits null, rtmsg does not")
        elif not _sdk_nullable().get((owner, field), False):
            self.add(place, "null", "rtmsg admits null, the spec and the SDK do not")

    def branches(self, spec: tuple[SpecNode, ...], rt: tuple[RtNode, ...], place: str) -> None:
        used: set[int] = set()
        objects = [b for b in spec if b.kind == "object"]
        self.objects(objects, rt, place, used)
        # Several spec arrays (or maps) read by one rtmsg list: their items are one union.
        containers: dict[int, list[SpecNode]] = {}
        for branch in spec:
            if branch.kind == "object":
                continue
            index = _match_scalar(branch, rt)
            if index is None:
                self.add(place, "type", f"the spec's {_kind(branch)} has no rtmsg branch")
                continue
            used.add(index)
            match = rt[index]
            if branch.kind == "literal" and match.kind == "literal":
                missing = [v for v in branch.args if v not in match.args]
                if missing:
                    self.add(place, "literal", f"spec values {missing} not in rtmsg's Literal")
            if branch.kind in ("array", "map"):
                containers.setdefault(index, []).append(branch.args[0])
        for index, items in containers.items():
            self.value(_union(items), rt[index].args[0], f"{place}[]", None, "")
        for index, rt_branch in enumerate(rt):
            if index in used:
                continue
            if rt_branch.kind == "literal" and any(b.kind in ("int", "str") for b in spec):
                continue  # a value the spec gives as an open int or str, checked by rtmsg
            self.add(place, "type", f"rtmsg's {_rt_kind(rt_branch)} is not in the spec")

    def objects(
        self, spec: list[SpecNode], rt: tuple[RtNode, ...], place: str, used: set[int]
    ) -> None:
        """Pair the spec's object branches with rtmsg's Structs: by tag, else the untagged one."""
        structs = {i: b.args[0] for i, b in enumerate(rt) if b.kind == "struct"}
        tagged = {
            cls.__struct_config__.tag: i
            for i, cls in structs.items()
            if isinstance(cls.__struct_config__.tag, str)
        }
        untagged = [i for i, cls in structs.items() if cls.__struct_config__.tag is None]
        groups: dict[int, list[SpecNode]] = {}
        for obj in spec:
            tag = obj.tag()
            if tag is not None and tag in tagged:
                index = tagged[tag]
            elif untagged:
                index = untagged[0]
            else:
                self.add(place, "type", f"the spec's object {obj.name} ({tag}) has no rtmsg Struct")
                continue
            groups.setdefault(index, []).append(obj)
        for index, variants in groups.items():
            used.add(index)
            self.struct(variants, structs[index])

    # --- objects ----------------------------------------------------------------------

    def struct(self, variants: list[SpecNode], cls: type[msgspec.Struct]) -> None:
        """Compare one rtmsg Struct with the spec object(s) it reads."""
        config = cls.__struct_config__
        tag_field = config.tag_field if isinstance(config.tag, str) else None
        fields = {name: (required, node) for name, required, node in struct_fields(cls)}
        names: dict[str, None] = {}
        for variant in variants:
            names.update(dict.fromkeys(name for name, _ in variant.props))
        for name in fields:
            names.setdefault(name, None)
        for name in names:
            place = f"{cls.__name__}.{name}"
            declared = [v for v in variants if v.prop(name) is not None]
            if name == tag_field:
                if not all(name in v.required for v in declared) or len(declared) < len(variants):
                    self.add(place, "required", "a tag in rtmsg, optional in the spec")
                continue
            if name not in fields:
                self.add(place, "missing", f"in the spec ({_names(declared)}), not in rtmsg")
                continue
            required, node = fields[name]
            if not declared:
                self.add(place, "extra", "in rtmsg, not in the spec")
                continue
            spec_required = len(declared) == len(variants) and all(
                name in v.required for v in declared
            )
            if required != spec_required:
                which = "rtmsg" if required else "the spec"
                self.add(place, "required", f"required in {which} only")
            spec_value = _union([v.prop(name) for v in declared])
            if len(declared) < len(variants) and not spec_value.nullable:
                # The variants without the field take it as an ignored extra, null included;
                # the Struct's check holds the variant that declares it to its type.
                spec_value = SpecNode("union", (spec_value, SpecNode("none")))
            self.value(spec_value, node, place, cls, name)


def _union(nodes: Sequence[SpecNode | None]) -> SpecNode:
    kept: list[SpecNode] = []
    for node in nodes:
        assert node is not None
        for branch in node.branches():
            if branch not in kept:
                kept.append(branch)
    return kept[0] if len(kept) == 1 else SpecNode("union", tuple(kept))


def _match_scalar(branch: SpecNode, rt: tuple[RtNode, ...]) -> int | None:
    kinds = [b.kind for b in rt]
    wanted: tuple[str, ...]
    if branch.kind == "literal":
        value = branch.args[0]
        if isinstance(value, bool):
            wanted = ("bool",)
        elif isinstance(value, int):
            wanted = ("literal", "int")
        else:
            wanted = ("literal", "str")
        for kind in wanted:
            for index, rt_branch in enumerate(rt):
                if rt_branch.kind != kind:
                    continue
                if kind != "literal" or any(v in rt_branch.args for v in branch.args):
                    return index
        return None
    wanted = {"float": ("float",), "int": ("int",)}.get(branch.kind, (branch.kind,))
    for kind in wanted:
        if kind in kinds:
            return kinds.index(kind)
    return None


def _kind(node: SpecNode) -> str:
    if node.kind == "literal":
        return f"literal {list(node.args)}"
    return node.kind


def _rt_kind(node: RtNode) -> str:
    if node.kind == "literal":
        return f"Literal{list(node.args)}"
    if node.kind == "struct":
        return f"Struct {node.args[0].__name__}"
    return node.kind


def _kinds(branches: tuple[Any, ...]) -> str:
    return " | ".join(sorted({b.kind for b in branches})) or "null"


def _names(nodes: list[SpecNode]) -> str:
    return ", ".join(sorted({n.name for n in nodes}))


def compare(spec: SpecNode, cls: type[msgspec.Struct]) -> set[Difference]:
    """The differences between one spec object and the rtmsg Struct that reads it."""
    walk = _Walk()
    walk.struct([spec], cls)
    return set(walk.found)


def differences(direction: Direction) -> Iterator[tuple[Difference, frozenset[str]]]:
    """Every difference between the spec's events of a direction and rtmsg's, with its events."""
    walk = _Walk()
    events = rtmsg_events(direction)
    spec_events = event_schemas(direction)
    for event_type in sorted(spec_events.keys() - events.keys()):
        walk.event = event_type
        walk.add(f"event {event_type}", "missing", "in the spec, not in rtmsg")
    for event_type in sorted(events.keys() - spec_events.keys()):
        walk.event = event_type
        walk.add(f"event {event_type}", "extra", "in rtmsg, not in the spec")
    for event_type in sorted(spec_events.keys() & events.keys()):
        walk.event = event_type
        walk.struct([spec_events[event_type]], events[event_type])
    for difference, where in walk.found.items():
        yield difference, frozenset(where)
