"""The ``stacktwin`` command line: parse arguments, call the package, render.

One module per command (``simulate``, ``check``, ``trace``, ``report`` for compare/report), each
a few lines that call ``stacktwin.twin``, ``stacktwin.config``, ``stacktwin.logs`` or
``stacktwin.render``; the Typer app they register on is in ``stacktwin.cli.app``.
"""

from __future__ import annotations

from importlib import import_module

from stacktwin.cli.app import app

# Importing a command module registers its commands, in this order in --help.
for _module in (
    "simulate",
    "sweep",
    "recommend",
    "check",
    "trace",
    "report",
    "schema",
    "calibrate",
    "calibrate_report",
):
    import_module(f"stacktwin.cli.{_module}")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
