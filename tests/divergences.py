"""The deliberate differences from the references that several test modules check.

Each module keeps the differences only it checks in its own table; what is here is read
by the spec comparison, the SDK differential test and the real-frame corpus alike.
"""

from __future__ import annotations

from rtmsg import live

__all__ = ["REQUIRED_BY_SERVICE", "SERVER_ONLY_CONTENT"]

SERVER_ONLY_CONTENT: dict[str, frozenset[str]] = {"assistant": frozenset({"text", "audio"})}
"""Content part types, by message role, that server events may carry and client events may not.

The server's assistant items (``conversation.item.retrieved``, ``response.output_item.done``)
use the part types of ``response.content_part.*``: the spec's own examples and live frames
do; the spec's message schemas and the SDK allow ``output_text`` and ``output_audio`` only.
"""

_DELEGATION_ID = (
    "'Required, nullable' in the SDK's own docstring: null for the whole session, a"
    " delegation's ID otherwise; the SDK types it Optional with a default, and clients"
    " that observed the service send it always (Travizm/dsh-openai-live docs)"
)

REQUIRED_BY_SERVICE: dict[tuple[type, str], str] = {
    (live.SessionInstructionsAppend, "delegation_id"): _DELEGATION_ID,
    (live.SessionThinkingAppend, "delegation_id"): _DELEGATION_ID,
    (live.SessionCommentaryAppend, "delegation_id"): _DELEGATION_ID,
}
"""Fields the SDK declares optional and the service requires, so rtmsg does; why for each."""
