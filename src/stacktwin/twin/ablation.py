"""Ablation: the same workload with each production change applied alone, then all together.

The four changes of the large production site (PRODUCT.md): nova
``heal_instance_info_cache_interval = 600``, neutron ``rpc_workers = 20``, neutron
``[database] max_pool_size = 60``, and deferred OVS flow deletion (neutron e09b128f41).
Each variant is a copy of the base scenario with one change; the runs are independent and use
the same seed, so the table shows what each change does on the same arrivals.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from stacktwin.twin.model import run_scenario
from stacktwin.twin.results import TwinResult
from stacktwin.twin.scenario import Scenario


@dataclass(frozen=True)
class Change:
    """One configuration or code change, in the operator's words."""

    name: str
    label: str
    apply: Callable[[Scenario], None]


def _heal(sc: Scenario) -> None:
    sc.nova.DEFAULT.heal_instance_info_cache_interval = 600


def _rpc_workers(sc: Scenario) -> None:
    sc.neutron.DEFAULT.rpc_workers = 20


def _pool(sc: Scenario) -> None:
    sc.neutron.database.max_pool_size = 60


def _deferred(sc: Scenario) -> None:
    sc.model.flow_deletion = "deferred"


CHANGES: tuple[Change, ...] = (
    Change("heal_600", "nova heal_instance_info_cache_interval = 600", _heal),
    Change("rpc_workers_20", "neutron rpc_workers = 20", _rpc_workers),
    Change("max_pool_size_60", "neutron [database] max_pool_size = 60", _pool),
    Change("deferred_flow_deletion", "OVS agent deferred flow deletion (e09b128f41)", _deferred),
)


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


def _run(sc: Scenario) -> TwinResult:
    return run_scenario(sc)


def ablate(
    base: Scenario,
    jobs: int = 1,
    on_done: Callable[[str], None] | None = None,
) -> list[tuple[str, str, TwinResult]]:
    """Run every variant (in ``jobs`` processes) and return their results in table order."""
    plan = variants(base)
    results: dict[str, TwinResult] = {}
    if jobs <= 1:
        for name, _, sc in plan:
            results[name] = _run(sc)
            if on_done:
                on_done(name)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {name: pool.submit(_run, sc) for name, _, sc in plan}
            for name, fut in futures.items():
                results[name] = fut.result()
                if on_done:
                    on_done(name)
    return [(name, label, results[name]) for name, label, _ in plan]


def ablation_row(name: str, label: str, result: TwinResult) -> dict[str, Any]:
    """The figures of one variant, as shown in the table and the JSON."""
    s = result.summary
    vif = s["latency"]["vif_wait"]
    comp = result.components
    return {
        "variant": name,
        "change": label,
        "boots": s["boots"],
        "active": s["outcomes"]["active"],
        "error": s["outcomes"]["error"],
        "timeouts": s["timeouts"],
        "vif_wait_p50": vif["p50"],
        "vif_wait_p95": vif["p95"],
        "vif_wait_p99": vif["p99"],
        "vif_wait_max": vif["max"],
        "neutron_api_utilisation": comp["neutron_api"]["utilisation"],
        "neutron_rpc_utilisation": comp["neutron_rpc"]["utilisation"],
        "neutron_rpc_peak_queue": comp["neutron_rpc"]["peak_queue"],
        "db_connections_opened": comp["neutron_db_pools"]["connections_opened"],
        "db_pool_timeouts": result.load.get("neutron.db_pool_timeouts", 0),
        "agent_longest_iteration": comp["ovs_agents"]["longest_iteration"],
        "agent_rpc_timeouts": result.load.get("agent.rpc_timeouts", 0),
    }
