"""rtmsg's models against the SDK's: the same events, the same fields, required and nullable alike.

These tests fail as soon as the pinned SDK and rtmsg disagree on the shape of
the protocol, before any frame is decoded: a new event type, a new field, a
field that became optional or nullable, or a new protocol family: every event
union ``openai.types.realtime`` exports is one rtmsg decodes, or is listed as
deliberately left out. The fields rtmsg has and the SDK lacks are listed in
:data:`NOT_IN_SDK`, each with the reference that sends it.
"""

from __future__ import annotations

import enum
import itertools
import typing
from typing import Any

import msgspec
import openai.types.beta.realtime
import openai.types.live
import openai.types.realtime
import openai.types.responses
import pydantic
import pytest

import rtmsg
from divergences import REQUIRED_BY_SERVICE
from helpers import UNIONS, Direction, Protocol
from rtmsg import live, translation
from sdk_live import UNTYPED_ITEMS
from sdk_oracle import (
    FOREIGN,
    MERGED,
    PROTOCOLS,
    SDK_ONLY_IN_SPEC,
    SDK_TO_RTMSG,
    SDK_UNIONS,
    sdk_events,
    sdk_models,
    sdk_name,
    sdk_node,
)

_LIVE = "the live service sends it"
NOT_IN_SDK: dict[tuple[type[msgspec.Struct], str], str] = {
    (rtmsg.Session, "id"): f"{_LIVE} in every session.created/updated; the spec requires it",
    (rtmsg.Session, "object"): f"{_LIVE} in every session.created/updated; the spec requires it",
    (rtmsg.Session, "expires_at"): f"{_LIVE}; in the spec's server session",
    (rtmsg.TranscriptionSession, "id"): f"{_LIVE}; the spec requires it",
    (rtmsg.TranscriptionSession, "object"): f"{_LIVE}; the spec requires it",
    (rtmsg.TranscriptionSession, "expires_at"): f"{_LIVE}; in the spec's server session",
    (rtmsg.ConversationItemInputAudioTranscriptionDelta, "obfuscation"): (
        f"{_LIVE} on every delta, and the spec's example"
    ),
    (rtmsg.ResponseOutputAudioTranscriptDelta, "obfuscation"): f"{_LIVE} on every delta",
    (rtmsg.ResponseOutputTextDelta, "obfuscation"): (
        "the service pads every streamed delta with it, as the two other text deltas"
    ),
    (rtmsg.InputAudioBufferSpeechStarted, "audio_end_ms"): (
        "the frames of openai-agents-python's tests carry it"
    ),
    (rtmsg.MessageContent, "format"): "the spec's conversation.item.retrieved example",
}
"""rtmsg fields no SDK model declares, and which reference sends them (the SDK ignores them)."""

_ENUMS: dict[tuple[Protocol, Direction], type[enum.StrEnum]] = {
    ("conversation", "client"): rtmsg.ClientEventType,
    ("conversation", "server"): rtmsg.ServerEventType,
    ("translation", "client"): translation.ClientEventType,
    ("translation", "server"): translation.ServerEventType,
    ("live", "client"): live.ClientEventType,
    ("live", "server"): live.ServerEventType,
    ("live/attach", "client"): live.AttachClientEventType,
    ("live/attach", "server"): live.AttachServerEventType,
    ("live/fork", "client"): live.ForkClientEventType,
    ("live/fork", "server"): live.ForkServerEventType,
    ("live/response", "server"): live.responses.ResponseStreamEventType,
}
_STREAMS = list(_ENUMS)
_DIRECTIONS: tuple[Direction, ...] = ("client", "server")
_STREAM_IDS = [f"{protocol}-{direction}" for protocol, direction in _STREAMS]

NOT_COVERED: dict[tuple[str, str], str] = {
    ("openai.types.beta.realtime", "RealtimeClientEvent"): "the beta protocol: rtmsg is GA only",
    ("openai.types.beta.realtime", "RealtimeServerEvent"): "the beta protocol: rtmsg is GA only",
}
"""Event unions of the SDK that rtmsg deliberately does not decode, and why."""


def _event_type(model: type[pydantic.BaseModel]) -> str:
    (value,) = typing.get_args(model.model_fields["type"].annotation)
    assert isinstance(value, str)
    return value


def _variants() -> dict[type[msgspec.Struct], list[type[pydantic.BaseModel]]]:
    """Each rtmsg Struct and the SDK models it stands for."""
    by_struct: dict[type[msgspec.Struct], list[type[pydantic.BaseModel]]] = {}
    for model in sdk_models(None):
        by_struct.setdefault(SDK_TO_RTMSG[sdk_name(model)], []).append(model)
    return by_struct


def _tag_field(cls: type[msgspec.Struct]) -> str | None:
    config = cls.__struct_config__
    return config.tag_field if isinstance(config.tag, str) else None


def _admits_null(t: msgspec.inspect.Type) -> bool:
    if isinstance(t, msgspec.inspect.AnyType | msgspec.inspect.NoneType):
        return True
    return isinstance(t, msgspec.inspect.UnionType) and any(_admits_null(x) for x in t.types)


def _rtmsg_fields(cls: type[msgspec.Struct]) -> dict[str, msgspec.inspect.Field]:
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    return {field.encode_name: field for field in info.fields}


def _event_unions(module: Any) -> set[str]:
    """The names a module of the SDK exports that read as a union of events of one direction."""
    return {name for name in dir(module) if name.endswith(("ClientEvent", "ServerEvent"))}


def test_every_realtime_event_union_of_the_sdk_is_decoded_or_left_out_on_purpose() -> None:
    exported = {
        (module.__name__, name)
        for module in (openai.types.realtime, openai.types.beta.realtime, openai.types.live)
        for name in _event_unions(module)
    }
    covered = set(SDK_UNIONS)
    assert sorted(exported - covered - NOT_COVERED.keys()) == [], "SDK event unions rtmsg ignores"
    assert sorted((covered | NOT_COVERED.keys()) - exported) == [], "listed unions the SDK lacks"
    # Every stream is an SDK union, but the nested Responses events (a part of one).
    assert sorted(SDK_UNIONS.values()) == sorted(set(_STREAMS) - {("live/response", "server")})


@pytest.mark.parametrize(("protocol", "direction"), _STREAMS, ids=_STREAM_IDS)
def test_event_types_match_the_sdk_union(protocol: Protocol, direction: Direction) -> None:
    sdk_types = {_event_type(model) for model in sdk_events(direction, protocol)}
    rtmsg_types = {member.value for member in _ENUMS[protocol, direction]}
    assert sorted(sdk_types - rtmsg_types) == [], "events the SDK has and rtmsg lacks"
    assert sorted(rtmsg_types - sdk_types) == [], "events rtmsg has and the SDK lacks"
    union_types = {cls.event_type for cls in typing.get_args(UNIONS[protocol, direction])}
    assert union_types == rtmsg_types


def test_event_counts() -> None:
    counts = {stream: len(sdk_events(stream[1], stream[0])) for stream in _STREAMS}
    assert counts == {
        ("conversation", "client"): 11,
        ("conversation", "server"): 46,
        ("translation", "client"): 3,
        ("translation", "server"): 7,
        ("live", "client"): 15,
        ("live", "server"): 28,
        ("live/attach", "client"): 14,
        ("live/attach", "server"): 30,
        ("live/fork", "client"): 15,
        ("live/fork", "server"): 28,
        ("live/response", "server"): 21,
    }


def test_the_map_covers_exactly_the_sdk_models() -> None:
    reachable = {sdk_name(model) for model in sdk_models(None)}
    assert sorted(reachable - SDK_TO_RTMSG.keys()) == [], "SDK models with no rtmsg counterpart"
    assert sorted(SDK_TO_RTMSG.keys() - reachable) == [], "mapped names the SDK no longer has"


_FAMILIES: dict[str, tuple[Protocol, ...]] = {
    "conversation": ("conversation",),
    "translation": ("translation",),
    "live": tuple(p for p in PROTOCOLS if p.startswith("live")),
}


@pytest.mark.parametrize(("one", "other"), list(itertools.combinations(_FAMILIES, 2)))
def test_the_protocols_share_no_event_but_the_realtime_error(one: str, other: str) -> None:
    # A nested type may be shared; an event other than ``error`` must belong to one protocol,
    # and Live's ``error`` is its own.
    def events(family: str) -> set[type[pydantic.BaseModel]]:
        return {m for p in _FAMILIES[family] for d in _DIRECTIONS for m in sdk_events(d, p)}

    shared = {SDK_TO_RTMSG[sdk_name(m)] for m in events(one) & events(other)}
    assert shared == (set() if "live" in (one, other) else {rtmsg.Error})


def test_every_live_class_is_in_the_live_package() -> None:
    for model in sdk_models(None):
        if model.__module__.startswith("openai.types.live") or sdk_name(model).startswith(
            "sdk_live."
        ):
            assert SDK_TO_RTMSG[sdk_name(model)].__module__.startswith("rtmsg.live."), model


def test_the_nested_events_are_those_of_the_sdk_stream() -> None:
    # The typed nested events are members of the SDK's ResponseStreamEvent; the others, and the
    # output items other than messages and function calls, are read as Unknown on purpose.
    stream = {_event_type(m) for m in _members(openai.types.responses.ResponseStreamEvent)}
    typed = {member.value for member in live.responses.ResponseStreamEventType}
    assert typed <= stream
    assert len(stream - typed) == 38, sorted(stream - typed)
    items = {_event_type(m) for m in _members(openai.types.responses.ResponseOutputItem)}
    assert {_event_type(m) for m in UNTYPED_ITEMS} == items - {"message", "function_call"}


def _members(union: Any) -> tuple[type[pydantic.BaseModel], ...]:
    (members, *_) = typing.get_args(union)
    return typing.get_args(members)


def test_foreign_fields_hold_json_of_the_sdk_top_level_type() -> None:
    # What rtmsg keeps as JSON is a JSON container, never a Struct: it loses nothing.
    for (cls, name), reason in FOREIGN.items():
        assert reason
        field = _rtmsg_fields(cls)[name]
        kinds = (
            field.type.types if isinstance(field.type, msgspec.inspect.UnionType) else (field.type,)
        )
        assert not any(isinstance(k, msgspec.inspect.StructType) for k in kinds), (cls, name)
        assert any(
            isinstance(k, msgspec.inspect.DictType | msgspec.inspect.ListType) for k in kinds
        ), (cls, name)


@pytest.mark.parametrize(("protocol", "direction"), _STREAMS, ids=_STREAM_IDS)
def test_each_sdk_event_maps_to_the_class_of_its_type(
    protocol: Protocol, direction: Direction
) -> None:
    for model in sdk_events(direction, protocol):
        cls = SDK_TO_RTMSG[sdk_name(model)]
        assert issubclass(cls, rtmsg.Event)
        assert cls.event_type == _event_type(model), sdk_name(model)
        assert cls in typing.get_args(UNIONS[protocol, direction])


@pytest.mark.parametrize("model", sdk_models(None), ids=sdk_name)
def test_every_sdk_field_exists_in_rtmsg(model: type[pydantic.BaseModel]) -> None:
    cls = SDK_TO_RTMSG[sdk_name(model)]
    fields = _rtmsg_fields(cls)
    tag_field = _tag_field(cls)
    for name, field in _wire_fields(model).items():
        if name == tag_field:
            # A tag is a required Literal of exactly the Struct's tag in the SDK.
            assert field.is_required(), f"{sdk_name(model)}.{name}: optional, but a tag in rtmsg"
            assert typing.get_args(field.annotation) == (cls.__struct_config__.tag,)
            continue
        assert name in fields, f"{sdk_name(model)}.{name} is missing from {cls.__name__}"


def _wire_fields(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """An SDK model's fields by their name on the wire (an alias, as ``async``, or the name)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _struct_name(cls: Any) -> str:
    return str(cls.__name__)


@pytest.mark.parametrize("cls", sorted(_variants(), key=_struct_name), ids=_struct_name)
def test_required_and_nullable_match(cls: type[msgspec.Struct]) -> None:
    variants = _variants()[cls]
    assert (len(variants) > 1 and cls in MERGED) or all(
        _wire_fields(variants[0]).keys() == _wire_fields(v).keys() for v in variants
    ), f"{cls.__name__} stands for SDK models with different fields but is no known hard spot"
    tag_field = _tag_field(cls)
    for name, field in _rtmsg_fields(cls).items():
        declared = [_wire_fields(v)[name] for v in variants if name in _wire_fields(v)]
        if (cls, name) in NOT_IN_SDK:
            assert not declared, f"{cls.__name__}.{name} is in the SDK now: drop it from NOT_IN_SDK"
            continue
        if (cls, name) in SDK_ONLY_IN_SPEC:
            # Known from the spec only: optional, and null allowed, as the SDK takes any extra.
            assert declared == [], f"{cls.__name__}.{name}: the SDK declares it now"
            assert not field.required
            assert _admits_null(field.type)
            continue
        assert declared, f"{cls.__name__}.{name} is declared by no SDK model"
        if (cls, name) in REQUIRED_BY_SERVICE:
            # Optional in the SDK, required by the service: required here, nullable alike.
            assert field.required, name
            assert not any(f.is_required() for f in declared), name
            assert _admits_null(field.type) == any(
                sdk_node(f.annotation).nullable for f in declared
            )
            continue
        sdk_nullable = any(sdk_node(f.annotation).nullable for f in declared)
        where = f"{cls.__name__}.{name}"
        if len(declared) == len(variants):
            assert field.required == all(f.is_required() for f in declared), where
            assert _admits_null(field.type) == sdk_nullable, where
        else:
            # Declared by some variants only: the others take it as an extra, so it is optional,
            # and a null must pass where any variant allows one.
            assert cls in MERGED, where
            assert not field.required, where
            assert _admits_null(field.type) or not sdk_nullable, where
    assert tag_field is None or tag_field not in _rtmsg_fields(cls)


def test_merged_structs_are_the_three_hard_spots_and_their_parts() -> None:
    merged = {cls for cls, variants in _variants().items() if len(variants) > 1 and cls in MERGED}
    assert merged == set(MERGED)


def test_every_field_not_in_the_sdk_is_an_rtmsg_field() -> None:
    for cls, name in NOT_IN_SDK:
        assert name in _rtmsg_fields(cls), f"{cls.__name__}.{name}"
