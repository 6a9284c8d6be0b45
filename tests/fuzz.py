"""Mutation fuzzing of the decoders: ``python tests/fuzz.py [N] [--seed S]`` (``make fuzz``).

Every mutated frame (bit flips, truncations, inserted and deleted bytes, swapped
and repeated ``type`` values, splices) must decode to a correct event, an
``Unknown`` keeping its exact bytes, or a ``DecodeError``. The frames and the
decoders are those of every protocol (the conversation, the translation session,
Live's three connections and the nested Responses events of its ``response.event``),
and a frame is now and then given to the other direction's or another stream's decoder.
A Live ``response.event`` that decodes has its nested event read too, under the
same contract. The run prints how many frames ran and how many broke that
contract, and fails if any did.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any, Literal, get_args

import msgspec
import msgspec.inspect as mi

import rtmsg
from rtmsg import live, translation

Decode = Callable[[rtmsg.Frame], Any]
Stream = tuple[
    Literal["conversation", "translation", "live", "live/attach", "live/fork", "live/response"],
    Literal["client", "server"],
]
"""A protocol (or a Live connection, or Live's nested events) and a direction: which decoders
a frame is meant for."""

_STREAMS: dict[Stream, tuple[Any, Decode, Callable[..., Any]]] = {
    ("conversation", "client"): (
        rtmsg.ClientEvent,
        rtmsg.decode_client_event,
        rtmsg.ClientEventDecoder,
    ),
    ("conversation", "server"): (
        rtmsg.ServerEvent,
        rtmsg.decode_server_event,
        rtmsg.ServerEventDecoder,
    ),
    ("translation", "client"): (
        translation.ClientEvent,
        translation.decode_client_event,
        translation.ClientEventDecoder,
    ),
    ("translation", "server"): (
        translation.ServerEvent,
        translation.decode_server_event,
        translation.ServerEventDecoder,
    ),
    ("live", "client"): (live.ClientEvent, live.decode_client_event, live.ClientEventDecoder),
    ("live", "server"): (live.ServerEvent, live.decode_server_event, live.ServerEventDecoder),
    ("live/attach", "client"): (
        live.AttachClientEvent,
        live.decode_attach_client_event,
        live.AttachClientEventDecoder,
    ),
    ("live/attach", "server"): (
        live.AttachServerEvent,
        live.decode_attach_server_event,
        live.AttachServerEventDecoder,
    ),
    ("live/fork", "client"): (
        live.ForkClientEvent,
        live.decode_fork_client_event,
        live.ForkClientEventDecoder,
    ),
    ("live/fork", "server"): (
        live.ForkServerEvent,
        live.decode_fork_server_event,
        live.ForkServerEventDecoder,
    ),
    ("live/response", "server"): (
        live.responses.ResponseStreamEvent,
        live.responses.decode_response_event,
        live.responses.ResponseEventDecoder,
    ),
}
"""Each stream's union, default decode function and decoder class."""

_SAMPLE_STRINGS = {"role": "user", "type": "function"}
UNSET_KEY: Any = object()
_SAMPLE_OVERRIDES: dict[type, dict[str, Any]] = {
    rtmsg.AudioFormat: {"type": "audio/pcm"},
    rtmsg.Message: {"content": [{"type": "input_text", "text": "hello"}]},
    # Live's hard spots: a user message, its content parts as that role allows
    live.InitialItem: {"role": "user", "type": "message", "content": [{"text": "hi"}]},
    live.DecisionItem: {"type": "message", "role": "user", "content": "hi", "output": UNSET_KEY},
    live.StoredDecisionItem: {
        "type": "message",
        "role": "user",
        "content": "hi",
        "output": UNSET_KEY,
    },
    live.ResponseEvent: {"event": {"type": "response.audio.done", "sequence_number": 1}},
}
"""Sample values that the models' own checks require; ``UNSET_KEY`` leaves the field out."""


def _sample(info: mi.Type, name: str) -> Any:
    """A small valid JSON value for a field of this type (the first choice of every union)."""
    if isinstance(info, mi.UnionType):
        return _sample(next(t for t in info.types if not isinstance(t, mi.NoneType)), name)
    if isinstance(info, mi.StructType):
        return _sample_struct(info)
    if isinstance(info, mi.ListType):
        return [_sample(info.item_type, name)]
    if isinstance(info, mi.DictType):
        return {"k": _sample(info.value_type, name)}
    if isinstance(info, mi.LiteralType):
        return info.values[0]
    if isinstance(info, mi.StrType):
        return _SAMPLE_STRINGS.get(name, f"{name}_1")
    if isinstance(info, mi.IntType):
        return 24000 if name == "rate" else 7
    if isinstance(info, mi.FloatType):
        return 0.5
    if isinstance(info, mi.BoolType):
        return True
    return {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


def _sample_struct(info: mi.StructType) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if info.tag_field is not None:
        document[info.tag_field] = info.tag
    for field in info.fields:
        document[field.encode_name] = _sample(field.type, field.name)
    document.update(_SAMPLE_OVERRIDES.get(info.cls, {}))
    return {key: value for key, value in document.items() if value is not UNSET_KEY}


def valid_frames() -> list[tuple[Stream, bytes]]:
    """One frame per event class with every field filled, and one with only required ones."""
    frames: list[tuple[Stream, bytes]] = []
    for stream, (union, _, _) in _STREAMS.items():
        for cls in get_args(union):
            info = mi.type_info(cls)
            assert isinstance(info, mi.StructType)
            full = _sample_struct(info)
            required = {
                key: value
                for key, value in full.items()
                if key == "type" or any(f.encode_name == key and f.required for f in info.fields)
            }
            for document in (full, required):
                frames.append((stream, json.dumps(document).encode()))
    frames += [
        (
            ("conversation", "client"),
            b'{"type":"input_audio_buffer.append","event_id":"e","audio":"' + b"QUFB" * 64 + b'"}',
        ),
        (
            ("conversation", "server"),
            b'{"type":"vendor.future_event","event_id":"e","x":[1,{"type":"y"}]}',
        ),
        (
            ("conversation", "client"),
            '{"type":"response.create","response":{"instructions":"héllo ☃"}}'.encode(),
        ),
        (
            ("translation", "client"),
            b'{"type":"session.input_audio_buffer.append","audio":"' + b"QUFB" * 64 + b'"}',
        ),
        (
            ("translation", "server"),
            '{"type":"session.output_transcript.delta","event_id":"e","delta":"¿qué? ☃"}'.encode(),
        ),
        (
            ("live", "client"),
            b'{"type":"session.input_audio.append","audio":"' + b"QUFB" * 64 + b'"}',
        ),
        (
            ("live", "server"),
            b'{"type":"response.event","event_id":"e","delegation_id":null,"event":'
            b'{"type":"response.output_text.delta","item_id":"m","output_index":0,'
            b'"content_index":0,"delta":"hi","sequence_number":1,"logprobs":[]}}',
        ),
        (("live/attach", "client"), b'{"type":"transport.dtmf.send","event":"#"}'),
    ]
    return frames


_TOKENS = [
    b'"',
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"true",
    b"-",
    b"0",
    b"1e999",
    b"NaN",
    b"\\ud800",
    b"\\u0074",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b" ",
    b'"type":',
    b'"type":"x",',
    b'"type":null,',
    b"18446744073709551616",
    b"[" * 2000,
]
_TYPES = [
    str(t).encode()
    for t in (
        *rtmsg.ClientEventType,
        *rtmsg.ServerEventType,
        *translation.ClientEventType,
        *translation.ServerEventType,
        *live.AttachClientEventType,
        *live.AttachServerEventType,
        *live.responses.ResponseStreamEventType,
    )
] + [
    b"",
    b"x" * 300,
    b"vendor.x",
    b"Session.Update",
]


def mutate(frame: bytes, rng: random.Random) -> bytes:
    """One to three random edits of ``frame``."""
    data = bytearray(frame)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(9)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # bit flip
            index = rng.randrange(len(data))
            data[index] ^= 1 << rng.randrange(8)
        elif kind == 1:  # truncate
            del data[at:]
        elif kind == 2:  # insert random bytes
            data[at:at] = rng.randbytes(rng.randint(1, 4))
        elif kind == 3:  # insert a JSON-ish token
            data[at:at] = rng.choice(_TOKENS)
        elif kind == 4 and data:  # delete a range
            del data[at : at + rng.randint(1, 8)]
        elif kind == 5:  # swap the type for another one
            start = data.find(b'"type":"')
            if start >= 0:
                end = data.find(b'"', start + 8)
                if end >= 0:
                    data[start + 8 : end] = rng.choice(_TYPES)
        elif kind == 6:  # a second type key
            start = data.find(b"{")
            if start >= 0:
                data[start + 1 : start + 1] = b'"type":"' + rng.choice(_TYPES) + b'",'
        elif kind == 7 and data:  # duplicate a range
            data[at:at] = data[at : at + rng.randint(1, 16)]
        else:  # replace a byte
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _top_level_types(raw: bytes) -> set[Any]:
    """Every value of a top-level ``type`` key, read by a parser that keeps duplicates."""
    try:
        pairs = json.loads(raw.decode(errors="replace"), object_pairs_hook=lambda p: p)
    except (ValueError, RecursionError):
        return set()
    return {json.dumps(v) for k, v in pairs if k == "type"} if isinstance(pairs, list) else set()


def check(
    frame: rtmsg.Frame, decode: Decode, stream: Stream = ("conversation", "client")
) -> str | None:
    """``None`` if ``decode(frame)`` (a decoder of ``stream``) keeps the contract, else the fault.

    Besides the three outcomes, an accepted frame must have one reading of its
    ``type``: a frame whose duplicate ``type`` keys disagree is always an error.
    """
    try:
        event = decode(frame)
    except rtmsg.DecodeError:
        return None
    except Exception:
        return f"raised {traceback.format_exc(limit=-1).strip()}"
    raw = frame.encode() if isinstance(frame, str) else bytes(frame)
    if len(_top_level_types(raw)) > 1:
        return "accepted a frame whose type keys disagree"
    try:
        if isinstance(event, rtmsg.Unknown):
            if event.raw != raw or rtmsg.encode(event) != raw:
                return "Unknown did not keep the exact bytes"
            return None
        repr(event)
        encoded = rtmsg.encode(event)
        again = _STREAMS[stream][1](encoded)
    except Exception:
        return f"event broke on repr/encode/re-decode: {traceback.format_exc(limit=-1).strip()}"
    if again != event:
        return "re-encoding changed the event"
    if isinstance(event, live.ResponseEvent):
        return _check_nested(event)
    return None


def _check_nested(event: live.ResponseEvent) -> str | None:
    """The nested event of a ``response.event``: typed, Unknown with its bytes, or an error."""
    try:
        nested = event.nested()
    except rtmsg.DecodeError:
        return None
    except Exception:
        return f"nested() raised {traceback.format_exc(limit=-1).strip()}"
    if isinstance(nested, rtmsg.Unknown):
        return None if nested.raw == bytes(event.event) else "nested Unknown lost its bytes"
    if live.responses.decode_response_event(rtmsg.encode(nested)) != nested:
        return "re-encoding changed the nested event"
    return None


def decoders() -> dict[Stream, list[Decode]]:
    """The decoders under test: the defaults and every option switched on."""
    options: list[dict[str, Any]] = [
        {"lenient": True},
        {"max_depth": 32, "reject_duplicate_type": True, "max_frame_bytes": 4096},
    ]
    return {
        stream: [function] + [cls(**o).decode for o in options]
        for stream, (_, function, cls) in _STREAMS.items()
    }


def _other(stream: Stream, rng: random.Random) -> Stream:
    """Now and then another stream: the other direction, or another protocol's."""
    protocol, direction = stream
    draw = rng.random()
    if draw < 0.4 and (protocol, "server" if direction == "client" else "client") in _STREAMS:
        return (protocol, "server" if direction == "client" else "client")
    if draw < 0.6:
        return rng.choice([s for s in _STREAMS if s[1] == direction and s != stream])
    return stream


def run(count: int, seed: int) -> Iterator[tuple[bytes, str]]:
    """Decode ``count`` mutated frames; yield each one that broke the contract."""
    rng = random.Random(seed)
    corpus = valid_frames()
    by_stream = decoders()
    for index in range(count):
        stream, frame = rng.choice(corpus)
        mutated = mutate(frame, rng)
        stream = _other(stream, rng)
        decode = by_stream[stream][index % 3]
        # A str frame exercises the other input path; undecodable bytes stay bytes.
        subject: rtmsg.Frame = mutated
        if index % 7 == 0:
            subject = mutated.decode(errors="surrogateescape")
        problem = check(subject, decode, stream)
        if problem is not None:
            yield mutated, problem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=int(os.environ.get("FUZZ_N", 10**6)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 0)))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    broken = 0
    for frame, problem in run(args.count, args.seed):
        broken += 1
        if broken <= 10:
            print(f"contract broken: {problem}\n  frame: {frame[:300]!r}")
    elapsed = time.perf_counter() - started
    print(
        f"fuzz: {args.count} mutated frames (seed {args.seed}), {broken} broke the contract,"
        f" {elapsed:.1f} s, msgspec {msgspec.__version__}, Python {sys.version.split()[0]}"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
