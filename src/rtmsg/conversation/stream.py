"""The conversation's events from a stream of frames, one per line (JSONL), decoded lazily.

The reading is the engine's (:func:`rtmsg.engine.stream.iter_events`); these are its typed
entry points with the conversation's decoders for the frame limit asked for.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..engine.decoding import Unknown
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from ..engine.stream import ErrorHandler, LineSource, iter_events
from .client_events import ClientEvent
from .protocol import ENDPOINT
from .server_events import ServerEvent

__all__ = ["iter_client_events", "iter_server_events"]


def iter_client_events(
    source: LineSource,
    *,
    on_error: ErrorHandler | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> Iterator[ClientEvent | Unknown]:
    """Decode the client events of ``source``, one frame per line, lazily.

    Lines end with ``\\n`` or ``\\r\\n``; blank lines are skipped. A bad line raises
    :class:`~rtmsg.StreamDecodeError` and ends the iteration, unless ``on_error`` is given:
    then it is called with the error (it may raise it, log it or count it) and the
    line is skipped. An :class:`~rtmsg.Unknown`'s ``raw`` is its line without the line end.

    A line longer than ``max_frame_bytes`` (not counting its line end; ``None`` for no
    limit) is a bad line with ``code=ErrorCode.FRAME_TOO_LARGE``; at most ``max_frame_bytes + 2``
    bytes of it are read before it is reported, and the rest is skipped without being kept.
    """
    decode = ENDPOINT.decoder("client", max_frame_bytes)
    return iter_events(source, decode, on_error=on_error, max_frame_bytes=max_frame_bytes)


def iter_server_events(
    source: LineSource,
    *,
    on_error: ErrorHandler | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> Iterator[ServerEvent | Unknown]:
    """Decode the server events of ``source``, one per line; see :func:`iter_client_events`."""
    decode = ENDPOINT.decoder("server", max_frame_bytes)
    return iter_events(source, decode, on_error=on_error, max_frame_bytes=max_frame_bytes)
