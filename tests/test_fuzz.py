"""Property tests: generated events of every class round-trip; mutated frames keep the contract.

Every protocol: the conversation's events, the translation session's, Live's on its three
connections and the nested Responses events of Live's ``response.event``.
"""

from __future__ import annotations

import random
from typing import Any, get_args

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import rtmsg
from fuzz import check, decoders, mutate, run, valid_frames
from helpers import DECODERS, UNIONS, Direction, Protocol, assert_round_trip, same_json

# An oracle, not a measure: the package's coverage is earned by the tests of each part, and
# these runs, over a hundred thousand generated frames, go at full speed unmeasured.
pytestmark = pytest.mark.no_cover

CLIENT_CLASSES = get_args(rtmsg.ClientEvent)
SERVER_CLASSES = get_args(rtmsg.ServerEvent)
_CLASSES: list[tuple[Protocol, Direction, type[Any]]] = [
    (protocol, direction, cls)
    for (protocol, direction), union in UNIONS.items()
    for cls in get_args(union)
]

_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)

# Untagged ``type`` fields and roles are checked by __post_init__: draw plausible values.
_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "role": st.sampled_from(["system", "user", "assistant"]),
    "type": st.sampled_from(
        ["function", "mcp", "audio/pcm", "audio/pcmu", "input_text", "input_audio", "output_text"]
    ),
}


def _strategy(info: mi.Type, name: str = "") -> st.SearchStrategy[Any]:
    if isinstance(info, mi.UnionType):
        return st.one_of([_strategy(t, name) for t in info.types])
    if isinstance(info, mi.StructType):
        return _struct_strategy(info)
    if isinstance(info, mi.ListType):
        return st.lists(_strategy(info.item_type, name), max_size=2)
    if isinstance(info, mi.DictType):
        return st.dictionaries(st.text(max_size=5), _strategy(info.value_type, name), max_size=2)
    if isinstance(info, mi.LiteralType):
        return st.sampled_from(info.values)
    if isinstance(info, mi.StrType):
        return _FIELD_VALUES.get(name, st.text(max_size=12))
    if isinstance(info, mi.IntType):
        return st.sampled_from([24000, 8000]) if name == "rate" else st.integers(-(2**63), 2**64)
    if isinstance(info, mi.FloatType):
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.NoneType):
        return st.none()
    if isinstance(info, mi.RawType):  # a nested event kept as its bytes: any JSON object
        return st.dictionaries(st.text(max_size=5), _JSON, max_size=3).map(
            lambda value: msgspec.Raw(msgspec.json.encode(value))
        )
    assert isinstance(info, mi.AnyType | mi.CustomType), info
    return _JSON


def _build(cls: type[Any], kwargs: dict[str, Any]) -> Any:
    try:
        return cls(**kwargs)
    except ValueError:  # a combination __post_init__ refuses, e.g. an mcp tool without label
        reject()


def _struct_strategy(info: mi.StructType) -> st.SearchStrategy[Any]:
    required = {f.name: _strategy(f.type, f.name) for f in info.fields if f.required}
    optional = {f.name: _strategy(f.type, f.name) for f in info.fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional).map(
        lambda kwargs: _build(info.cls, kwargs)
    )


def _events(cls: type[Any]) -> st.SearchStrategy[Any]:
    return _struct_strategy(mi.type_info(cls))  # type: ignore[arg-type]


_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@pytest.mark.parametrize(
    ("protocol", "direction", "cls"),
    _CLASSES,
    ids=[f"{protocol}-{direction}-{cls.__name__}" for protocol, direction, cls in _CLASSES],
)
@_SETTINGS
@given(data=st.data())
def test_generated_events_round_trip(
    protocol: Protocol, direction: Direction, cls: type[Any], data: st.DataObject
) -> None:
    event = data.draw(_events(cls))
    frame = rtmsg.encode(event)
    assert assert_round_trip(frame, direction, protocol) == event


def test_corpus_covers_every_event_class_and_is_valid() -> None:
    seen: dict[tuple[str, str], set[type]] = {stream: set() for stream in UNIONS}
    for stream, frame in valid_frames():
        event = DECODERS[stream](frame)
        if not isinstance(event, rtmsg.Unknown):
            assert same_json(rtmsg.encode(event), frame)
            seen[stream].add(type(event))
    assert seen == {stream: set(get_args(union)) for stream, union in UNIONS.items()}


def test_mutation_fuzzing_keeps_the_contract() -> None:
    """A small run of ``make fuzz``: every mutated frame has one of the three outcomes."""
    assert list(run(20_000, seed=1)) == []


_CORPUS = valid_frames()
_DECODERS = decoders()


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(_CORPUS) - 1),
    at=st.integers(0, 10_000),
    inserted=st.binary(max_size=8),
    cut=st.integers(0, 10_000),
)
def test_inserted_bytes_and_truncation_keep_the_contract(
    index: int, at: int, inserted: bytes, cut: int
) -> None:
    stream, frame = _CORPUS[index]
    at %= len(frame) + 1
    mutated = (frame[:at] + inserted + frame[at:])[: max(cut, 1)]
    for decode in _DECODERS[stream]:
        assert check(mutated, decode, stream) is None


@pytest.mark.parametrize("seed", range(3))
def test_mutate_changes_frames(seed: int) -> None:
    rng = random.Random(seed)
    frame = _CORPUS[0][1]
    assert any(mutate(frame, rng) != frame for _ in range(10))


def test_check_reports_a_broken_contract() -> None:
    def leaky(frame: rtmsg.Frame) -> Any:
        raise RecursionError

    def lossy(frame: rtmsg.Frame) -> Any:
        return rtmsg.Unknown(type="x", raw=b"{}")

    assert check(b"{}", leaky) is not None
    assert check(b'{"type":"x"}', lossy, ("translation", "server")) is not None
    assert check(b'{"type":"a","type":"b"}', msgspec.json.Decoder(rtmsg.Unknown).decode)
