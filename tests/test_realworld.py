"""Real frames: every record of the corpus has the outcome its class of record promises.

``tests/data/realworld/frames.jsonl`` (a copy; see its README) holds frames rtmsg's
authors did not write: live captures, the spec's examples, and the fixtures and stubs of
other SDKs' tests. By class of record, a frame

- of the GA protocol (``era`` ``ga``, or ``unsure`` outside translation) that is a live
  capture, a spec example or a fixture decodes to the class of its ``type`` and re-encodes
  to the same JSON value, nothing dropped;
- of the beta protocol is an ``Unknown`` if its type is beta-only; a type the GA protocol
  kept decodes without loss where its shape did not change;
- that is a stub (a partial mock without ``event_id``) is a ``DecodeError`` (a server
  event's ``event_id`` is required), or an ``Unknown`` for a beta-only type;
- of the translation protocol (``protocol: translation``) decodes, with
  ``rtmsg.translation``'s decoders, to its typed class and round-trips;
- of the Live protocol (``protocol: live``) decodes, with ``rtmsg.live``'s decoders of
  its ``connection`` (the primary one when absent), to its typed class and round-trips,
  and the nested Responses event of a ``response.event`` to its typed class too;
- that is not JSON as published (``frame: null``) has nothing to decode.

:data:`EXCEPTIONS` lists the records whose outcome is another, with the reason; and
:data:`DISAGREEMENTS` the frames on which the references disagree (live service, spec,
SDK), with rtmsg's choice and its reason.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pydantic
import pytest

import rtmsg
from divergences import SERVER_ONLY_CONTENT
from helpers import Direction, Protocol, assert_round_trip, decode, same_json
from rtmsg import live
from sdk_oracle import has_extras, sdk_validate

CORPUS = Path(__file__).parent / "data" / "realworld" / "frames.jsonl"


@dataclasses.dataclass(frozen=True)
class Record:
    """One line of the corpus, numbered from 1."""

    line: int
    data: dict[str, Any]

    @property
    def direction(self) -> Direction:
        direction: Direction = self.data["dir"]
        return direction

    @property
    def frame(self) -> Any:
        return self.data["frame"]

    @property
    def text(self) -> str:
        """The frame as published when it was text (JSON or not), else its value as JSON."""
        text = self.data.get("text")
        return text if isinstance(text, str) else json.dumps(self.frame)

    @property
    def event_type(self) -> str:
        return str(self.frame.get("type")) if isinstance(self.frame, dict) else "-"

    @property
    def id(self) -> str:
        d = self.data
        return f"L{self.line:03d}-{d['kind']}-{d['era']}-{d['dir']}-{self.event_type}"


def _records() -> list[Record]:
    with CORPUS.open(encoding="utf-8") as file:
        return [Record(n, json.loads(line)) for n, line in enumerate(file, 1)]


RECORDS = _records()
_BY_LINE = {record.line: record for record in RECORDS}


@dataclasses.dataclass(frozen=True)
class Expected:
    """An outcome: ``round-trip``, ``drops`` (the JSON paths in ``detail``), ``unknown``,
    ``error`` (a part of its message in ``detail``), ``translation`` or ``not-json``."""

    outcome: str
    reason: str
    detail: tuple[str, ...] = ()


_NO_SESSION_TYPE = (
    "a session without `type`, which the GA session events require (the spec, the SDK); a known"
    " event type with an invalid body is an error, never an Unknown (DESIGN rule 4)"
)
_BETA_NO_SESSION_TYPE = f"the beta session shape: {_NO_SESSION_TYPE}"
_SESSION_TYPE_MISSING = ("missing required field `type` - at `$.session.type`",)

EXCEPTIONS: dict[int, Expected] = {
    137: Expected(
        "drops",
        "a field no reference knows, sent on purpose by a prober: ignored on decode (rule 5)",
        ("$.session.bogus_field",),
    ),
    139: Expected("unknown", "the prober's deliberately bogus client event `nope`"),
    149: Expected(
        "error",
        f"RTOpenAI's fixture leaves out the session's `type`: {_NO_SESSION_TYPE};"
        " live frames always carry it",
        _SESSION_TYPE_MISSING,
    ),
    # beta frames of a type the GA protocol kept, in a shape it changed
    **{
        line: Expected("error", _BETA_NO_SESSION_TYPE, _SESSION_TYPE_MISSING)
        for line in (76, 82, 83, 87, 97, 98, 148, 150, 184)
    },
    **{
        line: Expected(
            "error",
            "openai-agents-python's stub gives `error` as a string, where the protocol has an"
            " object (the first of its two faults: `event_id` is missing too)",
            ("Expected `object`, got `str` - at `$.error`",),
        )
        for line in (195, 196)
    },
    88: Expected(
        "error", "a beta transcription result without `usage`, which GA requires", ("`usage`",)
    ),
    94: Expected(
        "error", "a beta function call result without `name`, which GA requires", ("`name`",)
    ),
    80: Expected(
        "drops",
        "the beta spec's response.created has a top-level `timestamp` that no GA reference"
        " knows: ignored on decode (rule 5)",
        ("$.timestamp",),
    ),
    86: Expected(
        "drops",
        "the beta response parameters (`modalities`, `voice`, `output_audio_format`,"
        " `temperature`) moved or went in GA: ignored on decode (rule 5)",
        (
            "$.response.modalities",
            "$.response.voice",
            "$.response.output_audio_format",
            "$.response.temperature",
        ),
    ),
}
"""The records whose outcome is not their class's, by line: the outcome and why."""

_KNOWN: dict[str, frozenset[str]] = {
    "client": frozenset(rtmsg.ClientEventType),
    "server": frozenset(rtmsg.ServerEventType),
}


def _class_outcome(record: Record) -> Expected:
    """The outcome a record's class promises (see the module's docstring)."""
    data = record.data
    if data.get("protocol") == "translation":
        return Expected(
            "translation", "a frame of the translation protocol, which has decoders of its own"
        )
    if data.get("protocol") == "live":
        return Expected("live", "a frame of the Live protocol, read by its connection's decoders")
    if record.frame is None:
        return Expected("not-json", "not JSON as published: nothing to decode")
    known = record.event_type in _KNOWN[record.direction]
    if data["kind"] == "stub":
        if not known:
            return Expected("unknown", "a stub of a beta-only event type")
        return Expected(
            "error", "a partial mock: a GA server event without `event_id`", ("event_id",)
        )
    if data["era"] == "beta":
        if not known:
            return Expected("unknown", "a beta-only event type")
        return Expected("round-trip", "a beta frame whose shape GA kept")
    return Expected("round-trip", "a GA frame: decoded and re-encoded exactly")


def _expected(record: Record) -> Expected:
    return EXCEPTIONS.get(record.line) or _class_outcome(record)


def _dropped(original: Any, encoded: Any, path: str = "$") -> list[str]:
    """The paths of the keys of ``original`` that ``encoded`` lacks."""
    if isinstance(original, dict) and isinstance(encoded, dict):
        return [
            found
            for key, value in original.items()
            for found in (
                _dropped(value, encoded[key], f"{path}.{key}")
                if key in encoded
                else [f"{path}.{key}"]
            )
        ]
    if isinstance(original, list) and isinstance(encoded, list):
        return [
            found
            for index, (a, b) in enumerate(zip(original, encoded, strict=False))
            for found in _dropped(a, b, f"{path}[{index}]")
        ]
    return []


def _without(value: Any, paths: tuple[str, ...]) -> Any:
    """``value`` with the keys at ``paths`` (``$.a.b``, no list indices) removed."""
    value = json.loads(json.dumps(value))
    for path in paths:
        *parents, last = path.removeprefix("$.").split(".")
        node = value
        for key in parents:
            node = node[key]
        del node[last]
    return value


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id)
def test_record_has_the_outcome_of_its_class(record: Record) -> None:
    expected = _expected(record)
    if expected.outcome == "translation":
        # The translation session's own decoders read it to its typed class, without loss.
        event = assert_round_trip(record.text, record.direction, "translation")
        assert type(event).__module__.startswith("rtmsg.translation") or event.event_type == "error"
        return
    if expected.outcome == "live":
        # Live's decoders of the record's connection read it to its typed class, without loss;
        # a nested Responses event is read too.
        connection = record.data.get("connection")
        stream: Protocol = "live" if connection is None else f"live/{connection}"  # type: ignore[assignment]
        event = assert_round_trip(record.text, record.direction, stream)
        assert type(event).__module__.startswith("rtmsg.live.")
        if isinstance(event, live.ResponseEvent):
            nested = event.nested()
            assert not isinstance(nested, rtmsg.Unknown)
            assert same_json(rtmsg.encode(nested), json.dumps(record.frame["event"]))
        return
    if expected.outcome == "not-json":
        if isinstance(record.data.get("text"), str):
            with pytest.raises(json.JSONDecodeError):
                json.loads(record.text)
        return
    text, direction = record.text, record.direction
    if expected.outcome == "error":
        with pytest.raises(rtmsg.DecodeError) as info:
            decode(text, direction)
        assert info.value.event_type == record.event_type
        for part in expected.detail:
            assert part in str(info.value)
        return
    event = decode(text, direction)
    if expected.outcome == "unknown":
        assert isinstance(event, rtmsg.Unknown)
        assert (event.type, event.raw) == (record.event_type, text.encode())
        return
    assert not isinstance(event, rtmsg.Unknown), record.id
    assert event.event_type == record.event_type
    if expected.outcome == "round-trip":
        assert_round_trip(text, direction)
        return
    assert expected.outcome == "drops"
    encoded = rtmsg.encode(event)
    assert _dropped(json.loads(text), json.loads(encoded)) == list(expected.detail)
    assert same_json(json.dumps(_without(json.loads(text), expected.detail)), encoded)


def test_the_corpus_is_the_one_its_readme_describes() -> None:
    kinds = collections.Counter(record.data["kind"] for record in RECORDS)
    assert len(RECORDS) == 214
    assert kinds == {"spec-example": 110, "live-capture": 55, "fixture": 29, "stub": 20}
    live_records = [r for r in RECORDS if r.data.get("protocol") == "live"]
    assert len(live_records) == 17


def test_each_exception_is_one() -> None:
    """A record listed in EXCEPTIONS exists, and its class would promise another outcome."""
    for line, expected in EXCEPTIONS.items():
        promised = _class_outcome(_BY_LINE[line])
        assert (promised.outcome, promised.detail) != (expected.outcome, expected.detail), line


def test_every_ga_live_capture_and_spec_example_that_is_json_round_trips() -> None:
    """The corpus's own promise (its README), in one place: the exceptions are named."""
    exempt = []
    for record in RECORDS:
        data = record.data
        in_scope = (
            data["era"] == "ga"
            and data["kind"] in ("live-capture", "spec-example")
            and record.frame is not None
            and data.get("protocol") not in ("translation", "live")
        )
        if in_scope and _expected(record).outcome != "round-trip":
            exempt.append(record.line)
    assert exempt == [137], "only the prober's unknown field is not kept"


# --- where the references disagree ----------------------------------------------------------


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def _with_event_id(text: str) -> str:
    return json.dumps({"event_id": "event_added", **json.loads(text)})


@dataclasses.dataclass(frozen=True)
class Disagreement:
    """A frame on which the references disagree, what each says, and rtmsg's choice."""

    line: int
    what: str
    live: str
    spec: str
    sdk: str
    reason: str
    prepare: Any = None

    def frame(self) -> str:
        text = _BY_LINE[self.line].text
        return str(self.prepare(text)) if self.prepare else text


DISAGREEMENTS = [
    Disagreement(
        119,
        "`obfuscation` on output transcript deltas",
        live="sends it on every delta",
        spec="not in the event's schema",
        sdk="ignores",
        reason="kept: what the service sends round-trips",
    ),
    Disagreement(
        20,
        "`obfuscation` on input transcription deltas",
        live="sends it",
        spec="in the example, not in the schema",
        sdk="ignores",
        reason="kept",
    ),
    Disagreement(
        102,
        "the server's `session.id`, `object`, `expires_at`",
        live="sends them in every session.created/updated",
        spec="requires `id` and `object` in the server's session",
        sdk="ignores",
        reason="kept, optional: one Session Struct reads both directions, as in the SDK",
    ),
    Disagreement(
        23,
        "an assistant item's `audio` part, with its `format`",
        live="uses `audio`/`text` parts in response.content_part.*",
        spec="in the example; the schema allows output_audio/output_text only",
        sdk="rejects",
        reason="accepted in server events (the service is the authority), rejected in client"
        " events (as the spec's schema and the SDK)",
    ),
    Disagreement(
        55,
        "an assistant item's `text` part in response.output_item.done",
        live="uses `text` parts in response.content_part.*",
        spec="in the example; not in the schema",
        sdk="rejects",
        reason="as the `audio` part",
    ),
    Disagreement(
        11,
        "an `item_reference` in response.create's `input`",
        live="-",
        spec="in the example and the field's description; not in the schema",
        sdk="rejects",
        reason="modelled (ItemReference): the spec documents it (the example is JSON once its"
        " `//` comment is removed)",
        prepare=_strip_comments,
    ),
    Disagreement(
        161,
        "a custom voice object in a response's `audio.output.voice`",
        live="-",
        spec="a voice name only (response.create takes the object)",
        sdk="rejects",
        reason="accepted: a response created with a custom voice reports it (the frame is"
        " openai-agents-python's stub, given an event_id)",
        prepare=_with_event_id,
    ),
    Disagreement(
        171,
        "`audio_end_ms` on input_audio_buffer.speech_started",
        live="not seen",
        spec="not in the schema",
        sdk="ignores",
        reason="kept, optional: openai-agents-python's tests send it",
    ),
]
"""Where the live service, the spec and the SDK disagree; each entry is one frame of the
corpus and the README's Fidelity section shows the same list."""


def _sdk_verdict(frame: str, direction: Direction) -> str:
    try:
        event = sdk_validate(frame, direction)
    except pydantic.ValidationError:
        return "rejects"
    return "ignores" if has_extras(event) else "reads"


@pytest.mark.parametrize("case", DISAGREEMENTS, ids=lambda d: f"L{d.line:03d}")
def test_rtmsg_keeps_what_the_references_disagree_on(case: Disagreement) -> None:
    record = _BY_LINE[case.line]
    frame = case.frame()
    assert _sdk_verdict(frame, record.direction) == case.sdk
    assert_round_trip(frame, record.direction)


def test_client_events_still_reject_the_server_s_content_parts() -> None:
    item = json.loads(_BY_LINE[23].text)["item"]
    assert item["role"] in SERVER_ONLY_CONTENT
    frame = json.dumps({"type": "conversation.item.create", "item": item})
    with pytest.raises(rtmsg.DecodeError, match="sent by a client"):
        rtmsg.decode_client_event(frame)
    assert _sdk_verdict(frame, "client") == "rejects"
