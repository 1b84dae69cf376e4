"""``stacktwin recommend``: the cheapest setting that meets every objective, with its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stacktwin.cli.app import app
from stacktwin.cli.batch import JOBS_HELP, SCHEDULER_HELP, SET_HELP, fail, load_with_sets, run_batch
from stacktwin.cli.formats import ColumnOption, FormatOption, check_format, emit, wants_rows
from stacktwin.render.fit import FitTable

_SHOWN = ("error", "timeouts", "vif_wait.p50", "vif_wait.p99", "boot.p99",
          "neutron_rpc.utilisation", "neutron_api.utilisation")  # fmt: skip


def _changes_table(ev: Any) -> Table:
    from stacktwin.twin.batch.knobs import config_line, knob_words

    table = FitTable(title="Change", title_justify="left")
    for col in ("setting", "from", "to", "config line to set"):
        table.add_column(col)
    for path, (old, new) in ev.changes.items():
        table.add_row(knob_words(path), str(old), str(new), escape(config_line(path, new)))
    return table


def _figures_table(ev: Any, base: Any, objectives: list[Any]) -> Table:
    from stacktwin.twin.batch.stats import fmt_interval

    table = FitTable(title="Predicted (mean [95% CI] over the seeds)", title_justify="left")
    for col in ("figure", "as is", "with the change", "objective"):
        table.add_column(col, justify="right" if col != "figure" else "left")
    figures = list(dict.fromkeys([*(o.figure for o in objectives), *_SHOWN]))
    for f in figures:
        pct = f.endswith("utilisation")
        goals = [o for o in objectives if o.figure == f]
        mark = ", ".join(f"{o} {'met' if o.met(ev.aggregate[f]) else 'NOT met'}" for o in goals)
        table.add_row(f, fmt_interval(base.aggregate[f], 1, pct),
                      fmt_interval(ev.aggregate[f], 1, pct), mark)  # fmt: skip
    return table


def _runs_table(rec: Any) -> Table:
    table = FitTable(title=f"Settings tried ({rec.runs} runs)", title_justify="left")
    for col in ("#", "changes", "feasible", "core-equiv.", "errors", "vif p99"):
        table.add_column(col)
    ranked = sorted(rec.evaluations, key=lambda e: (not e.feasible, e.cost["core_equivalents"]))
    for i, e in enumerate(ranked, 1):
        changes = ", ".join(f"{p.split('.')[-1]}={v}" for p, (_, v) in e.changes.items()) or "as is"
        p99 = e.aggregate["vif_wait.p99"]["mean"]
        table.add_row(str(i), changes, "yes" if e.feasible else "no",
                      f"{e.cost['core_equivalents']:.2f}", f"{e.aggregate['error']['mean']:.1f}",
                      "-" if p99 is None else f"{p99:.1f}")  # fmt: skip
    return table


@app.command()
def recommend(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario or a scenario YAML file.")],
    objective: Annotated[
        list[str],
        typer.Option(
            "--objective",
            help="FIGURE OP NUMBER, OP one of <=, <, >=, >, == (repeat): 'vif_wait.p99<=60', "
            "'errors==0'. Met when the whole 95% interval meets it.",
            metavar="OBJECTIVE",
        ),
    ],
    knob: Annotated[
        list[str] | None,
        typer.Option(
            "--knob",
            help="PATH=V1,V2,… or PATH=LO..HI to search (repeat; replaces the default knobs: "
            "heal interval, rpc_workers, max_pool_size, flow deletion, state-report workers, "
            "max_overflow, rpc_response_timeout, agent_down_time, vif_plugging_timeout).",
            metavar="PATH=V1,V2|LO..HI",
        ),
    ] = None,
    budget: Annotated[
        int, typer.Option(min=1, help="Runs the search may make.", metavar="RUNS")
    ] = 48,
    replications: Annotated[int, typer.Option(min=2, help="Seeds per setting.", metavar="N")] = 3,
    db_max_connections: Annotated[
        int,
        typer.Option(
            min=1, help="The database's max_connections (kolla-ansible's 10000).", metavar="N"
        ),
    ] = 10_000,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help=SET_HELP, metavar="PATH=VALUE")
    ] = None,
    jobs: Annotated[int, typer.Option(help=JOBS_HELP, min=0, metavar="N")] = 0,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP, metavar="ADDRESS")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the search as JSON.", metavar="FILE|-")
    ] = None,
    fmt: FormatOption = "table",
    columns: ColumnOption = None,
) -> None:
    """The cheapest setting (CPU, RAM, DB connections) that meets every objective with 95%
    confidence, its predicted figures and the config lines to paste; or what comes closest."""
    from stacktwin.objectives import ObjectiveError, parse_objective
    from stacktwin.twin import ScenarioError
    from stacktwin.twin.batch.knobs import DEFAULT_KNOBS, config_line
    from stacktwin.twin.batch.recommend import knob_from_text
    from stacktwin.twin.batch.recommend import recommend as search
    from stacktwin.twin.batch.replications import seeds_for

    err = Console(stderr=True)
    base = load_with_sets(scenario, sets, err)
    try:
        goals = [parse_objective(o) for o in objective]
        knobs = [knob_from_text(k, base) for k in knob] if knob else list(DEFAULT_KNOBS)
    except (ObjectiveError, ScenarioError) as exc:
        raise fail(err, str(exc)) from None
    seeds = seeds_for(base, replications)
    if budget < 2 * replications:
        raise fail(err, f"--budget {budget}: too small for two settings of {replications} runs")
    err.print(f"recommend for {escape(base.name)}: {len(knobs)} knobs, budget {budget} runs, "
              f"{replications} seeds per setting", highlight=False)  # fmt: skip
    try:
        rec = search(base, goals, knobs, seeds, budget,
                     lambda batch: run_batch(batch, jobs, scheduler, err, "recommend"),
                     db_max_connections)  # fmt: skip
    except ScenarioError as exc:
        raise fail(err, str(exc)) from None
    if json_out:
        _write(json_out, rec, base, goals, seeds, budget, err)
    if wants_rows(fmt, columns):
        chosen = rec.best or rec.closest
        rows = [
            {"setting": path, "from": old, "to": new, "config_line": config_line(path, new)}
            for path, (old, new) in chosen.changes.items()
        ]
        emit(rows, check_format(fmt), columns, Console(stderr=str(json_out) == "-"))
    else:
        _show(
            Console(stderr=str(json_out) == "-"),
            rec,
            base,
            goals,
            seeds,
            scenario,
            replications,
            db_max_connections,
        )
    if rec.best is None:
        raise typer.Exit(1)


def _show(
    out: Console, rec: Any, base: Any, goals: list[Any], seeds: list[int], scenario: str,
    replications: int, db_max_connections: int,
) -> None:  # fmt: skip
    """Everything a person reads: the setting, its cost, the figures, the runs."""
    goal_text = ", ".join(str(g) for g in goals)
    if rec.best is not None:
        out.print(f"[bold]Recommendation[/bold] for {escape(base.name)}: meets "
                  f"{escape(goal_text)} with 95% confidence ({replications} seeds per setting, "
                  f"{rec.runs} runs)")  # fmt: skip
        chosen = rec.best
    else:
        out.print(f"[bold red]Nothing in range meets[/bold red] {escape(goal_text)} with 95% "
                  f"confidence ({rec.runs} runs); the closest setting:")  # fmt: skip
        chosen = rec.closest
    if chosen.changes:
        out.print(_changes_table(chosen))
    else:
        out.print("no change: the scenario as it is")
    c = chosen.cost
    out.print(f"cost: {c['extra_cores']:+.0f} cores, {c['extra_ram_gib']:+.0f} GiB RAM for "
              f"neutron-server workers; DB connections kept open {c['db_connections_open']} "
              f"(max_connections {db_max_connections}); {c['core_equivalents']:.2f} "
              "core-equivalents", highlight=False)  # fmt: skip
    out.print(_figures_table(chosen, rec.base, goals))
    out.print(_runs_table(rec))
    if chosen.changes:
        sets_text = " ".join(f"--set {p}={v}" for p, (_, v) in chosen.changes.items())
        check = (
            f"stacktwin simulate {scenario} {sets_text} --seed {seeds[-1] + 100} --replications 5"
        )
        out.print(f"check on fresh seeds: {escape(str(check))}", highlight=False, soft_wrap=True)


def _write(
    json_out: Path, rec: Any, base: Any, goals: list[Any], seeds: list[int], budget: int,
    err: Console,
) -> None:  # fmt: skip
    """The search as JSON (the runs' records left out)."""
    from stacktwin.render.batch_export import write_json_atomic

    doc = {"kind": "recommend", "scenario": base.name, "objectives": [str(g) for g in goals],
           "seeds": seeds, "budget": budget, "runs": rec.runs,
           "recommended": rec.best.to_dict() if rec.best else None,
           "closest": rec.closest.to_dict(),
           "evaluations": [e.to_dict() for e in rec.evaluations]}  # fmt: skip
    for e in doc["evaluations"] + [doc["closest"]] + ([doc["recommended"]] if rec.best else []):
        e.pop("records", None)
    try:
        write_json_atomic(json_out, doc)
    except OSError as exc:
        raise fail(err, f"cannot write {json_out}: {exc.strerror}") from None
