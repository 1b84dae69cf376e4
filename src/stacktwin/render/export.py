"""Machine-readable boots: JSON (summary + boots) and Parquet (one row per boot).

Both carry the shared :class:`~stacktwin.boots.Boot` schema, so a traced hour and a simulated
one load the same way (``pandas.read_parquet``, DuckDB, Polars).  Parquet columns: identity and
outcome, one ``float64`` column per milestone (epoch seconds, null when unknown), one per hop
and span latency (seconds), and the milestone sources as a JSON text column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacktwin.boots import HOPS, MILESTONE_ORDER, SPANS, Boot
from stacktwin.optional import pyarrow
from stacktwin.output import write_bytes
from stacktwin.output import write_json as write_json_file

if TYPE_CHECKING:
    import pyarrow as pa


def write_json(
    path: str | Path, summary: Mapping[str, Any], boots: Sequence[Boot], **extra: Any
) -> None:
    """Write ``{**extra, "summary": …, "boots": [...]}`` as JSON (``-``: standard output)."""
    write_json_file(path, {**extra, "summary": summary, "boots": [b.to_dict() for b in boots]})


def boots_table(boots: Sequence[Boot]) -> pa.Table:
    """The boots as an Arrow table with a fixed schema (also when empty)."""
    pa, _ = pyarrow()
    hops = (*HOPS, *SPANS)
    fields: list[Any] = [
        pa.field("instance", pa.string(), nullable=False),
        pa.field("host", pa.string()),
        pa.field("ports", pa.list_(pa.string())),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("stopped_at", pa.string()),
        pa.field("spawn_seconds", pa.float64()),
        pa.field("build_seconds", pa.float64()),
        pa.field("origin", pa.string(), nullable=False),
    ]
    fields += [pa.field(m.value, pa.float64()) for m in MILESTONE_ORDER]
    fields += [pa.field(f"{h.name}_seconds", pa.float64()) for h in hops]
    fields.append(pa.field("sources", pa.string()))
    columns: dict[str, list[Any]] = {f.name: [] for f in fields}
    for boot in boots:
        columns["instance"].append(boot.instance)
        columns["host"].append(boot.host)
        columns["ports"].append(list(boot.ports))
        columns["outcome"].append(boot.outcome.value)
        columns["reason"].append(boot.reason)
        columns["stopped_at"].append(boot.chain_stop())
        columns["spawn_seconds"].append(boot.spawn_seconds)
        columns["build_seconds"].append(boot.build_seconds)
        columns["origin"].append(boot.origin)
        for m in MILESTONE_ORDER:
            columns[m.value].append(boot.milestones.get(m.value))
        for h in hops:
            columns[f"{h.name}_seconds"].append(boot.latency(h))
        columns["sources"].append(json.dumps(boot.sources, sort_keys=True))
    schema = pa.schema(fields)
    return pa.table({f.name: pa.array(columns[f.name], type=f.type) for f in fields}, schema=schema)


def write_parquet(path: str | Path, boots: Sequence[Boot]) -> None:
    """Write the boots as one Parquet file (atomically: a temporary file, then a rename)."""
    pa, pq = pyarrow()
    sink = pa.BufferOutputStream()
    pq.write_table(boots_table(boots), sink)
    write_bytes(path, sink.getvalue().to_pybytes())
