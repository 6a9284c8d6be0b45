"""Every public name is exported once, from its module and from ``rtmsg``, and nothing is missed.

A new event or nested type that is declared but left out of its module's ``__all__`` (or of
its union, or of its enum) would be invisible to ``from rtmsg import *`` and to the drift
tests; these checks make that a failure, as websockets' ``test_exports.py`` does. And every
name users had in 0.1.1 is still where they imported it from (``tests/data/public_api_0.1.1.txt``,
one ``module name`` a line), through the modules that moved too.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pathlib
import re
import types
import typing

import msgspec
import pytest

import rtmsg
import rtmsg.common

_MODEL_MODULES = ["client_events", "server_events", "session", "items", "responses", "tools"]
_EVENT_MODULES = {
    "client_events": (rtmsg.ClientEvent, rtmsg.ClientEventType),
    "server_events": (rtmsg.ServerEvent, rtmsg.ServerEventType),
}


_SHARED = {"Error", "RealtimeError"}
"""The ``error`` event: declared in rtmsg.common, shared with translation, re-exported."""

_PUBLIC_API = pathlib.Path(__file__).parent / "data" / "public_api_0.1.1.txt"


def _module(name: str) -> types.ModuleType:
    """The module that declares the conversation's models of ``name``."""
    return importlib.import_module(f"rtmsg.conversation.{name}")


def _is_union(value: object) -> bool:
    return isinstance(value, types.UnionType) or typing.get_origin(value) is typing.Union


def _declared(module: types.ModuleType) -> set[str]:
    """The public classes, enums and type aliases a module declares itself."""
    source = inspect.getsource(module)
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        if isinstance(value, type) and value.__module__ == module.__name__:
            names.add(name)
        elif _is_union(value) and re.search(rf"^{name} = ", source, re.MULTILINE):
            names.add(name)  # an alias has no module of its own: it is where it is assigned
    return names


@pytest.mark.parametrize("name", _MODEL_MODULES)
def test_every_declared_model_is_in_its_modules_all(name: str) -> None:
    module = _module(name)
    shared = _SHARED if name == "server_events" else set()
    assert set(module.__all__) == _declared(module) | shared
    for each in shared:
        assert getattr(module, each) is getattr(rtmsg.common, each)


@pytest.mark.parametrize("name", [*_MODEL_MODULES, "errors", "codec", "stream"])
def test_every_public_name_is_exported_by_rtmsg(name: str) -> None:
    # The modules of 0.1.1, which re-export from the modules that declare the names now.
    module = importlib.import_module(f"rtmsg.{name}")
    missing = [n for n in module.__all__ if n not in rtmsg.__all__]
    assert not missing
    for exported in module.__all__:
        assert getattr(rtmsg, exported) is getattr(module, exported)


def test_rtmsg_all_has_no_duplicates_and_no_missing_names() -> None:
    assert len(rtmsg.__all__) == len(set(rtmsg.__all__))
    assert all(hasattr(rtmsg, name) for name in rtmsg.__all__)


@pytest.mark.parametrize("name", list(_EVENT_MODULES))
def test_every_event_class_is_in_the_union_and_the_enum(name: str) -> None:
    module = _module(name)
    union, kinds = _EVENT_MODULES[name]
    events = {
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, rtmsg.Event)
        and (value.__module__ == module.__name__ or value.__name__ in _SHARED)
    }
    assert events == set(typing.get_args(union))
    assert {cls.event_type for cls in events} == {kind.value for kind in kinds}
    assert issubclass(kinds, enum.StrEnum)
    for cls in events:
        # The naming rule: the wire type in CamelCase without dots, the enum in UPPER_SNAKE.
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str)
        assert cls.__name__ == "".join(
            part.capitalize() for part in tag.replace(".", "_").split("_")
        )
        assert kinds[tag.replace(".", "_").upper()] == tag
        assert issubclass(cls, msgspec.Struct)


def _public_api() -> list[tuple[str, str]]:
    pairs = (line.split() for line in _PUBLIC_API.read_text().splitlines() if line.strip())
    return [(module, name) for module, name in pairs]


def test_every_name_of_0_1_1_is_where_users_imported_it_from() -> None:
    api = _public_api()
    assert len(api) > 300  # the file is the list, not an empty one
    moved = []
    for module_name, name in api:
        module = importlib.import_module(module_name)
        if name not in getattr(module, "__all__", ()) or not hasattr(module, name):
            moved.append(f"{module_name}.{name}")
    assert not moved


def test_the_old_module_paths_give_the_same_objects_as_rtmsg() -> None:
    codec_modules = {f"rtmsg.{name}" for name in [*_MODEL_MODULES, "errors", "codec", "stream"]}
    checked = 0
    for module_name, name in _public_api():
        if module_name in codec_modules:
            assert getattr(importlib.import_module(module_name), name) is getattr(rtmsg, name)
            checked += 1
    assert checked > 100


_LIVE_MODULES = ["live.session", "live.items", "live.events", "live.responses"]
_RENAMED: dict[str, str] = {
    # Where a type string names two events, or one on two connections (rtmsg.live.events).
    "SessionInputAudioAppendReflection": "session.input_audio.append",
    "LegacyTransportDtmfSend": "transport.dtmf.send",
    "ForkSessionStart": "session.start",
}


@pytest.mark.parametrize("name", _LIVE_MODULES)
def test_every_declared_live_model_is_in_its_modules_all(name: str) -> None:
    module = importlib.import_module(f"rtmsg.{name}")
    assert set(module.__all__) - {"decode_response_event", "reroot", "ResponseEventDecoder"} == (
        _declared(module) - {"ResponseEventDecoder"}
    )


@pytest.mark.parametrize("name", ["live.session", "live.items", "live.events", "live.codec"])
def test_every_live_name_is_exported_by_rtmsg_live(name: str) -> None:
    module = importlib.import_module(f"rtmsg.{name}")
    for exported in module.__all__:
        assert getattr(rtmsg.live, exported) is getattr(module, exported)
    assert len(rtmsg.live.__all__) == len(set(rtmsg.live.__all__))


def test_every_live_event_class_follows_the_naming_rule_or_is_listed() -> None:
    module = importlib.import_module("rtmsg.live.events")
    events = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, rtmsg.Event)
        and value.__module__ == module.__name__
    ]
    unions = [
        rtmsg.live.ClientEvent,
        rtmsg.live.ServerEvent,
        rtmsg.live.AttachClientEvent,
        rtmsg.live.AttachServerEvent,
        rtmsg.live.ForkClientEvent,
        rtmsg.live.ForkServerEvent,
    ]
    assert set(events) == {cls for union in unions for cls in typing.get_args(union)}
    for cls in events:
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str)
        rule = "".join(part.capitalize() for part in tag.replace(".", "_").split("_"))
        assert cls.__name__ == rule or _RENAMED[cls.__name__] == tag, cls.__name__
