"""Optional libraries: imported only when a feature asks for them, with a clear message if absent.

Parquet output and ``Run.to_arrow()`` need pyarrow, installed with ``pip install
'stacktwin[parquet]'``; ``Run.to_pandas()`` needs pandas as well.
"""

from __future__ import annotations

from types import ModuleType


class MissingDependency(ImportError):
    """An optional library a feature needs is not installed; the message says how to add it."""

    def __init__(self, library: str, install: str) -> None:
        super().__init__(f"{library} is not installed; {install}")
        self.library = library


def pyarrow() -> tuple[ModuleType, ModuleType]:
    """``(pyarrow, pyarrow.parquet)``, or :class:`MissingDependency` naming the extra."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise MissingDependency(
            "pyarrow", "Parquet needs it: pip install 'stacktwin[parquet]'"
        ) from err
    return pa, pq
