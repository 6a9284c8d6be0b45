"""Masking credentials in text: the one place that knows what a secret looks like in a log.

Separate so that the error types, the models' reprs and the relay's logs share
one set of rules, and so that it imports nothing but the standard library.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["redact"]

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
