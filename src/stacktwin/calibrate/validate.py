"""A scenario's predicted hop distributions against traced boots (``stacktwin validate``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from scipy.stats import ks_2samp

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


def compare_hops(traced: Samples, simulated: Samples) -> dict[str, dict[str, Any]]:
    """Per hop: traced and simulated count/mean/p50/p90/p99, relative errors of p50 and p90
    (simulated - traced, over traced) and the two-sample Kolmogorov-Smirnov distance."""
    out: dict[str, dict[str, Any]] = {}
    for name in HOP_NAMES:
        t, s = traced.get(name, []), simulated.get(name, [])
        tq, sq = _quantiles(t), _quantiles(s)
        row: dict[str, Any] = {"traced": tq, "simulated": sq}
        row["error_p50"] = _rel(sq["p50"], tq["p50"])
        row["error_p90"] = _rel(sq["p90"], tq["p90"])
        row["ks"] = float(ks_2samp(t, s).statistic) if t and s else None
        if not t:
            row["note"] = "not observed in the trace"
        elif not s:
            row["note"] = "not produced by the twin"
        out[name] = row
    return out


def run_replay(
    scenario: Scenario,
    replications: int,
    executor: Executor,
    on_done: Callable[[int, Any], None] | None = None,
    window: Window | None = None,
) -> Samples:
    """The pooled hop samples of ``replications`` runs of ``scenario`` (seeds seed, seed+1…),
    of the boots ``window`` slices (None: all)."""
    return run_replays([scenario], replications, executor, on_done, window)[0]


def run_replays(
    scenarios: Sequence[Scenario],
    replications: int,
    executor: Executor,
    on_done: Callable[[int, Any], None] | None = None,
    window: Window | None = None,
) -> list[Samples]:
    """:func:`run_replay` of several scenarios, all their runs in one executor batch."""
    runs = [with_seed(sc, sc.seed + i) for sc in scenarios for i in range(replications)]
    records = executor.map(runs, on_done, fn=partial(hop_samples, window=window))
    return [
        pooled(records[k * replications : (k + 1) * replications]) for k in range(len(scenarios))
    ]


def validate_scenario(
    scenario: Scenario,
    work: TracedWorkload,
    executor: Executor,
    replications: int = 3,
    on_done: Callable[[int, Any], None] | None = None,
) -> dict[str, Any]:
    """``scenario`` (its costs and settings) replaying ``work``'s boots, against those boots."""
    replay = work.scenario(scenario, scenario.name)
    simulated = run_replay(replay, replications, executor, on_done, work.window)
    hops = compare_hops(boot_samples(work.boots), simulated)
    return {
        "boots": len(work.boots),
        "replications": replications,
        "period": [work.start + min(work.arrivals), work.start + max(work.arrivals)],
        "hops": hops,
        "headline": headline(hops),
    }


def headline(hops: dict[str, dict[str, Any]], hop: str = "vif_wait") -> str:
    """ "the twin predicts vif_wait p50 within X%, p90 within Y%" (or why it cannot say)."""
    row = hops.get(hop)
    if row is None or row["error_p50"] is None or row["error_p90"] is None:
        return f"{hop}: not observed in both the trace and the twin; no error to state"
    return (
        f"predicts {hop} p50 within {abs(row['error_p50']) * 100:.0f}%, "
        f"p90 within {abs(row['error_p90']) * 100:.0f}% "
        f"({row['traced']['count']} traced boots)"
    )
