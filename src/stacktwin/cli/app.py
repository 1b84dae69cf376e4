"""The Typer application every ``stacktwin`` command registers on, and shared CLI helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from stacktwin.output import writable, write_json
from stacktwin.version import __version__

app = typer.Typer(
    name="stacktwin",
    help="Find, explain and predict slow and failing VM boots in OpenStack (Nova <-> Neutron).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
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


def check_output(target: str | Path | None, option: str) -> None:
    """Exit 2 now, before anything runs, when ``target`` could not be written."""
    if target is None:
        return
    if not str(target).strip():
        typer.echo(f"error: {option} needs a file name, or '-' for standard output", err=True)
        raise typer.Exit(2)
    why = writable(target)
    if why is not None:
        typer.echo(f"error: {option}: cannot write {target}: {why}", err=True)
        raise typer.Exit(2)


def write_json_output(data: Any, target: str | Path, option: str = "--json") -> None:
    """Write ``data`` as JSON to the file ``target`` (``-``: stdout, atomically otherwise);
    a clear error if it can't."""
    check_output(target, option)
    try:
        write_json(target, data)
    except OSError as err:
        typer.echo(f"error: cannot write {target}: {err.strerror or err}", err=True)
        raise typer.Exit(2) from None
