"""The README's examples of the capture format, ``rtmsg check`` and ``rtmsg stats`` hold."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import rtmsg
from rtmsg import cli
from rtmsg.capture import CaptureWriter, Direction, encode_record

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


def _command_blocks(title: str) -> dict[str, str]:
    """Each ``$ rtmsg ...`` text block of a section, by its command line: its output."""
    blocks = {}
    for block in _blocks(_section(title), "text"):
        command, _, output = block.partition("\n")
        blocks[command] = output
    return blocks


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    cli.main(argv)
    return capsys.readouterr().out


def test_the_check_of_an_empty_file_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("empty.jsonl").write_bytes(b"")
    shown = _command_blocks("`rtmsg check FILE...`")["$ rtmsg check empty.jsonl"]
    assert _run(["check", "empty.jsonl"], capsys) == shown


def shared_capture(path: Path) -> None:
    """Two voice sessions through one relay, recorded into one file."""
    delta = rtmsg.ResponseOutputAudioDelta.from_pcm(
        b"\0" * 24_000, event_id="e", response_id="r", item_id="i", output_index=0, content_index=0
    )

    def done(tokens: int) -> rtmsg.ResponseDone:
        usage = rtmsg.Usage(input_tokens=tokens, output_tokens=tokens, total_tokens=2 * tokens)
        return rtmsg.ResponseDone(
            event_id="e", response=rtmsg.Response(status="completed", usage=usage)
        )

    def turn(
        session: int, start: float, latency: float, tokens: int
    ) -> list[tuple[float, int, Direction, rtmsg.Event]]:
        return [
            (start, session, "client", rtmsg.InputAudioBufferAppend.from_pcm(b"\0" * 48_000)),
            (
                start + 1.0,
                session,
                "server",
                rtmsg.InputAudioBufferSpeechStopped(event_id="e", item_id="i", audio_end_ms=1000),
            ),
            (
                start + 1.0,
                session,
                "server",
                rtmsg.InputAudioBufferCommitted(event_id="e", item_id="i"),
            ),
            (start + 1.0 + latency, session, "server", delta),
            (start + 1.5 + latency, session, "server", done(tokens)),
        ]

    created = rtmsg.SessionCreated(event_id="e", session=rtmsg.Session())
    frames: list[tuple[float, int, Direction, rtmsg.Event]] = [
        (100.0, 1, "server", created),
        (101.0, 2, "server", created),
        *turn(1, 102.0, 0.25, 40),
        *turn(2, 102.5, 0.5, 60),
        *turn(1, 106.0, 0.2, 50),
    ]
    with CaptureWriter(path) as writer:
        for t, session, direction, event in sorted(frames, key=lambda frame: frame[0]):
            writer.write(direction, rtmsg.encode(event), t=1764081000.0 + t, session=session)


def test_the_stats_of_a_shared_capture_print_what_they_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shared_capture(Path("shared.jsonl"))
    shown = _command_blocks("`rtmsg stats FILE`")["$ rtmsg stats shared.jsonl"]
    assert _run(["stats", "shared.jsonl"], capsys) == shown
