"""One fit's twin runs are made once per point and seed, and each seed's run is the run a fresh
replay on that seed makes (the search's pooled runs and the uncertainty's single runs share
them)."""

from __future__ import annotations

import numpy as np

from stacktwin.calibrate.evaluations import Evaluations
from stacktwin.calibrate.samples import hop_samples, pooled
from stacktwin.twin import Scenario, load_scenario
from stacktwin.twin.batch.executor import Executor, with_seed


def _base() -> Scenario:
    sc = load_scenario("all-in-one")
    sc.duration = 600.0
    return sc


def test_runs_are_made_once_and_in_seed_order() -> None:
    ev = Evaluations(_base(), ["agent_port_wiring"], Executor(jobs=1), replications=2)
    x, y = np.log([0.5]), np.log([0.9])
    pooled_x = ev.pooled([x])[0]
    assert ev.runs == 2
    singles = ev.single([x, y], 4)
    assert ev.runs == 2 + 2 + 4  # x's two more seeds, all four of y's
    assert ev.pooled([x, y]) and ev.runs == 8  # nothing run again
    assert pooled(singles[0][:2]) == pooled_x
    # the third run at x is the run of a fresh replay on seed + 2, at x's cost
    fresh = with_seed(ev.scenario_at(x), ev.base.seed + 2)
    assert singles[0][2] == hop_samples(fresh)
    assert fresh.model.costs.agent_port_wiring == 0.5
    assert singles[1][0] != singles[0][0]  # another cost, other latencies
