"""The opening handshake as the relay reads it: one function from a request to a verdict, no I/O.

Both transports hand :func:`read_request` the request line's target and the headers as they
parsed them (values decoded as ASCII with ``surrogateescape``, so a byte outside ASCII shows as
a lone surrogate), and get back either an :class:`Upgrade` (what to open upstream with) or a
:class:`Refusal` (the 4xx to answer, and its cause for the log and the metrics). Everything a
client can get wrong is caught here, before any upstream connection exists, so that a
malformed request is the client's 4xx and never the relay's 500: missing or wrong upgrade
headers, a bad ``Sec-WebSocket-Key`` or version, a subprotocol that is not an HTTP token, a
header value with a control byte or a byte outside ASCII, a target that is not an absolute path.

A refusal's text names the header at fault, never its value: values carry API keys.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Iterable
from typing import Final, Literal

__all__ = [
    "HOP_BY_HOP",
    "Cause",
    "Refusal",
    "Upgrade",
    "read_request",
    "subprotocols_of",
]

Cause = Literal[
    "bad_request",
    "not_websocket",
    "bad_header",
    "bad_subprotocol",
    "draining",
    "upstream_refused",
    "upstream_unreachable",
    "upstream_timeout",
    "upstream_subprotocol",
    "client_gone",
    "incomplete",
]
# "incomplete" (a connection closed before its request) is only logged (at DEBUG), not counted.
"""Why an opening handshake failed: the closed set of the metric's ``cause`` label."""

HOP_BY_HOP: Final = frozenset(
    {
        "host",
        "connection",
        "upgrade",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "content-length",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-accept",
        "sec-websocket-protocol",
    }
)
"""Headers of one hop's handshake, never forwarded (subprotocols are offered separately)."""

# RFC 9110: a token is one or more tchar; a field value is visible ASCII, space and tab
# (obs-text, bytes above 0x7e, is refused: no client of this API sends it, and the
# upstream's HTTP stack would have to guess its encoding).
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE: Final = re.compile(r"[\t\x20-\x7e]*")
_TARGET: Final = re.compile(r"/[!-~]*")


@dataclasses.dataclass(frozen=True, slots=True)
class Upgrade:
    """A valid WebSocket upgrade: what the relay opens its upstream connection with.

    ``target`` is the request target (path and query, as sent), ``path`` the same without
    its query (what logs show), ``headers`` the end-to-end headers in order (hop-by-hop ones
    and those the ``Connection`` header names are left out), ``subprotocols`` the tokens
    offered, in order.
    """

    target: str
    path: str
    headers: tuple[tuple[str, str], ...]
    subprotocols: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """An HTTP answer instead of an upgrade: ``status``, a one-line ``text`` and its ``cause``."""

    status: int
    text: str
    cause: Cause

    @property
    def body(self) -> bytes:
        return (self.text + "\n").encode()


def subprotocols_of(values: Iterable[str]) -> tuple[str, ...] | None:
    """The tokens of ``Sec-WebSocket-Protocol`` header values, or ``None`` if one is not a token."""
    offered: list[str] = []
    for value in values:
        for item in value.split(","):
            token = item.strip(" \t")
            if not token:
                continue
            if not _TOKEN.fullmatch(token):
                return None
            offered.append(token)
    return tuple(offered)


def read_request(method: str, target: str, headers: Iterable[tuple[str, str]]) -> Upgrade | Refusal:
    """Check an upgrade request; the headers as ``(name, value)`` pairs in wire order."""
    if method != "GET" or not _TARGET.fullmatch(target):
        return Refusal(400, "Bad request: expected GET with an absolute path.", "bad_request")
    pairs = list(headers)
    by_name: dict[str, list[str]] = {}
    for name, value in pairs:
        if not _TOKEN.fullmatch(name):
            return Refusal(400, "Bad request: invalid header name.", "bad_header")
        if not _FIELD_VALUE.fullmatch(value):
            return Refusal(400, f"Bad request: invalid value in header {name}.", "bad_header")
        by_name.setdefault(name.lower(), []).append(value)
    connection = {
        option.strip(" \t").lower()
        for value in by_name.get("connection", ())
        for option in value.split(",")
    }
    upgrade = {
        option.strip(" \t").lower()
        for value in by_name.get("upgrade", ())
        for option in value.split(",")
    }
    if "upgrade" not in connection or "websocket" not in upgrade:
        return Refusal(426, "Upgrade required: this is a WebSocket endpoint.", "not_websocket")
    if by_name.get("sec-websocket-version") != ["13"]:
        return Refusal(400, "Bad request: Sec-WebSocket-Version must be 13.", "bad_header")
    keys = by_name.get("sec-websocket-key", [])
    if len(keys) != 1 or not _valid_key(keys[0]):
        return Refusal(400, "Bad request: invalid Sec-WebSocket-Key.", "bad_header")
    offered = subprotocols_of(by_name.get("sec-websocket-protocol", ()))
    if offered is None:
        return Refusal(400, "Bad request: invalid Sec-WebSocket-Protocol.", "bad_subprotocol")
    dropped = HOP_BY_HOP | connection
    forwarded = tuple((name, value) for name, value in pairs if name.lower() not in dropped)
    path = target.partition("?")[0]
    return Upgrade(target=target, path=path, headers=forwarded, subprotocols=offered)


def _valid_key(key: str) -> bool:
    try:
        return len(base64.b64decode(key.encode("ascii"), validate=True)) == 16
    except (binascii.Error, UnicodeEncodeError):
        return False
