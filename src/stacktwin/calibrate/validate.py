"""A scenario's predicted hop distributions against traced boots (``stacktwin validate``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from scipy.stats import ks_2samp
from scipy.stats import t as student_t

from stacktwin.calibrate.extract import TracedWorkload
from stacktwin.calibrate.samples import (
    HOP_NAMES,
    Samples,
    Window,
    boot_samples,
    hop_samples,
    pooled,
)
from stacktwin.calibrate.samples import quantiles as _quantiles
from stacktwin.twin import Scenario
from stacktwin.twin.batch.executor import Executor, with_seed


def _rel(sim: float | None, traced: float | None) -> float | None:
    if sim is None or traced is None or traced == 0:
        return None
    return (sim - traced) / traced


def compare_hops(
    traced: Samples, simulated: Samples, runs: Sequence[Samples] = ()
) -> dict[str, dict[str, Any]]:
    """Per hop: traced and simulated count/mean/p50/p90/p99, relative errors of p50 and p90
    (simulated - traced, over traced) and the two-sample Kolmogorov-Smirnov distance.

    With the single ``runs`` that were pooled into ``simulated`` (two or more), also the range
    one period's p50 and p90 take in the twin (:func:`period_range`) and whether the traced
    ones lie in it: a miss inside it is the period's own noise, not the twin's error."""
    out: dict[str, dict[str, Any]] = {}
    for name in HOP_NAMES:
        t, s = traced.get(name, []), simulated.get(name, [])
        tq, sq = _quantiles(t), _quantiles(s)
        row: dict[str, Any] = {"traced": tq, "simulated": sq}
        row["error_p50"] = _rel(sq["p50"], tq["p50"])
        row["error_p90"] = _rel(sq["p90"], tq["p90"])
        row["ks"] = float(ks_2samp(t, s).statistic) if t and s else None
        per_run = [r.get(name, []) for r in runs]
        if t and len(per_run) >= 2 and all(per_run):
            for q in (50, 90):
                lo, hi = period_range([float(np.percentile(v, q)) for v in per_run])
                row[f"period_range_p{q}"] = [lo, hi]
                row[f"traced_in_range_p{q}"] = bool(lo <= tq[f"p{q}"] <= hi)  # type: ignore[operator]
        if not t:
            row["note"] = "not observed in the trace"
        elif not s:
            row["note"] = "not produced by the twin"
        out[name] = row
    return out


def period_range(values: Sequence[float]) -> tuple[float, float]:
    """95% prediction range of one more period's statistic from its value in ``values`` (one per
    replay, the same boots each): mean +- t(n-1) sd sqrt(1 + 1/n)."""
    arr = np.asarray(values, dtype=float)
    n = len(arr)
    half = float(student_t.ppf(0.975, n - 1)) * float(arr.std(ddof=1)) * np.sqrt(1 + 1 / n)
    return float(arr.mean() - half), float(arr.mean() + half)


def replay_runs(
    scenarios: Sequence[Scenario],
    replications: int,
    executor: Executor,
    on_done: Callable[[int, Any], None] | None = None,
    window: Window | None = None,
    first: int = 0,
) -> list[list[Samples]]:
    """Each scenario's runs on seeds ``seed + first`` … ``seed + first + replications - 1``,
    one hop-samples record per run of the boots ``window`` slices (None: all), all in one
    executor batch."""
    runs = [with_seed(sc, sc.seed + first + i) for sc in scenarios for i in range(replications)]
    records = executor.map(runs, on_done, fn=partial(hop_samples, window=window))
    return [records[k * replications : (k + 1) * replications] for k in range(len(scenarios))]


def validate_scenario(
    scenario: Scenario,
    work: TracedWorkload,
    executor: Executor,
    replications: int = 3,
    on_done: Callable[[int, Any], None] | None = None,
) -> dict[str, Any]:
    """``scenario`` (its costs and settings) replaying ``work``'s boots, against those boots."""
    replay = work.scenario(scenario, scenario.name)
    runs = replay_runs([replay], replications, executor, on_done, work.window)[0]
    hops = compare_hops(boot_samples(work.boots), pooled(runs), runs)
    return {
        "boots": len(work.boots),
        "replications": replications,
        "period": [work.start + min(work.arrivals), work.start + max(work.arrivals)],
        "hops": hops,
        "headline": headline(hops),
    }


def headline(hops: dict[str, dict[str, Any]], hop: str = "vif_wait") -> str:
    """ "the twin predicts vif_wait p50 within X%, p90 within Y%" (or why it cannot say), and
    whether the traced p50 and p90 lie within the twin's range of one period."""
    row = hops.get(hop)
    if row is None or row["error_p50"] is None or row["error_p90"] is None:
        return f"{hop}: not observed in both the trace and the twin; no error to state"
    text = (
        f"predicts {hop} p50 within {abs(row['error_p50']) * 100:.0f}%, "
        f"p90 within {abs(row['error_p90']) * 100:.0f}% "
        f"({row['traced']['count']} traced boots"
    )
    if "traced_in_range_p50" in row:
        outside = [q for q in ("p50", "p90") if not row[f"traced_in_range_{q}"]]
        text += (
            f"; traced {' and '.join(outside)} outside the twin's 95% range of one period"
            if outside
            else "; both traced quantiles inside the twin's 95% range of one period"
        )
    return text + ")"
