"""A :class:`Run`: one simulated or traced set of boots, and runs saved as JSON read back.

Whatever made it (the twin, the tracer, a ``--json`` file), a run has the same shape: the boots in
the shared schema of :mod:`stacktwin.boots` and their summary (recomputed from the boots with
:func:`stacktwin.boots.summarize`, so a saved run and a fresh one summarise identically), plus,
for simulated runs, per-component utilisation, the sampled time series and the scenario's
settings. ``compare``, ``report`` and the Python API (:mod:`stacktwin.api`) all work on runs.

A saved run is the ``--json`` output of ``stacktwin simulate`` or ``stacktwin trace``, told apart
by its ``kind`` (``"simulate"``/``"trace"``) or, for trace files written before ``kind`` existed,
by its keys (``summary`` + ``boots`` + ``vif_plugged``). The ``--json`` of ``stacktwin simulate
--replications N`` (``kind: "replications"``) is a simulated run too: it carries each seed's record
(:attr:`Run.replications`) and their intervals (:attr:`Run.aggregate`); its summary, components and
load are those of its first seed, so every table has a column for it, and the verdict uses the
intervals. Problems are raised as :class:`InputError` with a message that starts with the input's
name; the CLI prints it and exits 2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stacktwin.boots import Boot, Outcome, Summary, summarize
from stacktwin.config.catalogue import VIF_PLUGGING_TIMEOUT
from stacktwin.optional import MissingDependency

if TYPE_CHECKING:
    import pyarrow as pa

    from stacktwin.twin import TwinResult

Kind = Literal["simulate", "trace"]

#: nova's ``[DEFAULT] vif_plugging_timeout`` default (seconds), used when an input does not say:
#: the option catalogue's (one source for the audit, the twin and the report).
DEFAULT_VIF_PLUGGING_TIMEOUT = float(VIF_PLUGGING_TIMEOUT)

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
    summary: Summary
    boots: list[Boot]
    components: dict[str, Any] | None = None
    timeseries: dict[str, list[float]] | None = None
    settings: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    load: dict[str, int] | None = None
    """Calls counted by origin (simulated runs: ``neutron.api.heal``, ...)."""
    seeds: list[int] = field(default_factory=list)
    """The seeds of a simulated run (one per replication)."""
    result: TwinResult | None = field(default=None, repr=False)
    """The twin's full result, for a run simulated in this process."""
    replications: list[dict[str, Any]] | None = field(default=None, repr=False)
    """Per-seed records (``simulate --replications N --json``), in seed order, or None."""
    aggregate: dict[str, dict[str, Any]] | None = None
    """Per figure, its interval across :attr:`replications` (``stacktwin.twin.batch.stats``)."""

    def to_arrow(self) -> pa.Table:
        """The boots as an Arrow table, one row per boot (needs ``stacktwin[parquet]``)."""
        from stacktwin.render.export import boots_table

        return boots_table(self.boots)

    def to_pandas(self) -> Any:
        """The boots as a pandas ``DataFrame`` (needs pandas and ``stacktwin[parquet]``)."""
        table = self.to_arrow()
        try:
            return table.to_pandas()
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise MissingDependency("pandas", "to_pandas() needs it: pip install pandas") from err

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
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not JSON: {err.msg} at line {err.lineno}") from None
    except ValueError as err:  # NaN / Infinity: not JSON, and not a time
        raise InputError(f"{path}: {err}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to be a saved run") from None
    return run_from_dict(data, str(path))


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number (stacktwin never writes it); refused")


class SavedBoot(BaseModel):
    """One boot of a saved run, as :meth:`Boot.to_dict` writes it: the types are checked before
    the boot is rebuilt, so a hand-edited or foreign file is an error that names the field."""

    model_config = ConfigDict(extra="allow")

    instance: str
    host: str | None = None
    ports: list[str] = Field(default_factory=list)
    outcome: Outcome = Outcome.UNKNOWN
    reason: str | None = None
    milestones: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = Field(
        default_factory=dict
    )
    sources: dict[str, str] = Field(default_factory=dict)
    spawn_seconds: Annotated[float, Field(allow_inf_nan=False)] | None = None
    build_seconds: Annotated[float, Field(allow_inf_nan=False)] | None = None
    stopped_at: str | None = None
    origin: str = "trace"


def _first_error(err: ValidationError) -> str:
    item = err.errors()[0]
    where = ".".join(str(p) for p in item["loc"]) or "the boot"
    return f"{where}: {item['msg']}"


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
    if isinstance(data, dict) and data.get("kind") == "replications":
        return _replicated(data, source)
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
        summary = cast(Summary, dict(saved))  # the keys every summary has were checked
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
    seed = data.get("seed")
    return Run(
        label=f"{data.get('scenario') or name} (simulated)",
        kind="simulate",
        source=source,
        summary=summary,
        boots=boots,
        components=components,
        timeseries=_timeseries(data.get("timeseries"), source),
        settings=settings if isinstance(settings, dict) else None,
        load=_load(data.get("load"), source),
        seeds=[seed] if isinstance(seed, int) and not isinstance(seed, bool) else [],
    )


def _load(raw: Any, source: str) -> dict[str, int] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in raw.values()
    ):
        raise InputError(f"{source}: 'load' is not an object of counts")
    return {str(k): int(v) for k, v in raw.items()}


def _replicated(data: dict[str, Any], source: str) -> Run:
    """The run of ``simulate --replications N --json``: its first seed's record, and all."""
    from stacktwin.twin.batch.stats import aggregate

    records = data.get("replications")
    if not isinstance(records, list) or not records:
        raise InputError(f"{source}: a replications run without its 'replications' list")
    runs: list[Run] = []
    for i, record in enumerate(records):
        if not isinstance(record, dict) or record.get("kind") != "simulate":
            raise InputError(f"{source}: replication #{i + 1} is not a simulate record")
        runs.append(run_from_dict(record, f"{source}: replication #{i + 1}"))
    seeds = [s for r in runs for s in r.seeds]
    if len(seeds) != len(runs) or len(set(seeds)) != len(seeds):
        raise InputError(f"{source}: the replications do not each have their own seed")
    first = runs[0]
    checked = [
        {"summary": r.summary, "components": r.components, "load": r.load, "seed": s}
        for r, s in zip(runs, seeds, strict=True)
    ]
    name = data.get("scenario") or Path(source).name
    return Run(
        label=f"{name} (simulated, {len(runs)} seeds)",
        kind="simulate",
        source=source,
        summary=first.summary,
        boots=[],
        components=first.components,
        settings=first.settings,
        load=first.load,
        seeds=seeds,
        replications=checked,
        aggregate=aggregate(checked),
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
            checked = SavedBoot.model_validate(item)
        except ValidationError as err:
            raise InputError(f"{source}: boot #{i + 1}: {_first_error(err)}") from None
        boots.append(Boot.from_dict({**item, **checked.model_dump(mode="json")}))
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
