"""``stacktwin calibration FIT.json``: a calibration's fit.json in the terminal, the held-out
error first (``stacktwin report FIT.json -o fit.html`` is the same as a page)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from stacktwin.cli.app import app
from stacktwin.cli.batch import fail
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows


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
    emit([r for r in rows if r["traced_count"] or r["simulated_p50"] is not None], fmt, None,
         console)  # fmt: skip
    emit(parameter_rows(doc), fmt, None, console)
    for note in doc.get("notes", []):
        console.print(f"workload: {note}", markup=False, highlight=False)
