"""The Python API: every command of the CLI as a typed function, for notebooks and scripts.

>>> import stacktwin
>>> run = stacktwin.simulate("all-in-one", seed=3, duration=600)
>>> run.kind, run.seeds
('simulate', [3])
>>> run.summary["outcomes"]["active"] == len([b for b in run.boots if b.outcome.value == "active"])
True
>>> audit = stacktwin.check([], hosts=2000, release="2023.1")    # no files: defaults only
>>> audit.scale.hosts, audit.critical
(2000, False)

:func:`simulate` and :func:`trace` return a :class:`~stacktwin.render.runs.Run`: the boots in the
schema shared by traced and simulated boots (``run.boots``), their ``summary``, and for a
simulated run the per-component figures, time series and resolved settings; ``run.to_arrow()``
and ``run.to_pandas()`` give one row per boot. :func:`compare` and :func:`report` take runs (or
anything the CLI takes: a scenario name, a saved ``--json`` run, logs). The CLI is a thin layer
over these functions: what it prints is what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from stacktwin.config import LoadedConfig, Report, Scale, audit, load_config
from stacktwin.config.discover import expanded
from stacktwin.config.infer import ReleaseGuess, infer_release
from stacktwin.config.ini import Location
from stacktwin.config.mycnf import is_option_file, max_connections
from stacktwin.config.releases import release as find_release
from stacktwin.config.settings import ConfigProblem
from stacktwin.config.twin import not_modelled, twin_settings
from stacktwin.logs.correlate import VifPlugged
from stacktwin.logs.pipeline import TraceResult
from stacktwin.logs.pipeline import trace as trace_logs
from stacktwin.logs.sources import Override
from stacktwin.output import write_text
from stacktwin.render.runs import InputError, Run, load_saved
from stacktwin.twin import (
    Scenario,
    ScenarioError,
    TwinResult,
    builtin_names,
    load_scenario,
    parse_scenario,
)
from stacktwin.twin import run_scenario as run_twin
from stacktwin.twin.model import Progress
from stacktwin.twin.scenario import with_settings

__all__ = [
    "ConfiguredScenario",
    "InputError",
    "Run",
    "Scenario",
    "ScenarioError",
    "Trace",
    "check",
    "compare",
    "configure",
    "load_input",
    "load_inputs",
    "report",
    "run_from_result",
    "scale_of",
    "scenario_of",
    "simulate",
    "trace",
]

SCENARIO_SUFFIXES = (".yaml", ".yml")
"""Suffixes read as scenario files rather than logs."""

Simulator = Callable[[Scenario], TwinResult]


# -- simulate ------------------------------------------------------------------------------------
@dataclass
class ConfiguredScenario:
    """A scenario with real configuration files laid over it, and what the files said."""

    scenario: Scenario
    problems: list[ConfigProblem]
    not_modelled: list[str]
    """What the files set that the twin does not model (``nova [database] max_pool_size``)."""
    loaded: LoadedConfig


def configure(scenario: Scenario, files: Sequence[str]) -> ConfiguredScenario:
    """Lay the settings of real nova/neutron files over ``scenario`` (later files win).

    Raises :class:`~stacktwin.twin.ScenarioError` when no file is usable or a value is one the
    twin cannot take; problems in the files that do not stop the run are returned.
    """
    loaded = load_config(files)
    if not loaded.files:
        raise ScenarioError(f"{', '.join(files) or '--config'}: no usable configuration file")
    new, ignored = with_settings(scenario, twin_settings(loaded), ", ".join(files))
    skipped = not_modelled(loaded)
    return ConfiguredScenario(new, list(loaded.problems), [*ignored, *skipped], loaded)


def scenario_of(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    hosts: int | None = None,
    instances: int | None = None,
    duration: float | None = None,
    config: Sequence[str] = (),
    set: Mapping[str, Any] | None = None,
) -> Scenario:
    """The scenario to run: a built-in name, a YAML path or a :class:`Scenario`, with overrides
    (``seed``, ``hosts``, ``instances``, ``duration``), config files and ``set`` applied
    (``{"neutron.DEFAULT.rpc_workers": 8}``, the paths of ``--set``)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(str(scenario))
    if config:
        sc = configure(sc, config).scenario
    data = sc.model_dump()
    for path, value in (
        (("seed",), seed),
        (("cloud", "hosts"), hosts),
        (("cloud", "instances"), instances),
        (("duration",), duration),
    ):
        if value is not None:
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
    from stacktwin.twin.overrides import apply_overrides, check_path

    sc = parse_scenario(data, sc.name)
    return apply_overrides(sc, [(check_path(k), v) for k, v in (set or {}).items()])


def run_from_result(result: TwinResult, source: str) -> Run:
    """A :class:`Run` from a :class:`~stacktwin.twin.TwinResult` (a run made in this process)."""
    scenario = result.scenario
    return Run(
        label=f"{scenario.name} (simulated)",
        kind="simulate",
        source=source,
        summary=result.summary,
        boots=result.boots,
        components=result.components,
        timeseries=result.timeseries,
        settings=scenario.model_dump(mode="json"),
        load=dict(result.load),
        seeds=[scenario.seed],
        result=result,
    )


def simulate(
    scenario: str | Path | Scenario = "large-site-before",
    *,
    seed: int | None = None,
    hosts: int | None = None,
    instances: int | None = None,
    duration: float | None = None,
    config: Sequence[str] = (),
    set: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Run the digital twin once: a built-in scenario name, a scenario YAML path or a
    :class:`~stacktwin.twin.Scenario`; ``config`` lays real nova/neutron files over it and
    ``set`` changes single settings (``{"nova.DEFAULT.heal_instance_info_cache_interval": 600}``).

    Raises :class:`~stacktwin.twin.ScenarioError` for a scenario that cannot be used.
    """
    sc = scenario_of(
        scenario,
        seed=seed,
        hosts=hosts,
        instances=instances,
        duration=duration,
        config=config,
        set=set,
    )
    source = scenario.name if isinstance(scenario, Scenario) else str(scenario)
    return run_from_result(run_twin(sc, progress), source)


# -- trace ---------------------------------------------------------------------------------------
@dataclass
class Trace(Run):
    """A traced run, with the vif-plugged sequences and what the tracer read or skipped."""

    vif_plugged: list[VifPlugged] = field(default_factory=list)
    traced: TraceResult | None = None


def _epoch(value: float | datetime | None) -> float | None:
    if value is None or isinstance(value, float | int):
        return value
    return value.timestamp()


def trace(
    paths: str | Path | Sequence[str | Path],
    *,
    instance: str | None = None,
    since: float | datetime | None = None,
    until: float | datetime | None = None,
    hosts: Iterable[str] = (),
    services: Iterable[str] = (),
    clock_skew: float = 1.0,
    on_progress: Callable[[int], None] | None = None,
) -> Trace:
    """Every VM boot in real nova/neutron logs (files, folders, rotated or archived).

    ``hosts`` / ``services`` are ``GLOB=NAME`` rules for what the paths do not say;
    ``since``/``until`` (epoch seconds or an aware ``datetime``) keep boots requested in that
    window. Raises :class:`InputError` when nothing at all could be read.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    try:
        host_rules = [Override.parse(text) for text in hosts]
        service_rules = [Override.parse(text) for text in services]
    except ValueError as exc:
        raise InputError(str(exc)) from None
    result = trace_logs(
        [Path(p) for p in items],
        instance=instance,
        since=_epoch(since),
        until=_epoch(until),
        service_overrides=service_rules,
        host_overrides=host_rules,
        skew=clock_skew,
        on_progress=on_progress,
    )
    return _trace_run(result, ", ".join(str(p) for p in items), items)


def _trace_run(result: TraceResult, source: str, items: Sequence[str | Path]) -> Trace:
    name = Path(items[0]).name if len(items) == 1 else f"{len(items)} inputs"
    return Trace(
        label=f"{name or source} (traced)",
        kind="trace",
        source=source,
        summary=result.summary(),
        boots=result.boots,
        notes=[str(p) for p in result.problems.items],
        vif_plugged=result.vif_plugged,
        traced=result,
    )


# -- check ---------------------------------------------------------------------------------------
def scale_of(sc: Scenario) -> dict[str, Any]:
    """The audit's scale taken from a twin scenario: hosts, instances, the peak boot rate
    (steady rate + the largest storm), neutron servers and cores, release."""
    w = sc.workload
    return {
        "hosts": sc.cloud.hosts,
        "instances": sc.cloud.instances,
        "boots_per_minute": w.boot_rate_per_minute
        + max((st.rate_per_minute for st in w.boot_storms), default=0.0),
        "neutron_servers": sc.cloud.neutron_servers,
        "neutron_server_cores": sc.cloud.neutron_server_cores,
        "release_name": sc.release,
    }


def check(
    files: Sequence[str],
    *,
    scenario: str | Path | Scenario | None = None,
    hosts: int | None = None,
    instances: int | None = None,
    boots_per_minute: float | None = None,
    neutron_servers: int | None = None,
    neutron_server_cores: int | None = None,
    release: str | None = None,
    db_max_connections: int | None = None,
) -> Report:
    """Audit real nova/neutron configuration files for a stated scale (``scenario`` gives the
    scale; the other arguments override it). ``files`` may include the database's option file
    (``my.cnf``, any ``*.cnf``, or ``mysql:PATH``) for its ``max_connections``, which
    ``db_max_connections`` overrides. Raises ``ValueError`` for an unknown release."""
    stated: dict[str, Any] = {}
    if scenario is not None:
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(str(scenario))
        stated = scale_of(sc)
    given = {
        "hosts": hosts,
        "instances": instances,
        "boots_per_minute": boots_per_minute,
        "neutron_servers": neutron_servers,
        "neutron_server_cores": neutron_server_cores,
        "release_name": release,
    }
    stated.update({k: v for k, v in given.items() if v is not None})
    with expanded(files) as (args, found):
        option_files = [f for f in args if is_option_file(f)]
        loaded = load_config([f for f in args if not is_option_file(f)], found.display)
        limit = max_connections(option_files, loaded, found.display)
    for where, what in found.problems:
        loaded.problems.append(ConfigProblem("warning", Location(where), what))
    if db_max_connections is not None:
        stated["db_max_connections"] = db_max_connections
        stated["db_max_connections_source"] = "given"
    elif limit is not None:
        stated["db_max_connections"] = limit.value
        stated["db_max_connections_source"] = limit.source
    if release is not None:
        guess = ReleaseGuess(find_release(release), "given")
    elif scenario is not None:
        guess = ReleaseGuess(find_release(stated["release_name"]), "from the scenario")
    else:
        guess = infer_release(loaded)
    stated["release_name"] = guess.release.name
    report = audit(loaded, Scale(**stated), guess)
    report.roles = {source: ", ".join(roles) for source, roles in found.roles.items()}
    return report


# -- inputs of compare and report ------------------------------------------------------------------
def load_input(spec: str | Run, simulator: Simulator | None = None) -> Run:
    """A :class:`Run` from what ``compare``/``report`` take: a run already made, a built-in
    scenario name or scenario YAML (simulated with ``simulator``, by default
    :func:`stacktwin.twin.run_scenario`), a saved ``--json`` run, or logs (traced)."""
    if isinstance(spec, Run):
        return spec
    path = Path(spec)
    if spec in builtin_names() and not path.exists():
        return _simulated(spec, simulator)
    if not path.exists():
        names = ", ".join(builtin_names())
        raise InputError(f"{spec}: no such file or folder, and not a built-in scenario ({names})")
    if path.is_dir():
        return _traced(path)
    if not path.is_file():  # a FIFO would block forever, a device never end
        raise InputError(f"{spec}: not a regular file (a device, FIFO or socket); not read")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as err:
        raise InputError(f"{spec}: cannot read: {err.strerror}") from None
    if not head.strip():
        raise InputError(f"{spec}: empty file")
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        return _simulated(spec, simulator)
    if path.suffix.lower() == ".json" or head.lstrip()[:1] in (b"{", b"["):
        return load_saved(path)
    return _traced(path)


def load_inputs(specs: Sequence[str | Run], simulator: Simulator | None = None) -> list[Run]:
    """Load several inputs and make their labels distinct (``name``, ``name #2``, …)."""
    runs = [load_input(spec, simulator) for spec in specs]
    seen: dict[str, int] = {}
    for run in runs:
        n = seen.get(run.label, 0) + 1
        seen[run.label] = n
        if n > 1:
            run.label = f"{run.label} #{n}"
    return runs


def _simulated(spec: str, simulator: Simulator | None) -> Run:
    try:
        scenario = load_scenario(spec)
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    return run_from_result((simulator or run_twin)(scenario), spec)


def _traced(path: Path) -> Run:
    result = trace_logs([path])
    notes = [str(p) for p in result.problems.items]
    if not result.usable:
        why = f" ({notes[0]})" if notes else ""
        raise InputError(f"{path}: no readable log in it; nothing traced{why}")
    return _trace_run(result, str(path), [path])


# -- compare and report --------------------------------------------------------------------------
def compare(a: str | Run, b: str | Run, objectives: Sequence[str] = ()) -> dict[str, Any]:
    """Two runs side by side: the comparison rows the CLI prints and the verdict the report
    leads with (against ``objectives``), as JSON-ready data."""
    from stacktwin.render.compare import comparison

    return comparison(load_inputs([a, b]), objectives)


def report(
    inputs: Sequence[str | Run],
    path: str | Path,
    *,
    slowest: int = 20,
    instances: Sequence[str] = (),
    objectives: Sequence[str] = (),
) -> Path:
    """Write one self-contained HTML report of ``inputs`` to ``path`` (atomically); it leads
    with a verdict against ``objectives`` (``"vif_wait.p99<=60"``; default: no vif-plugging
    timeout and the vif wait's p99 below half of ``vif_plugging_timeout``)."""
    from stacktwin.render.html import build_report

    page = build_report(
        load_inputs(inputs), slowest=slowest, instances=instances, objectives=objectives
    )
    write_text(path, page)
    return Path(path)
