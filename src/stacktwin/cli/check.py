"""``stacktwin check``: audit real nova.conf / neutron.conf files for a stated scale."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from stacktwin.cli.app import app, write_json_output
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows


@app.command()
def check(
    conf: Annotated[
        list[str],
        typer.Argument(
            metavar="CONF...",
            help="nova/neutron config files, in the order the services read them (later ones "
            "win). Prefix with nova: or neutron: when the file name does not tell; a my.cnf "
            "(any *.cnf, or mysql:PATH) gives the database's max_connections.",
        ),
    ],
    hosts: Annotated[
        int | None,
        typer.Option(min=1, help="Compute hosts, one OVS agent each (default 1000).", metavar="N"),
    ] = None,
    instances: Annotated[
        int | None, typer.Option(min=0, help="Instances (default: 20 per host).", metavar="N")
    ] = None,
    boots_per_minute: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Boot-storm rate (default: one boot per 10 hosts per minute).",
            metavar="RATE",
        ),
    ] = None,
    neutron_servers: Annotated[
        int | None, typer.Option(min=1, help="neutron-server nodes (default 3).", metavar="N")
    ] = None,
    neutron_server_cores: Annotated[
        int | None,
        typer.Option(
            min=1, help="CPUs per neutron server, RAM ≥ 2 GiB per CPU assumed (16).", metavar="N"
        ),
    ] = None,
    release: Annotated[
        str | None,
        typer.Option(
            help="OpenStack release of the files: name (ussuri) or year (2025.1).",
            metavar="RELEASE",
        ),
    ] = None,
    db_max_connections: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="The database's max_connections (default: from a my.cnf given, else MySQL's 151).",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Take the scale (hosts, instances, peak boot rate, neutron servers and cores, "
            "release) from a twin scenario (built-in name or YAML); options above override it.",
            metavar="SCENARIO",
        ),
    ] = None,
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
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

    from stacktwin.api import check as run_check
    from stacktwin.render.check_view import check_dict, render_table
    from stacktwin.twin import ScenarioError

    try:
        report = run_check(
            conf,
            scenario=scenario,
            hosts=hosts,
            instances=instances,
            boots_per_minute=boots_per_minute,
            neutron_servers=neutron_servers,
            neutron_server_cores=neutron_server_cores,
            release=release,
            db_max_connections=db_max_connections,
        )
    except ScenarioError as exc:
        Console(stderr=True).print(
            f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None
    except ValidationError as err:
        item = err.errors()[0]
        option = "--" + str(item["loc"][0]).replace("_", "-") if item["loc"] else "the scale"
        raise typer.BadParameter(
            f"{item['msg']} (got {item.get('input')!r})", param_hint=option
        ) from None
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--release") from None
    if report.unreadable:
        for line in report.unreadable:
            typer.echo(f"error: {line}", err=True)
        typer.echo("error: nothing audited: every file given must be readable", err=True)
        raise typer.Exit(2)
    if wants_rows(fmt, columns):
        rows = [
            {
                "severity": f.severity,
                "option": f.option,
                "message": f.message,
                "evidence": f.evidence,
                "set_to": f.set_to,
                "why": f.why,
            }
            for f in report.findings
        ]
        emit(rows, check_format(fmt), columns, Console())
    elif json_out != "-":
        render_table(report, Console())
    if json_out is not None:
        write_json_output(check_dict(report), json_out)
    if report.critical:
        raise typer.Exit(1)
