"""Which session a capture holds, and what its files are called in a dataset.

Separate from the tables and the writer because both the single-process export and every
cluster worker must derive the same names from the same paths: a capture's files are named
after its session only, so that re-running an export, or running it in parallel, writes the
same files.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote

__all__ = ["Paths", "as_paths", "file_stem", "plan", "session_name", "utf8"]

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""One capture's path, or any number of them."""

PLACEHOLDER: Final = "{session}"
_MAX_STEM: Final = 200


def as_paths(paths: Paths) -> list[str]:
    """``paths`` as a list of strings; a single path is a list of one."""
    if isinstance(paths, str | os.PathLike):
        return [os.fspath(paths)]
    return [os.fspath(path) for path in paths]


def utf8(text: str) -> str:
    """``text`` as valid UTF-8, which Arrow strings must be.

    A file name that is not UTF-8 comes from ``os`` with lone surrogates in it (PEP 383):
    its bad bytes become U+FFFD.
    """
    try:
        text.encode()
    except UnicodeEncodeError:
        try:
            data = text.encode(errors="surrogateescape")
        except UnicodeEncodeError:  # a surrogate that stands for no byte
            data = text.encode(errors="replace")
        return data.decode(errors="replace")
    return text


def _regex(pattern: str) -> re.Pattern[str]:
    if pattern.count(PLACEHOLDER) != 1:
        raise ValueError(f"a session pattern holds {PLACEHOLDER} exactly once, not {pattern!r}")
    before, after = pattern.split(PLACEHOLDER)

    def literal(text: str) -> str:
        return re.escape(text).replace(r"\*", "[^/]*")

    return re.compile(rf"{literal(before)}(?P<session>.+){literal(after)}")


def session_name(path: str | os.PathLike[str], pattern: str | None = None) -> str:
    """The session held by the capture at ``path``.

    Without ``pattern``: the file name without ``.gz`` and its extension
    (``captures/session-17.jsonl.gz`` holds ``session-17``). With one: what ``{session}``
    matches in the shortest end of the path (whole names) that the pattern matches; ``*``
    matches within one name. For ``captures/run-2/session-17.jsonl.gz``,
    ``session-{session}.jsonl.gz`` gives ``17``, and ``captures/{session}.jsonl.gz`` gives
    ``run-2/session-17``: what follows ``captures/``, directories included. ``ValueError`` if
    no end of the path matches.
    """
    text = os.fspath(path).replace(os.sep, "/")
    if pattern is None:
        name = text.rsplit("/", 1)[-1]
        stem = name.removesuffix(".gz")
        stem = os.path.splitext(stem)[0] or stem
        return utf8(stem or name)
    regex = _regex(pattern)
    starts = [0] + [n + 1 for n, char in enumerate(text) if char == "/"]
    for start in reversed(starts):
        match = regex.fullmatch(text, start)
        if match is not None:
            return utf8(match["session"])
    raise ValueError(f"{utf8(text)} does not match the session pattern {pattern!r}")


def plan(paths: Paths, pattern: str | None = None) -> list[tuple[str, str]]:
    """``(path, session)`` for each capture, once each; ``ValueError`` if two share a session."""
    planned: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in as_paths(paths):
        session = session_name(path, pattern)
        other = seen.get(session)
        if other is None:
            seen[session] = path
            planned.append((path, session))
        elif other != path:
            raise ValueError(
                f"{other} and {path} both hold session {session!r}: give a session pattern "
                "that tells them apart (--session 'DIR/{session}.jsonl.gz' keeps the "
                "directories below DIR)"
            )
    return planned


def file_stem(session: str) -> str:
    """The file name (without ``.parquet``) of a session's files: reversible, safe anywhere.

    Percent-encoded, so that any session name makes one file name and no two sessions make
    the same. A leading ``.`` or ``_`` is encoded too, as readers skip files named so. A name
    too long for a file system keeps its start and gets a hash of the whole (``+h…``).
    """
    stem = quote(session, safe="")
    if stem[:1] in (".", "_"):
        stem = f"%{ord(stem[0]):02X}{stem[1:]}"
    if len(stem) > _MAX_STEM:
        digest = hashlib.sha256(session.encode()).hexdigest()[:16]
        stem = f"{stem[:180]}+h{digest}"
    return stem
