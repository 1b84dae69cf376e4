"""``stacktwin schema``: the JSON Schema of a command's ``--json`` output."""

from __future__ import annotations

from typing import Annotated

import typer

from stacktwin.cli.app import app, write_json_output
from stacktwin.schema import DOCUMENTS, published


@app.command()
def schema(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND", help=f"The output: {', '.join(DOCUMENTS)} (the JSON's 'kind')."
        ),
    ],
    output: Annotated[
        str, typer.Option("-o", "--output", metavar="FILE|-", help="Where to write it.")
    ] = "-",
) -> None:
    """Print the JSON Schema (draft 2020-12) of an output kind, as shipped in the package."""
    if kind not in DOCUMENTS:
        typer.echo(f"error: no output kind {kind!r}; kinds: {', '.join(DOCUMENTS)}", err=True)
        raise typer.Exit(2)
    write_json_output(published(kind), output)
