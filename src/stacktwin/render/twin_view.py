"""Terminal rendering of a twin run (batches: :mod:`stacktwin.render.batch_view`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stacktwin.boots import LATENCY_DECIMALS, LATENCY_ORDER
from stacktwin.render.fit import FitTable
from stacktwin.twin.batch.figures import COMPONENTS
from stacktwin.twin.results import TwinResult

_LATENCY_ROWS = LATENCY_ORDER

_COMPONENTS = tuple(  # the components and their words: one list, the batch figures'
    (key, f"{label} (connections)" if key == "neutron_db_pools" else label)
    for key, label in COMPONENTS
)


def _s(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def latency_table(summary: Mapping[str, Any], title: str = "Latency (seconds)") -> Table:
    """One row per hop/span: count, p50, p95, p99, max."""
    table = FitTable(title=title, title_justify="left")
    table.add_column("hop")
    for col in ("count", "p50", "p95", "p99", "max"):
        table.add_column(col, justify="right")
    for name in _LATENCY_ROWS:
        d = summary["latency"].get(name)
        if not d:
            continue
        table.add_row(
            name, str(d["count"]),
            _s(d["p50"], LATENCY_DECIMALS), _s(d["p95"], LATENCY_DECIMALS),
            _s(d["p99"], LATENCY_DECIMALS), _s(d["max"], LATENCY_DECIMALS),
        )  # fmt: skip
    return table


def render_simulation(console: Console, result: TwinResult) -> None:
    """Everything a person reads after ``stacktwin simulate``."""
    sc = result.scenario
    s = result.summary
    console.print(
        f"[bold]{escape(sc.name)}[/bold]  release {escape(sc.release)}, {sc.cloud.hosts} hosts, "
        f"{sc.cloud.instances} VMs, seed {sc.seed}; {sc.end_time():.0f} s simulated in "
        f"{result.wall_seconds:.1f} s ({result.events:,} events)"
    )
    oc = s["outcomes"]
    boots = FitTable(title="Boots", title_justify="left")
    for col in ("requested", "active", "error", "unknown", "vif-plugging timeouts"):
        boots.add_column(col, justify="right")
    boots.add_row(
        str(s["boots"]), str(oc["active"]), str(oc["error"]), str(oc["unknown"]), str(s["timeouts"])
    )
    console.print(boots)
    if s["reasons"] or s["stopped_at"]:
        why = FitTable(title="Failed boots", title_justify="left")
        why.add_column("error reason / where the chain stopped")
        why.add_column("boots", justify="right")
        for reason, n in s["reasons"].items():
            why.add_row(f"reason: {reason}", str(n))
        for stop, n in s["stopped_at"].items():
            why.add_row(f"stopped at: {stop}", str(n))
        console.print(why)
    console.print(latency_table(s))
    comp = FitTable(title="Components", title_justify="left")
    comp.add_column("component")
    for col in ("capacity", "utilisation", "peak queue", "max wait s", "timeouts"):
        comp.add_column(col, justify="right")
    for key, label in _COMPONENTS:
        c = result.components.get(key, {})
        if not c.get("count"):
            continue
        comp.add_row(
            label, str(c["capacity"]), f"{c['utilisation']:.1%}", str(c["peak_queue"]),
            _s(c["max_wait"]), str(c["timeouts"]),
        )  # fmt: skip
    console.print(comp)
    agents = result.components["ovs_agents"]
    w = result.components["neutron_workers"]
    console.print(
        f"neutron: {w['servers']} servers x (api_workers {w['api_workers']}, rpc_workers "
        f"{w['rpc_workers']}, rpc_state_report_workers {w['rpc_state_report_workers']}); "
        f"OVS agents: longest iteration {agents['longest_iteration']:.1f} s, "
        f"{agents['resyncs']} resyncs"
    )
    db = result.components.get("database")
    if db:
        console.print(
            f"database: {db['cores']} cores, utilisation {db['utilisation']:.1%}, mean "
            f"{db['mean_jobs']:.2f} transactions in service; {db['connects_per_s']:.1f} "
            f"connects/s ({db['closes']} closed), peak {db['peak_connections']} of "
            f"{db['max_connections']} connections; 1040 {sum(db['db_1040'].values())}, pool "
            f"timeouts {sum(db['db_pool_timeouts'].values())}, deadlock retries "
            f"{sum(db['db_deadlocks'].values())}"
        )
    load = result.load
    seconds = sc.end_time()
    heal = load.get("neutron.api.heal", 0)
    console.print(
        f"load: heal {load.get('nova.heal_refreshes', 0) / seconds:.2f} refresh/s = "
        f"{heal / seconds:.1f} Neutron GET/s; state reports "
        f"{load.get('neutron.rpc.report_state', 0) / seconds:.1f}/s; "
        f"update_device_list {load.get('neutron.rpc.update_device_list', 0) / seconds:.2f}/s; "
        f"DB pool timeouts {load.get('neutron.db_pool_timeouts', 0)}; "
        f"agent RPC timeouts {load.get('agent.rpc_timeouts', 0)}"
    )
