"""Identifiability: the calibrator recovers costs the twin itself was run with.

The twin replays a small workload (3 hosts) with known, non-default costs (:data:`TRUE`); its
boots are the calibrator's input exactly as a trace's would be (:func:`extract_workload` takes
the twin's ``Boot`` records, milestones in simulated seconds: the extractor only uses times
relative to the first request); the calibrator's own :func:`fit_costs` starts from the defaults
and must find :data:`TRUE` again, fitted on the first 60% of the boots, validated on the rest.

``service_cv`` is 0.1 in truth and fit alike: with 80 boots the sampling noise of a hop's
mean is then ~2% of the costs, well inside the 10% claim (at the default 0.5 the noise alone
is ~10%).

High load is sustained, not a burst: 2,400 boots 1.2 s apart, for 48 minutes, the conductor
queues (``placed`` ~2.4x its cost) and the agent hop is ~10x the wiring cost.  It must be that
long for the held-out half of the claim: a run's tail quantiles at high load follow its queues'
history, one draw per busy period, so with 200 boots (80 held out) the twin at the *true* costs
missed the held-out ``wired`` / ``provision`` p90 by more than 10% in about half of 40 truth
seeds (mean errors +0.1% to +4.7%: noise, not bias), and at 600 and 1,000 boots the true
costs still missed ``provision`` p90 by 14% and 12%.  With 2,400 boots (960 held out) and 8
costs, measured off the test with 4 replications: the test's truth seed 7 has every cost within
3.7% and every held-out hop p50 / p90 within 4.1%; truth seeds 8-11 every cost within 3.4%, the
held-out hops within 10% but for seed 8's ``provision`` p90 (10.7%; the true costs 9.6%), and
1 of 28 stated 95% intervals missing the truth (seed 11 ``conductor_schedule``, by 0.3%); 180-280 s
CPU a calibration (docs/calibration.md §3).
A burst (80 boots
in 24 s) is one busy period, one draw of the queue's history: there even the best fit a global
search finds (scipy ``differential_evolution``, 1,300 evaluations, off the test) has
``nova_api_external_events`` 14% off, since 48 fitted boots of one busy period do not tell it
apart from the other costs within 10%.

Left out of the 10% claim, with the reason:

- ``compute_spawn_prepare``: the twin runs it concurrently with the network allocation
  (create port + binding, ~5.7 s at the defaults), and the spawn hop waits for the longer of
  the two; at any value below the allocation the hop does not move with it, so no fit can
  recover it (the truth, 2.0 s, is below).  The search holds it (its Jacobian column is zero)
  and the low-load test asserts that the calibrator says so rather than claim a value.

``notifier_client_setup`` is fitted like the others: the twin's boots carry ``event_request``
(nova-api's worker begins serving the POST), so ``event_post`` and ``api_events`` split the
``nova_api`` hop between it and ``nova_api_external_events``, as nova-api's access lines do in
a trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stacktwin.calibrate import extract_workload, fit_costs, split, validate_scenario
from stacktwin.calibrate.records import NOT_MOVED
from stacktwin.calibrate.samples import boot_samples
from stacktwin.twin import Scenario, load_scenario, parse_scenario, run_scenario
from stacktwin.twin.batch.executor import Executor

TRUE: dict[str, float] = {
    "agent_port_wiring": 0.8,
    "rpc_update_device_up": 0.3,
    "nova_api_external_events": 1.0,
    "compute_event_dispatch": 0.05,
    "compute_resume": 0.9,
    "compute_spawn_prepare": 2.0,
    "conductor_schedule": 3.0,
    "notifier_client_setup": 1.3,
}
UNIDENTIFIABLE = {"compute_spawn_prepare"}
CV = 0.1
POLLING_INTERVAL = 1
BOOTS = 80


def _base(costs: dict[str, float], name: str) -> dict[str, Any]:
    data = load_scenario("all-in-one").model_dump()
    data["name"] = name
    data["model"]["costs"].update(costs)
    data["model"]["costs"]["service_cv"] = CV
    data["cloud"]["instances"] = 0  # the cloud as the truth had it (the base states it)
    # the wired hop carries the agent's polling phase, U(0, polling_interval): at the default
    # 2 s its sampling noise over a few dozen boots is ~12% of agent_port_wiring, more than the
    # 10% claim; a 1 s grid halves it.  Truth and fit run the same grid.
    data["neutron"].setdefault("agent", {})["polling_interval"] = POLLING_INTERVAL
    return data


HIGH_GAP, HIGH_BOOTS = 1.2, 2400


def _truth(gap: float, boots: int = BOOTS) -> Scenario:
    data = _base(TRUE, "truth")
    data["seed"] = 7  # the fit replays with seeds 1, 2, 3…: not the truth's draws
    data["cloud"].update(hosts=3)
    data["workload"] = {"arrivals": {"boots": [i * gap for i in range(boots)]}}
    data["duration"] = boots * gap + 300.0
    return parse_scenario(data, "truth")


def _calibrate(
    gap: float, boots: int = BOOTS, replications: int = 3
) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Fit on the first 60% of the twin's boots; validate on the last 40%.  Returns the
    records, the validation, and the validation of the *true* costs on the same boots."""
    work = extract_workload(run_scenario(_truth(gap, boots)).boots)
    assert len(work.boots) == boots and len(work.hosts) == 3
    fit_part, held = split(work, holdout=0.4)
    base = parse_scenario(_base({}, "defaults"), "defaults")
    replay = fit_part.scenario(base, "replay")
    traced = boot_samples(fit_part.boots)
    executor = Executor(jobs=1)
    fit = fit_costs(replay, traced, executor, replications, window=fit_part.window)
    fitted = replay.model_copy(deep=True)
    fitted.model.costs = fit.costs
    validation = validate_scenario(fitted, held, executor, replications)
    truth = parse_scenario(_base(TRUE, "true-costs"), "true-costs")
    best = validate_scenario(truth, held, executor, replications)
    records = {r["cost"]: r for r in fit.parameters}
    return records, validation, best


def _claimed_hops(records: dict[str, dict[str, Any]]) -> list[str]:
    return [r["hop"] for c, r in records.items() if c in TRUE and c not in UNIDENTIFIABLE]


def _assert_held_out(
    records: dict[str, dict[str, Any]], validation: dict[str, Any], best: dict[str, Any]
) -> None:
    """Each claimed hop's held-out p50/p90 within 10% of the traced one, or, where the twin at
    the *true* costs misses these held-out boots by more (they are one draw: a hop with the
    agent's polling phase in it has a wide p50 over a few dozen boots), no further off than
    the true costs are."""
    for hop in _claimed_hops(records):
        for q in ("error_p50", "error_p90"):
            got, floor = abs(validation["hops"][hop][q]), abs(best["hops"][hop][q])
            assert got <= max(0.10, floor), (hop, q, got, floor)


def _assert_covered(records: dict[str, dict[str, Any]]) -> None:
    """Each identifiable cost's stated 95% interval holds the truth (an interval from the traced
    boots alone missed three of seven at a 1,000-host site: the twin's replay noise was left
    out), and none claims to be pinned closer than it is."""
    for cost, true in TRUE.items():
        if cost in UNIDENTIFIABLE:
            continue
        lo, hi = records[cost]["interval_95"]
        assert lo <= true <= hi, (cost, lo, true, hi)


def test_costs_recovered_at_low_load() -> None:
    """Boots a minute apart (no queueing): every identifiable cost within 10%, held-out hop
    p50/p90 within 10% (:func:`_assert_held_out`)."""
    records, validation, best = _calibrate(gap=60.0)
    for cost, true in TRUE.items():
        if cost in UNIDENTIFIABLE:
            continue
        rec = records[cost]
        assert rec["status"] == "fitted", rec
        assert rec["value"] == pytest.approx(true, rel=0.10), (cost, rec["value"], true)
    _assert_covered(records)
    _assert_held_out(records, validation, best)
    # below the network allocation it runs beside, the spawn preparation moves no hop: held
    # at its default and said so, not "fitted" with a made-up interval
    spawn = records["compute_spawn_prepare"]
    assert spawn["status"] == "default" and spawn["reason"] == NOT_MOVED, spawn


@pytest.fixture(scope="module")
def high_load() -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """One calibration at high load for both checks below (it is the expensive part)."""
    return _calibrate(HIGH_GAP, HIGH_BOOTS, replications=4)


@pytest.mark.slow
def test_costs_recovered_at_high_load(
    high_load: tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]],
) -> None:
    """2,400 boots 1.2 s apart on 3 hosts: the conductor and the agent queue.  Every
    identifiable cost within 10%."""
    records, _, _ = high_load
    for cost, true in TRUE.items():
        if cost not in UNIDENTIFIABLE:
            assert records[cost]["value"] == pytest.approx(true, rel=0.10), cost
    _assert_covered(records)


@pytest.mark.slow
def test_held_out_at_high_load(
    high_load: tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]],
) -> None:
    """Held-out hops as at low load (:func:`_assert_held_out`): the calibrated twin predicts the
    960 held-out boots' hop p50 and p90 within 10%, under queueing."""
    _assert_held_out(*high_load)


def test_queueing_is_not_service_at_high_load() -> None:
    """At high load the naive estimates "median hop latency" are far off the costs: the agent
    hop is mostly spawn preparation, polling and queueing, not wiring; the conductor's part
    mostly waiting for a worker."""
    traced = boot_samples(run_scenario(_truth(HIGH_GAP, HIGH_BOOTS)).boots)
    naive = float(np.median(traced["agent"]))
    assert naive > 5 * TRUE["agent_port_wiring"], naive
    assert float(np.median(traced["placed"])) > 1.5 * TRUE["conductor_schedule"]
