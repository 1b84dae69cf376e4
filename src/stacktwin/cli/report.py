"""``stacktwin compare`` and ``stacktwin report``: runs side by side, the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from stacktwin.cli.app import app, check_output, write_json_output
from stacktwin.cli.batch import SET_HELP, fail
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows


def _load_runs(specs: list[str], sets: list[str] | None = None) -> Any:
    """Load compare/report inputs, simulating (with ``--set``) scenarios; exit 2 on a bad input."""
    from stacktwin.api import InputError, load_inputs
    from stacktwin.cli.batch import apply_sets
    from stacktwin.twin import ScenarioError, run_scenario
    from stacktwin.twin.overrides import parse_sets

    err = Console(stderr=True)
    try:  # a wrong path fails before anything is read or run
        parse_sets(sets or ())
    except ScenarioError as exc:
        raise fail(err, str(exc)) from None

    def simulate(scenario: Any) -> Any:
        scenario = apply_sets(scenario, sets, err)
        typer.echo(f"simulating {scenario.name} …", err=True)
        return run_scenario(scenario)

    try:
        runs = load_inputs(specs, simulate)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for run in runs:
        for note in run.notes:
            typer.echo(f"{run.label}: skipped/problem: {note}", err=True)
    return runs


_OBJECTIVE_HELP = (
    "FIGURE OP NUMBER, as recommend takes it (repeat), e.g. 'vif_wait.p99<=60', 'errors==0'. "
    "Default: no vif-plugging timeout and vif_wait p99 below half of vif_plugging_timeout."
)

SetsOption = Annotated[list[str] | None, typer.Option("--set", help=SET_HELP, metavar="PATH=VALUE")]
ObjectiveOption = Annotated[
    list[str] | None, typer.Option("--objective", help=_OBJECTIVE_HELP, metavar="OBJECTIVE")
]


def _objectives(objective: list[str] | None) -> list[str]:
    """The objectives, each checked before anything is loaded or simulated (exit 2 if bad)."""
    from stacktwin.objectives import ObjectiveError, parse_objective

    for text in objective or ():
        try:
            parse_objective(text)
        except ObjectiveError as exc:
            raise fail(Console(stderr=True), str(exc)) from None
    return list(objective or ())


_INPUT_HELP = (
    "A built-in scenario name or scenario YAML (simulated), a --json file of simulate or trace, "
    "or a log file/folder/archive (traced)."
)


@app.command()
def compare(
    first: Annotated[str, typer.Argument(metavar="A", help=_INPUT_HELP)],
    second: Annotated[str, typer.Argument(metavar="B", help=_INPUT_HELP)],
    json_out: Annotated[
        str | None,
        typer.Option("--json", metavar="FILE|-", help="Also write the comparison as JSON."),
    ] = None,
    sets: SetsOption = None,
    objective: ObjectiveOption = None,
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
) -> None:
    """Two runs or traces side by side: outcomes, timeouts, latencies, stop points, load;
    --json also holds the verdict the report leads with."""
    from stacktwin.render.compare import comparison, comparison_rows, comparison_table

    goals = _objectives(objective)
    check_format(fmt)
    check_output(json_out, "--json")
    runs = _load_runs([first, second], sets)
    console = Console(stderr=json_out == "-")
    if json_out:  # the output first: nothing printed afterwards can lose it
        write_json_output(comparison(runs, goals), json_out)
    if wants_rows(fmt, columns):
        rows = [
            {"section": r.section, "metric": r.metric, "unit": r.unit, "a": r.values[0],
             "b": r.values[1], "difference": r.difference, "ratio": r.ratio}
            for r in comparison_rows(runs)
        ]  # fmt: skip
        emit(rows, fmt, columns, console)
    else:
        console.print(comparison_table(runs, width=console.width))


@app.command()
def report(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", help=_INPUT_HELP)],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")],
    slowest: Annotated[
        int,
        typer.Option(min=0, help="Boots per input in the waterfall (slowest first).", metavar="N"),
    ] = 20,
    instance: Annotated[
        list[str] | None,
        typer.Option(
            "--instance", help="Also show this instance in the waterfall (repeat).", metavar="UUID"
        ),
    ] = None,
    sets: SetsOption = None,
    objective: ObjectiveOption = None,
) -> None:
    """Write one self-contained HTML report (plots embedded, opens offline); a sweep's --json or
    Parquet file gives each figure against each knob with its 95% band; a calibration's fit.json,
    traced vs simulated per hop, the held-out error first."""
    from stacktwin.output import write_text
    from stacktwin.render.calibrate_view import FitInputError, build_fit_report, load_fit
    from stacktwin.render.html import ReportError, build_report
    from stacktwin.render.sweep_view import SweepInputError, build_sweep_report, sweep_sources

    check_output(output, "-o")
    try:
        sweeps = sweep_sources(inputs)
        fits = [d for d in (load_fit(i) for i in inputs) if d is not None]
    except (SweepInputError, FitInputError) as exc:
        raise fail(Console(stderr=True), str(exc)) from None
    if (sweeps or fits) and len(inputs) > 1:
        what = "a sweep result" if sweeps else "a calibration"
        raise fail(Console(stderr=True), f"{what} is reported alone (one input)")
    goals = _objectives(objective)
    if fits:
        page = build_fit_report(fits[0], inputs[0])
    elif sweeps:
        page = build_sweep_report(sweeps[0], inputs[0])
    else:
        runs = _load_runs(inputs, sets)
        try:
            page = build_report(runs, slowest=slowest, instances=instance or (), objectives=goals)
        except ReportError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    try:
        write_text(output, page)
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output} ({len(page.encode()) / 1e6:.1f} MB)", err=True)
