"""A Live fork's configuration: the stored session's, with the overrides of the fork's start.

A pure function of the models, apart from the mock's session logic. What a fork may change is
the SDK's ``ForkSessionConfig``: the audio format of its WebSocket, the settings of a
Responses backend the stored session already has, and whether the fork is stored; the model
is the stored session's, and ``client`` (a data channel's permissions) is for WebRTC forks.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from ..live import Audio, ForkAudio, ForkSessionConfig, ResponsesDelegation, Session

__all__ = ["fork_session"]


def fork_session(
    stored: Session, overrides: ForkSessionConfig, session_id: str
) -> Session | tuple[str, str]:
    """The fork's session, named ``session_id``; or why the overrides are refused and where
    (a message, and the parameter's path for the ``error`` event)."""
    if overrides.client not in (None, UNSET):
        return "Client overrides are only supported for WebRTC forks.", "session.client"
    changes: dict[str, Any] = {"id": session_id, "status": "active"}
    if isinstance(overrides.audio, ForkAudio) and overrides.audio.format not in (None, UNSET):
        audio = stored.audio if isinstance(stored.audio, Audio) else Audio()
        changes["audio"] = msgspec.structs.replace(audio, format=overrides.audio.format)
    delegation = overrides.delegation
    if delegation is not None and delegation is not UNSET:
        current = stored.delegation
        if not isinstance(current, ResponsesDelegation):
            message = (
                "Delegation overrides are only supported when the stored session uses "
                "Responses delegation."
            )
            return message, "session.delegation"
        responses = current.responses
        update = delegation.responses
        if update is not None and update is not UNSET:
            responses = msgspec.structs.replace(responses, **_given(update))
        changes["delegation"] = msgspec.structs.replace(
            current, responses=responses, **_given(delegation, "acknowledgement_delay_ms")
        )
    if overrides.store is not UNSET:
        changes["store"] = overrides.store
    return msgspec.structs.replace(stored, **changes)


def _given(struct: msgspec.Struct, *names: str) -> dict[str, Any]:
    """The fields of ``struct`` (those in ``names``, if given) that are set and not null."""
    fields = names or struct.__struct_fields__
    return {
        name: value
        for name in fields
        if (value := getattr(struct, name)) is not UNSET and value is not None
    }
