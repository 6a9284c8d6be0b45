"""DuckDB over an exported dataset: the ``events`` and ``sessions`` views, and ready queries.

DuckDB reads the Parquet files in place, prunes ``day`` partitions from a ``WHERE`` on
``day``, and runs in-process: nothing to start. The connection's time zone is UTC, so that
``t::DATE`` is the same day as the ``day`` partition.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pyarrow as pa

from .dataset import EVENTS_DIR, SESSIONS_DIR
from .tables import EVENTS_SCHEMA, SESSIONS_SCHEMA

if TYPE_CHECKING:
    import duckdb

__all__ = ["QUERIES", "connect"]

QUERIES: Final[dict[str, str]] = {
    "latency-by-day": """\
SELECT day, count(*) AS turns, median(latency_s) AS median_s,
       quantile_disc(latency_s, 0.95) AS p95_s, max(latency_s) AS max_s
FROM events
WHERE latency_s IS NOT NULL
GROUP BY day
ORDER BY day""",
    "tokens-by-session": """\
SELECT session, responses, input_tokens, output_tokens, total_tokens, input_cached_tokens
FROM sessions
ORDER BY total_tokens DESC, session""",
    "unknown-types": """\
SELECT min(day) AS first_seen, type, direction,
       count(*) AS frames, count(DISTINCT session) AS sessions
FROM events
WHERE outcome = 'unknown'
GROUP BY type, direction
ORDER BY first_seen, type, direction""",
    "invalid-codes": """\
SELECT code, count(*) AS frames, count(DISTINCT session) AS sessions, min(message) AS example
FROM events
WHERE outcome = 'invalid'
GROUP BY code
ORDER BY frames DESC, code
LIMIT 10""",
    "sessions-by-day": """\
SELECT day, count(*) AS sessions, sum(duration_s ORDER BY duration_s) / 3600 AS hours,
       sum(audio_sent_s + audio_received_s ORDER BY audio_sent_s + audio_received_s)
           / 3600 AS audio_hours,
       sum(turns) AS turns, sum(total_tokens) AS total_tokens,
       sum(unknown_frames) AS unknown_frames, sum(invalid_frames) AS invalid_frames
FROM sessions
GROUP BY day
ORDER BY day""",
    "latency-by-model": """\
SELECT model, count(*) AS turns, median(latency_s) AS median_s,
       quantile_disc(latency_s, 0.95) AS p95_s, max(latency_s) AS max_s
FROM events
WHERE latency_s IS NOT NULL
GROUP BY model
ORDER BY model NULLS LAST""",
    "usage-by-model": """\
SELECT model, count(*) AS sessions, sum(duration_s ORDER BY duration_s) / 3600 AS hours,
       sum(responses) AS responses, sum(input_tokens) AS input_tokens,
       sum(output_tokens) AS output_tokens, sum(total_tokens) AS total_tokens,
       sum(invalid_frames) AS invalid_frames
FROM sessions
GROUP BY model
ORDER BY model NULLS LAST""",
    "errors-by-model": """\
SELECT model, code, count(*) AS errors, count(DISTINCT session) AS sessions,
       min(message) AS example
FROM events
WHERE type = 'error' AND outcome = 'known'
GROUP BY model, code
ORDER BY model NULLS LAST, errors DESC, code""",
}
"""Ready queries by name: ``rtmsg query DIR NAME`` runs one; the README shows each.

A sum of doubles is taken in ascending order of its values (``sum(x ORDER BY x)``), so its
result does not depend on the order in which DuckDB's threads read the files: the same
dataset always prints the same digits.
"""

_TABLES: Final = ((EVENTS_DIR, EVENTS_SCHEMA), (SESSIONS_DIR, SESSIONS_SCHEMA))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(
    dataset: str | os.PathLike[str], connection: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (a new in-memory one by default) with views over the dataset.

    ``events`` and ``sessions`` have the tables' columns and ``day`` (a ``DATE``, null for
    rows without time). ``FileNotFoundError`` if ``dataset`` is not an exported dataset.
    """
    import duckdb  # only the query side needs it

    root = Path(dataset)
    missing = [table for table, _ in _TABLES if not (root / table).is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{os.fspath(dataset)} is not an rtmsg dataset (no {' or '.join(missing)} directory);"
            " make one with rtmsg export"
        )
    con = duckdb.connect() if connection is None else connection
    con.execute("SET TimeZone = 'UTC'")
    for table, schema in _TABLES:
        files = f"{root / table}/day=*/*.parquet"
        if next(glob.iglob(glob.escape(str(root / table)) + "/day=*/*.parquet"), None):
            con.execute(
                f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({_literal(files)},"
                " hive_partitioning = true, hive_types = {'day': DATE})"
            )
        else:  # no capture yet: the same columns, no rows
            empty = schema.empty_table().append_column("day", pa.array([], pa.date32()))
            con.register(f"_rtmsg_empty_{table}", empty)
            con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM _rtmsg_empty_{table}")
    return con
