"""Files of batches of runs: a sweep's rows as Parquet (one row per point × seed); JSON goes
through the one writer of :mod:`stacktwin.output`. Both are written atomically."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacktwin.optional import pyarrow
from stacktwin.output import write_bytes
from stacktwin.output import write_json as write_json_atomic

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["rows_table", "write_json_atomic", "write_parquet_rows"]


def rows_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows of equal keys as an Arrow table (column order: the first row's keys)."""
    pa, _ = pyarrow()
    if not rows:
        return pa.table({})
    names = list(rows[0])
    return pa.table({n: pa.array([r.get(n) for r in rows]) for n in names})


def write_parquet_rows(
    path: str | Path, rows: Sequence[Mapping[str, Any]], metadata: dict[bytes, bytes] | None = None
) -> None:
    """The rows as one Parquet file (``metadata`` in its schema), atomically."""
    pa, pq = pyarrow()
    table = rows_table(rows)
    if metadata:
        table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_bytes(path, sink.getvalue().to_pybytes())
