"""The ``stacktwin`` command line: parse arguments, call the package, render.

Each command lives in a few lines here; the work is done in ``stacktwin.twin`` (simulate),
``stacktwin.logs`` (trace) and ``stacktwin.config`` (check), the rendering in
``stacktwin.report``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
