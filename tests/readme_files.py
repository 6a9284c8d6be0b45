"""The files the README's examples read, made the way a user makes them.

``session.jsonl`` and ``translation.jsonl`` are what ``rtmsg relay --capture`` records of a
session with ``rtmsg mock-server``: the mock's own session logic (:mod:`rtmsg.relay`) answers
a scripted client, and the relay's part (answering an invalid client frame with the ``error``
event, and not forwarding it) is played as the relay plays it. Time is a virtual clock that
advances by the script's pauses and the mock's own, so the files, and every output the
README shows of them, are the same on every run. ``captures/`` is the fleet of
:mod:`fleet`, and ``fleet/`` its dataset, as ``rtmsg export`` makes it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import rtmsg
from rtmsg import translation
from rtmsg.capture import CaptureWriter, Direction, Protocol
from rtmsg.protocols import endpoint
from rtmsg.relay.conversation import Conversation, Sleep
from rtmsg.relay.mock import SessionKind
from rtmsg.relay.translation_mock import TranslationSession

__all__ = ["FILES", "make"]

START: Final = 1_764_081_134.0
"""2025-11-25 14:32:14 UTC, when the recorded sessions start."""

_PCM_100MS: Final = b"\0\1" * 2400  # 100 ms of 24 kHz pcm16 mono

Script = Sequence[tuple[float, bytes]]
"""What the client sends: ``(seconds after the previous frame, frame)``."""


def _frame(event: rtmsg.Event) -> bytes:
    return rtmsg.encode(event)


def _conversation_script() -> Script:
    script: list[tuple[float, bytes]] = [
        (
            0.05,
            _frame(rtmsg.SessionUpdate(session=rtmsg.Session(instructions="Be brief."))),
        )
    ]
    append = _frame(rtmsg.InputAudioBufferAppend.from_pcm(_PCM_100MS))
    for _ in range(3):
        script += [(0.1, append)] * 10
        script += [
            (0.1, _frame(rtmsg.InputAudioBufferCommit())),
            (0.01, _frame(rtmsg.ResponseCreate())),
        ]
    # a client mistake: the relay answers it as the service would, and does not forward it
    script.append((0.2, b'{"type":"conversation.item.delete","event_id":"evt_7"}'))
    return script


def _translation_script() -> Script:
    update = translation.SessionUpdate(
        session=translation.SessionUpdateRequest(
            audio=translation.Audio(
                input=translation.AudioInput(
                    transcription=translation.AudioInputTranscription(model="gpt-4o-transcribe")
                ),
                output=translation.AudioOutput(language="fr"),
            )
        )
    )
    append = translation.SessionInputAudioBufferAppend(audio=base64.b64encode(_PCM_100MS).decode())
    return [
        (0.01, _frame(update)),
        *[(0.1, _frame(append))] * 5,
        (0.05, _frame(translation.SessionClose())),
    ]


def record(path: Path, session: SessionKind, script: Script, protocol: Protocol) -> Path:
    """Play ``script`` against ``session`` through a relay that records to ``path``.

    The relay numbers its sessions from 1 and says so in each record: this is its first.
    """
    decode = endpoint(protocol).decode_client
    clock = START
    relay_errors = 0
    with CaptureWriter(path) as writer:

        def send(events: Iterable[Any]) -> None:
            for event in events:
                writer.write(
                    "server", rtmsg.encode(event), t=round(clock, 6), protocol=protocol, session=1
                )

        send(session.start())
        for pause, frame in script:
            clock += pause
            writer.write("client", frame, t=round(clock, 6), protocol=protocol, session=1)
            try:
                decode(frame)
            except rtmsg.DecodeError as exc:
                relay_errors += 1
                send([rtmsg.error_event(exc, event_id=f"event_relay_{relay_errors}")])
                continue
            send(session.receive(frame))
            stream = session.take_response()
            for step in stream or ():
                if isinstance(step, Sleep):
                    clock += step.seconds
                else:
                    send([step])
    return path


def _session(root: Path) -> None:
    conversation = Conversation(first_audio_delay_s=0.25)
    record(root / "session.jsonl", conversation, _conversation_script(), "conversation")


def _translation(root: Path) -> None:
    session = TranslationSession(expires_at=int(START) + 3600)
    record(root / "translation.jsonl", session, _translation_script(), "translation")


def _shared(root: Path) -> None:
    """Two voice sessions through one relay, recorded into one file."""
    path = root / "shared.jsonl"
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


def _empty(root: Path) -> None:
    with CaptureWriter(root / "empty.jsonl"):
        pass


def _captures(root: Path) -> None:
    from fleet import write_fleet

    write_fleet(root / "captures")


def _fleet(root: Path) -> None:
    from rtmsg import analytics

    make(root, ["captures"])
    pattern = "session-{session}.jsonl*"
    analytics.export(sorted((root / "captures").glob("session-*")), root / "fleet", session=pattern)


FILES: Final[dict[str, Callable[[Path], None]]] = {
    "session.jsonl": _session,
    "translation.jsonl": _translation,
    "shared.jsonl": _shared,
    "empty.jsonl": _empty,
    "captures": _captures,
    "fleet": _fleet,
}
"""Each file (or directory) an example may need, and how it is made in a directory."""


def make(root: Path, names: Iterable[str]) -> None:
    """Make in ``root`` each of ``names`` (keys of :data:`FILES`) that is not there yet."""
    for name in names:
        if not (root / name).exists():
            FILES[name](root)
