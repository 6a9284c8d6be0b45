"""The msgspec wordings rtmsg reads, pinned: a new msgspec that changes one fails here first.

:mod:`rtmsg.engine.msgspec_adapter` is the only place that reads msgspec's messages. Each case
below makes msgspec itself fail (no rtmsg decoder in between) and checks what the
adapter makes of it, so that a changed wording shows as a failed canary rather
than as a wrong ``code`` or ``path`` in a server's answers. ``make test-oldest``
runs them on the oldest msgspec the package allows, ``make test`` on the newest.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import rtmsg
from rtmsg.engine.msgspec_adapter import FAILURES, failure
from rtmsg.errors import ErrorCode, SchemaError


class _Inner(msgspec.Struct, forbid_unknown_fields=True):
    number: int
    word: str = ""

    def __post_init__(self) -> None:
        if self.word == "bad":
            raise SchemaError("a bad word", code=ErrorCode.INVALID_VALUE, field="word")


class _Outer(msgspec.Struct):
    items: list[_Inner]
    mapping: dict[str, int] = {}


def _failure_of(data: bytes | str, type_: Any = _Outer) -> tuple[str, ErrorCode, str | None]:
    with pytest.raises(FAILURES) as info:
        msgspec.json.decode(data, type=type_)
    return failure(info.value)


@pytest.mark.parametrize(
    ("data", "code", "path"),
    [
        (b'{"items":[{}]}', "missing_required_parameter", "$.items[0].number"),
        (b"{}", "missing_required_parameter", "$.items"),
        (b'{"items":[{"number":"1"}]}', "invalid_type", "$.items[0].number"),
        (b'{"items":[{"number":null}]}', "invalid_type", "$.items[0].number"),
        (b'{"items":{}}', "invalid_type", "$.items"),
        (b'{"items":[{"number":1e400}]}', "invalid_value", "$.items[0].number"),
        (b'{"items":[{"number":1,"extra":2}]}', "unknown_parameter", "$.items[0].extra"),
        (b'{"items":[{"number":1,"word":"bad"}]}', "invalid_value", "$.items[0].word"),
        (b'{"items":[],"mapping":{"k":"v"}}', "invalid_type", "$.mapping[...]"),
        (b'{"items":[', "invalid_json", None),
        (b'{"items":[]} x', "invalid_json", None),
        (b"nope", "invalid_json", None),
    ],
)
def test_each_wording_gives_its_code_and_path(data: bytes, code: str, path: str | None) -> None:
    _, got_code, got_path = _failure_of(data)
    assert (got_code, got_path) == (code, path)


def test_the_path_suffix_is_cut_from_the_message() -> None:
    message, _, path = _failure_of(b'{"items":[{"number":"1"}]}')
    assert message == "Expected `int`, got `str`"
    assert path == "$.items[0].number"


def test_a_model_check_keeps_its_own_message_and_code() -> None:
    """msgspec keeps the SchemaError of ``__post_init__`` as the cause of its error."""
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(b'{"items":[{"number":1,"word":"bad"}]}', type=_Outer)
    assert isinstance(info.value.__cause__, SchemaError)
    message, code, path = failure(info.value)
    assert (message, code, path) == ("a bad word", ErrorCode.INVALID_VALUE, "$.items[0].word")


def test_a_lone_struct_does_not_match_a_fresh_non_ascii_tag() -> None:
    """Why the decoders probe each tag they learn, and why they never check one type alone.

    A lone tagged Struct refuses its own non-ASCII tag while the tag's ``str`` has no
    cached UTF-8 form; once msgspec has encoded that very string, or in a union of
    several tagged Structs, the tag is selected. Should msgspec fix the lone case,
    this canary fails.
    """
    tag = "".join(["caf", "\u00e9"])  # a new string object, never encoded
    lone = msgspec.defstruct("T", [], tag_field="type", tag=tag)
    frame = '{"type":"café"}'.encode()
    with pytest.raises(msgspec.ValidationError, match=r"Invalid value 'café' - at `\$\.type`"):
        msgspec.json.decode(frame, type=lone)
    msgspec.json.encode(tag)
    assert type(msgspec.json.decode(frame, type=lone)) is lone
    other = msgspec.defstruct("U", [], tag_field="type", tag="other")
    fresh = msgspec.defstruct("T", [], tag_field="type", tag="".join(["caf", "\u00e9"]))
    assert type(msgspec.json.decode(frame, type=fresh | other)) is fresh


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (RecursionError(), "nesting_too_deep"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), "invalid_utf8"),
        (BufferError("not contiguous"), "invalid_frame"),
    ],
)
def test_the_exceptions_that_are_not_msgspec_errors(exc: BaseException, code: str) -> None:
    assert failure(exc).code == code


def test_every_code_has_a_wire_code() -> None:
    from rtmsg.common.errors import _WIRE_CODES

    assert set(_WIRE_CODES) == set(ErrorCode)
    answers = {
        rtmsg.error_event(rtmsg.DecodeError("x", code=code)).error.code for code in ErrorCode
    }
    assert answers == {code.value for code in ErrorCode}
