"""Replications: the same scenario on seeds ``seed, seed+1, …``, and how many a run gets.

The default (:func:`default_replications`): a scenario that simulates fewer than
:data:`LARGE_RUN_BOOTS` boots runs once (it is cheap to re-run with ``--replications``, and its
output is the single-run output); a larger one runs :data:`LARGE_RUN_REPLICATIONS` times, because
at that scale seeds differ by hundreds of failed boots (large-site with deferred deletion and
``rpc_workers = 1``: 91 / 301 / 0 on seeds 1 / 2 / 3) and one seed would be noise.  With 5
replications the t-interval's half-width is 1.24 standard deviations of one run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stacktwin.twin import Scenario
from stacktwin.twin.batch.executor import Executor, OnDone, with_seed
from stacktwin.twin.batch.stats import aggregate

#: Boots simulated from which a run is "large" and gets several replications by default.
LARGE_RUN_BOOTS = 1000
#: Replications a large run gets by default.
LARGE_RUN_REPLICATIONS = 5

RULE = (
    f"default: 1 run below {LARGE_RUN_BOOTS:,} boots simulated, {LARGE_RUN_REPLICATIONS} "
    f"replications from {LARGE_RUN_BOOTS:,} boots (seeds seed, seed+1, …)"
)


def estimated_boots(sc: Scenario) -> float:
    """Boots the workload requests (expected value of its Poisson arrivals)."""
    w = sc.workload
    boots = w.boot_rate_per_minute * sc.duration / 60 + w.sequential_boots
    for storm in w.boot_storms:
        span = max(0.0, min(storm.duration, sc.duration - storm.start))
        boots += storm.rate_per_minute * span / 60
    return boots


def default_replications(sc: Scenario) -> int:
    """How many replications ``simulate`` runs when ``--replications`` is not given."""
    return LARGE_RUN_REPLICATIONS if estimated_boots(sc) >= LARGE_RUN_BOOTS else 1


def seeds_for(sc: Scenario, n: int) -> list[int]:
    """The seeds of ``n`` replications: the scenario's seed, then the next ones."""
    return [sc.seed + i for i in range(n)]


def replicate(
    sc: Scenario, n: int, executor: Executor, on_done: OnDone | None = None
) -> list[dict[str, Any]]:
    """The run record of each replication, in seed order."""
    return executor.map([with_seed(sc, s) for s in seeds_for(sc, n)], on_done)


def replications_output(sc: Scenario, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The ``--json`` document of a replicated run: each replication and the aggregate."""
    return {
        "kind": "replications",
        "scenario": sc.name,
        "seeds": [r["seed"] for r in records],
        "interval": "Student t-interval of the mean, 95%, across replications",
        "replications": list(records),
        "aggregate": aggregate(records),
    }
