"""The README's Live section: its examples run and print what the section shows."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
from typing import Any

from servers import ServeRelayPair, run

README = pathlib.Path(__file__).parents[2] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_live_example_prints_what_the_readme_shows() -> None:
    section = _section("Live")
    code, shown = re.search(
        r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", section, re.S
    ).groups()  # type: ignore[union-attr]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})  # the example, as a reader runs it
    assert printed.getvalue() == shown


def test_the_sdk_example_runs_through_the_relay_to_the_mock(relay_pair: ServeRelayPair) -> None:
    section = _section("Live")
    code, shown = re.search(
        r"```python\n(import asyncio\n.*?)```\n\nprints\n\n```text\n(.*?)```", section, re.S
    ).groups()  # type: ignore[union-attr]
    body, run_line = code.rstrip("\n").rsplit("\n", 1)
    assert run_line == "asyncio.run(main())"
    namespace: dict[str, Any] = {}
    exec(compile(body, "README.md", "exec"), namespace)  # the example, without its last line
    printed = io.StringIO()

    async def scenario() -> None:
        async with relay_pair() as (_, _, relay_url, _):
            with contextlib.redirect_stdout(printed):
                await namespace["main"](f"{relay_url}/v1")

    run(scenario)
    assert printed.getvalue() == shown
