"""``stacktwin trace``: reconstruct every VM boot, hop by hop, from real logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from stacktwin.cli.app import app

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
    show_failed: Annotated[
        int,
        typer.Option(
            "--show-failed", min=0, help="Failed boots named in the output (--json: all)."
        ),
    ] = 10,
) -> None:
    """Reconstruct every VM boot, hop by hop, from real Nova and Neutron logs."""
    from stacktwin.logs.pipeline import trace as run_trace
    from stacktwin.logs.sources import Override, Problems
    from stacktwin.logs.walk import SourceWalker
    from stacktwin.render.export import write_json, write_parquet
    from stacktwin.render.trace_view import print_problems, summary_view, timeline_view

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
        console.print(summary_view(summary, failed_limit=show_failed))
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
