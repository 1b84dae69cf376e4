"""``stacktwin trace``: reconstruct every VM boot, hop by hop, from real logs."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from stacktwin.boots import Boot
from stacktwin.cli.app import app
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows
from stacktwin.optional import MissingDependency

#: A run shows its progress once it has lasted this long (seconds), on a terminal only.
PROGRESS_AFTER = 2.0

_WHEN_HELP = (
    "ISO 8601 date or time, e.g. 2024-05-01, 2024-05-01T10:00, 2024-05-01T10:00+02:00;"
    " without an offset it is read as UTC, like the logs' own timestamps."
)


def _epoch_option(value: str | None, option: str) -> float | None:
    from stacktwin.logs.envelope import parse_when

    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc}: got {value!r}", param_hint=option) from None


@app.command()
def trace(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Log files, folders (recursive), rotated .gz/.bz2/.xz files, tar archives;"
            " '-' reads standard input (e.g. journalctl -o short-iso).",
            show_default=False,
        ),
    ],
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write summary and boots as JSON ('-': standard output).",
            metavar="FILE|-",
        ),
    ] = None,
    parquet_out: Annotated[
        Path | None,
        typer.Option("--parquet", help="Write one row per boot as Parquet.", metavar="FILE"),
    ] = None,
    instance: Annotated[
        str | None,
        typer.Option(
            "--instance", help="Show this instance's timeline (UUID, any case).", metavar="UUID"
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=f"Keep boots starting at/after this moment: {_WHEN_HELP}",
            metavar="TIME",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help=f"Keep boots starting at/before this moment: {_WHEN_HELP}",
            metavar="TIME",
        ),
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            help="GLOB=SERVICE: files matching GLOB were written by SERVICE.",
            metavar="GLOB=SERVICE",
        ),
    ] = None,
    host: Annotated[
        list[str] | None,
        typer.Option(
            "--host", help="GLOB=HOST: files matching GLOB come from HOST.", metavar="GLOB=HOST"
        ),
    ] = None,
    skew: Annotated[
        float,
        typer.Option(
            "--clock-skew",
            min=0.0,
            help="Seconds of clock difference tolerated between hosts.",
            metavar="SECONDS",
        ),
    ] = 1.0,
    show_failed: Annotated[
        int,
        typer.Option(
            "--show-failed",
            min=0,
            help="Failed boots named in the output (--json: all).",
            metavar="N",
        ),
    ] = 10,
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
) -> None:
    """Reconstruct every VM boot, hop by hop, from real Nova and Neutron logs.

    Exit status: 0 when logs were read (unreadable parts are reported and skipped), 1 when
    --instance names no boot in them, 2 on a usage error, when nothing at all could be read,
    or when an output cannot be written.
    """
    from stacktwin.logs.pipeline import trace as run_trace
    from stacktwin.logs.sources import Override
    from stacktwin.render.export import write_json, write_parquet
    from stacktwin.render.trace_view import print_problems, summary_view, timeline_view

    errors = Console(stderr=True)
    check_format(fmt)
    # With --json -, standard output holds the JSON alone: the tables go to stderr.
    console = Console(stderr=str(json_out) == "-")
    try:
        service_rules = [Override.parse(text) for text in service or ()]
        host_rules = [Override.parse(text) for text in host or ()]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    window = (_epoch_option(since, "--since"), _epoch_option(until, "--until"))

    with TraceProgress(errors, paths) as progress:
        result = run_trace(
            paths,
            instance=instance,
            since=window[0],
            until=window[1],
            service_overrides=service_rules,
            host_overrides=host_rules,
            skew=skew,
            on_progress=progress.advance,
            on_status=progress.status,
        )
    summary = result.summary()
    inp = summary["input"]
    print_problems(errors, inp["problems"], not_listed=inp["problems_not_listed"])
    if not result.usable:
        errors.print("[red]error:[/] no readable log in the given paths; nothing traced")
        raise typer.Exit(2)
    if instance is not None and not result.boots:
        errors.print(f"[red]error:[/] no boot of instance {escape(instance)} in these logs")
        raise typer.Exit(1)
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
        where = escape(str(exc.filename or "output"))
        errors.print(f"[red]error:[/] cannot write {where}: {escape(exc.strerror or str(exc))}")
        raise typer.Exit(2) from None
    except MissingDependency as exc:
        errors.print(f"error: --parquet: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if wants_rows(fmt, columns):
        emit([boot_row(b) for b in result.boots], fmt, columns, console)
    elif instance is not None:
        console.print(timeline_view(result.boots[0], width=console.width), crop=False)
    else:
        console.print(
            summary_view(summary, failed_limit=show_failed, width=console.width), crop=False
        )


def boot_row(boot: Boot) -> dict[str, Any]:
    """One boot as a row of ``-f``/``-c`` output: identity, outcome, where and why, when, how
    long (seconds, ms)."""
    requested = boot.milestones.get("requested")
    hops = boot.hop_latencies()
    vif_wait, total = hops.get("vif_wait"), hops.get("boot")
    return {
        "instance": boot.instance,
        "host": boot.host,
        "outcome": boot.outcome.value,
        "reason": boot.reason_key or boot.reason,
        "phase": boot.phase,
        "stopped_at": boot.chain_stop(),
        "requested": None
        if requested is None
        else datetime.fromtimestamp(requested, tz=UTC).isoformat(timespec="milliseconds"),
        "vif_wait_s": None if vif_wait is None else round(vif_wait, 3),
        "boot_s": None if total is None else round(total, 3),
    }


class TraceProgress:
    """Files, bytes and boots so far, on ``console`` (stderr): only on a terminal, only once
    the run has lasted :data:`PROGRESS_AFTER` seconds, and transient (erased at the end)."""

    def __init__(self, console: Console, paths: list[Path]) -> None:
        self.console = console
        self.paths = paths
        self.enabled = console.is_terminal
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.done = 0
        self.files = 0
        self.instances = 0

    def __enter__(self) -> TraceProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.progress is not None:
            self.progress.stop()

    def advance(self, size: int) -> None:
        """``size`` more on-disk bytes consumed."""
        self.done += size
        self._show()

    def status(self, files: int, instances: int) -> None:
        """Streams read and instances seen so far."""
        self.files, self.instances = files, instances
        self._show()

    def _show(self) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            if time.monotonic() - self.started < PROGRESS_AFTER:
                return
            from stacktwin.logs.sources import Problems
            from stacktwin.logs.walk import SourceWalker

            total = SourceWalker(self.paths, Problems()).total_bytes()  # walked only if slow
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.task = self.progress.add_task("", total=total or None)
            self.progress.start()
        assert self.task is not None
        self.progress.update(
            self.task,
            completed=self.done,
            description=f"{self.files} files, {self.instances} instances",
        )
