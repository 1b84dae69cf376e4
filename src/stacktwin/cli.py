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
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

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
    hosts: Annotated[
        int | None, typer.Option(min=1, help="Compute hosts, one OVS agent each (default 1000).")
    ] = None,
    instances: Annotated[
        int | None, typer.Option(min=0, help="Instances (default: 20 per host).")
    ] = None,
    boots_per_minute: Annotated[
        float | None,
        typer.Option(min=0, help="Boot-storm rate (default: one boot per 10 hosts per minute)."),
    ] = None,
    neutron_servers: Annotated[
        int | None, typer.Option(min=1, help="neutron-server nodes (default 3).")
    ] = None,
    neutron_server_cores: Annotated[
        int | None,
        typer.Option(min=1, help="CPUs per neutron server, RAM ≥ 2 GiB per CPU assumed (16)."),
    ] = None,
    release: Annotated[
        str | None,
        typer.Option(help="OpenStack release of the files: name (ussuri) or year (2025.1)."),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Take the scale (hosts, instances, peak boot rate, neutron servers and cores, "
            "release) from a twin scenario (built-in name or YAML); options above override it."
        ),
    ] = None,
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

    stated: dict[str, Any] = {}
    if scenario is not None:
        from stacktwin.twin import ScenarioError, load_scenario

        try:
            sc = load_scenario(scenario)
        except ScenarioError as exc:
            Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        w = sc.workload
        stated = {
            "hosts": sc.cloud.hosts,
            "instances": sc.cloud.instances,
            "boots_per_minute": w.boot_rate_per_minute
            + max((st.rate_per_minute for st in w.boot_storms), default=0.0),
            "neutron_servers": sc.cloud.neutron_servers,
            "neutron_server_cores": sc.cloud.neutron_server_cores,
            "release_name": sc.release,
        }
    given = {
        "hosts": hosts,
        "instances": instances,
        "boots_per_minute": boots_per_minute,
        "neutron_servers": neutron_servers,
        "neutron_server_cores": neutron_server_cores,
        "release_name": release,
    }
    stated.update({k: v for k, v in given.items() if v is not None})
    try:
        find_release(str(stated.get("release_name", "2026.2")))
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--release") from None
    scale = Scale(**stated)
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


#: Inputs larger than this get a progress bar (on a terminal).
PROGRESS_BYTES = 64 << 20


def _epoch_option(value: str | None, option: str) -> float | None:
    from stacktwin.logs.envelope import parse_iso

    if value is None:
        return None
    parsed = parse_iso(value)
    if parsed is None:
        raise typer.BadParameter(
            f"expected YYYY-MM-DD[THH:MM[:SS]] (UTC), got {value!r}", param_hint=option
        )
    return parsed


@app.command()
def trace(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Log files, folders (recursive), rotated .gz/.bz2/.xz files, tar archives."
        ),
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write summary and boots as JSON.")
    ] = None,
    parquet_out: Annotated[
        Path | None, typer.Option("--parquet", help="Write one row per boot as Parquet.")
    ] = None,
    instance: Annotated[
        str | None, typer.Option("--instance", help="Show this instance's timeline (UUID).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Keep boots starting at/after (UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Keep boots starting at/before (UTC).")
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service", help="GLOB=SERVICE: files matching GLOB were written by SERVICE."
        ),
    ] = None,
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="GLOB=HOST: files matching GLOB come from HOST."),
    ] = None,
    skew: Annotated[
        float,
        typer.Option(
            "--clock-skew", min=0.0, help="Seconds of clock difference tolerated between hosts."
        ),
    ] = 1.0,
) -> None:
    """Reconstruct every VM boot, hop by hop, from real Nova and Neutron logs."""
    from stacktwin.logs.pipeline import trace as run_trace
    from stacktwin.logs.sources import Override, Problems, SourceWalker
    from stacktwin.report.export import write_json, write_parquet
    from stacktwin.report.trace_view import print_problems, summary_view, timeline_view

    console = Console()
    errors = Console(stderr=True)
    try:
        service_rules = [Override.parse(text) for text in service or ()]
        host_rules = [Override.parse(text) for text in host or ()]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    window = (_epoch_option(since, "--since"), _epoch_option(until, "--until"))

    total = SourceWalker(paths, problems=Problems()).total_bytes()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        disable=total < PROGRESS_BYTES,
    )
    with progress:
        task = progress.add_task("tracing", total=total)
        result = run_trace(
            paths,
            instance=instance,
            since=window[0],
            until=window[1],
            service_overrides=service_rules,
            host_overrides=host_rules,
            skew=skew,
            on_progress=lambda n: progress.advance(task, n),
        )
    summary = result.summary()
    print_problems(errors, summary["input"]["problems"])
    if not result.usable:
        errors.print("[red]error:[/] no readable log in the given paths; nothing traced")
        raise typer.Exit(2)
    if instance is not None:
        if not result.boots:
            errors.print(f"[red]error:[/] no boot of instance {instance} in these logs")
            raise typer.Exit(1)
        console.print(timeline_view(result.boots[0]))
    else:
        console.print(summary_view(summary))
    try:
        if json_out is not None:
            write_json(
                json_out,
                summary,
                result.boots,
                vif_plugged=[v.to_dict() for v in result.vif_plugged],
                kind="trace",
            )
        if parquet_out is not None:
            write_parquet(parquet_out, result.boots)
    except OSError as exc:
        errors.print(
            f"[red]error:[/] cannot write {exc.filename or 'output'}: {exc.strerror or exc}"
        )
        raise typer.Exit(2) from None


def _load_runs(specs: list[str]) -> Any:
    """Load compare/report inputs, simulating with a progress bar; exit 2 on a bad input."""
    from stacktwin.report.inputs import InputError, load_inputs
    from stacktwin.twin import run_scenario

    def simulate(scenario: Any) -> Any:
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
) -> None:
    """Two runs or traces side by side: outcomes, timeouts, latencies, stop points, load."""
    from stacktwin.report.compare import comparison, comparison_table

    runs = _load_runs([first, second])
    Console(stderr=json_out == "-").print(comparison_table(runs))
    if json_out:
        _write_json(comparison(runs), json_out)


@app.command()
def report(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT...", help=_INPUT_HELP)],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")],
    slowest: Annotated[
        int, typer.Option(min=0, help="Boots per input in the waterfall (slowest first).")
    ] = 20,
    instance: Annotated[
        list[str] | None,
        typer.Option("--instance", help="Also show this instance in the waterfall (repeat)."),
    ] = None,
) -> None:
    """Write one self-contained HTML report (plots embedded, opens offline)."""
    from stacktwin.report.html import ReportError, build_report

    runs = _load_runs(inputs)
    try:
        page = build_report(runs, slowest=slowest, instances=instance or ())
    except ReportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output} ({len(page.encode()) / 1e6:.1f} MB)", err=True)


def main() -> None:
    """Console-script entry point."""
    app()
