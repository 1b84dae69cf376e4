"""The per-hop service costs fitted by simulation, so that queueing is not taken for service.

Each fitted cost (:data:`PARAMETERS`) is the service time of the twin's operation that makes up
one hop.  The fit replays the traced workload in the twin and changes the costs until the twin's
*own* simulated hop latencies match the traced ones: ``scipy.optimize.least_squares`` (trust
region, bounds) on the log of each cost, the residuals being, per fitted hop, the relative
differences of the mean, p50 and p90 (simulated - traced, over the traced p50).  Every
evaluation is ``replications`` twin runs (seeds ``seed``, ``seed+1``, …: common random numbers
across evaluations), and the Jacobian's forward differences of one iteration go to the executor
as one batch.  A cost whose hop was seen in fewer than :data:`MIN_SAMPLES` traced boots, or that
the twin does not produce, keeps its default, with the reason.

Uncertainty: a bootstrap over the traced boots (:data:`BOOTSTRAP` resamples) of the targets,
propagated to the log-costs through the pseudo-inverse of the fit's Jacobian; the twin's own
replication noise is not included.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from stacktwin.calibrate.samples import Samples
from stacktwin.calibrate.validate import run_replays
from stacktwin.twin import Scenario
from stacktwin.twin.batch.executor import Executor
from stacktwin.twin.costs import Costs


@dataclass(frozen=True)
class Parameter:
    """A cost fitted to one hop."""

    cost: str
    hop: str
    what: str


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("agent_port_wiring", "agent", "OVS agent port wiring"),
    Parameter("rpc_update_device_up", "provision", "update_device_list (device up) handling"),
    Parameter("nova_api_external_events", "nova_api", "nova-api os-server-external-events"),
    Parameter("compute_event_dispatch", "compute_rpc", "nova-compute event dispatch"),
    Parameter("compute_resume", "resume", "guest resume after the event"),
    Parameter("compute_spawn_prepare", "spawn", "spawn: block devices and image"),
    Parameter("conductor_schedule", "schedule", "conductor and scheduler"),
)

#: Costs calibration cannot fit with the twin as it is, and why.
NOT_FITTED: dict[str, str] = {
    "notifier_client_setup": "the twin marks event_sent before the notifier's client setup, so "
    "this cost lands in the nova_api hop with nova_api_external_events and the two cannot be "
    "told apart; kept at its default",
}

MIN_SAMPLES = 3
"""Traced values of a hop below which its cost is not fitted."""
BOOTSTRAP = 200
STATS = ("mean", "p50", "p90")
LOG_BOUNDS = (np.log(1e-4), np.log(600.0))
UNIDENTIFIED = float(np.log(1e3))
"""A 95% log-cost interval wider than this (a factor 1000) means the cost is not identified."""
STEP = 0.05
"""Forward-difference step of the Jacobian, in log-cost (5%)."""


def _stats(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return np.array([arr.mean(), np.percentile(arr, 50), np.percentile(arr, 90)])


@dataclass
class FitResult:
    """Fitted costs, one record per parameter, and what the fit cost."""

    costs: Costs
    parameters: list[dict[str, Any]]
    simulated: Samples
    runs: int
    wall_seconds: float
    replications: int
    method: str = field(default="scipy.optimize.least_squares (trf, log-costs)")


def _records(defaults: Costs, traced: Samples) -> tuple[list[dict[str, Any]], list[Parameter]]:
    """One record per parameter, and the parameters with enough traced samples to fit."""
    records: list[dict[str, Any]] = []
    active: list[Parameter] = []
    for p in PARAMETERS:
        n = len(traced.get(p.hop, []))
        rec: dict[str, Any] = {"cost": p.cost, "hop": p.hop, "what": p.what, "boots": n}
        rec["default"] = float(getattr(defaults, p.cost))
        if n < MIN_SAMPLES:
            rec.update(status="default", reason=f"hop {p.hop} seen in {n} traced boots (< 3)")
        else:
            active.append(p)
        records.append(rec)
    for cost, why in NOT_FITTED.items():
        default = float(getattr(defaults, cost))
        records.append(
            {"cost": cost, "hop": None, "status": "default", "reason": why, "default": default}
        )
    return records, active


def fit_costs(  # noqa: C901 (closures over one fit's state: evaluation cache, Jacobian)
    scenario: Scenario,
    traced: Samples,
    executor: Executor,
    replications: int = 3,
    max_iterations: int = 12,
    on_run: Callable[[], None] | None = None,
) -> FitResult:
    """Fit :data:`PARAMETERS` of ``scenario`` (which replays the traced workload)."""
    wall = time.perf_counter()
    base = scenario.model_copy(deep=True)
    defaults = base.model.costs
    records, active = _records(defaults, traced)
    runs = 0

    def done(_i: int, _r: Any) -> None:
        nonlocal runs
        runs += 1
        if on_run is not None:
            on_run()

    def scenario_at(x: np.ndarray) -> Scenario:
        sc = base.model_copy(deep=True)
        costs = sc.model.costs.model_dump()
        for p, v in zip(active, x, strict=True):
            costs[p.cost] = float(np.exp(v))
        sc.model.costs = Costs.model_validate(costs)
        return sc

    def samples_at(points: Sequence[np.ndarray]) -> list[Samples]:
        return run_replays([scenario_at(x) for x in points], replications, executor, done)

    scale = {p.hop: max(float(np.percentile(traced[p.hop], 50)), 1e-3) for p in active}
    target = {p.hop: _stats(traced[p.hop]) for p in active}

    def residuals(sim: Samples) -> np.ndarray:
        parts = []
        for p in active:
            values = sim.get(p.hop, [])
            got = _stats(values) if values else np.full(len(STATS), 10 * scale[p.hop])
            parts.append((got - target[p.hop]) / scale[p.hop])
        return np.concatenate(parts) if parts else np.zeros(0)

    cache: dict[bytes, Samples] = {}

    def fun(x: np.ndarray) -> np.ndarray:
        key = x.tobytes()
        if key not in cache:
            cache[key] = samples_at([x])[0]
        return residuals(cache[key])

    jac_last: list[np.ndarray] = []

    def jac(x: np.ndarray) -> np.ndarray:
        r0 = fun(x)
        points = []
        for i in range(len(x)):
            xi = x.copy()
            xi[i] += STEP if xi[i] + STEP <= LOG_BOUNDS[1] else -STEP
            points.append(xi)
        cols = []
        for xi, sim in zip(points, samples_at(points), strict=True):
            d = xi - x
            cols.append((residuals(sim) - r0) / d[d != 0][0])
        jac_last[:] = [np.column_stack(cols)]
        return jac_last[0]

    x_fit = np.zeros(0)
    if active:
        x0 = np.array([np.log(max(float(getattr(defaults, p.cost)), 1e-3)) for p in active])
        x0 = np.clip(x0, LOG_BOUNDS[0] + 1e-6, LOG_BOUNDS[1] - 1e-6)
        sol = least_squares(
            fun,
            x0,
            jac=jac,
            bounds=LOG_BOUNDS,
            method="trf",
            max_nfev=max_iterations,
            xtol=1e-3,
            ftol=1e-4,
        )
        x_fit = sol.x
    final = scenario_at(x_fit)
    simulated = cache.get(x_fit.tobytes()) or samples_at([x_fit])[0]
    intervals = _bootstrap(traced, active, jac_last)
    _fill(records, active, x_fit, simulated, traced, intervals)
    return FitResult(
        costs=final.model.costs,
        parameters=records,
        simulated=simulated,
        runs=runs,
        wall_seconds=time.perf_counter() - wall,
        replications=replications,
    )


def _fill(
    records: list[dict[str, Any]],
    active: Sequence[Parameter],
    x_fit: np.ndarray,
    simulated: Samples,
    traced: Samples,
    intervals: Sequence[tuple[float, float] | None],
) -> None:
    """Fill the records of the fitted parameters: value, interval, error, provenance."""
    for p, v, band in zip(active, x_fit, intervals, strict=True):
        rec = next(r for r in records if r["cost"] == p.cost)
        sim = simulated.get(p.hop, [])
        t50 = float(np.percentile(traced[p.hop], 50))
        err = (float(np.percentile(sim, 50)) - t50) / max(t50, 1e-3) if sim else None
        wide = band is not None and band[1] - band[0] > UNIDENTIFIED
        if wide:
            rec["identified"] = "no: the hop hardly moves with this cost (interval unbounded)"
        at_bound = v <= LOG_BOUNDS[0] + 0.01 or v >= LOG_BOUNDS[1] - 0.01
        rec.update(
            status="fitted",
            value=float(np.exp(v)),
            interval_95=None if band is None or wide else [float(np.exp(v + b)) for b in band],
            quantile_error_p50=err,
            provenance=f"fitted from {rec['boots']} boots, hop {p.hop}, p50 error "
            f"{abs(err or 0) * 100:.1f}%" + (" (at the search bound)" if at_bound else ""),
        )


def _bootstrap(
    traced: Samples, active: Sequence[Parameter], jac_last: list[np.ndarray]
) -> list[tuple[float, float] | None]:
    """95% interval, in log-cost, of each fitted cost: the traced targets resampled over boots
    and mapped through the pseudo-inverse of the last Jacobian (None when there is none)."""
    if not active or not jac_last:
        return [None] * len(active)
    pinv = np.linalg.pinv(jac_last[0])
    rng = np.random.default_rng(0)
    base = {p.hop: _stats(traced[p.hop]) for p in active}
    scale = {p.hop: max(float(np.percentile(traced[p.hop], 50)), 1e-3) for p in active}
    moves = []
    for _ in range(BOOTSTRAP):
        parts = []
        for p in active:
            vals = np.asarray(traced[p.hop])
            resampled = _stats(rng.choice(vals, size=len(vals), replace=True))
            parts.append(-(resampled - base[p.hop]) / scale[p.hop])
        moves.append(-pinv @ np.concatenate(parts))
    dx = np.array(moves)
    lo, hi = np.percentile(dx, 2.5, axis=0), np.percentile(dx, 97.5, axis=0)
    # A cost its hops do not move with (a zero Jacobian column) gets no move from the
    # pseudo-inverse, hence a zero-width interval: it is unbounded, not exact.
    flat = np.linalg.norm(jac_last[0], axis=0) < 1e-9
    return [
        (-np.inf, np.inf) if f else (float(a), float(b))
        for a, b, f in zip(lo, hi, flat, strict=True)
    ]
