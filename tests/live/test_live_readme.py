"""The README's Live section: its example runs and prints what the section shows."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

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
