"""Ablation: the same workload with each production change applied alone, then all together.

The four changes of the large production site (PRODUCT.md): nova
``heal_instance_info_cache_interval = 600``, neutron ``rpc_workers = 20``, neutron
``[database] max_pool_size = 60``, and deferred OVS flow deletion (neutron e09b128f41).
Each variant is a copy of the base scenario with one change; every variant runs on the same
seeds (common random numbers), so the change against ``base`` is a paired difference, seed by
seed, with its t-interval.  All runs go through one batch of the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stacktwin.twin.batch.executor import Executor, with_seed
from stacktwin.twin.batch.replications import seeds_for
from stacktwin.twin.batch.stats import aggregate, excludes_zero, paired_difference
from stacktwin.twin.scenario import Scenario


@dataclass(frozen=True)
class Change:
    """One configuration or code change, in the operator's words, and the figures of the
    resources it acts through (dossier §4: heal through the API workers' CPU, the database,
    keystone and the conductor; ``rpc_workers`` through the RPC queue and the agents' call
    timeouts; ``max_pool_size`` through connection churn and ``max_connections``; the deferred
    deletion through the agent loop)."""

    name: str
    label: str
    apply: Callable[[Scenario], None]
    acts_through: tuple[str, ...]


def _heal(sc: Scenario) -> None:
    sc.nova.DEFAULT.heal_instance_info_cache_interval = 600


def _rpc_workers(sc: Scenario) -> None:
    sc.neutron.DEFAULT.rpc_workers = 20


def _pool(sc: Scenario) -> None:
    sc.neutron.database.max_pool_size = 60


def _deferred(sc: Scenario) -> None:
    sc.model.flow_deletion = "deferred"


CHANGES: tuple[Change, ...] = (
    Change(
        "heal_600", "nova heal_instance_info_cache_interval = 600", _heal,
        ("neutron_api.utilisation", "database.utilisation", "keystone.validations_per_s",
         "conductor.utilisation"),
    ),
    Change(
        "rpc_workers_20", "neutron rpc_workers = 20", _rpc_workers,
        ("neutron_rpc.utilisation", "neutron_rpc_executor.peak_queue", "agent_rpc_timeouts",
         "agent_report_state_timeouts"),
    ),
    Change(
        "max_pool_size_60", "neutron [database] max_pool_size = 60", _pool,
        ("database.connects_per_s", "database.peak_connections", "database.refused_1040",
         "database.pool_timeouts"),
    ),
    Change(
        "deferred_flow_deletion", "OVS agent deferred flow deletion (e09b128f41)", _deferred,
        ("agent_longest_iteration", "agent_flow_deletions", "timeouts"),
    ),
)  # fmt: skip


def variants(base: Scenario) -> list[tuple[str, str, Scenario]]:
    """(name, label, scenario) for the base, each change alone, and all changes together."""
    out = [("base", f"{base.name} as is", base.model_copy(deep=True))]
    for change in CHANGES:
        sc = base.model_copy(deep=True)
        change.apply(sc)
        out.append((change.name, change.label, sc))
    every = base.model_copy(deep=True)
    for change in CHANGES:
        change.apply(every)
    out.append(("all", "all four changes", every))
    return out


#: Figures of the ablation table and JSON rows (names of :mod:`stacktwin.twin.batch.figures`).
ABLATION_FIGURES = (
    "error", "timeouts", "vif_wait.p50", "vif_wait.p99", "neutron_api.utilisation",
    "neutron_rpc.utilisation", "db_connections_opened", "agent_longest_iteration",
)  # fmt: skip

#: Every figure aggregated per variant: the table's, then each change's resources.
AGGREGATED = tuple(
    dict.fromkeys((*ABLATION_FIGURES, *(f for c in CHANGES for f in c.acts_through)))
)
_ACTS = {c.name: c.acts_through for c in CHANGES}


def ablation_batch(base: Scenario, seeds: list[int]) -> list[Scenario]:
    """The batch of runs: every variant on every seed (common random numbers), variant-major."""
    return [with_seed(sc, seed) for _, _, sc in variants(base) for seed in seeds]


def ablation_rows(
    base: Scenario, seeds: list[int], records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The table's rows from the batch's records (in :func:`ablation_batch` order)."""
    n = len(seeds)
    first = records[:n]
    return [
        ablation_row(name, label, records[i * n : (i + 1) * n], first)
        for i, (name, label, _) in enumerate(variants(base))
    ]


def ablate(base: Scenario, executor: Executor, replications: int = 1) -> list[dict[str, Any]]:
    """Run the whole ablation through ``executor`` and return its rows."""
    seeds = seeds_for(base, replications)
    return ablation_rows(base, seeds, executor.map(ablation_batch(base, seeds)))


def ablation_row(
    name: str, label: str, records: list[dict[str, Any]], base: list[dict[str, Any]]
) -> dict[str, Any]:
    """One variant: its figures (means), their intervals, and the paired change against base."""
    agg = aggregate(records)
    diff = paired_difference(base, records)
    mean = {f: agg[f]["mean"] for f in ABLATION_FIGURES}
    acts = _ACTS.get(name, AGGREGATED[len(ABLATION_FIGURES) :] if name == "all" else ())
    return {
        "variant": name,
        "change": label,
        "seeds": [r["seed"] for r in records],
        "boots": agg["boots"]["mean"],
        "error": mean["error"],
        "timeouts": mean["timeouts"],
        "vif_wait_p50": mean["vif_wait.p50"],
        "vif_wait_p99": mean["vif_wait.p99"],
        "neutron_api_utilisation": mean["neutron_api.utilisation"],
        "neutron_rpc_utilisation": mean["neutron_rpc.utilisation"],
        "db_connections_opened": mean["db_connections_opened"],
        "agent_longest_iteration": mean["agent_longest_iteration"],
        "acts_through": list(acts),
        "aggregate": {f: agg[f] for f in AGGREGATED},
        "vs_base": {f: {**diff[f], "excludes_zero": excludes_zero(diff[f])} for f in AGGREGATED},
    }
