"""What the fit matches of each traced hop, and in what units its residuals are measured.

The fit (:mod:`.fit`) compares, for every matched hop, a few statistics of the traced latencies
(:data:`STATS`) with the same statistics of the twin's simulated ones.  A difference is measured
in standard deviations of the traced statistic, estimated by a bootstrap over the traced boots
(:func:`resample`, :func:`weights`): the weighting of the method of simulated moments.  The same
resamples, mapped through the fit's Jacobian, give the fitted costs' intervals
(:func:`intervals`).

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

import numpy as np

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


def weights(draws: Sequence[Draw], target: Draw, hops: Sequence[str]) -> Draw:
    """Each traced statistic's bootstrap standard deviation, floored at :data:`SIGMA_FLOOR`
    of its hop's traced p50: the unit its residual is measured in.

    Diagonal, not the full covariance of a hop's five statistics: whitening with the
    bootstrap's covariance (the "optimal" weighting) measured worse on the identifiability test
    at high load (costs up to 5.8% off instead of 3%, and 60% more twin runs), the small-sample
    bias of estimated optimal weights."""
    out = {}
    for h in hops:
        spread = np.std([d[h] for d in draws], axis=0, ddof=1)
        floor = SIGMA_FLOOR * max(float(target[h][P50]), 1e-3)
        out[h] = np.maximum(spread, floor)
    return out


def intervals(
    draws: Sequence[Draw], target: Draw, sigma: Draw, hops: Sequence[str], jac: np.ndarray
) -> list[tuple[float, float]]:
    """95% interval, in log-cost, of each cost of ``jac``'s columns: the traced targets
    resampled (``draws``) and mapped through the pseudo-inverse of the fit's Jacobian (in the
    residuals' units, ``sigma``); the twin's own replication noise is not in it."""
    pinv = np.linalg.pinv(jac)
    moves = []
    for draw in draws:
        parts = [-(draw[h] - target[h]) / sigma[h] for h in hops]
        moves.append(-pinv @ np.concatenate(parts))
    dx = np.array(moves)
    lo, hi = np.percentile(dx, 2.5, axis=0), np.percentile(dx, 97.5, axis=0)
    return [(float(a), float(b)) for a, b in zip(lo, hi, strict=True)]
