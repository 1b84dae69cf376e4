"""``stacktwin calibrate`` / ``stacktwin validate``: a scenario fitted to traced logs, and its
error on boots it was not fitted on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stacktwin.cli.app import app, check_output, write_json_output
from stacktwin.cli.batch import JOBS_HELP, SCHEDULER_HELP

LogsArg = Annotated[
    list[str], typer.Argument(help="Log files, folders or archives.", metavar="LOGS…")
]
JobsOpt = Annotated[int, typer.Option("--jobs", help=JOBS_HELP, metavar="N")]
SchedOpt = Annotated[str | None, typer.Option(help=SCHEDULER_HELP, metavar="ADDRESS")]
RepsOpt = Annotated[
    int,
    typer.Option(
        min=1, max=50, help="Twin runs per evaluation (seeds seed, seed+1…).", metavar="N"
    ),
]


def _fail(err: Console, message: str) -> typer.Exit:
    err.print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(2)


def _progress(err: Console, what: str) -> Progress:
    return Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _split_time(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: epoch seconds or an ISO 8601 time") from None
    if value.tzinfo is None:
        raise typer.BadParameter(f"{text!r}: give a time zone (e.g. +00:00 or Z)")
    return value.timestamp()


def _traced(logs: list[str], err: Console) -> tuple[Any, tuple[str | None, str]]:
    """The traced workload of ``logs``, and the release their start lines name (or why not)."""
    from stacktwin.api import InputError, trace
    from stacktwin.calibrate import CalibrationError, extract_workload
    from stacktwin.calibrate.events import traced_events

    try:
        run = trace(logs)
        events = traced_events(logs)
        work = extract_workload(run.boots, events)
    except (InputError, CalibrationError) as exc:
        raise _fail(err, str(exc)) from None
    return work, events.release()


def _release(
    hint: tuple[str | None, str], given: str | None, loaded: Any
) -> tuple[str | None, str]:
    """The release of the logs and how it was chosen: --release, the --config files'
    inference (config/infer.py), the nova version of the logs' start lines; else None."""
    from stacktwin.config.infer import infer_release

    if given is not None:
        return given, "given (--release)"
    if loaded is not None:
        guess = infer_release(loaded)
        if not guess.assumed:
            return str(guess.release.year_name or guess.release.name), guess.describe()
    name, why = hint
    if name is not None:
        return name, f"from the logs: {why}"
    return None, f"not given (--release), not in the --config files, and {why}"


def _prepare(
    work: Any,
    hint: tuple[str | None, str],
    base: str,
    config: list[str],
    release: str | None,
    holdout: float | None,
    split_at: str | None,
    output: str,
) -> tuple[Any, Any, Any]:
    """The part to fit, the part held out (or None) and the scenario replaying the first."""
    from stacktwin.api import configure
    from stacktwin.calibrate import CalibrationError, split
    from stacktwin.config.releases import release as find_release
    from stacktwin.twin import load_scenario, parse_scenario

    sc = load_scenario(base)
    loaded = None
    if config:
        configured = configure(sc, config)
        sc, loaded = configured.scenario, configured.loaded
    name, why = _release(hint, release, loaded)
    if name is not None:
        try:
            known = find_release(name)
        except ValueError as exc:
            raise CalibrationError(str(exc)) from None
        name = known.year_name or known.name.lower()
        sc = parse_scenario({**sc.model_dump(), "release": name}, f"release {name}")
        work.release = f"{name}: {why}"
    else:
        work.release = f"{sc.release} (the base scenario's): {why}"
    work.notes.append(f"release {work.release}")
    work.notes.append(
        f"VMs running before the trace: not in the logs; {sc.cloud.instances} from the base "
        f"scenario {base!r} (cloud.instances)"
    )
    fit_part, held = work, None
    if holdout is not None or split_at is not None:
        at = _split_time(split_at) if split_at is not None else None
        fit_part, held = split(work, holdout=holdout, at=at)
    name = output.rsplit("/", 1)[-1].removesuffix(".yaml") or "calibrated"
    return fit_part, held, fit_part.scenario(sc, name)


@app.command()
def calibrate(
    logs: LogsArg,
    output: Annotated[
        str, typer.Option("-o", "--output", help="The scenario YAML to write.", metavar="FILE")
    ],
    config: Annotated[
        list[str] | None,
        typer.Option("--config", help="nova.conf / neutron.conf (repeat).", metavar="CONF"),
    ] = None,
    base: Annotated[
        str, typer.Option(help="Scenario giving the cloud's shape.", metavar="SCENARIO")
    ] = "all-in-one",
    release: Annotated[
        str | None, typer.Option(help="OpenStack release of the logs.", metavar="RELEASE")
    ] = None,
    holdout: Annotated[
        float | None,
        typer.Option(
            help="Fit on the first boots, validate on this last fraction.", metavar="FRACTION"
        ),
    ] = None,
    split_at: Annotated[
        str | None,
        typer.Option("--split", help="Fit before, validate from this time.", metavar="TIME"),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json",
            help="Also write the fit as JSON (fit.json; '-': stdout, the summary on stderr).",
            metavar="FILE|-",
        ),
    ] = None,
    replications: RepsOpt = 3,
    jobs: JobsOpt = 1,
    scheduler: SchedOpt = None,
) -> None:
    """Fit the twin's per-hop costs to traced boots; write a scenario simulate/sweep accept."""
    from stacktwin.calibrate import CalibrationError, fit_costs, validate_scenario
    from stacktwin.calibrate.output import fit_document, scenario_yaml
    from stacktwin.calibrate.samples import boot_samples
    from stacktwin.output import write_text
    from stacktwin.twin import ScenarioError
    from stacktwin.twin.batch.executor import BatchError, BatchInterrupted, Executor

    err = Console(stderr=True)
    if holdout is not None and split_at is not None:
        raise _fail(err, "--holdout and --split: give one")
    check_output(json_out, "--json")  # before the fit, not after it
    work, hint = _traced(logs, err)
    source = ", ".join(logs)
    try:
        fit_part, held, replay = _prepare(
            work, hint, base, config or [], release, holdout, split_at, output
        )
    except (ScenarioError, CalibrationError) as exc:
        raise _fail(err, str(exc)) from None
    executor = Executor(jobs=jobs, scheduler=scheduler)
    traced = boot_samples(fit_part.boots)
    try:
        with _progress(err, "calibrating") as bar:
            task = bar.add_task("runs", total=None)
            fit = fit_costs(
                replay,
                traced,
                executor,
                replications,
                on_run=lambda: bar.advance(task),
                window=fit_part.window,
            )
            fitted = replay.model_copy(deep=True)
            fitted.model.costs = fit.costs
            validation = None
            if held is not None:
                validation = validate_scenario(fitted, held, executor, replications)
    except (BatchError, BatchInterrupted) as exc:
        raise _fail(err, str(exc)) from None
    try:
        write_text(output, scenario_yaml(fitted, fit, fit_part, source))
    except OSError as exc:
        raise _fail(err, f"cannot write {output}: {exc.strerror or exc}") from None
    doc = fit_document(fit, fit_part, traced, source, validation)
    if json_out:
        write_json_output(doc, json_out)
    out = Console(stderr=json_out == "-")  # stdout holds the JSON alone
    if validation is not None:
        out.print(
            f"held-out ({validation['boots']} boots): the calibrated twin {validation['headline']}"
        )
    out.print(f"fit ({len(fit_part.boots)} boots): {doc['fit']['headline']}")
    _print_parameters(out, fit.parameters)
    out.print(f"wrote {output} ({fit.runs} twin runs, {fit.wall_seconds:.1f} s)", markup=False)


@app.command()
def validate(
    scenario: Annotated[
        str, typer.Argument(help="A scenario YAML or built-in name.", metavar="SCENARIO")
    ],
    logs: LogsArg,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json",
            help="Also write the comparison as JSON ('-': stdout, the summary on stderr).",
            metavar="FILE|-",
        ),
    ] = None,
    replications: RepsOpt = 3,
    jobs: JobsOpt = 1,
    scheduler: SchedOpt = None,
) -> None:
    """Replay the traced boots of LOGS in SCENARIO and compare the hop distributions."""
    from stacktwin.calibrate import validate_scenario
    from stacktwin.twin import ScenarioError, load_scenario
    from stacktwin.twin.batch.executor import BatchError, BatchInterrupted, Executor

    err = Console(stderr=True)
    check_output(json_out, "--json")
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        raise _fail(err, str(exc)) from None
    work, _ = _traced(logs, err)
    try:
        with _progress(err, "validating") as bar:
            task = bar.add_task("runs", total=replications)
            result = validate_scenario(
                sc,
                work,
                Executor(jobs=jobs, scheduler=scheduler),
                replications,
                on_done=lambda _i, _r: bar.advance(task),
            )
    except (BatchError, BatchInterrupted, ScenarioError) as exc:
        raise _fail(err, str(exc)) from None
    if json_out:
        write_json_output({"kind": "validate", "scenario": sc.name, **result}, json_out)
    out = Console(stderr=json_out == "-")  # stdout holds the JSON alone
    out.print(f"{sc.name} on {result['boots']} traced boots: {result['headline']}", markup=False)
    for hop, row in result["hops"].items():
        e50, e90 = row["error_p50"], row["error_p90"]
        if e50 is None or e90 is None:
            out.print(f"  {hop}: {row.get('note', 'no error to state')}", markup=False)
        else:
            out.print(f"  {hop}: p50 {e50:+.0%}, p90 {e90:+.0%}, KS {row['ks']:.2f}", markup=False)


def _print_parameters(out: Console, parameters: list[dict[str, Any]]) -> None:
    """One line per cost, from the report's parameter rows: the fitted value, its 95% interval
    and provenance, or the default and why."""
    from stacktwin.render.calibrate_view import parameter_rows

    for row in parameter_rows({"parameters": parameters}):
        if row["status"] == "fitted":
            lo, hi = row["interval_low"], row["interval_high"]
            shown = f" [{lo:.4g}–{hi:.4g}]" if lo is not None else " [unbounded]"
            line = f"  {row['cost']} = {row['value']:.4g} s{shown} ({row['provenance']})"
        else:
            line = f"  {row['cost']}: {row['provenance']}"
        out.print(line, markup=False)
