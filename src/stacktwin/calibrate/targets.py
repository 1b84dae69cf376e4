"""What the fit matches of each traced hop, and in what units its residuals are measured.

The fit (:mod:`.fit`) compares, for every matched hop, a few statistics of the traced latencies
(:data:`STATS`) with the same statistics of the twin's simulated ones.  A difference is measured
in standard deviations of the traced statistic, estimated by a bootstrap over the traced boots
(:func:`resample`, :func:`weights`): the weighting of the method of simulated moments.  The same
resamples, and replays of the twin at the fitted costs on other seeds, mapped through the
fit's Jacobian, give the fitted costs' intervals (:func:`intervals`).

Why weighted: at load a hop's statistics are not equally well known.  The mean of a narrow hop
(nova-api's external events, 120 traced boots) is known to ~1%; the p90 of a heavy-tailed one
(device up -> port ACTIVE behind the neutron RPC worker) is one draw of a queue's history and
moves by ~15% from draw to draw.  Divided by the traced p50 alone, the noisy p90s dominated the
objective and its slope along a precise cost was lost in their noise: on the identifiability
test at high load (tests/calibrate/test_identifiability.py) ``nova_api_external_events`` ended
10.6% off, traded against the provision hop's tail; weighted, 2%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from stacktwin.calibrate.samples import Samples

STATS = ("mean", "p25", "p50", "p75", "p90")
"""What is matched of each hop's distribution: the low quartile carries the service times (the
boots that did not queue), the high quantiles the queueing.  Measured on the identifiability
test (tests/calibrate/test_identifiability.py): mean/p50/p90 alone left compute_event_dispatch
11% off at high load; the quartiles and p10 with them let the agent's polling phase (a
uniform 0-2 s wait in the ``wired`` hop) pull agent_port_wiring 12% off at low load; the
quartiles pass both."""
BOOTSTRAP = 200
"""Resamples of the traced boots, for the residuals' units and the costs' intervals."""
NOISE_RUNS = 10
"""Twin replays at the fitted costs (seeds ``seed`` … ``seed + 9``, the fit's own among them)
whose spread puts the twin's run-to-run noise into the costs' intervals (:func:`intervals`).
Assumption: 10, so that Student's t at 9 degrees of freedom (2.26) is within 16% of the normal
quantile; at 1,000 hosts the extra runs are ~5% of a fit's."""
SIGMA_FLOOR = 0.005
"""Least standard deviation of a traced statistic, as a fraction of its hop's traced p50
(assumption: 0.5%, below the ~1% the identifiability test's narrowest hop means have with 120
boots at ``service_cv`` 0.1; it only matters for a hop whose resampled statistics do not move,
such as one of identical values, which would otherwise weigh infinitely)."""

_QUANTILES = [float(q[1:]) for q in STATS[1:]]
P50 = STATS.index("p50")

#: One bootstrap resample: each hop's :data:`STATS`.
Draw = dict[str, np.ndarray]


def stats(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """:data:`STATS` of ``values``."""
    arr = np.asarray(values, dtype=float)
    return np.concatenate([[arr.mean()], np.percentile(arr, _QUANTILES)])


def resample(traced: Samples, hops: Sequence[str]) -> list[Draw]:
    """:data:`BOOTSTRAP` resamples of each hop's :data:`STATS` (the traced boots drawn with
    replacement, seed 0: the same for every fit of the same trace)."""
    rng = np.random.default_rng(0)
    out = []
    for _ in range(BOOTSTRAP):
        draw = {}
        for h in hops:
            vals = np.asarray(traced[h])
            draw[h] = stats(rng.choice(vals, size=len(vals), replace=True))
        out.append(draw)
    return out


def weights(
    draws: Sequence[Draw], target: Draw, hops: Sequence[str], replays: Sequence[Samples]
) -> Draw:
    """Each traced statistic's standard deviation between periods, floored at
    :data:`SIGMA_FLOOR` of its hop's traced p50: the unit its residual is measured in.

    Between periods: the larger of its spread over the bootstrap ``draws`` of the traced boots
    and its spread over ``replays``, single twin runs of the traced workload (at the fit's
    start, :data:`NOISE_RUNS` seeds).  At high load the replays vary far more than the boots
    resampled, and not alike for all statistics.  Measured at a 1,000-host site
    (``benchmarks/calibrate_scale.py``'s trace, 6 seeds): raising nova-api's external-events
    cost 25% moves the ``nova_api`` hop's statistics by ~2.5 bootstrap deviations, about twice
    their spread between seeds, while the same change makes the conductor's ``placed`` p90
    jump by ~9 bootstrap deviations from one seed's event order to the next (nova-api's
    workers serve both).  In bootstrap deviations those jumps ruled the objective and the
    Jacobian, whose column for the cost came out 2-3 times its true slope: the intervals then
    missed the truth.  In deviations between periods a statistic weighs as much as it tells.

    Diagonal, not the full covariance of a hop's five statistics: whitening with the
    bootstrap's covariance (the "optimal" weighting) measured worse on the identifiability test
    at high load (costs up to 5.8% off instead of 3%, and 60% more twin runs), the small-sample
    bias of estimated optimal weights."""
    out = {}
    for h in hops:
        spread = np.std([d[h] for d in draws], axis=0, ddof=1)
        runs = [stats(r[h]) for r in replays if len(r.get(h, [])) > 0]
        if len(runs) >= 2:
            spread = np.maximum(spread, np.std(runs, axis=0, ddof=1))
        floor = SIGMA_FLOOR * max(float(target[h][P50]), 1e-3)
        out[h] = np.maximum(spread, floor)
    return out


@dataclass(frozen=True)
class Band:
    """A fitted cost's 95% interval, in log-cost around the fitted value, and what makes it up
    (standard deviations in log-cost)."""

    half_width: float
    traced_boots: float
    """From resampling the traced boots (:func:`resample`)."""
    one_replay: float
    """From replaying the same workload on other seeds: how much one period's statistics vary
    in the twin when only its random draws (service times, arrivals' order in the queues) do."""
    replications: int
    """Twin runs pooled at each evaluation of the fit (its own noise is ``one_replay`` over the
    square root of this)."""


def intervals(
    draws: Sequence[Draw],
    target: Draw,
    sigma: Draw,
    hops: Sequence[str],
    jac: np.ndarray,
    runs: Sequence[np.ndarray],
    replications: int,
) -> list[Band]:
    """The 95% interval of each cost of ``jac``'s columns (log-cost, residual units ``sigma``).

    Linearised at the fit, a change ``d`` of the residuals moves the costs by
    ``-pinv(jac) @ d``.  Two things change them:

    * **the traced period is one draw.**  Its statistics would differ in another period of the
      same workload.  Two measures of by how much: the bootstrap over the traced boots
      (``draws``), and ``runs``, the residuals of single twin replays at the fitted costs on
      :data:`NOISE_RUNS` seeds, which vary the way one period's queues vary.  At high load a
      hop's tail quantile is one draw of its queue's history and the replays vary more than the
      boots resampled; a real cloud whose boots differ in ways the twin does not draw (a slow
      host) varies more in the bootstrap.  The larger of the two variances is used, per cost.
    * **the fit's own replays are a draw too**: each evaluation pooled ``replications`` runs on
      fixed seeds, so the fitted costs carry those seeds' noise, the replays' variance over
      ``replications`` (the method of simulated moments' ``1 + 1/R`` factor).

    The half-width is Student's t quantile at ``len(runs) - 1`` degrees of freedom (the run
    variance is estimated from that many runs) times the total standard deviation.  Not in it:
    the Jacobian's own noise, and the bias of the linearisation far from the fit (a cost whose
    interval is wide is said to be weakly identified, not bounded by it)."""
    pinv = np.linalg.pinv(jac)
    boot = np.array(
        [pinv @ np.concatenate([(d[h] - target[h]) / sigma[h] for h in hops]) for d in draws]
    )
    replays = np.asarray(runs, dtype=float)
    moves = (replays - replays.mean(axis=0)) @ pinv.T
    var_boot = boot.var(axis=0, ddof=1)
    var_run = moves.var(axis=0, ddof=1)
    total = np.maximum(var_boot, var_run) + var_run / replications
    scale = float(student_t.ppf(0.975, len(replays) - 1))
    return [
        Band(scale * float(np.sqrt(v)), float(np.sqrt(b)), float(np.sqrt(r)), replications)
        for v, b, r in zip(total, var_boot, var_run, strict=True)
    ]
