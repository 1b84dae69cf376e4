"""The per-hop service costs fitted by simulation, so that queueing is not taken for service.

Each fitted cost (:data:`PARAMETERS`) is the service time of the twin's operation that makes up
one hop.  The fit replays the traced workload in the twin and changes the costs until the twin's
*own* simulated hop latencies match the traced ones: ``scipy.optimize.least_squares`` (trust
region, bounds) on the log of each cost, the residuals being, for every :data:`MATCHED` hop the
trace has, the differences of its :data:`~.targets.STATS` (simulated - traced) in standard
deviations of the traced statistic between periods (:func:`~.targets.weights`: the larger of a
bootstrap over the traced boots and the spread of single replays at the start; a precise
statistic weighs as much as it tells, a noisy tail no more).  A cost whose Jacobian column is
zero at the start of a search round (it moved no matched hop) is held for that round
(:func:`_search`).
Every evaluation is ``replications`` twin runs (seeds ``seed``, ``seed+1``, …: common random
numbers across evaluations), and the Jacobian's forward differences (:data:`STEP`) of one
iteration go to the executor as one batch; the search restarts where it stopped
(:data:`RESTARTS`) while that still lowers the cost.  A part of a trace is replayed whole and
measured on its own boots (``window``): the other part's boots still load the cloud.  A cost
whose hop was seen in fewer than :data:`MIN_SAMPLES` traced boots, or that the twin does not
produce, keeps its default, with the reason.

Why queueing is not taken for service: the twin queues the replayed boots as the cloud did, so
a cost only has to explain what is left once the queues are simulated; and the hops matched are
the components' own (``wired``: VIFs plugged -> device up, not port bound -> device up, which at
load is mostly nova's spawn; ``placed``: request -> host selected, not -> build started, which
waits for the build semaphore).

Uncertainty (:func:`~.targets.intervals`): how much the traced statistics would vary in
another period (the larger of a bootstrap over the traced boots and the spread of
:data:`~.targets.NOISE_RUNS` single twin replays at the fitted costs), plus the noise of the
fit's own pooled replays, propagated to the log-costs through the pseudo-inverse of a Jacobian
measured on those seeds (each seed's forward difference, averaged: the slope without most of
the event-order jitter that a difference of two pooled runs carries).  A cost whose interval
reaches beyond :data:`WEAK` is said to be weakly identified.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from stacktwin.calibrate.evaluations import Evaluations
from stacktwin.calibrate.records import fill
from stacktwin.calibrate.samples import Samples, Window
from stacktwin.calibrate.targets import (
    NOISE_RUNS,
    P50,
    STATS,
    Band,
    intervals,
    resample,
    stats,
    weights,
)
from stacktwin.twin import Scenario
from stacktwin.twin.batch.executor import Executor
from stacktwin.twin.costs import Costs


@dataclass(frozen=True)
class Parameter:
    """A cost fitted to one hop: ``hop``, or the first of ``fallbacks`` the trace has;
    ``needs`` says what the trace must hold for the hop, when that is not plain."""

    cost: str
    hop: str
    what: str
    fallbacks: tuple[str, ...] = ()
    needs: str = ""

    def resolve(self, traced: Samples) -> Parameter:
        """This parameter on the first of its hops with :data:`MIN_SAMPLES` traced values."""
        for hop in (self.hop, *self.fallbacks):
            if len(traced.get(hop, [])) >= MIN_SAMPLES:
                return replace(self, hop=hop)
        return self


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("agent_port_wiring", "wired", "OVS agent port wiring", ("agent",)),
    Parameter("rpc_update_device_up", "provision", "update_device_list (device up) handling"),
    Parameter(
        "nova_api_external_events",
        "api_events",
        "nova-api os-server-external-events",
        ("nova_api",),
    ),
    Parameter("compute_event_dispatch", "compute_rpc", "nova-compute event dispatch"),
    Parameter("compute_resume", "resume", "guest resume after the event"),
    Parameter("compute_spawn_prepare", "spawn", "spawn: block devices and image"),
    Parameter("conductor_schedule", "placed", "conductor and scheduler", ("schedule",)),
    Parameter(
        "notifier_client_setup",
        "event_post",
        "neutron's novaclient and keystone session before the POST",
        needs="nova-api's access line of POST os-server-external-events (eventlet's wsgi "
        "line, or nova's requestlog under uWSGI, with the request id of the Creating event "
        "line) dates when nova-api began serving it; without it this setup and "
        "nova_api_external_events share the nova_api hop and cannot be told apart",
    ),
)

MIN_SAMPLES = 3
"""Traced values of a hop below which its cost is not fitted (nor the hop matched)."""
MATCHED: tuple[str, ...] = (
    "placed",
    "schedule",
    "spawn",
    "agent",
    "wired",
    "provision",
    "notifier",
    "nova_api",
    "event_post",
    "api_events",
    "compute_rpc",
    "resume",
)
"""The hops matched, every one with traced values (not only the fitted costs' own): a cost moves
the hops downstream of it too (a slower conductor spreads the boots the agent sees), and a hop
no cost is fitted to (``notifier``: its batches last as long as nova-api's POST) still tells
on the costs that shape it.  ``event_post`` and ``api_events`` split ``nova_api`` where the
trace has nova-api's access lines (:data:`~.samples.EVENT_POST`,
:data:`~.samples.API_EVENTS`).  The spans (``vif_wait``, ``boot``) are sums of these."""
LOG_BOUNDS = (np.log(1e-4), np.log(600.0))
STEP = 0.15
"""Forward-difference step of the Jacobian, in log-cost (15%).  Under queueing a small change of
a cost reorders events (which boot takes the free worker first), and the hop quantiles jump by
more than the cost moved them: a 5% step measured that jitter, not the slope, and the fit
stopped where it started.  15% spans the jitter; the trust region still takes small steps."""


MISSING = 10.0
"""A matched hop the twin does not produce counts as if all its statistics were this many times
the traced p50 (a large, finite residual: the search moves away from such costs)."""

FLAT = 1e-9
"""A Jacobian column (residual units per log-cost) this small is zero: the cost moved nothing."""

RESTARTS = 3
"""Times the search starts again from where it stopped, with a fresh Jacobian and trust region.
Under queueing a step the twin's jitter spoils is rejected and the trust region shrinks until
``xtol`` stops the search short of the minimum; a restart measures the slope again there."""
RESTART_GAIN = 0.01
"""A restart that lowers the cost by less than this fraction of it ends the search."""


@dataclass
class FitResult:
    """Fitted costs, one record per parameter, and what the fit cost."""

    costs: Costs
    parameters: list[dict[str, Any]]
    simulated: Samples
    replays: list[Samples]
    """The single runs at the fitted costs (the pooled ``simulated`` ones, then the others of
    :data:`~.targets.NOISE_RUNS` when an interval was computed): each one period's samples."""
    runs: int
    wall_seconds: float
    replications: int
    method: str = field(default="scipy.optimize.least_squares (trf, log-costs)")


def _records(defaults: Costs, traced: Samples) -> tuple[list[dict[str, Any]], list[Parameter]]:
    """One record per parameter, and the parameters with enough traced samples to fit."""
    records: list[dict[str, Any]] = []
    active: list[Parameter] = []
    for p in (q.resolve(traced) for q in PARAMETERS):
        n = len(traced.get(p.hop, []))
        rec: dict[str, Any] = {"cost": p.cost, "hop": p.hop, "what": p.what, "boots": n}
        rec["default"] = float(getattr(defaults, p.cost))
        if n < MIN_SAMPLES:
            why = f"hop {p.hop} seen in {n} traced boots (< 3)"
            rec.update(status="default", reason=why + (f": {p.needs}" if p.needs else ""))
        else:
            active.append(p)
        records.append(rec)
    return records, active


def _stepped(x: np.ndarray, i: int) -> np.ndarray:
    """``x`` with cost ``i`` :data:`STEP` up (down at the upper bound)."""
    xi = x.copy()
    xi[i] += STEP if xi[i] + STEP <= LOG_BOUNDS[1] else -STEP
    return xi


def fit_costs(
    scenario: Scenario,
    traced: Samples,
    executor: Executor,
    replications: int = 3,
    max_iterations: int = 30,
    on_run: Callable[[], None] | None = None,
    window: Window | None = None,
) -> FitResult:
    """Fit :data:`PARAMETERS` of ``scenario`` (which replays the traced workload) to the
    ``traced`` samples of the boots ``window`` slices (None: all).  ``max_iterations`` bounds
    the residual evaluations of each search round (scipy's ``max_nfev``; the Jacobian's runs
    are not counted), ``replications`` the twin runs of each evaluation."""
    wall = time.perf_counter()
    base = scenario.model_copy(deep=True)
    defaults = base.model.costs
    records, active = _records(defaults, traced)
    ev = Evaluations(base, [p.cost for p in active], executor, replications, window, on_run)
    samples_at = ev.pooled
    hops = _matched(traced)
    target = {h: stats(traced[h]) for h in hops}
    draws = resample(traced, hops)
    x0 = np.array([np.log(max(float(getattr(defaults, p.cost)), 1e-3)) for p in active])
    x0 = np.clip(x0, LOG_BOUNDS[0] + 1e-6, LOG_BOUNDS[1] - 1e-6)
    start = ev.single([x0], NOISE_RUNS)[0] if active and hops else []
    sigma = weights(draws, target, hops, start)

    def residuals(sim: Samples) -> np.ndarray:
        parts = []
        for h in hops:
            values = sim.get(h, [])
            got = stats(values) if values else np.full(len(STATS), MISSING * target[h][P50])
            parts.append((got - target[h]) / sigma[h])
        return np.concatenate(parts) if parts else np.zeros(0)

    def jacobian(x: np.ndarray, free: Sequence[int], seeds: int = replications) -> np.ndarray:
        """Forward differences of :data:`STEP` in log-cost, the columns ``free``, one batch:
        on the pooled runs of ``replications`` seeds (the search), or (``seeds`` more) the mean
        of the single runs' differences, seed by seed (the intervals': the slope less its
        event-order jitter)."""
        points = [_stepped(x, i) for i in free]
        if seeds == replications:
            r0 = residuals(samples_at([x])[0])
            moves = [residuals(sim) - r0 for sim in samples_at(points)]
        else:
            runs = [[residuals(r) for r in rs] for rs in ev.single([x, *points], seeds)]
            r0 = np.mean(runs[0], axis=0)
            moves = [np.mean(np.subtract(rs, runs[0]), axis=0) for rs in runs[1:]]
        cols = [m / (xi[i] - x[i]) for i, xi, m in zip(free, points, moves, strict=True)]
        return np.column_stack(cols) if cols else np.zeros((len(r0), 0))

    x_fit = np.zeros(0)
    free: list[int] = []
    if active:
        x_fit, free = _search(x0, residuals, samples_at, jacobian, max_iterations)
    final = ev.scenario_at(x_fit)
    simulated = samples_at([x_fit])[0]
    bands: list[Band | None] = [None] * len(active)
    replays = ev.single([x_fit], replications)[0]
    if free:
        replays = ev.single([x_fit], NOISE_RUNS)[0]
        jac = jacobian(x_fit, free, NOISE_RUNS)
        found = intervals(
            draws, target, sigma, hops, jac, [residuals(r) for r in replays], replications
        )
        for k, (i, band) in enumerate(zip(free, found, strict=True)):
            # a column zero at the end gets no move from the pseudo-inverse, hence a zero-width
            # interval: the cost is unbounded there, not exact
            flat_here = np.linalg.norm(jac[:, k]) <= FLAT
            bands[i] = replace(band, half_width=np.inf) if flat_here else band
    flat = [i for i in range(len(active)) if i not in free]
    fill(
        records,
        [(p.cost, p.hop) for p in active],
        x_fit,
        simulated,
        traced,
        bands,
        flat,
        LOG_BOUNDS,
    )
    return FitResult(
        costs=final.model.costs,
        parameters=records,
        simulated=simulated,
        replays=replays,
        runs=ev.runs,
        wall_seconds=time.perf_counter() - wall,
        replications=replications,
    )


def _search(
    x0: np.ndarray,
    residuals: Callable[[Samples], np.ndarray],
    samples_at: Callable[[Sequence[np.ndarray]], list[Samples]],
    jacobian: Callable[[np.ndarray, Sequence[int]], np.ndarray],
    max_iterations: int,
) -> tuple[np.ndarray, list[int]]:
    """Rounds of ``least_squares`` from ``x0``, each on the costs the hops move with there.

    Each round first measures every cost's Jacobian column at its start; a cost whose column
    is zero (a 15% change moved no matched statistic at all: under common random numbers the
    twin then ran the very same events) is held where it is for that round, since the
    search's steps along a direction the residuals do not see are steered by the noise of the
    others.  Measured on the identifiability test at high load, truth seed 10: with
    ``compute_spawn_prepare`` (below the network allocation it runs beside, so flat) in the
    search, agent_port_wiring ended 13% off at a residual norm above the true costs'; held,
    every cost within 4.4%.  Returns the costs and the columns searched in the last round."""
    x_fit, best = x0, np.inf
    free: list[int] = []
    for _ in range(1 + RESTARTS):
        jac0 = jacobian(x_fit, range(len(x_fit)))
        free = [i for i in range(len(x_fit)) if np.linalg.norm(jac0[:, i]) > FLAT]
        if not free:
            break
        sol, x_round = _round(x_fit, free, residuals, samples_at, jacobian, max_iterations)
        gain = best - float(sol.cost)
        x_fit, best = x_round, min(best, float(sol.cost))
        if gain < RESTART_GAIN * best:
            break
    return x_fit, free


def _round(
    start: np.ndarray,
    free: list[int],
    residuals: Callable[[Samples], np.ndarray],
    samples_at: Callable[[Sequence[np.ndarray]], list[Samples]],
    jacobian: Callable[[np.ndarray, Sequence[int]], np.ndarray],
    max_iterations: int,
) -> tuple[Any, np.ndarray]:
    """One ``least_squares`` search over the costs ``free``, the others held at ``start``;
    returns scipy's result and the full point it ends at."""

    def embed(z: np.ndarray) -> np.ndarray:
        x = start.copy()
        x[free] = z
        return x

    sol = least_squares(
        lambda z: residuals(samples_at([embed(z)])[0]),
        start[free],
        jac=lambda z: jacobian(embed(z), free),
        bounds=LOG_BOUNDS,
        method="trf",
        max_nfev=max_iterations,
        xtol=1e-3,
        ftol=1e-4,
    )
    return sol, embed(sol.x)


def _matched(traced: Samples) -> list[str]:
    """The :data:`MATCHED` hops with at least :data:`MIN_SAMPLES` traced values."""
    return [h for h in MATCHED if len(traced.get(h, [])) >= MIN_SAMPLES]
