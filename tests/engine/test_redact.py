"""The rules for safe logs, in one place: the models' reprs and the relay's logs apply them."""

from __future__ import annotations

import logging

import msgspec
import pytest

import rtmsg
from rtmsg.engine import base as _base
from rtmsg.engine import redact as _redact
from rtmsg.relay._logging import wire_logger


def test_one_redact_for_reprs_messages_and_logs() -> None:
    assert _base.redact is _redact.redact
    key = "sk-proj-0123456789abcdef"
    assert _redact.redact(f"key {key} and Bearer abcdefghijklmnop") == (
        "key sk-<redacted> and Bearer <redacted>"
    )
    assert _redact.redact("wss://user:pw@host/v1?api_key=abc&x=1") == (
        "wss://<redacted>@host/v1?api_key=<redacted>&x=1"
    )


@pytest.mark.parametrize("field", sorted(_redact.SECRET_FIELDS))
def test_every_secret_field_is_hidden_by_the_repr(field: str) -> None:
    cls = msgspec.defstruct("Secretive", [(field, str), ("note", str)], bases=(rtmsg.Model,))
    model = cls(**{field: "hunter2", "note": "plain"})
    assert repr(model) == f"Secretive({field}=<redacted>, note='plain')"


@pytest.mark.parametrize("header", sorted(_redact.SECRET_HEADERS))
def test_every_secret_header_is_hidden_by_the_wire_logger(
    header: str, caplog: pytest.LogCaptureFixture
) -> None:
    logger = wire_logger("rtmsg.test.redact")
    with caplog.at_level(logging.DEBUG, logger="rtmsg.test.redact"):
        logger.debug("> %s: %s", header.title(), "hunter2")
        logger.debug("> %s: %s", "Accept", "text/plain")
    assert [r.getMessage() for r in caplog.records] == [
        f"> {header.title()}: [redacted]",
        "> Accept: text/plain",
    ]
