"""``stacktwin simulate``: run the digital twin on a scenario (or real config files)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from stacktwin.cli.app import app, check_output, write_json_output
from stacktwin.cli.batch import JOBS_HELP, SCHEDULER_HELP, SET_HELP, apply_sets, run_batch
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows

NOT_MODELLED_SHOWN = 12
"""How many not-modelled options ``--config`` names before it says "and N more"."""


def _apply_config(sc: Any, files: list[str], err: Console) -> Any:
    from stacktwin.api import configure
    from stacktwin.twin import ScenarioError

    try:
        configured = configure(sc, files)
    except ScenarioError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for problem in configured.problems:
        err.print(
            f"{problem.severity}: {problem.location}: {problem.message}",
            highlight=False,
            markup=False,
        )
    skipped = configured.not_modelled
    if skipped:
        shown = ", ".join(skipped[:NOT_MODELLED_SHOWN])
        more = len(skipped) - NOT_MODELLED_SHOWN
        tail = f" and {more} more" if more > 0 else ""
        err.print(
            f"read but not modelled by the twin ({len(skipped)}): {shown}{tail}",
            highlight=False,
            markup=False,
        )
    return configured.scenario


@app.command()
def simulate(
    scenario: Annotated[
        str,
        typer.Argument(
            help="A built-in scenario (all-in-one, large-site-before, large-site-after, "
            "large-site-tight) or a scenario YAML file (docs/scenarios.md)."
        ),
    ] = "large-site-before",
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: the scenario's).", metavar="SEED")
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the run as JSON to this file ('-': stdout).", metavar="FILE|-"
        ),
    ] = None,
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            metavar="OBJECTIVE",
            help="Exit 1 when this holds (repeat), for CI gates: 'errors>0', 'vif_wait.p99>150' "
            "(the objective grammar of recommend); with replications, when it holds on any "
            "replication.",
        ),
    ] = None,
    ablate: Annotated[
        bool,
        typer.Option(
            "--ablate",
            help="Also run the scenario with each of the four production changes alone, and all "
            "together, and print them side by side.",
            metavar="",
        ),
    ] = False,
    replications: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Runs on seeds seed, seed+1, …: mean, 95% t-interval and min–max of every "
            "figure (--json: each replication and the aggregate). Default: 1 run below 1,000 "
            "boots simulated, 5 from 1,000 boots.",
            metavar="N",
        ),
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help=SET_HELP, metavar="PATH=VALUE")
    ] = None,
    jobs: Annotated[int, typer.Option(help=JOBS_HELP, min=0, metavar="N")] = 0,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP, metavar="ADDRESS")] = None,
    hosts: Annotated[
        int | None, typer.Option(help="Override the number of compute hosts.", min=1, metavar="N")
    ] = None,
    instances: Annotated[
        int | None, typer.Option(help="Override the VMs running.", min=0, metavar="N")
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(help="Override the seconds of arrivals.", min=1, metavar="SECONDS"),
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option(
            "--config",
            help="A real nova.conf / neutron.conf / agent .ini (repeat; later files win; "
            "prefix nova: or neutron: when ambiguous): its settings replace the scenario's.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Run the digital twin on a scenario: boot latencies, timeouts, component load."""
    from stacktwin.twin.batch.replications import default_replications

    err = Console(stderr=True)
    shape = (check_format(fmt), columns)
    gates = _check_options(json_out, fail_on, ablate, err)
    sc = _scenario(scenario, config, sets, err, seed=seed, hosts=hosts, instances=instances,
                   duration=duration)  # fmt: skip
    out = Console(stderr=json_out == "-")
    n = replications or default_replications(sc)
    if replications is None and n > 1:
        err.print(f"{n} replications (default for a run of 1,000 boots or more; --replications "
                  "to change)", highlight=False)  # fmt: skip
    if ablate:
        _ablation(sc, n, jobs, scheduler, out, err, json_out, shape)
        return
    if n > 1:
        records = _replications(sc, n, jobs, scheduler, out, err, json_out, shape)
        _gate(gates, records, err)
        return
    record = _run(sc, out, err, json_out, shape)
    _gate(gates, [record], err)


def _check_options(
    json_out: str | None, fail_on: list[str] | None, ablate: bool, err: Console
) -> list[Any]:
    """The ``--fail-on`` gates, once the options are checked together (exit 2 when not):
    ``--json`` names a file or ``-`` and can be written, each gate parses, and gates are not
    asked of ``--ablate``."""
    from stacktwin.objectives import ObjectiveError, parse_objective

    check_output(json_out, "--json")
    try:
        gates = [parse_objective(text) for text in fail_on or ()]
    except ObjectiveError as exc:
        err.print(f"error: --fail-on: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if gates and ablate:
        err.print("error: --fail-on gates a run or its replications, not --ablate", markup=False)
        raise typer.Exit(2)
    return gates


def _scenario(
    name: str,
    config: list[str] | None,
    sets: list[str] | None,
    err: Console,
    **overrides: Any,
) -> Any:
    """The scenario to run: the built-in or file ``name``, then the ``--config`` files'
    settings, the command-line overrides (``overrides``: seed, hosts, instances, duration,
    validated like the file: limits named, no traceback), then each ``--set``.  Exit 2 on an
    invalid scenario."""
    from stacktwin.api import scenario_of
    from stacktwin.twin import ScenarioError, load_scenario
    from stacktwin.twin.flows import scenario_notes

    try:
        sc = load_scenario(name)
    except ScenarioError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if config:
        sc = _apply_config(sc, config, err)
    try:
        sc = scenario_of(sc, **overrides)
    except ScenarioError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    sc = apply_sets(sc, sets, err)
    for note in scenario_notes(sc.release, sc.model.flow_deletion):
        err.print(f"warning: {note}", highlight=False, markup=False, soft_wrap=True)
    return sc


def _run(
    sc: Any, out: Console, err: Console, json_out: str | None, shape: tuple[str, list[str] | None]
) -> dict[str, Any]:
    """One run of the scenario, with a progress bar on a terminal; its JSON is written first
    (nothing printed afterwards can lose it), then its figures shown.  Returns its record
    (without boots nor time series) for the gates."""
    from stacktwin.render.twin_view import render_simulation
    from stacktwin.twin import run_scenario
    from stacktwin.twin.batch.figures import headline

    end = sc.end_time()
    with Progress(
        TextColumn("simulating"), BarColumn(), TextColumn("{task.fields[tally]}"),
        TimeElapsedColumn(), console=err, disable=not sys.stderr.isatty(),
    ) as bar:  # fmt: skip
        task = bar.add_task("sim", total=end, tally="")

        def progress(t: float, _end: float, tally: dict[str, int]) -> None:
            bar.update(
                task, completed=t,
                tally=f"{t:.0f}/{_end:.0f} s  boots {tally['requested']} requested, "
                f"{tally['active']} active, {tally['error']} error",
            )  # fmt: skip

        result = run_scenario(sc, progress=progress)
    if json_out is not None:
        write_json_output(result.to_dict(), json_out)
    record: dict[str, Any] = result.to_dict(with_boots=False, with_timeseries=False)
    if wants_rows(*shape):
        emit([{"figure": k, "value": v} for k, v in headline(record).items()], *shape, out)
    else:
        render_simulation(out, result)
    return record


def _gate(gates: list[Any], records: list[Any], err: Console) -> None:
    """Exit 1 when a ``--fail-on`` objective holds on any run record."""
    from stacktwin.twin.batch.figures import headline

    figures = [headline(r) for r in records] if gates else []
    held = []
    for gate in gates:
        values = [f.get(gate.figure) for f in figures]
        hits = [v for v in values if gate.holds(v)]
        if hits:
            held.append(f"{gate} holds ({gate.figure} = {', '.join(f'{v:g}' for v in hits)})")
    for line in held:
        err.print(f"fail-on: {line}", highlight=False, markup=False)
    if held:
        raise typer.Exit(1)


def _replications(
    sc: Any, n: int, jobs: int, scheduler: str | None, out: Console, err: Console,
    json_out: str | None, shape: tuple[str, list[str] | None],
) -> list[Any]:  # fmt: skip
    from stacktwin.render.batch_view import replications_table
    from stacktwin.twin.batch.executor import with_seed
    from stacktwin.twin.batch.replications import replications_output, seeds_for

    seeds = seeds_for(sc, n)
    records = run_batch([with_seed(sc, s) for s in seeds], jobs, scheduler, err, "replications")
    doc = replications_output(sc, records)
    if json_out is not None:
        write_json_output(doc, json_out)
    if wants_rows(*shape):
        emit([{"figure": k, **iv} for k, iv in doc["aggregate"].items()], *shape, out)
        return list(records)
    out.print(
        f"[bold]{escape(sc.name)}[/bold]  release {escape(sc.release)}, {sc.cloud.hosts} hosts, "
        f"{sc.cloud.instances} VMs; {n} replications, seeds {seeds[0]}–{seeds[-1]}; "
        f"{sc.end_time():.0f} s simulated each"
    )
    out.print(replications_table(doc["aggregate"], "Across replications"))
    return list(records)


def _ablation(
    sc: Any, n: int, jobs: int, scheduler: str | None, out: Console, err: Console,
    json_out: str | None, shape: tuple[str, list[str] | None],
) -> None:  # fmt: skip
    from stacktwin.render.batch_view import ablation_table, channels_table, effect_summary
    from stacktwin.twin.ablation import ablation_batch, ablation_rows
    from stacktwin.twin.batch.replications import seeds_for

    seeds = seeds_for(sc, n)
    records = run_batch(ablation_batch(sc, seeds), jobs, scheduler, err, "ablation")
    rows = ablation_rows(sc, seeds, records)
    if json_out is not None:
        doc = {"kind": "ablation", "scenario": sc.name, "seeds": seeds, "rows": rows}
        write_json_output(doc, json_out)
    if wants_rows(*shape):
        flat = [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in rows]
        emit(flat, *shape, out)
        return
    seed_text = f"seed {seeds[0]}" if n == 1 else f"{n} replications, seeds {seeds[0]}–{seeds[-1]}"
    out.print(ablation_table(rows, f"Ablation of {escape(sc.name)} ({seed_text})"))
    out.print(channels_table(rows, "Through which resource each change acts"))
    for line in effect_summary(rows):
        out.print(line, highlight=False)
