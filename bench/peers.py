"""The peers: every decoder and encoder rtmsg is measured against, on the same frames.

Each peer is the call a Python program makes today to turn a frame into something it can
use (decode), or an event back into a frame (encode). The official SDK's models are built
once, outside the timed code, as a program would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import msgspec
import openai.types.live
import orjson
from openai._models import construct_type_unchecked
from openai.types.realtime import (
    RealtimeClientEvent,
    RealtimeServerEvent,
    RealtimeTranslationClientEvent,
    RealtimeTranslationServerEvent,
)
from pydantic import TypeAdapter

import rtmsg
from bench.corpus import Corpus, Side
from rtmsg import live, translation

_DECODERS: dict[Side, tuple[Any, Any, type[Any]]] = {
    "client": (rtmsg.decode_client_event, RealtimeClientEvent, rtmsg.ClientEventDecoder),
    "server": (rtmsg.decode_server_event, RealtimeServerEvent, rtmsg.ServerEventDecoder),
    "translation client": (
        translation.decode_client_event,
        RealtimeTranslationClientEvent,
        translation.ClientEventDecoder,
    ),
    "translation server": (
        translation.decode_server_event,
        RealtimeTranslationServerEvent,
        translation.ServerEventDecoder,
    ),
    "live client": (
        live.decode_client_event,
        openai.types.live.ClientEvent,
        live.ClientEventDecoder,
    ),
    "live server": (
        live.decode_server_event,
        openai.types.live.ServerEvent,
        live.ServerEventDecoder,
    ),
}

__all__ = [
    "DECODER_OBJECT",
    "DECODE_MIXES",
    "DECODE_PEERS",
    "ENCODE_MIXES",
    "ENCODE_PEERS",
    "FLOOR",
    "NESTED",
    "PEER_NOTES",
    "RTMSG",
    "SDK_PARSE",
    "SDK_PYDANTIC",
    "STRICT_DECODER",
    "Side",
    "decode_run",
    "decoder",
    "encode_inputs",
    "encode_run",
    "encoder",
    "frame_run",
    "value_run",
]

Decode = Callable[[bytes], object]
Encode = Callable[[Any], object]

RTMSG = "rtmsg"
FLOOR = "msgspec untyped"
SDK_PYDANTIC = "SDK pydantic"
SDK_PARSE = "SDK parse path"
DECODER_OBJECT = "rtmsg decoder object"
STRICT_DECODER = "rtmsg unknown_fields=reject"
NESTED = "rtmsg and nested()"

DECODE_PEERS = (
    RTMSG,
    DECODER_OBJECT,
    STRICT_DECODER,
    FLOOR,
    "orjson",
    "json",
    SDK_PYDANTIC,
    SDK_PARSE,
)
ENCODE_PEERS = (RTMSG, FLOOR, "orjson", "json", SDK_PYDANTIC)

PEER_NOTES = {
    RTMSG: "`rtmsg.decode_client_event` / `decode_server_event`; `rtmsg.encode(event)`.",
    DECODER_OBJECT: "`rtmsg.ClientEventDecoder().decode` / `ServerEventDecoder().decode`: a "
    "decoder object, built once with the default options, as a server configures its own; "
    "measured on whole streams only.",
    STRICT_DECODER: '`rtmsg.ClientEventDecoder(unknown_fields="reject")`: refuses fields '
    "the protocol does not have, as the service does, by checking each known event a second "
    "time against a strict twin of the union; measured on whole streams only.",
    FLOOR: "`msgspec.json.decode(frame)` into dicts, no schema; `msgspec.json.encode(dict)`. "
    "It reads every byte, as any decoder must, with the same parser as rtmsg: the floor a "
    "typed decoder is held to. Building a Struct can cost less than building a dict, so "
    "rtmsg may come in under it.",
    "orjson": "`orjson.loads(frame)` into dicts, no validation; `orjson.dumps(dict)`.",
    "json": "`json.loads(frame)` into dicts, no validation; `json.dumps(dict)`, as the SDK "
    "sends a dict event.",
    SDK_PYDANTIC: "the official `openai` SDK's pydantic models: "
    "`TypeAdapter(RealtimeClientEvent | RealtimeServerEvent).validate_json(frame)` (the "
    "`RealtimeTranslation*Event` unions for the translation stream); "
    "`model.model_dump_json(exclude_unset=True)`.",
    SDK_PARSE: "what the SDK's realtime connection does with each received frame: "
    "`construct_type_unchecked(value=json.loads(frame), type_=RealtimeServerEvent)` "
    "(builds models without validating; server events only; Live's connection does the same "
    "with `openai.types.live.ServerEvent`).",
    NESTED: "`live.decode_server_event(frame).nested()`: a Live `response.event` and the "
    "Responses event inside it, both typed (Live server events only).",
}


@cache
def _decoder_object(side: Side) -> Decode:
    decode: Decode = _DECODERS[side][2]().decode
    return decode


@cache
def _strict_decoder(side: Side) -> Decode:
    decode: Decode = _DECODERS[side][2](unknown_fields="reject").decode
    return decode


@cache
def _adapter(side: Side) -> TypeAdapter[Any]:
    return TypeAdapter(_DECODERS[side][1])


def _sdk_parse(side: Side) -> Decode:
    union = _DECODERS[side][1]

    def parse(frame: bytes) -> object:
        return construct_type_unchecked(value=json.loads(frame), type_=union)

    return parse


def decoder(peer: str, direction: Side, *, unknown: bool = False) -> Decode | None:
    """The decode call of ``peer`` for ``direction``; None where the peer has none.

    With ``unknown`` (frames of types the SDK does not know), the pydantic models are left
    out: they reject such frames, which a proxy cannot afford.
    """
    if peer == RTMSG:
        decode: Decode = _DECODERS[direction][0]
        return decode
    if peer == DECODER_OBJECT:
        return _decoder_object(direction)
    if peer == STRICT_DECODER:
        return _strict_decoder(direction)
    if peer == FLOOR:
        return msgspec.json.decode
    if peer == "orjson":
        return orjson.loads
    if peer == "json":
        return json.loads
    if peer == SDK_PYDANTIC:
        return None if unknown else _adapter(direction).validate_json
    if peer == SDK_PARSE:
        return _sdk_parse(direction) if direction.endswith("server") else None
    if peer == NESTED:
        return _decode_nested if direction == "live server" else None
    raise ValueError(f"unknown peer {peer!r}")


def _decode_nested(frame: bytes) -> object:
    event = live.decode_server_event(frame)
    return event.nested() if isinstance(event, live.ResponseEvent) else event


def _rtmsg_encode(event: Any) -> bytes:
    return rtmsg.encode(event)


def _pydantic_encode(model: Any) -> str:
    return str(model.model_dump_json(exclude_unset=True))


def encoder(peer: str) -> Encode:
    """The encode call of ``peer``; its input comes from :func:`encode_inputs`."""
    encoders: dict[str, Encode] = {
        RTMSG: _rtmsg_encode,
        FLOOR: msgspec.json.encode,
        "orjson": orjson.dumps,
        "json": json.dumps,
        SDK_PYDANTIC: _pydantic_encode,
    }
    return encoders[peer]


def encode_inputs(peer: str, direction: Side, frames: list[bytes]) -> list[Any]:
    """What ``peer`` encodes: rtmsg events, plain dicts, or the SDK's validated models."""
    if peer == RTMSG:
        decode = decoder(RTMSG, direction)
        assert decode is not None
        return [decode(frame) for frame in frames]
    if peer == SDK_PYDANTIC:
        adapter = _adapter(direction)
        return [adapter.validate_json(frame) for frame in frames]
    return [json.loads(frame) for frame in frames]


Run = Callable[[], None]

# mix name -> its frames by direction
DECODE_MIXES: dict[str, Callable[[Corpus], list[tuple[Side, list[bytes]]]]] = {
    "client stream": lambda c: [("client", c.client)],
    "server stream": lambda c: [("server", c.server)],
    "control events": lambda c: [("client", c.control_client), ("server", c.control_server)],
    "unknown-heavy server stream": lambda c: [("server", c.unknown_heavy)],
    "translation stream": lambda c: [
        ("translation client", c.translation_client),
        ("translation server", c.translation_server),
    ],
    "live stream": lambda c: [("live client", c.live_client), ("live server", c.live_server)],
    "live server stream": lambda c: [("live server", c.live_server)],
}
ENCODE_MIXES = {mix: frames for mix, frames in DECODE_MIXES.items() if "unknown" not in mix}


def decode_run(corpus: Corpus, mix: str, peer: str) -> tuple[Run, int, int] | None:
    """A call decoding every frame of ``mix`` with ``peer``, the frame count and byte count."""
    parts: list[tuple[Decode, list[bytes]]] = []
    for direction, frames in DECODE_MIXES[mix](corpus):
        decode = decoder(peer, direction, unknown="unknown" in mix)
        if decode is None:
            return None
        parts.append((decode, frames))

    def run() -> None:
        for decode, frames in parts:
            for frame in frames:
                decode(frame)

    n_frames = sum(len(frames) for _, frames in parts)
    n_bytes = sum(len(frame) for _, frames in parts for frame in frames)
    return run, n_frames, n_bytes


def encode_run(corpus: Corpus, mix: str, peer: str) -> tuple[Run, int, int]:
    """A call encoding every event of ``mix`` with ``peer``, the event count and byte count."""
    values: list[Any] = []
    n_bytes = 0
    for direction, frames in ENCODE_MIXES[mix](corpus):
        values.extend(encode_inputs(peer, direction, frames))
        n_bytes += sum(len(frame) for frame in frames)
    encode = encoder(peer)

    def run() -> None:
        for value in values:
            encode(value)

    return run, len(values), n_bytes


def frame_run(frame: bytes, direction: Side, peer: str, repeat: int) -> Run:
    """A call decoding one frame ``repeat`` times with ``peer``."""
    decode = decoder(peer, direction)
    assert decode is not None
    frames = [frame] * repeat

    def run() -> None:
        for f in frames:
            decode(f)

    return run


def value_run(encode: Encode, value: Any, repeat: int) -> Run:
    """A call encoding one value ``repeat`` times."""
    values = [value] * repeat

    def run() -> None:
        for v in values:
            encode(v)

    return run
