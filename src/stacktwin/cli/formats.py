"""``-f/--format`` and ``-c/--column``, as the ``openstack`` client has them.

Every command that prints a table has one *primary* set of rows (a run's figures, the audit's
findings, a trace's boots, a comparison's rows). ``-f table`` (the default) prints the command's
usual tables; ``-f json|yaml|csv|value`` prints only the primary rows, to standard output, in
that format; ``-c NAME`` (repeat) keeps those columns, in that order (with ``-f table`` it
prints the primary rows as one table of those columns). A column that does not exist is a
usage error naming the ones that do. Progress and notes go to standard error, so the output
can be piped.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from stacktwin.output import json_text
from stacktwin.render.fit import FitTable

FORMATS = ("table", "json", "yaml", "csv", "value")

FormatOption = Annotated[
    str,
    typer.Option(
        "-f",
        "--format",
        metavar="FORMAT",
        help="Output format: table (default), json, yaml, csv or value (the openstack client's).",
    ),
]
ColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        "-c",
        "--column",
        metavar="NAME",
        help="Print only this column of the main table (repeat, in this order).",
    ),
]

Row = Mapping[str, Any]


def check_format(fmt: str) -> str:
    """The format, or a usage error listing the formats."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r}; choose from {', '.join(FORMATS)}", param_hint="-f")
    return fmt


def select(rows: Sequence[Row], columns: Sequence[str] | None) -> tuple[list[str], list[Row]]:
    """The column names to print and the rows, or a usage error naming the columns."""
    names = list(rows[0]) if rows else []
    if not columns:
        return names, list(rows)
    missing = [c for c in columns if rows and c not in names]
    if missing:
        raise typer.BadParameter(
            f"no column {', '.join(map(repr, missing))}; columns: {', '.join(names)}",
            param_hint="-c",
        )
    return list(columns), [{c: row.get(c) for c in columns} for row in rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    return str(value)


def emit(rows: Sequence[Row], fmt: str, columns: Sequence[str] | None, console: Console) -> None:
    """Print ``rows`` (already the command's primary rows) in ``fmt`` with ``columns``."""
    names, picked = select(rows, columns)
    if fmt == "json":
        sys.stdout.write(json_text([{n: r.get(n) for n in names} for r in picked]) + "\n")
    elif fmt == "yaml":
        data = [{n: r.get(n) for n in names} for r in picked]
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([[_cell(r.get(n)) for n in names] for r in picked])
        sys.stdout.write(buf.getvalue())
    elif fmt == "value":
        for r in picked:
            sys.stdout.write(" ".join(_cell(r.get(n)) for n in names) + "\n")
    else:
        table = FitTable()
        for name in names:
            table.add_column(name)
        for r in picked:
            table.add_row(*(escape(_cell(r.get(n))) for n in names))
        console.print(table)


def wants_rows(fmt: str, columns: Sequence[str] | None) -> bool:
    """True when the command prints its primary rows instead of its usual tables."""
    return fmt != "table" or bool(columns)
