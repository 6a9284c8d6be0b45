"""The protocol registry: routes by path, lookups by name, decoders per limit, declarations."""

from __future__ import annotations

from typing import Any

import pytest

import rtmsg
from rtmsg import protocols, translation
from rtmsg.engine import registry
from rtmsg.engine.registry import Endpoint, Route
from rtmsg.translation.protocol import ENDPOINT as TRANSLATION


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/realtime?model=gpt-realtime", "conversation"),
        ("/v1/realtime/translations?model=gpt-realtime-translate", "translation"),
        ("/openai/v1/realtime/translations/", "translation"),
        ("/v1/realtime/translationsx", "conversation"),
        ("/v1/realtime?next=/realtime/translations", "conversation"),
        ("", "conversation"),
        ("/anything/else", "conversation"),
    ],
)
def test_a_path_routes_to_its_protocol(path: str, name: str) -> None:
    found = protocols.route(path)
    assert found.endpoint.name == name
    assert found.session_id is None


def test_every_protocol_is_registered_once_with_its_decoders() -> None:
    names = [each.name for each in protocols.endpoints()]
    assert len(names) == len(set(names))
    assert {"conversation", "translation"} <= set(names)
    conversation = protocols.endpoint("conversation")
    assert conversation.decoders() == (rtmsg.decode_client_event, rtmsg.decode_server_event)
    assert protocols.endpoint("translation").decoders() == (
        translation.decode_client_event,
        translation.decode_server_event,
    )
    assert conversation.error_event is rtmsg.error_event


def test_an_unregistered_name_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="'translation/fork'"):
        protocols.endpoint("translation", "fork")
    with pytest.raises(LookupError, match="'nope'"):
        protocols.endpoint("nope")


def _endpoint(route: str, protocol: str = "test", connection: str | None = None) -> Endpoint:
    base = TRANSLATION
    return Endpoint(
        protocol=protocol,
        route=route,
        client=base.client,
        server=base.server,
        decode_client=base.decode_client,
        decode_server=base.decode_server,
        error_event=base.error_event,
        reader=base.reader,
        connection=connection,
    )


@pytest.fixture
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry of its own for the test, so that what it registers goes away with it."""
    monkeypatch.setattr(registry, "_endpoints", [])
    monkeypatch.setattr(registry, "_by_name", {})
    monkeypatch.setattr(registry, "_default", [])


@pytest.mark.usefixtures("empty_registry")
def test_a_session_id_in_a_route_is_one_path_segment() -> None:
    attach = registry.register(_endpoint("/live/sessions/{session_id}/attach", "live", "attach"))
    primary = registry.register(_endpoint("/live/sessions", "live"))
    assert attach.name == "live/attach"
    assert registry.route("/v1/live/sessions/sess_123/attach?x=1") == Route(attach, "sess_123")
    assert registry.route("/v1/live/sessions") == Route(primary)
    with pytest.raises(LookupError, match="no default endpoint"):
        registry.route("/v1/live/sessions/a/b/attach")


@pytest.mark.usefixtures("empty_registry")
def test_the_longest_route_wins_and_the_default_takes_the_rest() -> None:
    short = registry.register(_endpoint("/realtime", "short"), default=True)
    long = registry.register(_endpoint("/realtime/translations", "long"))
    assert registry.endpoints() == (long, short)
    assert registry.route("/v1/realtime/translations").endpoint is long
    assert registry.route("/elsewhere").endpoint is short


@pytest.mark.usefixtures("empty_registry")
def test_a_name_or_a_default_is_registered_once() -> None:
    registry.register(_endpoint("/a", "one"), default=True)
    with pytest.raises(ValueError, match="registered already"):
        registry.register(_endpoint("/b", "one"))
    with pytest.raises(ValueError, match="default endpoint is 'one'"):
        registry.register(_endpoint("/c", "two"), default=True)


@pytest.mark.parametrize("route", ["realtime", "/realtime/", ""])
def test_a_route_is_a_path_suffix(route: str) -> None:
    with pytest.raises(ValueError, match="a route starts with '/'"):
        _endpoint(route)


def test_decoders_are_shared_per_limit_and_a_few_limits_are_kept() -> None:
    declared = _endpoint("/kept")
    first = declared.decoders(100)
    assert declared.decoders(100) is first
    assert declared.decoder("server", 100) is first[1]
    for limit in range(200, 200 + registry._MAX_LIMITS):
        declared.decoders(limit)
    assert declared.decoders(100) is not first  # the oldest limit's pair was dropped
    client, _ = declared.decoders(100)
    frame = b'{"type":"session.close"}'
    assert isinstance(client(frame), translation.SessionClose)
    with pytest.raises(rtmsg.DecodeError) as info:
        client(frame + b" " * 100)
    assert info.value.code == rtmsg.ErrorCode.FRAME_TOO_LARGE


def test_records_of_an_unknown_protocol_get_a_decoder_that_says_so() -> None:
    decoders = protocols.RecordDecoders()
    decode: Any = decoders.decoder("beta", "client", "fork")
    assert decoders.decoder("beta", "client", "fork") is decode
    with pytest.raises(rtmsg.DecodeError) as info:
        decode(b"{}")
    assert "protocol rtmsg does not know: 'beta/fork'" in str(info.value)
    assert info.value.path == "$.protocol"
