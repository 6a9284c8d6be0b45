"""Fleet-wide analytics of captures on Arrow, Parquet, DuckDB and Dask.

- :func:`events` and :func:`sessions` stream a capture's two tables as Arrow record batches
  (a ``pyarrow.RecordBatchReader`` that DuckDB and Polars read without a file);
- :func:`export` writes them to a Parquet dataset partitioned by day, :func:`export_many`
  does the same with one task per capture on a ``dask.distributed`` cluster;
- :func:`connect` opens DuckDB over a dataset, with the ready :data:`QUERIES`.

A separate subpackage because it needs the ``analytics`` extra (pyarrow, duckdb; and the
``dask`` extra for :func:`export_many`), which ``import rtmsg`` never does.
"""

from __future__ import annotations

try:
    import pyarrow  # noqa: F401  # checked first, for a message that names the extra
except ImportError as exc:
    raise ImportError(
        "rtmsg.analytics needs the 'analytics' extra: pip install 'rtmsg[analytics]'",
        name=exc.name,
    ) from exc

from .cluster import export_many
from .dataset import NULL_DAY, CaptureExport, ExportReport, export, export_capture
from .naming import file_stem, session_name
from .query import QUERIES, connect
from .tables import DEFAULT_BATCH_ROWS, EVENTS_SCHEMA, SESSIONS_SCHEMA, events, sessions

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "EVENTS_SCHEMA",
    "NULL_DAY",
    "QUERIES",
    "SESSIONS_SCHEMA",
    "CaptureExport",
    "ExportReport",
    "connect",
    "events",
    "export",
    "export_capture",
    "export_many",
    "file_stem",
    "session_name",
    "sessions",
]
