"""Any input of ``compare`` and ``report``, loaded into one in-memory form: a :class:`Run`.

An input is one of

- a built-in scenario name (``large-site-after``) or a scenario YAML file: it is simulated;
- a saved run: the ``--json`` output of ``stacktwin simulate`` or ``stacktwin trace``, told apart by
  its ``kind`` (``"simulate"``/``"trace"``) or, for trace files written before ``kind`` existed,
  by its keys (``summary`` + ``boots`` + ``vif_plugged``);
- a log file, folder or archive: it is traced.

Whatever the input, the result has the same shape: the boots in the shared schema of
:mod:`stacktwin.boots` and their summary (recomputed from the boots with
:func:`stacktwin.boots.summarize`, so a saved run and a fresh one summarise identically), plus,
for simulated runs, per-component utilisation, the sampled time series and the scenario's
settings.  Problems are raised as :class:`InputError` with a message that starts with the input's
name; the CLI prints it and exits 2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from stacktwin.boots import Boot, summarize

Kind = Literal["simulate", "trace"]

#: Suffixes read as scenario files rather than logs.
SCENARIO_SUFFIXES = (".yaml", ".yml")

#: nova's ``[DEFAULT] vif_plugging_timeout`` default (seconds), used when an input does not say.
DEFAULT_VIF_PLUGGING_TIMEOUT = 300.0

#: Summary keys a saved run without boots must carry.
_SUMMARY_KEYS = ("boots", "outcomes", "timeouts", "reasons", "stopped_at", "latency")


class InputError(Exception):
    """An input that cannot be used; the message names it and says why."""


@dataclass
class Run:
    """One simulated or traced set of boots, whatever it was loaded from.

    ``label`` names the run in tables and legends; ``source`` is what the user gave.  ``notes``
    are problems met while reading that did not stop the run (e.g. a skipped log file).
    """

    label: str
    kind: Kind
    source: str
    summary: dict[str, Any]
    boots: list[Boot]
    components: dict[str, Any] | None = None
    timeseries: dict[str, list[float]] | None = None
    settings: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def vif_plugging_timeout(self) -> float | None:
        """The run's nova ``vif_plugging_timeout`` in seconds (simulated runs only)."""
        try:
            value = (self.settings or {})["nova"]["DEFAULT"]["vif_plugging_timeout"]
        except (KeyError, TypeError):
            return None
        return float(value) if isinstance(value, int | float) else None

    def describe(self) -> dict[str, str]:
        """``{"label", "kind", "source"}`` for JSON output."""
        return {"label": self.label, "kind": self.kind, "source": self.source}


Simulator = Callable[[Any], Any]


def load_input(spec: str, simulate: Simulator | None = None) -> Run:
    """Load one input (see the module docstring for what ``spec`` may be).

    ``simulate`` runs a :class:`~stacktwin.twin.Scenario` and returns its
    :class:`~stacktwin.twin.TwinResult` (the CLI passes one that shows progress); by default
    :func:`stacktwin.twin.run_scenario`.
    """
    from stacktwin.twin import builtin_names

    path = Path(spec)
    if spec in builtin_names() and not path.exists():
        return _simulated(spec, simulate)
    if not path.exists():
        names = ", ".join(builtin_names())
        raise InputError(f"{spec}: no such file or folder, and not a built-in scenario ({names})")
    if path.is_dir():
        return _traced(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as err:
        raise InputError(f"{spec}: cannot read: {err.strerror}") from None
    if not head.strip():
        raise InputError(f"{spec}: empty file")
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        return _simulated(spec, simulate)
    if path.suffix.lower() == ".json" or head.lstrip()[:1] in (b"{", b"["):
        return load_saved(path)
    return _traced(path)


def load_inputs(specs: Sequence[str], simulate: Simulator | None = None) -> list[Run]:
    """Load several inputs and make their labels distinct (``name``, ``name #2``, …)."""
    runs = [load_input(spec, simulate) for spec in specs]
    seen: dict[str, int] = {}
    for run in runs:
        n = seen.get(run.label, 0) + 1
        seen[run.label] = n
        if n > 1:
            run.label = f"{run.label} #{n}"
    return runs


def _simulated(spec: str, simulate: Simulator | None) -> Run:
    from stacktwin.twin import ScenarioError, load_scenario, run_scenario

    try:
        scenario = load_scenario(spec)
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    return run_from_result((simulate or run_scenario)(scenario), spec)


def run_from_result(result: Any, source: str) -> Run:
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
    )


def _traced(path: Path) -> Run:
    from stacktwin.logs.pipeline import trace

    result = trace([path])
    notes = [str(p) for p in result.problems.items]
    if not result.usable:
        why = f" ({notes[0]})" if notes else ""
        raise InputError(f"{path}: no readable log in it; nothing traced{why}")
    name = path.name or str(path)
    return Run(
        label=f"{name} (traced)",
        kind="trace",
        source=str(path),
        summary=result.summary(),
        boots=result.boots,
        notes=notes,
    )


def load_saved(path: Path) -> Run:
    """A run saved with ``--json`` by ``simulate`` or ``trace``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not JSON: {err.msg} at line {err.lineno}") from None
    return run_from_dict(data, str(path))


def saved_kind(data: Any) -> Kind | None:
    """``"simulate"`` or ``"trace"`` for a saved run's JSON, None when it is neither."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind in ("simulate", "trace"):
        return kind  # type: ignore[no-any-return]
    if kind is not None:
        return None
    summary = data.get("summary")
    if isinstance(summary, dict) and isinstance(data.get("boots"), list):
        if "vif_plugged" in data or "input" in summary:
            return "trace"
        if "timeseries" in data or "components" in data:
            return "simulate"
    return None


def run_from_dict(data: Any, source: str) -> Run:
    """A :class:`Run` from the JSON of a saved run; ``source`` names it in errors."""
    kind = saved_kind(data)
    if kind is None:
        what = data.get("kind") if isinstance(data, dict) else None
        found = f"a {what!r} record" if isinstance(what, str) else "something else"
        raise InputError(
            f"{source}: neither a simulate nor a trace run ({found}; expected the --json output "
            "of `stacktwin simulate` or `stacktwin trace`)"
        )
    boots = _boots(data.get("boots"), source)
    saved = data.get("summary")
    if boots is None:
        if not isinstance(saved, dict) or any(k not in saved for k in _SUMMARY_KEYS):
            raise InputError(f"{source}: a {kind} run without boots and without a usable summary")
        summary: dict[str, Any] = dict(saved)
        boots = []
    else:
        summary = summarize(boots)
        if isinstance(saved, dict):
            for extra in ("input", "vif_plugged"):
                if isinstance(saved.get(extra), dict):
                    summary[extra] = saved[extra]
    name = Path(source).name
    if kind == "trace":
        return Run(f"{name} (traced)", "trace", source, summary, boots)
    components = data.get("components")
    if components is not None and not isinstance(components, dict):
        raise InputError(f"{source}: 'components' is not an object")
    settings = data.get("settings")
    return Run(
        label=f"{data.get('scenario') or name} (simulated)",
        kind="simulate",
        source=source,
        summary=summary,
        boots=boots,
        components=components,
        timeseries=_timeseries(data.get("timeseries"), source),
        settings=settings if isinstance(settings, dict) else None,
    )


def _boots(raw: Any, source: str) -> list[Boot] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise InputError(f"{source}: 'boots' is not a list")
    boots: list[Boot] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise InputError(f"{source}: boot #{i + 1} is not an object")
        try:
            boot = Boot.from_dict(item)
        except (KeyError, ValueError, TypeError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise InputError(f"{source}: boot #{i + 1}: unusable ({why})") from None
        if not all(math.isfinite(v) for v in boot.milestones.values()):
            raise InputError(f"{source}: boot #{i + 1}: a milestone time is not a finite number")
        boots.append(boot)
    return boots


def _timeseries(raw: Any, source: str) -> dict[str, list[float]] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("t"), list):
        raise InputError(f"{source}: 'timeseries' has no time column 't'")
    n = len(raw["t"])
    out: dict[str, list[float]] = {}
    for key, values in raw.items():
        if not isinstance(values, list) or len(values) != n:
            raise InputError(f"{source}: timeseries {key!r} is not a list of {n} samples")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise InputError(f"{source}: timeseries {key!r} holds a value that is not a number")
        out[str(key)] = [float(v) for v in values]
    return out
