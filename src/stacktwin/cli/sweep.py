"""``stacktwin sweep``: the twin over a grid of settings, each point on several replications."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from stacktwin.cli.app import app
from stacktwin.cli.batch import JOBS_HELP, SCHEDULER_HELP, SET_HELP, fail, load_with_sets, run_batch
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario or a scenario YAML file.")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="PATH=V1,V2,… : a knob and its values, e.g. neutron.DEFAULT.rpc_workers=1,2,4,8 "
            "(repeat: the grid is every combination).",
            metavar="PATH=V1,V2,…",
        ),
    ],
    replications: Annotated[
        int,
        typer.Option(min=1, help="Seeds per point (the same seeds at every point).", metavar="N"),
    ] = 3,
    samples: Annotated[
        int | None,
        typer.Option(
            min=1, help="Run only this many points of the grid, drawn at random.", metavar="K"
        ),
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help=SET_HELP, metavar="PATH=VALUE")
    ] = None,
    jobs: Annotated[int, typer.Option(help=JOBS_HELP, min=0, metavar="N")] = 0,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP, metavar="ADDRESS")] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write one row per run as Parquet.", metavar="FILE"),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the sweep as JSON (rows and per-point intervals).",
            metavar="FILE|-",
        ),
    ] = None,
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
) -> None:
    """Run every point of a grid of settings × every replication: a table per point with mean
    and 95% interval; rows as Parquet / JSON (input of ``stacktwin report``)."""
    from stacktwin.render.batch_export import write_json_atomic, write_parquet_rows
    from stacktwin.render.batch_view import points_table
    from stacktwin.render.sweep_view import sweep_metadata
    from stacktwin.twin import ScenarioError
    from stacktwin.twin.batch.replications import seeds_for
    from stacktwin.twin.batch.sweep import (
        POINT_FIGURES,
        check_values,
        grid,
        parse_vary,
        point_scenarios,
        sample_points,
        sweep_batch,
        sweep_document,
    )

    err = Console(stderr=True)
    base = load_with_sets(scenario, sets, err)
    try:
        varies = [parse_vary(v) for v in vary]
        check_values(base, varies)
        full = grid(varies)
        points = sample_points(full, samples, base.seed)
        scenarios = point_scenarios(base, points)
    except ScenarioError as exc:
        raise fail(err, str(exc)) from None
    seeds = seeds_for(base, replications)
    what = f"{len(points)} of {len(full)} grid points" if len(points) < len(full) else (
        f"{len(points)} grid points")  # fmt: skip
    err.print(f"sweep of {escape(base.name)}: {what} × {replications} replications (seeds "
              f"{seeds[0]}–{seeds[-1]})", highlight=False)  # fmt: skip
    records = run_batch(sweep_batch(scenarios, seeds), jobs, scheduler, err, "sweep")
    doc = sweep_document(base, varies, points, seeds, records)
    if wants_rows(fmt, columns):  # one row per (point, seed), as in the Parquet file
        emit(doc["rows"], check_format(fmt), columns, Console(stderr=str(json_out) == "-"))
    else:
        Console(stderr=str(json_out) == "-").print(
            points_table(doc["points"], [v.path for v in varies], POINT_FIGURES,
                         f"Sweep of {escape(base.name)} ({replications} replications per point)")
        )  # fmt: skip
    try:
        if output:
            write_parquet_rows(output, doc["rows"], sweep_metadata(doc))
            err.print(f"wrote {output} ({len(doc['rows'])} rows)", highlight=False)
        if json_out:
            write_json_atomic(json_out, doc)
            err.print(f"wrote {json_out}", highlight=False)
    except OSError as exc:
        raise fail(err, f"cannot write {exc.filename}: {exc.strerror}") from None
