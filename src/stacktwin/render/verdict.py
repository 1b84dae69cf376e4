"""The verdict the report leads with: each input against its objectives, why boots were lost,
what differs between two inputs and what that changed, and how a simulation fits a trace.

Everything here is computed from the runs (their summaries, components, load, settings, boots
and, for ``simulate --replications`` inputs, the per-seed records); nothing is a fixed sentence.
:func:`build_verdict` gives a :class:`Verdict`, :meth:`Verdict.to_dict` its JSON (written by
``stacktwin compare --json`` under ``verdict``), and :mod:`stacktwin.render.verdict_html` its HTML
from the same object, so the page's numbers are the JSON's.

- **Objectives** use the grammar of ``recommend`` (:mod:`stacktwin.objectives`).  Default, per
  input: no vif-plugging timeout (``timeouts == 0``) and the vif wait's p99 below half of the
  input's ``vif_plugging_timeout`` (nova's 300 s when the input does not say).  A replicated input
  meets an objective when its whole 95% interval does (as ``recommend`` decides); a single run
  when its value does.
- **Causes**: the points where chains stopped, most boots first, each with the evidence the run
  holds for that hop (simulated: the agents' longest loop, flow deletions, RPC workers' queues,
  DB pool waits …; any run with boots: the hosts and reasons of the boots that stopped there).
- **Changes** (two inputs): the settings that differ as configuration lines
  (:func:`stacktwin.twin.batch.knobs.config_line`), and the headline figures before and after;
  with replications on the same seeds, the paired 95% interval of the difference.
- **Fit** (a traced and a simulated input): per hop, simulated minus traced p50 / p95 / p99 and
  the two-sample Kolmogorov-Smirnov distance of the boots' latencies (a fit, not better/worse).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from stacktwin.boots import HOPS, SPANS
from stacktwin.objectives import Objective, parse_objective
from stacktwin.render.runs import DEFAULT_VIF_PLUGGING_TIMEOUT, Run
from stacktwin.render.verdict_evidence import Evidence, evidence_for
from stacktwin.twin.batch.figures import headline
from stacktwin.twin.batch.knobs import config_line
from stacktwin.twin.batch.stats import paired_difference

#: Where a chain stopped, in the operator's words.
STOP_WORDS = {
    "agent": "the OVS agent", "server": "neutron-server", "nova_api": "nova-api",
    "compute": "nova-compute", "resume": "the guest's resume", "unknown": "an unlogged hop",
}  # fmt: skip
#: Figures compared between two inputs, in order (shown when either input measured them).
CHANGE_FIGURES: tuple[str, ...] = (
    "error", "timeouts", "error_rate", "vif_wait.p50", "vif_wait.p99", "boot.p99",
    "agent_longest_iteration", "neutron_rpc.utilisation", "neutron_rpc.peak_queue",
    "neutron_db_pools.peak_queue", "nova_api.peak_queue", "db_pool_timeouts", "agent_rpc_timeouts",
)  # fmt: skip
#: The big figures of each input.
HEADLINE: tuple[str, ...] = ("error", "timeouts", "vif_wait.p99", "boot.p99")
#: Settings never listed as differences (they name or describe the input; seeds are shown apart).
_NOT_SETTINGS = ("name", "description", "seed")
#: Causes listed per input.
MAX_CAUSES = 3


def unit_of(figure: str) -> str:
    """``"s"``, ``"%"`` (a fraction) or ``""`` (a count) for a figure name."""
    if figure.endswith(("utilisation", "_rate")):
        return "%"
    if figure.endswith((".p50", ".p95", ".p99")) or figure == "agent_longest_iteration":
        return "s"
    return ""


def default_objectives(timeout: float) -> list[Objective]:
    """No vif-plugging timeout, and vif wait p99 below half of ``timeout``."""
    return [parse_objective("timeouts==0"), parse_objective(f"vif_wait.p99<{timeout / 2:g}")]


@dataclass(frozen=True)
class Measure:
    """A figure of one input: one run's value, or the mean and 95% interval over seeds."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 1


@dataclass(frozen=True)
class Check:
    objective: str
    figure: str
    measure: Measure
    met: bool


@dataclass(frozen=True)
class Cause:
    stop: str
    where: str
    meaning: str
    boots: int
    evidence: list[Evidence]


@dataclass(frozen=True)
class InputVerdict:
    label: str
    kind: str
    seeds: list[int]
    passed: bool
    checks: list[Check]
    boots: int
    failed: int
    timeouts: int
    reasons: list[tuple[str, int]]
    """Error reasons, most boots first."""
    stopped_at: dict[str, int]
    causes: list[Cause]
    headline: dict[str, Measure]
    """``error``, ``timeouts``, ``vif_wait.p99``, ``boot.p99``: intervals for replicated inputs."""


@dataclass(frozen=True)
class SettingChange:
    path: str
    first: Any
    second: Any
    line_first: str
    line_second: str


@dataclass(frozen=True)
class Change:
    figure: str
    unit: str
    first: Measure
    second: Measure
    difference: Measure
    paired: bool


@dataclass(frozen=True)
class HopFit:
    hop: str
    traced: int
    simulated: int
    p50: float | None
    p95: float | None
    p99: float | None
    ks: float | None


@dataclass(frozen=True)
class Verdict:
    inputs: list[InputVerdict]
    settings: list[SettingChange] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    fit: list[HopFit] | None = None
    custom_objectives: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the numbers unrounded."""
        return asdict(self)


def record_of(run: Run) -> dict[str, Any]:
    """The run as a batch record (what :func:`headline` reads)."""
    return {"summary": run.summary, "components": run.components, "load": run.load}


def measure(run: Run, figure: str) -> Measure:
    """``figure`` of ``run``: its interval over seeds for a replicated run, else its value."""
    if run.aggregate is not None:
        iv = run.aggregate.get(figure) or {}
        return Measure(iv.get("mean"), iv.get("ci95_low"), iv.get("ci95_high"), iv.get("n", 0))
    return Measure(headline(record_of(run))[figure])


def _check(run: Run, objective: Objective) -> Check:
    m = measure(run, objective.figure)
    if run.aggregate is not None and m.n >= 2:
        met = objective.met({"ci95_low": m.low, "ci95_high": m.high})
    else:
        met = objective.holds(m.value)
    return Check(str(objective), objective.figure, m, met)


def input_verdict(run: Run, objectives: Sequence[Objective] | None = None) -> InputVerdict:
    """One input against ``objectives`` (default: :func:`default_objectives` of its timeout)."""
    goals = list(objectives or default_objectives(timeout_or_default(run)))
    checks = [_check(run, o) for o in goals]
    s = run.summary
    stops = {str(k): int(v) for k, v in (s.get("stopped_at") or {}).items()}
    ranked = sorted(stops.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CAUSES]
    from stacktwin.boots import STOP_MEANING

    causes = [
        Cause(stop, STOP_WORDS.get(stop, stop), STOP_MEANING.get(stop, ""), n,
              evidence_for(run, stop))
        for stop, n in ranked if n > 0
    ]  # fmt: skip
    return InputVerdict(
        label=run.label, kind=run.kind, seeds=list(run.seeds), passed=all(c.met for c in checks),
        checks=checks, boots=int(s["boots"]), failed=int(s["outcomes"].get("error", 0)),
        timeouts=int(s["timeouts"]),
        reasons=sorted(((str(k), int(v)) for k, v in s["reasons"].items()), key=lambda kv: -kv[1]),
        stopped_at=stops, causes=causes, headline={f: measure(run, f) for f in HEADLINE},
    )  # fmt: skip


def timeout_or_default(run: Run) -> float:
    """The run's ``vif_plugging_timeout``, else nova's default."""
    value = run.vif_plugging_timeout
    return DEFAULT_VIF_PLUGGING_TIMEOUT if value is None else value


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def settings_diff(first: Run, second: Run) -> list[SettingChange]:
    """The settings of two simulated inputs that differ, as the lines an operator writes."""
    if first.settings is None or second.settings is None:
        return []
    a, b = _flatten(first.settings), _flatten(second.settings)
    out = []
    for path in sorted(set(a) | set(b)):
        if path.split(".")[0] in _NOT_SETTINGS or a.get(path) == b.get(path):
            continue
        va, vb = a.get(path), b.get(path)
        out.append(SettingChange(path, va, vb, _line(path, va), _line(path, vb)))
    return out


def _line(path: str, value: Any) -> str:
    if path.startswith("model.") and path != "model.flow_deletion":
        return f"scenario {path}: {value} (a model parameter, not a configuration option)"
    if value is None:
        return f"{config_line(path, '')} (unset: the service's default)".replace(" =  (", " (")
    return config_line(path, value)


def changes(first: Run, second: Run, extra: Sequence[str] = ()) -> list[Change]:
    """The headline figures of two inputs and their difference (paired over common seeds)."""
    reps_a, reps_b = first.replications, second.replications
    paired = None
    if reps_a and reps_b and [r["seed"] for r in reps_a] == [r["seed"] for r in reps_b]:
        paired = paired_difference(reps_a, reps_b) if len(reps_a) >= 2 else None
    out = []
    for figure in dict.fromkeys((*CHANGE_FIGURES, *extra)):
        ma, mb = measure(first, figure), measure(second, figure)
        if ma.value is None and mb.value is None:
            continue
        if figure in ("db_pool_timeouts", "agent_rpc_timeouts") and not (ma.value or mb.value):
            continue
        if paired is not None:
            iv = paired[figure]
            diff = Measure(iv["mean"], iv["ci95_low"], iv["ci95_high"], iv["n"])
        elif ma.value is not None and mb.value is not None:
            diff = Measure(mb.value - ma.value, n=min(ma.n, mb.n))
        else:
            diff = Measure(None, n=0)
        out.append(Change(figure, unit_of(figure), ma, mb, diff, paired is not None))
    return out


def _hop_values(run: Run, name: str) -> list[float]:
    hop = next(h for h in (*HOPS, *SPANS) if h.name == name)
    return [v for b in run.boots if (v := b.latency(hop)) is not None]


def ks_distance(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The two-sample Kolmogorov-Smirnov statistic (largest gap of the two empirical CDFs)."""
    if not a or not b:
        return None
    from scipy.stats import ks_2samp

    return float(ks_2samp(a, b).statistic)


def fit(traced: Run, simulated: Run) -> list[HopFit]:
    """Per hop: simulated minus traced quantiles (s) and the KS distance of the boots."""
    out = []
    for name in ("vif_wait", *(h.name for h in HOPS), "boot"):
        lt: Mapping[str, Any] = traced.summary["latency"].get(name) or {}
        ls: Mapping[str, Any] = simulated.summary["latency"].get(name) or {}
        if not lt.get("count") or not ls.get("count"):
            continue

        def d(stat: str, lt: Mapping[str, Any] = lt, ls: Mapping[str, Any] = ls) -> float | None:
            a, b = lt.get(stat), ls.get(stat)
            return None if a is None or b is None else float(b) - float(a)

        ks = ks_distance(_hop_values(traced, name), _hop_values(simulated, name))
        n_t, n_s = int(lt["count"]), int(ls["count"])
        out.append(HopFit(name, n_t, n_s, d("p50"), d("p95"), d("p99"), ks))
    return out


def build_verdict(runs: Sequence[Run], objectives: Sequence[str] = ()) -> Verdict:
    """The verdict of the inputs; ``objectives`` as ``recommend`` takes them (default: above)."""
    goals = [parse_objective(o) for o in objectives]
    inputs = [input_verdict(r, goals or None) for r in runs]
    if len(runs) != 2:
        return Verdict(inputs, custom_objectives=bool(goals))
    a, b = runs
    kinds = {a.kind, b.kind}
    if kinds == {"trace", "simulate"}:
        traced, simulated = (a, b) if a.kind == "trace" else (b, a)
        return Verdict(inputs, fit=fit(traced, simulated), custom_objectives=bool(goals))
    extra = [c.figure for iv in inputs for c in iv.checks]
    return Verdict(inputs, settings_diff(a, b), changes(a, b, extra), custom_objectives=bool(goals))
