"""``stacktwin simulate``: run the digital twin on a scenario (or real config files)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from stacktwin.cli.app import app, write_json_output

NOT_MODELLED_SHOWN = 12
"""How many not-modelled options ``--config`` names before it says "and N more"."""


def _apply_config(sc: Any, files: list[str], err: Console) -> Any:
    from stacktwin.api import configure
    from stacktwin.twin import ScenarioError

    try:
        configured = configure(sc, files)
    except ScenarioError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
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
            help="A built-in scenario (all-in-one, large-site-before, large-site-after) or a "
            "scenario YAML file (docs/scenarios.md)."
        ),
    ] = "large-site-before",
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the run as JSON to this file ('-': stdout).")
    ] = None,
    ablate: Annotated[
        bool,
        typer.Option(
            "--ablate",
            help="Also run the scenario with each of the four production changes alone, and all "
            "together, and print them side by side.",
        ),
    ] = False,
    jobs: Annotated[int, typer.Option(help="Processes for --ablate (0: CPU count).", min=0)] = 0,
    hosts: Annotated[
        int | None, typer.Option(help="Override the number of compute hosts.", min=1)
    ] = None,
    instances: Annotated[int | None, typer.Option(help="Override the VMs running.", min=0)] = None,
    duration: Annotated[
        float | None, typer.Option(help="Override the seconds of arrivals.", min=1)
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option(
            "--config",
            help="A real nova.conf / neutron.conf / agent .ini (repeat; later files win; "
            "prefix nova: or neutron: when ambiguous): its settings replace the scenario's.",
        ),
    ] = None,
) -> None:
    """Run the digital twin on a scenario: boot latencies, timeouts, component load."""
    from stacktwin.render.twin_view import ablation_table, render_simulation
    from stacktwin.twin import ScenarioError, load_scenario, run_scenario
    from stacktwin.twin.ablation import ablate as run_ablation
    from stacktwin.twin.ablation import ablation_row, variants

    err = Console(stderr=True)
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    if config:
        sc = _apply_config(sc, config, err)
    if seed is not None:
        sc.seed = seed
    if hosts is not None:
        sc.cloud.hosts = hosts
    if instances is not None:
        sc.cloud.instances = instances
    if duration is not None:
        sc.duration = duration
    out = Console(stderr=json_out == "-")
    show_progress = sys.stderr.isatty()
    if ablate:
        n_jobs = jobs or (os.cpu_count() or 1)
        plan = variants(sc)
        with Progress(
            TextColumn("ablation"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
            TimeElapsedColumn(), console=err, disable=not show_progress,
        ) as bar:  # fmt: skip
            task = bar.add_task("runs", total=len(plan))
            results = run_ablation(sc, jobs=n_jobs, on_done=lambda _: bar.advance(task))
        rows = [ablation_row(name, label, res) for name, label, res in results]
        out.print(ablation_table(rows, f"Ablation of {sc.name} (seed {sc.seed})"))
        if json_out is not None:
            write_json_output({"kind": "ablation", "scenario": sc.name, "rows": rows}, json_out)
        return
    end = sc.end_time()
    with Progress(
        TextColumn("simulating"), BarColumn(), TextColumn("{task.fields[tally]}"),
        TimeElapsedColumn(), console=err, disable=not show_progress,
    ) as bar:  # fmt: skip
        task = bar.add_task("sim", total=end, tally="")

        def progress(t: float, _end: float, tally: dict[str, int]) -> None:
            bar.update(
                task, completed=t,
                tally=f"{t:.0f}/{_end:.0f} s  boots {tally['requested']} requested, "
                f"{tally['active']} active, {tally['error']} error",
            )  # fmt: skip

        result = run_scenario(sc, progress=progress)
    render_simulation(out, result)
    if json_out is not None:
        write_json_output(result.to_dict(), json_out)
