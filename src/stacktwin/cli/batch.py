"""Helpers shared by the commands that run batches (simulate, sweep, recommend) and ``--set``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

SET_HELP = (
    "Set one scenario field, written as OpenStack writes it: "
    "nova.DEFAULT.heal_instance_info_cache_interval=600, neutron.database.max_pool_size=60, "
    "cloud.hosts=3000 (repeat). A wrong path or value is an error naming the allowed ones."
)
JOBS_HELP = (
    "Dask worker processes on this machine (0: one per core; capped by the cores and the runs)."
)
SCHEDULER_HELP = (
    "Run on an existing Dask cluster (tcp://HOST:8786) instead of a local one; its workers "
    "need stacktwin installed."
)


def fail(err: Console, message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` and return the Exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def apply_sets(sc: Any, sets: Sequence[str] | None, err: Console) -> Any:
    """The scenario with every ``--set`` applied; exit 2 naming the bad path or value."""
    from stacktwin.twin import ScenarioError
    from stacktwin.twin.overrides import apply_overrides, parse_sets

    if not sets:
        return sc
    try:
        return apply_overrides(sc, parse_sets(sets))
    except ScenarioError as exc:
        raise fail(err, str(exc)) from None


def load_with_sets(scenario: str, sets: Sequence[str] | None, err: Console) -> Any:
    """Load a scenario by name or path and apply ``--set``; exit 2 on any problem."""
    from stacktwin.twin import ScenarioError, load_scenario

    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        raise fail(err, str(exc)) from None
    return apply_sets(sc, sets, err)


def run_batch(
    scenarios: Sequence[Any],
    jobs: int,
    scheduler: str | None,
    err: Console,
    label: str = "runs",
    on_done: Callable[[int, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run a batch through the executor with a progress bar (runs done / total, ETA).

    Ctrl-C cancels the batch, shuts the cluster down and exits 130; a cluster that cannot be
    reached exits 2.
    """
    from stacktwin.twin.batch.executor import BatchError, BatchInterrupted, Executor

    executor = Executor(jobs=jobs, scheduler=scheduler)
    err.print(f"{label}: {executor.describe(len(scenarios))}", highlight=False)
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=err, disable=not sys.stderr.isatty(),
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=len(scenarios))

        def done(i: int, record: dict[str, Any]) -> None:
            bar.advance(task)
            if on_done:
                on_done(i, record)

        try:
            return executor.map(scenarios, done)
        except BatchInterrupted as exc:
            raise fail(err, f"interrupted: {exc}; the cluster was shut down", 130) from None
        except BatchError as exc:
            raise fail(err, str(exc)) from None
