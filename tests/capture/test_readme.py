"""The README's examples of the capture format hold (the commands': test_readme_examples.py)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from rtmsg.capture import encode_record

ROOT = Path(__file__).resolve().parent.parent.parent


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"### {title}\n")
    end = text.index("\n### ", start + 1)
    return text[start:end]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def test_the_record_examples_are_what_the_writer_writes() -> None:
    shown = _blocks(_section("The capture format"), "json")
    assert shown == [
        encode_record(
            1764081134.123456, "client", b'{"type":"input_audio_buffer.commit"}', session=1
        ).decode(),
        encode_record(
            1764081135.5,
            "server",
            b'{"type":"session.closed","event_id":"e9"}',
            "translation",
            session=2,
        ).decode(),
        encode_record(1764081135.5, "server", b"\x00\xff binary", session=2, binary=True).decode(),
    ]


def test_the_python_example_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = _section("The capture format")
    [code] = _blocks(section, "python")
    [shown] = _blocks(section, "text")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})
    assert out.getvalue() == shown
