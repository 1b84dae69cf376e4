"""Files of batches of runs, written atomically (a temp file in the same folder, then rename).

A reader never sees half a file: the content goes to ``.NAME.XXXX.tmp`` beside the target and
is renamed over it once complete (``os.replace``, atomic on POSIX within one filesystem).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(temp_path)`` then rename the temp file to ``path``; OSError on failure."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """``data`` as indented JSON (no NaN), atomically."""
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def rows_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows of equal keys as an Arrow table (column order: the first row's keys)."""
    if not rows:
        return pa.table({})
    names = list(rows[0])
    return pa.table({n: pa.array([r.get(n) for r in rows]) for n in names})


def write_parquet_rows(
    path: Path, rows: Sequence[Mapping[str, Any]], metadata: dict[bytes, bytes] | None = None
) -> None:
    """The rows as one Parquet file (``metadata`` in its schema), atomically."""
    table = rows_table(rows)
    if metadata:
        table = table.replace_schema_metadata(metadata)
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))
