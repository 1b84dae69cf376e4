"""``stacktwin check``: audit real nova.conf / neutron.conf files for a stated scale."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from stacktwin.cli.app import app


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
