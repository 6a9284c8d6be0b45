"""The deliberate differences from the references that several test modules check.

Each module keeps the differences only it checks in its own table; what is here is read
by the spec comparison, the SDK differential test and the real-frame corpus alike.
"""

from __future__ import annotations

__all__ = ["SERVER_ONLY_CONTENT"]

SERVER_ONLY_CONTENT: dict[str, frozenset[str]] = {"assistant": frozenset({"text", "audio"})}
"""Content part types, by message role, that server events may carry and client events may not.

The server's assistant items (``conversation.item.retrieved``, ``response.output_item.done``)
use the part types of ``response.content_part.*``: the spec's own examples and live frames
do; the spec's message schemas and the SDK allow ``output_text`` and ``output_audio`` only.
"""
