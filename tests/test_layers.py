"""The package's layers: no import cycle anywhere, and contracts that fail on a back-up import.

``make lint`` runs ``lint-imports`` with the contracts of ``pyproject.toml``. These tests
keep the contracts honest: the graph has no cycle at all (import-linter's layers leave
cycles inside a layer to the layer), and a planted import that runs back up the layers, or
from one protocol into another, or from the codec into an I/O module, breaks them.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib
from typing import Any

import grimp
import pytest

import rtmsg
import rtmsg.protocols

ROOT = pathlib.Path(__file__).parent.parent
PACKAGE = pathlib.Path(rtmsg.__file__).parent


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("rtmsg")
    assert len(graph.modules) > 50
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert _cycles(graph) == [["a.b", "a.c"]]


def _lint_imports(tmp_path: pathlib.Path, plant: tuple[str, str, str] | None) -> str:
    """``lint-imports`` on a copy of the package, with one line replaced in one module."""
    copy = tmp_path / "src" / "rtmsg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if plant is not None:
        module, line, planted = plant
        path = copy / module
        text = path.read_text()
        assert line in text
        path.write_text(text.replace(line, f"{line}\n{planted}", 1))
    lint = pathlib.Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Some releases colour their report whether or not it goes to a terminal.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    return f"exit {result.returncode}\n{plain}"


def test_the_contracts_hold_on_the_package(tmp_path: pathlib.Path) -> None:
    output = _lint_imports(tmp_path, None)
    assert output.startswith("exit 0"), output
    assert "0 broken" in output


@pytest.mark.parametrize(
    ("plant", "broken"),
    [
        # The engine reading a tool's module: a back-up import.
        (
            ("engine/errors.py", "from .redact import redact", "from ..capture import Record"),
            "The layers",
        ),
        # One protocol importing another.
        (
            (
                "translation/events.py",
                "from ..common.errors import Error",
                "from ..conversation.session import AudioFormat",
            ),
            "The layers",
        ),
        # The codec importing an I/O module.
        (("engine/base.py", "import binascii", "import asyncio"), "no I/O module"),
        # A tool importing a module kept only for users.
        (("inspection/check.py", "import msgspec", "import rtmsg.codec"), "kept for 0.1.1"),
        # A tool, or the relay's core, importing a protocol's package instead of the registry.
        (
            ("capture/records.py", "import binascii", "from ..live import decode_client_event"),
            "only through the registry",
        ),
        (
            (
                "relay/_core.py",
                "from ..protocols import route",
                "from ..conversation import client_events",
            ),
            "only through the registry",
        ),
        # The relay importing analytics: two tools, independent of each other.
        (
            ("relay/_core.py", "from ..protocols import route", "from ..analytics import events"),
            "The layers",
        ),
    ],
)
def test_a_planted_import_breaks_a_contract(
    tmp_path: pathlib.Path, plant: tuple[str, str, str], broken: str
) -> None:
    output = _lint_imports(tmp_path, plant)
    assert output.startswith("exit 1"), output
    broken_lines = [line for line in output.splitlines() if line.endswith("BROKEN")]
    assert any(broken in line for line in broken_lines), output


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_relay_module_but_the_simulations_knows_protocols_through_the_registry() -> None:
    # A module of the relay that no simulation reaches (a transport, the core, the mock's
    # server) must be held to the contract: listed among its sources, by name.
    graph = grimp.build_graph("rtmsg")
    relay = graph.find_descendants("rtmsg.relay")
    simulations = {"rtmsg.relay.simulations"} | (
        graph.find_upstream_modules("rtmsg.relay.simulations") & relay
    )
    (contract,) = [c for c in _contracts() if "only through the registry" in c["name"]]
    assert relay - simulations <= set(contract["source_modules"])
    # and it forbids every protocol package.
    packages = {e.client.__module__.rsplit(".", 1)[0] for e in rtmsg.protocols.endpoints()}
    assert set(contract["forbidden_modules"]) == packages


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Adding an event, adding a protocol")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readme_shows_the_translation_declaration_as_it_is() -> None:
    section = _readme_section()
    block = section[section.index("```python\n") + 10 :]
    block = block[: block.index("```")]
    code = [re.sub(r"\s+#.*$", "", line) for line in block.splitlines()]
    source = (PACKAGE / "translation" / "protocol.py").read_text().splitlines()
    start = source.index(code[0])
    assert source[start : start + len(code)] == code


def test_the_readme_lists_the_registered_protocols() -> None:
    section = _readme_section()
    command, shown = re.findall(r"\$ python -c '([^']*)'\n(.*)\n", section)[0]
    result = subprocess.run(
        [sys.executable, "-c", command], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == shown


def test_the_readme_and_the_layers_show_every_registered_protocol() -> None:
    # Each protocol's package, as the registry knows it (the package of its decoders).
    packages = {e.client.__module__.rsplit(".", 1)[0] for e in rtmsg.protocols.endpoints()}
    diagram = _readme_section().split("```text\n", 1)[1].split("```", 1)[0]
    (line,) = [each for each in diagram.splitlines() if "one package per protocol" in each]
    assert set(re.findall(r"rtmsg\.\w+", line)) == packages
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    protocol_layer = [layer for layer in layers if "rtmsg.conversation" in layer]
    assert [set(layer.split(" | ")) for layer in protocol_layer] == [packages]
