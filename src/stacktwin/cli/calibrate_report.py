"""``stacktwin calibration FIT.json``: a calibration's fit.json in the terminal, the held-out
error first (``stacktwin report FIT.json -o fit.html`` is the same as a page)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from stacktwin.cli.app import app
from stacktwin.cli.batch import fail
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows


def _pair(row: dict[str, Any], q: str) -> str:
    t, s, e = row[f"traced_{q}"], row[f"simulated_{q}"], row[f"error_{q}"]
    if t is None or s is None:
        return "–"
    err = f" ({e * 100:+.0f}%)" if e is not None else ""
    return f"{t:.3f} / {s:.3f}{err}"


def _table(rows: list[dict[str, Any]]) -> Any:
    """The default table of one part: per hop, traced / simulated (error) p50 and p90, KS (the
    p99 and the rest: ``-f json`` or the HTML report)."""
    from stacktwin.render.fit import FitTable

    table = FitTable()
    for name in ("hop", "n", "p50 traced / sim", "p90 traced / sim", "KS"):
        table.add_column(name)
    for r in rows:
        ks = "–" if r["ks"] is None else f"{r['ks']:.2f}"
        table.add_row(r["hop"], str(r["traced_count"]), _pair(r, "p50"), _pair(r, "p90"), ks)
    return table


@app.command()
def calibration(
    fit: Annotated[str, typer.Argument(help="The --json of stacktwin calibrate.", metavar="FIT")],
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
) -> None:
    """Show a calibration: traced vs simulated per hop (held-out first), the parameters with
    their provenance and fallbacks.  The main rows are the per-hop ones."""
    from stacktwin.render.calibrate_view import (
        FitInputError,
        hop_rows,
        lead,
        load_fit,
        parameter_rows,
    )

    check_format(fmt)
    err = Console(stderr=True)
    try:
        doc = load_fit(fit)
    except FitInputError as exc:
        raise fail(err, str(exc)) from None
    if doc is None:
        raise fail(err, f"{fit}: not the --json of stacktwin calibrate (kind: calibrate)")
    rows = hop_rows(doc)
    console = Console()
    if wants_rows(fmt, columns):
        emit(rows, fmt, columns, console)
        return
    console.print(lead(doc), markup=False, highlight=False)
    for part in dict.fromkeys(r["part"] for r in rows):
        console.print(f"{part}: traced vs simulated (s)", markup=False, highlight=False)
        console.print(_table([r for r in rows if r["part"] == part and r["traced_count"]]))
    emit(parameter_rows(doc), fmt, ("cost", "status", "value", "provenance"), console)
    for note in doc.get("notes", []):
        console.print(f"workload: {note}", markup=False, highlight=False)
