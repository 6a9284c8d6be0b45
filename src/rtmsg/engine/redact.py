"""What counts as a secret, and masking it: the one home of rtmsg's rules for safe logs.

Separate so that the models' reprs (:mod:`.base`), the codec's messages and the
relay's logs (:mod:`rtmsg.relay._logging`) share one set of rules, and so that it can be
read, reviewed and tested on its own. Standard library only.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["SECRET_FIELDS", "SECRET_HEADERS", "redact"]

SECRET_FIELDS: Final = frozenset(
    {"authorization", "api_key", "client_secret", "secret", "password", "access_token"}
)
"""Model fields whose value a repr never shows (besides every value of a ``headers`` field)."""

SECRET_HEADERS: Final = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "api-key",
        "x-api-key",
        "openai-api-key",
        # Browser clients pass their key as a subprotocol: "openai-insecure-api-key.sk-…".
        "sec-websocket-protocol",
    }
)
"""HTTP headers (lower case) whose value a log never shows."""

_SECRET: Final = re.compile(
    r"\b(?P<key>sk-|ek_)[A-Za-z0-9_\-]{8,}|\b(?P<scheme>(?i:bearer))\s+[A-Za-z0-9._~+/\-]{12,}=*"
)
# ``https://user:password@host`` and ``?api_key=…&token=…`` in URLs.
_URL_USERINFO: Final = re.compile(r"(?<=://)[^/?#@\s]+@")
_URL_SECRET_PARAM: Final = re.compile(
    r"(?i)(?<=[?&;])((?:[a-z0-9_\-]*(?:key|token|secret|password|passwd|auth|sig|signature|"
    r"credential)[a-z0-9_\-]*)=)[^&;#\s'\"]+"
)


def redact(text: str) -> str:
    """``text`` with API keys, bearer tokens and URL credentials masked, for logs and reprs."""
    text = _SECRET.sub(_redact, text)
    if "://" in text or "=" in text:
        text = _URL_USERINFO.sub("<redacted>@", text)
        text = _URL_SECRET_PARAM.sub(r"\1<redacted>", text)
    return text


def _redact(match: re.Match[str]) -> str:
    return f"{match.group('key') or match.group('scheme') + ' '}<redacted>"
