"""The ``stacktwin`` command line: parse arguments, call the package, render.

Each command lives in a few lines here; the work is done in ``stacktwin.twin`` (simulate),
``stacktwin.logs`` (trace) and ``stacktwin.config`` (check), the rendering in
``stacktwin.report``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from stacktwin import __version__

app = typer.Typer(
    name="stacktwin",
    help="Find, explain and predict slow and failing VM boots in OpenStack (Nova <-> Neutron).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stacktwin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """stacktwin: trace, check and simulate the Nova <-> Neutron boot path."""


def _write_json(data: Any, target: str) -> None:
    text = json.dumps(data, indent=1, allow_nan=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    try:
        Path(target).write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        raise typer.BadParameter(
            f"cannot write {target}: {err.strerror}", param_hint="--json"
        ) from None


def _apply_config(sc: Any, files: list[str], err: Console) -> Any:
    from stacktwin.config import load_config, twin_settings
    from stacktwin.twin import ScenarioError
    from stacktwin.twin.scenario import with_settings

    loaded = load_config(files)
    for problem in loaded.problems:
        err.print(f"{problem.severity}: {problem.location}: {problem.message}", highlight=False)
    if not loaded.files:
        err.print("[red]error:[/red] no usable configuration file in --config")
        raise typer.Exit(2)
    try:
        new, ignored = with_settings(sc, twin_settings(loaded), ", ".join(files))
    except ScenarioError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    if ignored:
        err.print(f"read but not modelled by the twin: {', '.join(ignored)}", highlight=False)
    return new


@app.command()
def simulate(
    scenario: Annotated[
        str,
        typer.Argument(help="A built-in scenario name or a scenario YAML file."),
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
    from stacktwin.report.twin_view import ablation_table, render_simulation
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
        if json_out:
            _write_json({"kind": "ablation", "scenario": sc.name, "rows": rows}, json_out)
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
    if json_out:
        _write_json(result.to_dict(), json_out)


@app.command()
def check(
    conf: Annotated[
        list[str],
        typer.Argument(
            metavar="CONF...",
            help="nova/neutron config files, in the order the services read them (later ones "
            "win). Prefix with nova: or neutron: when the file name does not tell.",
        ),
    ],
    hosts: Annotated[int, typer.Option(min=1, help="Compute hosts (one OVS agent each).")] = 1000,
    instances: Annotated[
        int | None, typer.Option(min=0, help="Instances (default: 20 per host).")
    ] = None,
    boots_per_minute: Annotated[
        float | None,
        typer.Option(min=0, help="Boot-storm rate (default: one boot per 10 hosts per minute)."),
    ] = None,
    neutron_servers: Annotated[int, typer.Option(min=1, help="neutron-server nodes.")] = 3,
    neutron_server_cores: Annotated[
        int, typer.Option(min=1, help="CPUs per neutron server (RAM ≥ 2 GiB per CPU assumed).")
    ] = 16,
    release: Annotated[
        str, typer.Option(help="OpenStack release of the files: name (ussuri) or year (2025.1).")
    ] = "2026.2",
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", metavar="FILE|-", help="Also write the report as JSON ('-': stdout only)."
        ),
    ] = None,
) -> None:
    """Audit real nova.conf / neutron.conf files for a stated scale.

    Prints the load the configuration implies, then findings; exits 1 on a critical finding.
    """
    from rich.console import Console

    from stacktwin.config import Scale, audit, load_config
    from stacktwin.config.releases import release as find_release
    from stacktwin.config.render import render_json, render_table

    try:
        find_release(release)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--release") from None
    scale = Scale(
        hosts=hosts,
        instances=instances,
        boots_per_minute=boots_per_minute,
        neutron_servers=neutron_servers,
        neutron_server_cores=neutron_server_cores,
        release_name=release,
    )
    report = audit(load_config(conf), scale)
    if json_out == "-":
        typer.echo(render_json(report))
    else:
        render_table(report, Console())
        if json_out is not None:
            try:
                Path(json_out).write_text(render_json(report) + "\n", encoding="utf-8")
            except OSError as err:
                typer.echo(f"cannot write {json_out}: {err.strerror}", err=True)
                raise typer.Exit(2) from None
    if report.critical:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()
