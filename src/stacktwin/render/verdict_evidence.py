"""The evidence a run holds for the hop where chains stopped (for :mod:`stacktwin.render.verdict`).

Each item is one measured number and where it was read (``source``: a path into the run's
``summary`` / ``components`` / ``load`` / ``timeseries`` / ``settings`` or ``boots``), so the
report can show it and a test can check it against the JSON.  Only what the run measured is
listed: a traced run has no queues, a replicated one no boots.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stacktwin.render.runs import Run

#: Hosts and reasons named per cause.
TOP = 3


@dataclass(frozen=True)
class Evidence:
    """``label``: ``value`` ``unit`` (``note``), read from ``source``."""

    label: str
    value: float | None
    unit: str
    source: str
    note: str = ""


def _setting(run: Run, path: str) -> Any:
    node: Any = run.settings or {}
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _component(run: Run, key: str, label: str, note: str = "") -> list[Evidence]:
    c = (run.components or {}).get(key) or {}
    if not c.get("count"):
        return []
    return [
        Evidence(f"{label}: mean utilisation", float(c["utilisation"]), "%",
                 f"components.{key}.utilisation", note),
        Evidence(f"{label}: peak queue", float(c["peak_queue"]), "requests",
                 f"components.{key}.peak_queue"),
        Evidence(f"{label}: longest wait", float(c.get("max_wait") or 0.0), "s",
                 f"components.{key}.max_wait"),
    ]  # fmt: skip


def _count(run: Run, key: str, label: str, unit: str, note: str = "") -> list[Evidence]:
    value = (run.load or {}).get(key)
    if not value:
        return []
    return [Evidence(label, float(value), unit, f"load.{key}", note)]


def _agent(run: Run) -> list[Evidence]:
    out: list[Evidence] = []
    agents = (run.components or {}).get("ovs_agents") or {}
    if agents.get("count"):
        out.append(Evidence("OVS agents' longest loop iteration",
                            float(agents["longest_iteration"]), "s",
                            "components.ovs_agents.longest_iteration"))  # fmt: skip
    mode = _setting(run, "model.flow_deletion")
    note = {
        "blocking": "run inside the agent's loop: model.flow_deletion = blocking",
        "deferred": "deferred out of the agent's loop: model.flow_deletion = deferred",
    }.get(str(mode), "")
    out += _count(run, "agent.flow_deletions", "OVS flow deletions", "", note)
    backlog = (run.timeseries or {}).get("agent_backlog_max")
    if backlog:
        out.append(Evidence("largest OVS agent backlog", max(backlog), "ports",
                            "timeseries.agent_backlog_max"))  # fmt: skip
    out += _count(run, "agent.rpc_timeouts", "OVS agent RPC timeouts", "calls")
    workers = _setting(run, "neutron.DEFAULT.rpc_workers")
    out += _component(
        run,
        "neutron_rpc",
        "neutron RPC processes",
        f"neutron.conf [DEFAULT] rpc_workers = {workers}" if workers is not None else "",
    )
    return out


def _server(run: Run) -> list[Evidence]:
    pool = _setting(run, "neutron.database.max_pool_size")
    out = _component(run, "neutron_rpc", "neutron RPC processes")
    out += _component(
        run,
        "neutron_db_pools",
        "neutron DB pools",
        f"neutron.conf [database] max_pool_size = {pool}" if pool is not None else "",
    )
    out += _count(run, "neutron.db_pool_timeouts", "DB pool timeouts", "checkouts")
    return out


def _nova_api(run: Run) -> list[Evidence]:
    out = _component(run, "nova_api", "nova-api workers")
    return out + _count(run, "nova.api.external_event_posts", "external-event POSTs", "POSTs")


def _compute(run: Run) -> list[Evidence]:
    return _count(
        run, "nova.events_unexpected", "events that reached nova-compute after its wait ended",
        "events", "nova logs them as 'Received unexpected event'",
    )  # fmt: skip


_BY_STOP = {"agent": _agent, "server": _server, "nova_api": _nova_api, "compute": _compute}


def _boots(run: Run, stop: str) -> list[Evidence]:
    stopped = [b for b in run.boots if b.chain_stop() == stop]
    if not stopped:
        return []
    hosts = Counter(b.host or "?" for b in stopped)
    top = ", ".join(f"{h} ({n:,})" for h, n in hosts.most_common(TOP))
    where = f"boots[stopped_at={stop}]"
    out = [Evidence("hosts of these boots", float(len(hosts)), "hosts", f"{where}.host",
                    f"most: {top}")]  # fmt: skip
    reasons = Counter(b.reason or b.outcome.value for b in stopped)
    for reason, n in reasons.most_common(TOP):
        out.append(Evidence(f"reason {reason}", float(n), "boots", f"{where}.reason"))
    return out


def evidence_for(run: Run, stop: str) -> list[Evidence]:
    """What ``run`` measured about the hop where chains stopped at ``stop``."""
    return [*_BY_STOP.get(stop, lambda _r: [])(run), *_boots(run, stop)]
