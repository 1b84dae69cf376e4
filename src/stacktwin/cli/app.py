"""The Typer application every ``stacktwin`` command registers on, and shared CLI helpers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

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


def write_json_output(data: Any, target: str) -> None:
    """Write ``data`` as JSON to ``target`` atomically (``-``: stdout), or a clear error."""
    text = json.dumps(data, indent=1, allow_nan=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    from stacktwin.report.batch_export import atomic_write

    try:
        atomic_write(Path(target), lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    except OSError as err:
        raise typer.BadParameter(
            f"cannot write {target}: {err.strerror}", param_hint="--json"
        ) from None
