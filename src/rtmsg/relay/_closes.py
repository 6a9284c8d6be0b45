"""Close codes, and how the relay closes one leg of a session when the other ended.

Pure functions of a code and a reason, shared by both transports: the README's close-code
table is these functions.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ABNORMAL",
    "BAD_GATEWAY",
    "GOING_AWAY",
    "INTERNAL_ERROR",
    "INVALID_DATA",
    "NORMAL",
    "NO_STATUS",
    "PROTOCOL_ERROR",
    "TLS_FAILED",
    "TOO_BIG",
    "close_for_client",
    "close_for_upstream",
    "upstream_refused_close",
]

NORMAL: Final = 1000
GOING_AWAY: Final = 1001
PROTOCOL_ERROR: Final = 1002
NO_STATUS: Final = 1005
ABNORMAL: Final = 1006
INVALID_DATA: Final = 1007
TOO_BIG: Final = 1009
INTERNAL_ERROR: Final = 1011
BAD_GATEWAY: Final = 1014
TLS_FAILED: Final = 1015

# Codes an endpoint may put in a close frame (RFC 6455 7.4; 1004-1006 and 1015 are not).
_SENDABLE: Final = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)})


def close_for_upstream(code: int | None, reason: str) -> tuple[int, str]:
    """How the upstream is closed after the client's connection ended with ``code``.

    ``None``, 1006 and 1015 (no close frame) become 1001; 1005 (no status) becomes 1000.
    """
    if code is None or code in (ABNORMAL, TLS_FAILED):
        return GOING_AWAY, "client went away"
    return _passed(code, reason)


def close_for_client(code: int | None, reason: str) -> tuple[int, str]:
    """How the client is closed after the upstream's connection ended with ``code``.

    ``None``, 1006 and 1015 (no close frame) become 1014 (bad gateway); 1005 becomes 1000.
    """
    if code is None or code in (ABNORMAL, TLS_FAILED):
        return BAD_GATEWAY, "upstream went away"
    return _passed(code, reason)


def _passed(code: int, reason: str) -> tuple[int, str]:
    if code == NO_STATUS:
        return NORMAL, ""
    if code in _SENDABLE or 3000 <= code < 5000:
        return code, reason
    return NORMAL, reason


def upstream_refused_close(status: int) -> tuple[int, str]:
    """The close a client gets, after its 101, when the upstream answers ``status`` instead.

    4000 + the status for a 4xx or 5xx (4401, 4404, 4503), 1014 for anything else.
    """
    if 400 <= status < 600:
        return 4000 + status, f"upstream refused the handshake: HTTP {status}"
    return BAD_GATEWAY, f"upstream answered the handshake with HTTP {status}"
