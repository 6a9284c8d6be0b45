"""Exporting many captures on a ``dask.distributed`` cluster: one task per capture.

Each task is :func:`~rtmsg.analytics.dataset.export_capture` on one capture, run on a
worker, writing that capture's files straight into the dataset; the client only names the
sessions (so duplicates are refused before anything runs) and collects the reports. The
files a capture makes depend on nothing but the capture, so the dataset is the same as a
single-process export's, file for file.

Needs the ``dask`` extra (``dask[distributed]``), imported when :func:`export_many` runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..capture import Direction, Protocol
from ..engine.limits import DEFAULT_MAX_FRAME_BYTES
from .dataset import CaptureExport, ExportReport, export_capture, prepare
from .naming import Paths, plan
from .tables import DEFAULT_BATCH_ROWS

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["export_many"]


def export_many(
    paths: Paths,
    out: str | os.PathLike[str],
    client: Client,
    *,
    session: str | None = None,
    direction: Direction | None = None,
    protocol: Protocol | None = None,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_progress: Callable[[int], None] | None = None,
    max_in_flight: int | None = None,
) -> ExportReport:
    """Export the captures at ``paths`` into the dataset at ``out`` on the cluster of ``client``.

    One task per capture. Paths are made absolute here and must name the same files on
    every worker (a shared file system), as must ``out``; the dataset and the report name
    the captures and ``out`` as given, so they are those of :func:`export`, byte for byte.
    At most ``max_in_flight`` tasks (twice the cluster's threads by default) are submitted
    at a time, so a million captures do not make a million futures at once. ``on_progress``
    gets the bytes of the captures done so far. A task that fails (a capture that cannot be
    opened) raises its ``OSError`` here, after the other tasks are cancelled.
    """
    from distributed import as_completed  # the dask extra is optional

    planned = plan(paths, session)
    root = os.path.abspath(out)
    # On the cluster, so that the directories exist where the workers write.
    client.submit(prepare, root, pure=False).result()
    window = max_in_flight or max(1, 2 * sum(client.nthreads().values()))
    options: dict[str, Any] = {
        "direction": direction,
        "protocol": protocol,
        "max_frame_bytes": max_frame_bytes,
        "batch_rows": batch_rows,
    }
    results: dict[int, CaptureExport] = {}
    pending: dict[Future[CaptureExport], int] = {}
    todo = iter(enumerate(planned))
    running: as_completed = as_completed()
    done = 0

    def submit_next() -> None:
        for number, (path, name) in todo:
            future: Future[CaptureExport] = client.submit(
                export_capture,
                os.path.abspath(path),
                root,
                session=name,
                file=path,
                pure=False,
                **options,
            )
            pending[future] = number
            running.add(future)
            return

    try:
        for _ in range(window):
            submit_next()
        for future in running:
            capture: CaptureExport = future.result()
            results[pending.pop(future)] = capture
            done += capture.bytes
            if on_progress is not None:
                on_progress(done)
            submit_next()
    finally:
        if pending:  # a task failed, or the caller was interrupted
            client.cancel(list(pending))
    return ExportReport(
        out=os.fspath(out), captures=[results[number] for number in range(len(planned))]
    )
