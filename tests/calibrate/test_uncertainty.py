"""How sure calibration says it is: the fitted costs' intervals, the residuals' units, and the
validation's range of one period.

:func:`stacktwin.calibrate.targets.intervals` linearises the fit: a change ``d`` of the
residuals moves the log-costs by ``-pinv(J) @ d``.  These tests give it Jacobians and noise
whose answer is known by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import t as student_t

from stacktwin.calibrate.records import WEAK, identified
from stacktwin.calibrate.samples import pooled
from stacktwin.calibrate.targets import SIGMA_FLOOR, Band, intervals, resample, stats, weights
from stacktwin.calibrate.validate import compare_hops, headline

HOPS = ["a"]


def _draws(values: list[float]) -> list[dict[str, np.ndarray]]:
    return [{"a": np.array([v])} for v in values]


def test_without_replay_noise_the_interval_is_the_bootstraps() -> None:
    """Identical replays add nothing: the half-width is t times the bootstrap's spread through
    the Jacobian (slope 2 residual units per log-cost: half the residual's spread)."""
    boot = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0]
    (band,) = intervals(
        _draws(boot), {"a": np.array([0.0])}, {"a": np.array([1.0])}, HOPS,
        np.array([[2.0]]), runs=[np.array([3.0])] * 10, replications=2,
    )  # fmt: skip
    sd = float(np.std(boot, ddof=1)) / 2
    assert band.one_replay == 0.0
    assert band.traced_boots == pytest.approx(sd)
    assert band.half_width == pytest.approx(student_t.ppf(0.975, 9) * sd)


def test_replay_noise_larger_than_the_bootstrap_widens_the_interval() -> None:
    """At high load one period's queues vary more than its boots resampled: the replays' spread
    replaces the bootstrap's, and the fit's own ``replications`` pooled runs add theirs over
    ``replications`` (the 1 + 1/R of simulated moments)."""
    runs = [np.array([v]) for v in (0.0, 4.0, -4.0, 2.0, -2.0, 1.0, -1.0, 3.0)]
    (band,) = intervals(
        _draws([0.1, -0.1, 0.05]), {"a": np.array([0.0])}, {"a": np.array([1.0])}, HOPS,
        np.array([[2.0]]), runs=runs, replications=4,
    )  # fmt: skip
    sd_run = float(np.std([r[0] for r in runs], ddof=1)) / 2
    assert band.one_replay == pytest.approx(sd_run)
    assert band.traced_boots < band.one_replay
    expected = student_t.ppf(0.975, len(runs) - 1) * sd_run * np.sqrt(1 + 1 / 4)
    assert band.half_width == pytest.approx(expected)


def test_a_cost_the_hops_hardly_move_with_gets_a_wide_interval() -> None:
    """Two costs, the same noise: the one whose column is 20 times smaller gets a 20 times
    wider interval, and is said to be weakly identified; the other is identified."""
    rng = np.random.default_rng(3)
    draws = [{"a": rng.normal(size=2)} for _ in range(200)]
    runs = [rng.normal(size=2) for _ in range(10)]
    jac = np.array([[20.0, 0.0], [0.0, 1.0]])
    strong, weak = intervals(
        draws, {"a": np.zeros(2)}, {"a": np.ones(2)}, HOPS, jac, runs, replications=3
    )
    assert weak.half_width > 10 * strong.half_width
    assert strong.half_width < WEAK < weak.half_width
    assert identified(strong, flat=False) == "yes"
    assert identified(weak, flat=False).startswith("weakly: the 95% interval spans x0.")


def test_an_unbounded_or_flat_cost_is_notidentified() -> None:
    band = Band(half_width=np.inf, traced_boots=0.1, one_replay=0.1, replications=3)
    assert identified(band, flat=False).startswith("no:")
    assert identified(Band(0.01, 0.0, 0.0, 3), flat=True).startswith("no:")


def test_residual_units_are_the_larger_of_the_bootstrap_and_the_replays() -> None:
    """A statistic that varies more between twin replays than over the resampled boots (a tail
    at high load) is measured in the replays' deviation; with no replays, the bootstrap's."""
    traced = {"a": list(np.linspace(1.0, 2.0, 50))}
    target = {"a": stats(traced["a"])}
    draws = resample(traced, HOPS)
    boot_only = weights(draws, target, HOPS, [])
    boot_sd = np.std([d["a"] for d in draws], axis=0, ddof=1)
    assert np.allclose(boot_only["a"], np.maximum(boot_sd, SIGMA_FLOOR * target["a"][2]))
    rng = np.random.default_rng(5)
    wild = [{"a": list(rng.uniform(1.0, 2.0 + k, 50))} for k in range(10)]
    spread = np.std([stats(r["a"]) for r in wild], axis=0, ddof=1)
    got = weights(draws, target, HOPS, wild)["a"]
    assert np.all(got >= boot_only["a"])
    assert np.allclose(got[-1], spread[-1])  # the p90 of the wild replays spreads most
    assert got[-1] > 5 * boot_only["a"][-1]
    # a replay lacking the hop (the twin did not produce it) is left out, not counted as zero
    assert np.allclose(weights(draws, target, HOPS, [*wild, {"a": []}])["a"], got)


def test_validation_says_whether_the_traced_quantiles_lie_in_the_twins_range() -> None:
    """Per hop, the 95% range one period's p50/p90 take across the replays; the headline says
    whether the traced ones lie in it (a 12% miss inside it is the period's noise)."""
    rng = np.random.default_rng(2)
    traced = {"vif_wait": list(rng.normal(10.0, 1.0, 200))}
    near = [{"vif_wait": list(rng.normal(10.0, 1.0, 200))} for _ in range(5)]
    far = [{"vif_wait": list(rng.normal(20.0, 1.0, 200))} for _ in range(5)]
    row = compare_hops(traced, pooled(near), near)["vif_wait"]
    lo, hi = row["period_range_p50"]
    p50s = [float(np.percentile(r["vif_wait"], 50)) for r in near]
    assert lo < min(p50s) and max(p50s) < hi and hi - lo < 1.0
    assert row["traced_in_range_p50"] and row["traced_in_range_p90"]
    assert "both traced quantiles inside" in headline({"vif_wait": row})
    row = compare_hops(traced, pooled(far), far)["vif_wait"]
    assert not row["traced_in_range_p50"] and not row["traced_in_range_p90"]
    assert "traced p50 and p90 outside" in headline({"vif_wait": row})
    # one replay: no range to state, and no claim about it
    row = compare_hops(traced, pooled(near[:1]), near[:1])["vif_wait"]
    assert "period_range_p50" not in row and "range" not in headline({"vif_wait": row})
