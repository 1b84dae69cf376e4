"""The ``stacktwin`` command line: parse arguments, call the package, render.

Each command lives in a few lines here; the work is done in ``stacktwin.twin`` (simulate),
``stacktwin.logs`` (trace) and ``stacktwin.config`` (check), the rendering in
``stacktwin.report``.
"""

from __future__ import annotations

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


def main() -> None:
    """Console-script entry point."""
    app()
