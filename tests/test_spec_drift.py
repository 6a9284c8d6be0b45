"""rtmsg's models against OpenAI's OpenAPI spec, the second oracle after the SDK.

The spec's GA event schemas (the members of its ``RealtimeClientEvent`` and
``RealtimeServerEvent`` unions) are walked down to their leaves beside rtmsg's
event classes (:mod:`spec_compare`); every event, field, required-ness, nullability
or JSON type where the two differ fails the test, unless :data:`DELIBERATE` lists it
with its reason. Each event schema's example, where it is JSON, must decode to its
class and round-trip.

Out of scope: the ``RealtimeBeta*`` schemas (the beta protocol, whose events rtmsg
reads as ``Unknown``), the ``RealtimeTranslation*`` schemas (the live translation
protocol, another set of events with decoders of their own), and the two
``RealtimeClientEvent*``/``RealtimeServerEvent*`` schemas that are in neither GA
union (:data:`NOT_IN_THE_GA_UNIONS`).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from msgspec import UNSET, UnsetType

import rtmsg
from divergences import SERVER_ONLY_CONTENT
from helpers import Direction, assert_round_trip, decode
from spec_compare import Difference, compare, differences, rtmsg_events
from spec_oracle import SpecNode, event_schema_names, example, schemas, spec_node

_SHARED_SESSION = "one Session Struct reads the session in both directions, as the SDK's model does"
_SDK_NEWER = "the SDK declares it (the pinned SDK is newer than this copy of the spec)"

DELIBERATE: dict[tuple[str, str], str] = {
    # Sent by the live service, or in the spec's own examples, but not in its schemas.
    ("ConversationItemInputAudioTranscriptionDelta.obfuscation", "extra"): (
        "sent live on every delta, and in the spec's example of this event"
    ),
    ("ResponseOutputAudioTranscriptDelta.obfuscation", "extra"): "sent live on every delta",
    ("ResponseOutputTextDelta.obfuscation", "extra"): (
        "the service pads every streamed text delta (the spec describes stream obfuscation"
        " for its other streaming APIs)"
    ),
    ("MessageContent.format", "extra"): (
        'in the spec\'s conversation.item.retrieved example (`"format": "pcm16"`)'
    ),
    ("ResponseCreateParams.input[]", "type"): (
        "`item_reference` items: in the spec's description of `input` and its response.create"
        " example, not in its schema"
    ),
    ("InputAudioBufferSpeechStarted.audio_end_ms", "extra"): (
        "written by openai-agents-python's tests; kept, not required"
    ),
    # The session: one Struct for both directions.
    ("Session.id", "extra"): f"the server's, in session.created/updated: {_SHARED_SESSION}",
    ("Session.object", "extra"): f"the server's: {_SHARED_SESSION}",
    ("Session.expires_at", "extra"): f"the server's: {_SHARED_SESSION}",
    ("TranscriptionSession.id", "extra"): f"the server's: {_SHARED_SESSION}",
    ("TranscriptionSession.object", "extra"): f"the server's: {_SHARED_SESSION}",
    ("TranscriptionSession.expires_at", "extra"): f"the server's: {_SHARED_SESSION}",
    ("Session.id", "required"): (
        f"required in the spec's server session; optional because {_SHARED_SESSION}"
        " and the SDK has no such field: SDK-built frames and mocks leave it out"
    ),
    ("Session.object", "required"): "as `Session.id`",
    ("TranscriptionSession.id", "required"): "as `Session.id`",
    ("TranscriptionSession.object", "required"): "as `Session.id`",
    ("Session.parallel_tool_calls", "extra"): (
        f"in the spec's client session only: {_SHARED_SESSION}; {_SDK_NEWER}"
    ),
    ("AudioConfigOutput.voice", "type"): (
        "the spec's server session has a voice name only; a custom voice set by"
        f" session.update comes back as its object: {_SHARED_SESSION}"
    ),
    ("AudioTranscription.delay", "extra"): (
        f"the client's transcription settings, echoed by the server: {_SHARED_SESSION}"
    ),
    ("AudioTranscription.keywords", "extra"): "as `AudioTranscription.delay`",
    ("TranscriptionSessionAudioInput.turn_detection", "type"): (
        "the spec's server transcription session has an untagged object with a `type`"
        " string; rtmsg reads it with the client's tagged union (server_vad, semantic_vad),"
        " as the SDK does, which is what the service sends"
    ),
    # The response the server reports.
    ("ResponseAudioOutput.voice", "type"): (
        'a response created with a custom voice (response.create takes `{"id": …}`) reports'
        " it as that object; openai-agents-python's tests send it"
    ),
    # Fields the SDK has and this copy of the spec lacks.
    ("ResponseStatusError.message", "extra"): _SDK_NEWER,
    ("NoiseReduction.strength", "extra"): _SDK_NEWER,
    ("PromptCacheBreakpoint.ttl", "extra"): _SDK_NEWER,
}
"""Each difference from the spec that rtmsg means, by (``Struct.field``, kind): the reason."""

NOT_IN_THE_GA_UNIONS: dict[str, str] = {
    "RealtimeClientEventTranscriptionSessionUpdate": (
        "transcription_session.update, a beta event: its session is the beta shape, and GA"
        " transcription sessions are configured by session.update"
    ),
    "RealtimeServerEventTranscriptionSessionUpdated": "transcription_session.updated, as above",
}
"""Event schemas named like GA ones that neither GA union lists: out of scope, and why."""

NOT_JSON_EXAMPLES: dict[str, str] = {
    "RealtimeClientEventResponseCreate": "two objects with `//` comments and trailing commas",
    "RealtimeServerEventInputAudioBufferDtmfEventReceived": "a trailing comma",
    "RealtimeServerEventResponseCreated": "a trailing comma",
    "RealtimeServerEventSessionCreated": "a trailing comma",
    "RealtimeServerEventSessionUpdated": "a trailing comma",
}
"""The GA event examples that are not JSON text. The real-frame corpus keeps the two objects
of the response.create example apart; test_realworld reads the second, with its item
reference, once its comment is removed."""

_DIRECTIONS: tuple[Direction, Direction] = ("client", "server")


@pytest.fixture(scope="module")
def found() -> dict[Difference, frozenset[str]]:
    """Every difference of both directions, with the events it shows up in."""
    everything: dict[Difference, frozenset[str]] = {}
    for direction in _DIRECTIONS:
        for difference, events in differences(direction):
            everything[difference] = everything.get(difference, frozenset()) | events
    return everything


def _key(difference: Difference) -> tuple[str, str]:
    return difference.place, difference.kind


# --- the schemas in scope -------------------------------------------------------------------


def test_every_ga_named_event_schema_is_in_a_union_or_out_of_scope() -> None:
    names = {
        name
        for name in schemas()
        if name.startswith(("RealtimeClientEvent", "RealtimeServerEvent"))
        and name not in ("RealtimeClientEvent", "RealtimeServerEvent")
    }
    in_unions = {name for d in _DIRECTIONS for name in event_schema_names(d).values()}
    assert sorted(names - in_unions) == sorted(NOT_IN_THE_GA_UNIONS)
    assert in_unions <= names


@pytest.mark.parametrize("direction", _DIRECTIONS)
def test_the_spec_and_rtmsg_have_the_same_events(direction: Direction) -> None:
    spec_types = set(event_schema_names(direction))
    rtmsg_types = set(rtmsg_events(direction))
    assert sorted(spec_types - rtmsg_types) == [], "events the spec has and rtmsg lacks"
    assert sorted(rtmsg_types - spec_types) == [], "events rtmsg has and the spec lacks"
    assert len(spec_types) == {"client": 11, "server": 46}[direction]


# --- the schemas, field by field --------------------------------------------------------------


def test_rtmsg_differs_from_the_spec_only_where_listed(
    found: dict[Difference, frozenset[str]],
) -> None:
    unlisted = sorted(
        (d for d in found if _key(d) not in DELIBERATE), key=lambda d: (d.place, d.kind)
    )
    report = "\n".join(f"  {d}   (in {', '.join(sorted(found[d]))})" for d in unlisted)
    assert not unlisted, f"{len(unlisted)} differences from the spec, not listed:\n{report}"


def test_every_listed_difference_is_still_there(found: dict[Difference, frozenset[str]]) -> None:
    seen = {_key(d) for d in found}
    assert sorted(DELIBERATE.keys() - seen) == [], "listed, but rtmsg and the spec agree now"


def test_the_walk_reaches_the_leaves() -> None:
    """A difference planted deep in a copy of a schema is found: the walk does not stop early."""
    name = event_schema_names("server")["session.created"]
    session = spec_node({"$ref": f"#/components/schemas/{name}"})
    # ``session`` is a union of the two session kinds: only the realtime one has the path.
    planted = _replace_prop(session, ("session", "audio", "output", "speed"), SpecNode("str"))
    changed = {d.place for d in compare(planted, rtmsg.SessionCreated)} - {
        d.place for d in compare(session, rtmsg.SessionCreated)
    }
    assert changed == {"AudioConfigOutput.speed"}


def _replace_prop(node: SpecNode, path: tuple[str, ...], new: SpecNode) -> SpecNode:
    """``node`` with the property at ``path`` (through objects and unions) replaced by ``new``."""
    if not path:
        return new
    if node.kind == "union":
        return SpecNode("union", tuple(_replace_prop(b, path, new) for b in node.args))
    if node.kind != "object" or node.prop(path[0]) is None:
        return node
    props = tuple(
        (name, _replace_prop(value, path[1:], new) if name == path[0] else value)
        for name, value in node.props
    )
    return SpecNode("object", props=props, required=node.required, name=node.name)


class _Probe(rtmsg.Model, kw_only=True):
    """A Struct that breaks each rule once, for the comparison to find."""

    same: str
    optional_here: str | UnsetType = UNSET
    required_here: int
    null_here: float | None | UnsetType = UNSET
    other_type: str | UnsetType = UNSET
    closed_here: str | UnsetType = UNSET
    only_here: bool | UnsetType = UNSET


def test_the_comparison_finds_each_kind_of_difference() -> None:
    spec = SpecNode(
        "object",
        props=(
            ("same", SpecNode("str")),
            ("optional_here", SpecNode("str")),
            ("required_here", SpecNode("int")),
            ("null_here", SpecNode("float")),
            ("other_type", SpecNode("int")),
            ("closed_here", SpecNode("literal", ("a", "b"))),
            ("only_there", SpecNode("str")),
        ),
        required=frozenset({"same", "optional_here"}),
        name="Probe",
    )
    assert {(d.place, d.kind) for d in compare(spec, _Probe)} == {
        ("_Probe.optional_here", "required"),
        ("_Probe.required_here", "required"),
        ("_Probe.null_here", "null"),
        ("_Probe.other_type", "type"),
        ("_Probe.only_there", "missing"),
        ("_Probe.only_here", "extra"),
    }


# --- the values that select a shape -----------------------------------------------------------


def _message_content_types() -> dict[str, frozenset[str]]:
    """The content part types the spec allows per message role."""
    by_role: dict[str, frozenset[str]] = {}
    for suffix in ("System", "User", "Assistant"):
        node = spec_node({"$ref": f"#/components/schemas/RealtimeConversationItemMessage{suffix}"})
        (role,) = _literals(node.prop("role"))
        content = node.prop("content")
        assert content is not None
        assert content.kind == "array"
        by_role[role] = frozenset(_literals(content.args[0].prop("type")))
    return by_role


def _literals(node: SpecNode | None) -> tuple[Any, ...]:
    assert node is not None
    return tuple(v for b in node.without_null() if b.kind == "literal" for v in b.args)


def _item_frame(direction: Direction, role: str, part_type: str) -> str:
    item = {"type": "message", "role": role, "content": [{"type": part_type}]}
    if direction == "client":
        return json.dumps({"type": "conversation.item.create", "item": item})
    return json.dumps({"type": "conversation.item.created", "event_id": "e", "item": item})


@pytest.mark.parametrize("direction", _DIRECTIONS)
def test_content_types_by_role_are_the_spec_s(direction: Direction) -> None:
    by_role = _message_content_types()
    every_type = set().union(*by_role.values(), *SERVER_ONLY_CONTENT.values())
    for role, allowed in by_role.items():
        if direction == "server":
            allowed |= SERVER_ONLY_CONTENT.get(role, frozenset())
        for part_type in sorted(every_type):
            frame = _item_frame(direction, role, part_type)
            if part_type in allowed:
                assert_round_trip(frame, direction)
            else:
                with pytest.raises(rtmsg.DecodeError):
                    decode(frame, direction)
    assert not any(SERVER_ONLY_CONTENT[role] & by_role[role] for role in SERVER_ONLY_CONTENT)


def test_audio_formats_are_the_spec_s() -> None:
    formats = spec_node({"$ref": "#/components/schemas/RealtimeAudioFormats"})
    frame = (
        '{"type":"session.update","session":{"type":"realtime","audio":{"input":{"format":%s}}}}'
    )
    kinds = set()
    for variant in formats.without_null():
        (kind,) = _literals(variant.prop("type"))
        kinds.add(kind)
        rates = _literals(variant.prop("rate")) if variant.prop("rate") else ()
        assert_round_trip(frame % json.dumps({"type": kind}), "client")
        for rate in rates:
            assert_round_trip(frame % json.dumps({"type": kind, "rate": rate}), "client")
            with pytest.raises(rtmsg.DecodeError):
                decode(frame % json.dumps({"type": kind, "rate": rate // 2}), "client")
    assert kinds == {"audio/pcm", "audio/pcmu", "audio/pcma"}
    with pytest.raises(rtmsg.DecodeError):
        decode(frame % '{"type":"audio/opus"}', "client")


# --- the spec's examples ----------------------------------------------------------------------


def _example_cases() -> list[Any]:
    return [
        pytest.param(direction, event_type, name, id=event_type)
        for direction in _DIRECTIONS
        for event_type, name in event_schema_names(direction).items()
    ]


@pytest.mark.parametrize(("direction", "event_type", "name"), _example_cases())
def test_the_spec_s_example_round_trips(direction: Direction, event_type: str, name: str) -> None:
    text = example(name)
    assert text is not None, f"{name} has no example"
    try:
        json.loads(text)
    except ValueError:
        assert name in NOT_JSON_EXAMPLES, f"the example of {name} is not JSON"
        return
    assert name not in NOT_JSON_EXAMPLES, f"the example of {name} is JSON now"
    event = assert_round_trip(text, direction)
    assert type(event) is rtmsg_events(direction)[event_type]


def test_rtmsg_s_struct_names_are_unique() -> None:
    """Differences are named by Struct: two Structs of one name would share their entries."""
    names: dict[str, type[msgspec.Struct]] = {}
    for name in rtmsg.__all__:
        value = getattr(rtmsg, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            assert names.setdefault(value.__name__, value) is value
