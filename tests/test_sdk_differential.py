"""rtmsg against the SDK on thousands of generated frames and their one-node mutants.

Rule 1 of the design, checked frame by frame: rtmsg accepts what the SDK's
models accept and rejects what they reject. The only differences allowed are
the deliberate ones, and each mutant on which the two disagree is classified as
one of them, or the test fails:

- ``open-literal`` (rule 5): a non-tag ``Literal`` of the SDK is a plain ``str``
  in rtmsg, so an unknown value the SDK rejects is accepted and kept.
- ``hard-spot`` (the merged Structs): a field declared by only some variants of
  a message content part, an audio format or a tool keeps its type in the
  merged Struct, so a wrongly typed value the SDK takes as an ignored extra of
  another variant is rejected; so is ``"rate": 24000.0``, which pydantic
  matches with ``Literal[24000]``.
- ``server-content``: an assistant message in a server event may have ``text`` and
  ``audio`` parts, the part types the server uses (the spec's examples, live
  frames); the SDK allows ``output_text`` and ``output_audio`` only, as rtmsg does
  in client events.
- ``integral-literal``: pydantic matches an integer ``Literal`` (Live's PCM
  ``rate``) with a float such as ``24000.0``; rtmsg's is an integer, as JSON writes it.
- ``foreign-json`` (Live): inside a value rtmsg keeps as JSON (a Responses input
  item, the request settings a response snapshot echoes: ``tests/sdk_live.py``'s
  ``FOREIGN``), anything is kept as it is; the SDK checks the Responses API's schema.
- ``untyped-item`` (Live's nested events): an output item event whose item is of a
  type rtmsg does not type (neither a message nor a function call) is an
  ``Unknown`` with its exact bytes, whatever the rest of the item holds.
- ``lazy-nested`` (Live): ``response.event`` keeps its nested event unread, so a
  nested value that is not an object passes the decode; ``nested()`` refuses it.
- ``service-required`` (Live): a field the SDK declares optional and the service
  requires (``divergences.REQUIRED_BY_SERVICE``) may not be left out.

The deliberate divergences that no mutant reaches (fields and shapes the SDK does
not have) are shown by one frame each in :data:`DIVERGENCES`.

Every protocol is checked, each against its own SDK unions: the conversation
(``/v1/realtime``), the translation session (``/v1/realtime/translations``), and
Live's three connections and the nested Responses events of its ``response.event``.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import re
from typing import Any

import msgspec
import pydantic
import pytest

import rtmsg
from divergences import REQUIRED_BY_SERVICE, SERVER_ONLY_CONTENT
from helpers import Direction, Protocol, assert_round_trip, decode, same_json
from rtmsg import live, translation
from sdk_frames import Frame, Mutant, Path, events_of, frames, mutants
from sdk_oracle import (
    MERGED,
    PLAIN_ADAPTERS,
    SDK_TO_RTMSG,
    Node,
    has_extras,
    is_foreign,
    sdk_name,
    sdk_node,
    sdk_validate,
    struct_fields,
)

# An oracle, not a measure: the package's coverage is earned by the tests of each part, and
# these runs, over a hundred thousand generated frames, go at full speed unmeasured.
pytestmark = pytest.mark.no_cover

MIN_FRAMES_PER_EVENT = 20
MIN_VALUES_PER_EVENT = 8
MIN_MUTANTS_PER_EVENT = 5
MIN_FRAMES: dict[tuple[Protocol, Direction], int] = {
    ("conversation", "client"): 5000,
    ("conversation", "server"): 15000,
    ("translation", "client"): 200,
    ("translation", "server"): 800,
    ("live", "client"): 6000,
    ("live", "server"): 12000,
    ("live/attach", "client"): 3500,
    ("live/attach", "server"): 12000,
    ("live/fork", "client"): 5000,
    ("live/fork", "server"): 12000,
    ("live/response", "server"): 10000,
}
MIN_MUTANTS: dict[tuple[Protocol, Direction], int] = {
    ("conversation", "client"): 5000,
    ("conversation", "server"): 15000,
    ("translation", "client"): 250,
    # Translation's error event is the conversation's, mutated there.
    ("translation", "server"): 600,
    ("live", "client"): 15000,
    ("live", "server"): 30000,
    # The events a sideband or a fork shares with the primary session are mutated there.
    ("live/attach", "client"): 20,
    ("live/attach", "server"): 250,
    ("live/fork", "client"): 3000,
    ("live/fork", "server"): 200,
    ("live/response", "server"): 15000,
}
STREAMS: list[tuple[Protocol, Direction]] = list(MIN_FRAMES)

CLOSED_LITERALS: frozenset[tuple[type[msgspec.Struct], str]] = frozenset(
    {
        # The values that select a shape stay checked (rule 5's exception).
        (rtmsg.Message, "role"),
        (rtmsg.MessageContent, "type"),
        (rtmsg.AudioFormat, "type"),
        (rtmsg.AudioFormat, "rate"),
        (rtmsg.Tool, "type"),
        (rtmsg.Session, "max_output_tokens"),
        (rtmsg.ResponseCreateParams, "max_output_tokens"),
        (rtmsg.Response, "max_output_tokens"),
        (rtmsg.TruncationRetentionRatio, "type"),
        (translation.Session, "type"),
        # Live: what names an object's kind, a role, a fixed format; rule 5 opens the rest.
        (live.AudioPcm, "rate"),
        (live.DataChannelConfig, "allowed_client_events"),
        (live.DataChannelConfig, "allowed_server_events"),
        (live.DecisionTrigger, "type"),
        (live.ForkDelegation, "type"),
        (live.InlineSkillSource, "media_type"),
        (live.InlineSkillSource, "type"),
        (live.InitialItem, "role"),
        (live.InitialItem, "type"),
        (live.InitialItemContent, "type"),
        (live.DelegationInfo, "type"),
        (live.DecisionCompleted, "type"),
        (live.DecisionItem, "type"),
        (live.DecisionItem, "role"),
        (live.StoredDecisionItem, "type"),
        (live.StoredDecisionItem, "role"),
        (live.responses.OutputMessage, "role"),
    }
)
"""The SDK ``Literal`` fields that rtmsg checks as strictly as the SDK; tags are checked too."""


def _by_event(items: tuple[Any, ...]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = collections.defaultdict(list)
    for item in items:
        grouped[item.event_type].append(item)
    return grouped


def _group(protocol: Protocol, direction: Direction) -> pytest.MarkDecorator:
    """With ``pytest -n`` and ``--dist loadgroup`` (``make test``), a stream's tests run in one
    worker, which generates and classifies the stream's frames and mutants once."""
    return pytest.mark.xdist_group(f"{protocol}-{direction}")


def _cases(protocol: Protocol, direction: Direction) -> list[Any]:
    return [
        pytest.param(
            protocol,
            direction,
            t,
            id=f"{protocol}-{t}",
            marks=_group(_owner(protocol, direction, t), direction),
        )
        for t in events_of(direction, protocol)
    ]


@functools.cache
def _owner(protocol: Protocol, direction: Direction, event_type: str) -> Protocol:
    """The first stream of ``direction`` whose SDK union holds the same model for the event type.

    Live's three connections share most of their events (the fork's server events are the
    primary's): a shared event's mutants are classified in the stream that owns it, and the
    others are held to read them alike (:func:`test_a_shared_event_is_read_alike_everywhere`).
    """
    model = events_of(direction, protocol)[event_type]
    for other, other_direction in STREAMS:
        if other_direction == direction and events_of(direction, other).get(event_type) is model:
            return other
    raise AssertionError(f"{protocol} {direction} {event_type}: in no stream")  # pragma: no cover


@functools.cache
def _owned(protocol: Protocol, direction: Direction) -> frozenset[str]:
    """The event types whose mutants a stream classifies: those it owns."""
    return frozenset(
        t for t in events_of(direction, protocol) if _owner(protocol, direction, t) == protocol
    )


_ALL_CASES = [case for stream in STREAMS for case in _cases(*stream)]
_OWNED_CASES = [case for case in _ALL_CASES if case.values[2] in _owned(*case.values[:2])]
_SHARED_CASES = [case for case in _ALL_CASES if case.values[2] not in _owned(*case.values[:2])]
_STREAM_PARAMS = [pytest.param(*s, id=f"{s[0]}-{s[1]}", marks=_group(*s)) for s in STREAMS]
_MUTATED_STREAMS = [p for p in _STREAM_PARAMS if _owned(*p.values)]


# --- the generated frames ---------------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "direction"), _STREAM_PARAMS)
def test_generator_covers_every_event(protocol: Protocol, direction: Direction) -> None:
    counts = collections.Counter(frame.event_type for frame in frames(direction, protocol))
    print(f"\n{protocol} {direction}: {sum(counts.values())} frames, fewest {min(counts.values())}")
    assert set(counts) == set(events_of(direction, protocol))
    thin = {t: n for t, n in counts.items() if n < MIN_FRAMES_PER_EVENT}
    assert thin == {}
    assert sum(counts.values()) >= MIN_FRAMES[protocol, direction]


def test_generator_is_deterministic() -> None:
    first = [frame.text for frame in frames("client")]
    frames.cache_clear()
    assert [frame.text for frame in frames("client")] == first


@pytest.mark.parametrize(("protocol", "direction"), _STREAM_PARAMS)
def test_the_oracle_agrees_with_the_sdk_union_as_pydantic_reads_it(
    protocol: Protocol, direction: Direction
) -> None:
    # The two pydantic paths differ in how they are built, not per frame: a few frames and
    # mutants of every event of the stream exercise every model of its union.
    sample = [
        item.text
        for items in (frames(direction, protocol), _mutants(protocol, direction))
        for group in _by_event(items).values()
        for item in group[:: max(1, len(group) // 6)]
    ]
    assert len(sample) >= 6 * len(events_of(direction, protocol))
    for text in sample:
        try:
            sdk_validate(text, direction, protocol)
            fast = True
        except pydantic.ValidationError:
            fast = False
        try:
            PLAIN_ADAPTERS[protocol, direction].validate_json(text, strict=True)
            plain = True
        except pydantic.ValidationError:
            plain = False
        assert fast == plain, text


# --- differential acceptance ------------------------------------------------------------------


def _check_valid_frame(
    frame: Frame, direction: Direction, protocol: Protocol, *, compare_values: bool
) -> None:
    sdk_event = sdk_validate(frame.text, direction, protocol)
    event = assert_round_trip(frame.text, direction, protocol)
    assert decode(frame.text.encode(), direction, protocol) == event
    assert event.event_type == frame.event_type
    if not compare_values:
        return
    encoded = rtmsg.encode(event)
    assert type(event) is SDK_TO_RTMSG[sdk_name(type(sdk_event))]
    assert not has_extras(sdk_event), "the generator only writes declared fields"
    sdk_validate(encoded, direction, protocol)
    sdk_dump = sdk_event.model_dump(mode="json", exclude_unset=True, by_alias=True)
    assert same_json(json.dumps(sdk_dump), encoded), f"SDK: {sdk_dump}\nrtmsg: {encoded!r}"


@pytest.mark.parametrize(("protocol", "direction", "event_type"), _ALL_CASES)
def test_rtmsg_reads_every_frame_the_sdk_accepts(
    protocol: Protocol, direction: Direction, event_type: str
) -> None:
    compared: set[int] = set()
    for frame in _by_event(frames(direction, protocol))[event_type]:
        # The SDK's values are compared once per frame value, not once per way to write it.
        first = id(frame.value) not in compared
        compared.add(id(frame.value))
        try:
            _check_valid_frame(frame, direction, protocol, compare_values=first)
        except AssertionError as exc:
            raise AssertionError(f"{frame.text}\n{exc}") from None
    assert len(compared) >= MIN_VALUES_PER_EVENT


# --- mutants ----------------------------------------------------------------------------------


@dataclasses.dataclass
class _Result:
    mutant: Mutant
    outcome: str
    problem: str | None = None


def _json_path(path: Path) -> str:
    return "$" + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


def _names_an_ancestor(where: str, path: Path) -> bool:
    """Whether an error location (msgspec writes ``[...]`` for a dict key) leads to ``path``."""
    steps = re.findall(r"\.[^.\[]*|\[[^\]]*\]", where.removeprefix("$"))
    if len(steps) > len(path):
        return False
    for step, expected in zip(steps, path, strict=False):
        if step == "[...]" and isinstance(expected, str):
            continue
        if step != (f"[{expected}]" if isinstance(expected, int) else f".{expected}"):
            return False
    return True


Declaration = tuple[type[pydantic.BaseModel], str, Node]


def _declaration(sdk_event: Any, path: Path) -> Declaration | None:
    """The SDK model and field that declare the node at ``path``, and the node's annotation.

    The walk follows a validated event; a list item or a dict value is declared
    by the field holding the list or dict. ``None`` if the path leaves the
    declared fields (the node sits in an ignored extra).
    """
    value: Any = sdk_event
    declaration: Declaration | None = None
    for index, step in enumerate(path):
        if isinstance(value, pydantic.BaseModel):
            assert isinstance(step, str)
            if step not in type(value).model_fields:
                return None
            if is_foreign(type(value), step) and index < len(path) - 1:
                return None  # inside what rtmsg keeps as JSON
            node = sdk_node(type(value).model_fields[step].annotation)
            declaration = (type(value), step, node)
            value = getattr(value, step)
        elif isinstance(value, list | dict) and declaration is not None:
            value = value[step]  # type: ignore[index]
            items = [b.args[0] for b in declaration[2].branches() if b.kind in ("list", "dict")]
            if not items:
                return None  # inside free-form JSON
            declaration = (declaration[0], declaration[1], items[0])
        else:
            return None
    return declaration


def _first_extra(sdk_event: Any, path: Path) -> tuple[type[pydantic.BaseModel], str] | None:
    """The SDK model and key where ``path`` first leaves the declared fields, if it does."""
    node: Any = sdk_event
    for step in path:
        if isinstance(node, pydantic.BaseModel):
            assert isinstance(step, str)
            if step not in type(node).model_fields:
                return type(node), step
            node = getattr(node, step)
        elif isinstance(node, list | dict) and (isinstance(node, dict) or isinstance(step, int)):
            node = node[step]  # type: ignore[index]
        else:
            return None
    return None


def _is_open_literal(declaration: Declaration | None) -> bool:
    """Whether rule 5 opens this SDK ``Literal`` to any string in rtmsg."""
    if declaration is None:
        return False
    model, name, node = declaration
    if not node.literal_strings() or node.admits_any_str():
        return False
    struct = SDK_TO_RTMSG[sdk_name(model)]
    if name not in struct_fields(struct):
        return False  # a tag
    return (struct, name) not in CLOSED_LITERALS


def _at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


_SOURCE_EVENTS: dict[int, tuple[Any, Any]] = {}


def _source_event(source: Any, direction: Direction, protocol: Protocol) -> Any:
    """The SDK's reading of the valid frame a mutant came from (shared by its mutants)."""
    if id(source) not in _SOURCE_EVENTS:
        sdk_event = sdk_validate(json.dumps(source), direction, protocol)
        _SOURCE_EVENTS[id(source)] = (source, sdk_event)
    return _SOURCE_EVENTS[id(source)][1]


def _classify(mutant: Mutant, direction: Direction, protocol: Protocol) -> _Result:
    try:
        sdk_event = sdk_validate(mutant.text, direction, protocol)
    except pydantic.ValidationError:
        sdk_event = None
    try:
        event = decode(mutant.text, direction, protocol)
        error: Exception | None = None
    except Exception as exc:
        event, error = None, exc

    source = _source_event(mutant.source, direction, protocol)
    new_value_is_string = mutant.kind != "remove" and isinstance(
        _at(mutant.value, mutant.path), str
    )
    open_literal = new_value_is_string and _is_open_literal(_declaration(source, mutant.path))

    if sdk_event is not None and event is not None:
        if isinstance(event, rtmsg.Unknown):
            return _Result(mutant, "both-accept", "decoded as Unknown")
        # An undeclared field is dropped; a field of a merged Struct is kept.
        expected = json.dumps(mutant.source) if mutant.kind == "extra-field" else mutant.text
        if mutant.kind in ("extra-field", "sibling-field") or not has_extras(sdk_event):
            encoded = rtmsg.encode(event)
            if not same_json(encoded, expected):
                return _Result(mutant, "both-accept", f"re-encoded as {encoded!r}")
            if decode(encoded, direction, protocol) != event:
                return _Result(mutant, "both-accept", "decodes differently once re-encoded")
        return _Result(mutant, "both-accept")

    if mutant.kind in ("extra-field", "sibling-field"):
        return _Result(mutant, "unexpected", f"SDK accepts: {sdk_event is not None}, {error!r}")

    if sdk_event is None and isinstance(event, live.ResponseEvent) and mutant.path == ("event",):
        # The nested event is read when asked for, its JSON type too.
        try:
            event.nested()
        except rtmsg.DecodeError as nested_error:
            where = nested_error.path
            return _Result(
                mutant, "lazy-nested", None if where == "$.event" else f"nested() names {where}"
            )
        return _Result(mutant, "lazy-nested", "nested() accepts a non-object")

    if (
        sdk_event is None
        and isinstance(event, rtmsg.Unknown)
        and _is_untyped_item(mutant, protocol)
    ):
        # An item of a type rtmsg does not type makes its event an Unknown, whatever its body.
        raw = mutant.text.encode()
        return _Result(mutant, "untyped-item", None if event.raw == raw else "bytes not kept")

    if sdk_event is None and error is None and _inside_foreign(source, mutant.path):
        # Kept as JSON, so kept as it is: the Responses API judges it.
        return _Result(mutant, "foreign-json", _round_trip_problem(mutant, direction, protocol))

    if sdk_event is not None and mutant.kind == "remove" and _service_requires(source, mutant.path):
        return _Result(mutant, "service-required", _check_error(mutant, error))

    if sdk_event is None and error is not None:
        return _Result(mutant, "both-reject", _check_error(mutant, error))

    if sdk_event is None:
        # rtmsg accepts what the SDK rejects: an unknown value of an open Literal, or a part
        # type only the server sends.
        if direction == "server" and _is_server_content(mutant):
            return _Result(mutant, "server-content", _round_trip_problem(mutant, direction))
        if not open_literal:
            return _Result(mutant, "rtmsg-only-accepts", "accepted by rtmsg, rejected by the SDK")
        try:
            assert_round_trip(mutant.text, direction, protocol)
        except AssertionError as exc:
            return _Result(mutant, "open-literal", f"round trip: {exc}")
        return _Result(mutant, "open-literal")

    # The SDK accepts what rtmsg rejects: only an extra of a variant, typed by the merged Struct.
    extra = _first_extra(sdk_event, mutant.path)
    if extra is not None:
        struct = SDK_TO_RTMSG[sdk_name(extra[0])]
        if struct in MERGED and extra[1] in struct_fields(struct):
            return _Result(mutant, "hard-spot", _check_error(mutant, error))
    # pydantic matches ``Literal[24000]`` with 24000.0; the merged Struct's ``rate`` is an int.
    declaration = _declaration(source, mutant.path)
    if mutant.kind == "integral-float" and declaration is not None:
        model, _, node = declaration
        if SDK_TO_RTMSG[sdk_name(model)] in MERGED and node.literal_ints():
            return _Result(mutant, "hard-spot", _check_error(mutant, error))
        if node.literal_ints():
            return _Result(mutant, "integral-literal", _check_error(mutant, error))
    return _Result(mutant, "sdk-only-accepts", f"rejected by rtmsg: {error!r}")


def _is_server_content(mutant: Mutant) -> bool:
    """Whether the mutant gives an assistant message's content part a server-only type."""
    path = mutant.path
    if len(path) < 4 or path[-3:-1] != ("content", path[-2]) or path[-1] != "type":
        return False
    message = _at(mutant.value, path[:-3])
    part_type = _at(mutant.value, path)
    return (
        isinstance(message, dict)
        and message.get("type") == "message"
        and message.get("role") == "assistant"
        and part_type in SERVER_ONLY_CONTENT["assistant"]
    )


def _is_untyped_item(mutant: Mutant, protocol: Protocol) -> bool:
    """Whether the mutant gives a nested output item event an item type rtmsg does not type."""
    if protocol != "live/response":
        return False
    item_type = (
        mutant.value.get("item", {}).get("type") if mutant.path == ("item", "type") else None
    )
    return (
        mutant.event_type.startswith("response.output_item.")
        and isinstance(item_type, str)
        and item_type not in ("message", "function_call")
    )


def _inside_foreign(sdk_event: Any, path: Path) -> bool:
    """Whether ``path`` reaches a field rtmsg keeps as JSON (that field, or inside it)."""
    value: Any = sdk_event
    for step in path:
        if isinstance(value, pydantic.BaseModel):
            if not isinstance(step, str) or step not in type(value).model_fields:
                return False
            if is_foreign(type(value), step):
                return True
            value = getattr(value, step)
        elif isinstance(value, list | dict):
            try:
                value = value[step]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                return False
        else:
            return False
    return False


def _service_requires(sdk_event: Any, path: Path) -> bool:
    """Whether ``path`` is a field the service requires and the SDK does not."""
    declaration = _declaration(sdk_event, path)
    if declaration is None:
        return False
    model, name, _ = declaration
    return (SDK_TO_RTMSG[sdk_name(model)], name) in REQUIRED_BY_SERVICE


def _round_trip_problem(
    mutant: Mutant, direction: Direction, protocol: Protocol = "conversation"
) -> str | None:
    try:
        assert_round_trip(mutant.text, direction, protocol)
    except AssertionError as exc:
        return f"round trip: {exc}"
    return None


def _check_error(mutant: Mutant, error: Exception | None) -> str | None:
    if not isinstance(error, rtmsg.DecodeError):
        return f"not a DecodeError: {error!r}"
    if error.event_type != mutant.event_type:
        return f"event_type {error.event_type!r}"
    event_id = mutant.value.get("event_id")
    if error.event_id != (event_id if isinstance(event_id, str) else None):
        return f"event_id {error.event_id!r}"
    where = error.path
    if where is not None:
        # An absent field's path is its own: the object it is missing from is what broke.
        container = (
            re.sub(r"(\.[^.\[]*|\[[^\]]*\])$", "", where)
            if error.code == rtmsg.ErrorCode.MISSING_REQUIRED_PARAMETER
            else where
        )
        if mutant.kind.startswith("other-literal") and mutant.path[-1] in ("type", "role"):
            # Another selector selects another shape: what breaks may be in the shape it selects.
            parent = _json_path(mutant.path[:-1])
            if where == parent or where.startswith((f"{parent}.", f"{parent}[")):
                return None
        if not _names_an_ancestor(container, mutant.path):
            return f"error names {where}, the mutant broke {_json_path(mutant.path)}"
    elif len(mutant.path) > 1 or mutant.kind != "remove":
        return f"error names no place: {error}"
    return None


def _mutants(protocol: Protocol, direction: Direction) -> tuple[Mutant, ...]:
    return mutants(direction, protocol, events=_owned(protocol, direction))


@functools.cache
def _results(direction: Direction, protocol: Protocol) -> tuple[_Result, ...]:
    return tuple(_classify(m, direction, protocol) for m in _mutants(protocol, direction))


_EXPECTED_OUTCOMES = {
    "both-accept",
    "both-reject",
    "open-literal",
    "hard-spot",
    "server-content",
    "foreign-json",
    "service-required",
    "integral-literal",
    "untyped-item",
    "lazy-nested",
}


@pytest.mark.parametrize(("protocol", "direction", "event_type"), _OWNED_CASES)
def test_mutants_are_rejected_alike_or_a_documented_divergence(
    protocol: Protocol, direction: Direction, event_type: str
) -> None:
    results = [r for r in _results(direction, protocol) if r.mutant.event_type == event_type]
    assert len(results) >= MIN_MUTANTS_PER_EVENT
    bad = [r for r in results if r.problem is not None or r.outcome not in _EXPECTED_OUTCOMES]
    report = "\n".join(
        f"{r.outcome}: {r.mutant.kind} at {_json_path(r.mutant.path)}: {r.problem}"
        f"\n  {r.mutant.text}"
        for r in bad[:10]
    )
    assert not bad, f"{len(bad)} of {len(results)} mutants disagree:\n{report}"


@pytest.mark.parametrize(("protocol", "direction", "event_type"), _OWNED_CASES)
def test_every_open_literal_is_kept_and_every_closed_one_checked(
    protocol: Protocol, direction: Direction, event_type: str
) -> None:
    for result in _results(direction, protocol):
        mutant = result.mutant
        if mutant.event_type != event_type or mutant.kind != "unknown-string":
            continue
        source = _source_event(mutant.source, direction, protocol)
        if _inside_foreign(source, mutant.path) or _is_untyped_item(mutant, protocol):
            # Kept as JSON: whatever the string, both keep it or only the SDK refuses it.
            assert result.outcome in ("foreign-json", "untyped-item", "both-accept"), mutant.text
            continue
        declaration = _declaration(source, mutant.path)
        if declaration is None:
            continue
        node = declaration[2]
        if not node.literal_strings() or node.admits_any_str():
            continue
        expected = "open-literal" if _is_open_literal(declaration) else "both-reject"
        assert result.outcome == expected, f"{_json_path(mutant.path)}: {mutant.text}"


def _outcome(text: str, direction: Direction, protocol: Protocol) -> tuple[Any, ...]:
    """What the SDK and rtmsg make of a frame, as two streams can compare it."""
    try:
        sdk_validate(text, direction, protocol)
        sdk = True
    except pydantic.ValidationError:
        sdk = False
    try:
        event = decode(text, direction, protocol)
    except rtmsg.DecodeError as exc:
        return sdk, "error", exc.code, exc.path
    return sdk, type(event), rtmsg.encode(event)


@pytest.mark.parametrize(("protocol", "direction", "event_type"), _SHARED_CASES)
def test_a_shared_event_is_read_alike_everywhere(
    protocol: Protocol, direction: Direction, event_type: str
) -> None:
    # An event this stream shares with the stream that owns it: every tenth of the owner's
    # mutants, and this stream's own frames, are read here as they are read there.
    owner = _owner(protocol, direction, event_type)
    assert owner != protocol
    shared = [r.mutant for r in _results(direction, owner) if r.mutant.event_type == event_type]
    sample = [m.text for m in shared[::10]]
    sample += [f.text for f in _by_event(frames(direction, protocol))[event_type][::5]]
    assert len(sample) >= MIN_MUTANTS_PER_EVENT
    for text in sample:
        assert _outcome(text, direction, protocol) == _outcome(text, direction, owner), text


def test_the_streams_share_events() -> None:
    # The fork reads the primary's events; the sideband owns those only it has.
    fork = set(events_of("server", "live/fork"))
    assert "response.event" in fork - _owned("live/fork", "server")
    assert {"session.paused", "session.resumed"} <= _owned("live/attach", "server")
    assert len(_SHARED_CASES) > 50


@pytest.mark.parametrize(("protocol", "direction"), _MUTATED_STREAMS)
def test_mutant_summary(protocol: Protocol, direction: Direction) -> None:
    results = _results(direction, protocol)
    outcomes = collections.Counter(r.outcome for r in results)
    by_kind = collections.Counter((r.outcome, r.mutant.kind.split(":")[0]) for r in results)
    print(f"\n{protocol} {direction}: {len(results)} mutants: {dict(sorted(outcomes.items()))}")
    for (outcome, kind), count in sorted(by_kind.items()):
        if outcome in ("open-literal", "hard-spot", "server-content"):
            print(f"  {outcome:12} {kind:20} {count}")
    assert len(results) >= MIN_MUTANTS[protocol, direction]
    assert set(outcomes) <= _EXPECTED_OUTCOMES
    # Each documented divergence really happens, and most mutants are rejected by both.
    if (protocol, direction) != ("live/attach", "client"):  # transport.dtmf.send has no enum
        assert outcomes["open-literal"] > 0
    # Most mutants are rejected by both; in Live, where much is a string or kept as JSON, many.
    assert outcomes["both-reject"] > len(results) // (3 if protocol.startswith("live") else 2)
    if (protocol, direction) == ("conversation", "client"):
        assert outcomes["hard-spot"] > 0
    elif (protocol, direction) == ("conversation", "server"):
        assert outcomes["server-content"] > 0
    if protocol == "translation":
        assert outcomes["hard-spot"] == 0  # it has no merged Struct


# --- the documented divergences, one readable example each -----------------------------------

_S = '{"type":"session.update","session":{"type":"realtime",%s}}'
_ITEM = '{"type":"conversation.item.create","item":%s}'
_DONE = '{"type":"response.done","event_id":"e","response":%s}'

DIVERGENCES = [
    # rule 5: a value the server may add is kept (SDK rejects, rtmsg accepts)
    ("client", _S % '"output_modalities":["video"]', False, True),
    ("client", _S % '"include":["item.input_audio_transcription.future"]', False, True),
    ("client", _S % '"tracing":"manual"', False, True),
    ("client", _S % '"truncation":"smart"', False, True),
    ("client", _S % '"reasoning":{"effort":"maximal"}', False, True),
    ("client", _S % '"tool_choice":"any"', False, True),
    ("client", _S % '"audio":{"input":{"noise_reduction":{"type":"studio"}}}', False, True),
    ("client", _S % '"audio":{"input":{"transcription":{"delay":"slow"}}}', False, True),
    (
        "client",
        _S % '"audio":{"input":{"turn_detection":{"type":"semantic_vad","eagerness":"eager"}}}',
        False,
        True,
    ),
    ("client", _S % '"tools":[{"type":"mcp","server_label":"s","connector_id":"x"}]', False, True),
    (
        "client",
        _ITEM % '{"type":"function_call","name":"f","arguments":"{}","status":"queued"}',
        False,
        True,
    ),
    ("server", _DONE % '{"status":"paused","status_details":{"reason":"safety"}}', False, True),
    (
        "server",
        '{"type":"rate_limits.updated","event_id":"e","rate_limits":[{"name":"audio"}]}',
        False,
        True,
    ),
    # the merged hard spots: a field of another variant keeps its type (SDK accepts, rtmsg rejects)
    ("client", _ITEM % '{"type":"message","role":"system","content":[{"detail":5}]}', True, False),
    (
        "client",
        _ITEM % '{"type":"message","role":"assistant","content":[{"image_url":[]}]}',
        True,
        False,
    ),
    (
        "client",
        _S % '"audio":{"input":{"format":{"type":"audio/pcm","rate":24000.0}}}',
        True,
        False,
    ),
    ("client", _S % '"audio":{"input":{"format":{"type":"audio/pcmu","rate":"8k"}}}', True, False),
    ("client", _S % '"tools":[{"type":"function","server_label":5}]', True, False),
    (
        "client",
        _S % '"tools":[{"type":"mcp","server_label":"s","parameters":{},"name":1}]',
        True,
        False,
    ),
    # values that select a shape stay checked (both reject)
    ("client", _ITEM % '{"type":"message","role":"developer","content":[]}', False, False),
    (
        "client",
        _ITEM % '{"type":"message","role":"user","content":[{"type":"output_text"}]}',
        False,
        False,
    ),
    ("client", _S % '"audio":{"input":{"format":{"type":"audio/opus"}}}', False, False),
    ("client", _S % '"audio":{"input":{"format":{"type":"audio/pcm","rate":16000}}}', False, False),
    ("client", _S % '"tools":[{"type":"web_search"}]', False, False),
    ("client", _S % '"tools":[{"type":"mcp"}]', False, False),
    ("client", _S % '"max_output_tokens":"unlimited"', False, False),
    ("client", _S % '"truncation":{"type":"ratio","retention_ratio":0.5}', False, False),
    # JSON numbers msgspec will not read as a float: pydantic reads 1e400 as inf and NaN as nan
    ("client", _S % '"audio":{"output":{"speed":1e400}}', True, False),
    ("client", _S % '"audio":{"output":{"speed":NaN}}', True, False),
    # what the live service or the spec sends and the SDK does not model (SDK rejects)
    (
        "server",
        _DONE % '{"audio":{"output":{"voice":{"id":"voice_1234"}}}}',
        False,
        True,
    ),
    (
        "server",
        '{"type":"conversation.item.retrieved","event_id":"e","item":{"type":"message",'
        '"role":"assistant","content":[{"type":"audio","transcript":"hi","format":"pcm16"}]}}',
        False,
        True,
    ),
    (
        "server",
        '{"type":"response.output_item.done","event_id":"e","response_id":"r","output_index":0,'
        '"item":{"type":"message","role":"assistant","content":[{"type":"text","text":"hi"}]}}',
        False,
        True,
    ),
    (
        "client",
        '{"type":"response.create","response":{"input":[{"type":"item_reference","id":"item_1"}]}}',
        False,
        True,
    ),
    # ... which a client may not send (both reject)
    (
        "client",
        _ITEM % '{"type":"message","role":"assistant","content":[{"type":"audio"}]}',
        False,
        False,
    ),
    (
        "client",
        '{"type":"response.create","response":{"input":[{"type":"message","role":"assistant",'
        '"content":[{"type":"text","text":"hi"}]}]}}',
        False,
        False,
    ),
    (
        "client",
        '{"type":"response.create","response":{"input":[{"type":"item_reference"}]}}',
        False,
        False,
    ),
    # fields the SDK ignores and rtmsg keeps (both accept)
    (
        "server",
        '{"type":"session.created","event_id":"e","session":{"type":"realtime","id":"sess_1",'
        '"object":"realtime.session","expires_at":1756324625}}',
        True,
        True,
    ),
    (
        "server",
        '{"type":"response.output_audio_transcript.delta","event_id":"e","response_id":"r",'
        '"item_id":"i","output_index":0,"content_index":0,"delta":"The","obfuscation":"LBqd"}',
        True,
        True,
    ),
    (
        "server",
        '{"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"i",'
        '"audio_start_ms":0,"audio_end_ms":1}',
        True,
        True,
    ),
    # and what both accept: a pcm rate without a type reads as another format to the SDK
    ("client", _S % '"audio":{"input":{"format":{"rate":16000}}}', True, True),
    ("client", _S % '"tools":[{"server_label":"s","require_approval":"never"}]', True, True),
]


_TS = '{"type":"session.update","session":{"audio":%s}}'
_TC = (
    '{"type":"session.created","event_id":"e","session":{"type":"translation","id":"s",'
    '"model":"m","expires_at":0,"audio":%s}}'
)

TRANSLATION_DIVERGENCES = [
    # rule 5: a value the server may add is kept (SDK rejects, rtmsg accepts)
    ("client", _TS % '{"input":{"noise_reduction":{"type":"studio"}}}', False, True),
    ("server", _TC % '{"input":{"noise_reduction":{"type":"studio"}}}', False, True),
    (
        "server",
        '{"type":"session.output_audio.delta","event_id":"e","delta":"","format":"opus"}',
        False,
        True,
    ),
    # a field of the spec's examples no SDK model declares: kept, so typed (SDK takes any extra)
    ("server", _TC % '{"input":{"transcription":{"model":"w","language":"en"}}}', True, True),
    ("server", _TC % '{"input":{"transcription":{"model":"w","language":5}}}', True, False),
    # the session kind selects the shape: only a translation session is one (both reject)
    ("server", _TC.replace('"translation"', '"realtime"') % "{}", False, False),
    # the conversation's shapes under the shared names are not translation events
    ("client", '{"type":"session.update"}', False, False),
    ("client", _TS % '{"input":{"noise_reduction":{"strength":0.5}}}', False, False),
    ("client", _TS % '{"input":{"transcription":{"language":"en"}}}', False, False),
]
"""The same, for the translation protocol."""


@pytest.mark.parametrize(
    ("protocol", "direction", "frame", "sdk_accepts", "rtmsg_accepts"),
    [
        *(("conversation", *case) for case in DIVERGENCES),
        *(("translation", *case) for case in TRANSLATION_DIVERGENCES),
    ],
)
def test_documented_divergence(
    protocol: Protocol, direction: Direction, frame: str, sdk_accepts: bool, rtmsg_accepts: bool
) -> None:
    try:
        sdk_validate(frame, direction, protocol)
        sdk_verdict = True
    except pydantic.ValidationError:
        sdk_verdict = False
    assert sdk_verdict == sdk_accepts
    if rtmsg_accepts:
        assert_round_trip(frame, direction, protocol)
    else:
        with pytest.raises(rtmsg.DecodeError) as info:
            decode(frame, direction, protocol)
        if "NaN" not in frame:  # not JSON: the envelope cannot be read either
            assert info.value.event_type == json.loads(frame)["type"]
