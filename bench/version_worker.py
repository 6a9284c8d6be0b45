"""One interpreter's side of the msgspec comparison: times a decode workload when asked.

Started by :mod:`bench.msgspec_versions` as ``python -m bench.version_worker`` in a venv
holding the msgspec release under test, with this checkout's ``src`` and root on
``PYTHONPATH``. It builds the corpus, warms every workload up and prints one JSON line
saying what it runs (versions, workloads); then, for each workload name it reads on stdin,
it runs it once untimed, then one timed round, and prints the CPU seconds that round took,
until stdin closes. It imports only the standard library, msgspec, rtmsg and
:mod:`bench.corpus`, so that a venv needs nothing but msgspec.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence

import msgspec

import rtmsg
from bench.corpus import Corpus, build_corpus

__all__ = ["MIXES", "PEERS", "main", "workloads"]

MIXES = ("client stream", "control events", "server stream")
PEERS = ("rtmsg", "untyped floor")

Run = Callable[[], None]
Decode = Callable[[bytes], object]


def _parts(corpus: Corpus, mix: str) -> list[tuple[str, list[bytes]]]:
    if mix == "client stream":
        return [("client", corpus.client)]
    if mix == "server stream":
        return [("server", corpus.server)]
    return [("client", corpus.control_client), ("server", corpus.control_server)]


def _decoder(peer: str, direction: str) -> Decode:
    if peer == "untyped floor":
        return msgspec.json.decode
    return rtmsg.decode_client_event if direction == "client" else rtmsg.decode_server_event


def workloads(corpus: Corpus) -> dict[str, tuple[Run, int, int]]:
    """Each workload by name (``"client stream, rtmsg"``): one round, frames, bytes."""
    found: dict[str, tuple[Run, int, int]] = {}
    for mix in MIXES:
        for peer in PEERS:
            parts = [
                (_decoder(peer, direction), frames) for direction, frames in _parts(corpus, mix)
            ]

            def run(parts: list[tuple[Decode, list[bytes]]] = parts) -> None:
                for decode, frames in parts:
                    for frame in frames:
                        decode(frame)

            n_frames = sum(len(frames) for _, frames in parts)
            n_bytes = sum(len(frame) for _, frames in parts for frame in frames)
            found[f"{mix}, {peer}"] = (run, n_frames, n_bytes)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.version_worker", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="simulated seconds a session")
    args = parser.parse_args(argv)
    runs = workloads(build_corpus(args.seconds))
    for run, _, _ in runs.values():
        for _ in range(3):
            run()
    hello = {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "executable": sys.executable,
        "msgspec": msgspec.__version__,
        "rtmsg": rtmsg.__file__,
        "workloads": {name: {"frames": n, "bytes": b} for name, (_, n, b) in runs.items()},
    }
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        run = runs[line.strip()][0]
        # Untimed first, as the suite's baseline: the other processes ran in between and
        # left the caches full of their own data.
        run()
        start = time.thread_time()  # CPU time, as in the suite (bench/conftest.py)
        run()
        print(repr(time.thread_time() - start), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
