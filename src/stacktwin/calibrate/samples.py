"""Hop samples of boots (traced or simulated), and the twin run that produces them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from stacktwin.boots import HOPS, SPANS, Boot
from stacktwin.twin import Scenario, run_scenario

#: Latency names compared by calibration and validation, in path order.
HOP_NAMES: tuple[str, ...] = (*(h.name for h in HOPS), *(s.name for s in SPANS), "spawn")

Samples = dict[str, list[float]]


def boot_samples(boots: Iterable[Boot]) -> Samples:
    """Every finite hop latency (and the spawn time) of ``boots``, by hop name."""
    by_name = {h.name: h for h in (*HOPS, *SPANS)}
    out: Samples = {name: [] for name in HOP_NAMES}
    for b in boots:
        for name, hop in by_name.items():
            v = b.latency(hop)
            if v is not None and math.isfinite(v):
                out[name].append(v)
        if b.spawn_seconds is not None and math.isfinite(b.spawn_seconds):
            out["spawn"].append(b.spawn_seconds)
    return out


def hop_samples(scenario: Scenario) -> Samples:
    """Run ``scenario`` once (its seed) and return its boots' hop samples (an executor job)."""
    return boot_samples(run_scenario(scenario).boots)


def pooled(runs: Sequence[Samples]) -> Samples:
    """The samples of several replications put together."""
    out: Samples = {name: [] for name in HOP_NAMES}
    for run in runs:
        for name, values in run.items():
            out.setdefault(name, []).extend(values)
    return out


def quantiles(values: Sequence[float]) -> dict[str, float | None]:
    """count, mean, p50/p90/p99 (None for an empty sample)."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None}
    arr = np.asarray(values, dtype=float)
    p50, p90, p99 = (float(np.percentile(arr, q)) for q in (50, 90, 99))
    return {"count": len(values), "mean": float(arr.mean()), "p50": p50, "p90": p90, "p99": p99}
