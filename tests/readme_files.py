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
from rtmsg.capture import CaptureWriter, Protocol
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
    """Play ``script`` against ``session`` through a relay that records to ``path``."""
    decode = endpoint(protocol).decode_client
    clock = START
    relay_errors = 0
    with CaptureWriter(path) as writer:

        def send(events: Iterable[Any]) -> None:
            for event in events:
                writer.write("server", rtmsg.encode(event), t=round(clock, 6), protocol=protocol)

        send(session.start())
        for pause, frame in script:
            clock += pause
            writer.write("client", frame, t=round(clock, 6), protocol=protocol)
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
    "captures": _captures,
    "fleet": _fleet,
}
"""Each file (or directory) an example may need, and how it is made in a directory."""


def make(root: Path, names: Iterable[str]) -> None:
    """Make in ``root`` each of ``names`` (keys of :data:`FILES`) that is not there yet."""
    for name in names:
        if not (root / name).exists():
            FILES[name](root)
