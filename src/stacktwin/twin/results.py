"""What a twin run measured: boots, per-component utilisation and queues, load, time series."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import add, attrgetter
from typing import Any

from stacktwin.boots import Boot, Summary, summarize
from stacktwin.twin.cloud import Cloud
from stacktwin.twin.db import QueuePool
from stacktwin.twin.kernel import ProcessGenerator, Resource, Timeout
from stacktwin.twin.scenario import Scenario


@dataclass
class TwinResult:
    """The outcome of one run."""

    scenario: Scenario
    boots: list[Boot]
    components: dict[str, dict[str, Any]]
    load: dict[str, int]
    timeseries: dict[str, list[float]]
    events: int
    wall_seconds: float
    notes: list[str] = field(default_factory=list)  # warnings about the scenario's choices
    _summary: Summary | None = field(default=None, repr=False)

    @property
    def summary(self) -> Summary:
        """The boots' summary (see :func:`stacktwin.boots.summarize`)."""
        if self._summary is None:
            self._summary = summarize(self.boots)
        return self._summary

    def to_dict(self, with_boots: bool = True, with_timeseries: bool = True) -> dict[str, Any]:
        """A JSON-ready record of the run (``kind: simulate``)."""
        out: dict[str, Any] = {
            "kind": "simulate",
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "release": self.scenario.release,
            "summary": self.summary,
            "components": self.components,
            "load": self.load,
            "engine": {"events": self.events, "wall_seconds": round(self.wall_seconds, 3)},
            "notes": self.notes,
            "settings": self.scenario.model_dump(mode="json"),
        }
        if with_timeseries:
            out["timeseries"] = self.timeseries
        if with_boots:
            out["boots"] = [b.to_dict() for b in self.boots]
        return out


def group_stats(resources: Iterable[Resource]) -> dict[str, Any]:
    """Utilisation (mean over the group), queue peak and totals of a group of resources."""
    stats = [r.stats() for r in resources]
    if not stats:
        return {"count": 0}
    n = len(stats)
    return {
        "count": n,
        "capacity": sum(int(s["capacity"]) for s in stats),
        "utilisation": sum(float(s["utilisation"]) for s in stats) / n,
        "max_utilisation": max(float(s["utilisation"]) for s in stats),
        "mean_queue": sum(float(s["mean_queue"]) for s in stats),
        "peak_queue": max(int(s["peak_queue"]) for s in stats),
        "max_wait": max(float(s["max_wait"]) for s in stats),
        "timeouts": sum(int(s["timeouts"]) for s in stats),
        "granted": sum(int(s["granted"]) for s in stats),
    }


def pool_stats(pools: list[QueuePool]) -> dict[str, Any]:
    """A group of QueuePools: checkouts, waits, connections opened and closed, what is open.

    ``utilisation`` is the time-mean of the connections checked out over the group's limit
    (``pool_size + max_overflow`` each), as a resource's; capacity and utilisation are 0 when
    a pool is unbounded.
    """
    if not pools:
        return {"count": 0}
    limits = [p.size + p.max_overflow for p in pools if p.max_overflow >= 0]
    mean_out = sum(p.mean_checked_out() for p in pools)
    limit = sum(limits) if len(limits) == len(pools) else 0
    return {
        "count": len(pools),
        "capacity": limit,
        "utilisation": mean_out / limit if limit else 0.0,
        "mean_checked_out": mean_out,
        "peak_queue": max(p.peak_waiting for p in pools),
        "max_wait": max(p.max_wait for p in pools),
        "timeouts": sum(p.timeouts for p in pools),
        "granted": sum(p.checkouts for p in pools) - sum(p.timeouts for p in pools),
        "connections_opened": sum(p.created for p in pools),
        "closed_on_checkin": sum(p.closes for p in pools),
        "idle_open": sum(p.open_idle() for p in pools),
        "checked_out": sum(p.checked_out for p in pools),
    }


def database_stats(cloud: Cloud) -> dict[str, Any]:
    """The database server: utilisation, mean jobs, connects, closes, 1040s, retries."""
    out = cloud.db.server.stats()
    load = cloud.ctx.counters
    out["tls"] = cloud.scenario.cloud.db_tls
    out["recycled"] = load["db.recycled"]
    for kind in ("db_pool_timeouts", "db_1040", "db_deadlocks", "db_retry_limit"):
        out[kind] = {"neutron": load[f"neutron.{kind}"], "nova": load[f"nova.{kind}"]}
    return out


def collect_components(cloud: Cloud) -> dict[str, dict[str, Any]]:
    """Per-component utilisation and queue peaks at the end of a run."""
    n = cloud.neutron
    out: dict[str, dict[str, Any]] = {
        "nova_api": group_stats([cloud.nova_api.workers]),
        "conductor": group_stats([cloud.conductor.workers]),
        "neutron_api": group_stats(p.hub for p in n.api),
        "neutron_rpc": group_stats(p.hub for p in n.rpc),
        "neutron_rpc_executor": group_stats(p.rpc.executor for p in n.rpc if p.rpc),
        "neutron_reports": group_stats(p.hub for p in n.reports),
        "neutron_cores": group_stats(n.node_cores),
        "neutron_db_pools": pool_stats([p.db for p in (*n.api, *n.rpc, *n.reports)]),
        "nova_db_pools": pool_stats([*cloud.conductor.pools, *cloud.nova_api.pools]),
        "dhcp_agents": group_stats(d.workers for d in cloud.dhcp_agents),
    }
    out["database"] = database_stats(cloud)
    out["neutron_workers"] = {
        "api_workers": n.api_workers,
        "rpc_workers": n.rpc_workers,
        "rpc_state_report_workers": n.report_workers,
        "servers": cloud.scenario.cloud.neutron_servers,
    }
    agents = cloud.agents
    out["ovs_agents"] = {
        "count": len(agents),
        "iterations": sum(a.iterations for a in agents),
        "longest_iteration": max((a.longest_iteration for a in agents), default=0.0),
        "resyncs": sum(a.resyncs for a in agents),
    }
    out["compute"] = {
        "hosts": len(cloud.computes),
        "heal_interval": cloud.heal_interval,
        "heal_calls_per_refresh": cloud.heal_calls,
        "build_semaphore": group_stats(c.build_sem for c in cloud.computes if c.build_sem),
    }
    out["rabbit"] = broker_stats(cloud)
    out["keystone"] = keystone_stats(cloud)
    out["notifiers"] = {"posts": sum(p.notifier.batches for p in (*n.api, *n.rpc, *n.reports))}
    return out


def broker_stats(cloud: Cloud) -> dict[str, Any]:
    """The RabbitMQ node: per queue messages, utilisation of its core, mean and peak depth and
    mean time in the broker; the cores; the senders' connection pools."""
    n = cloud.neutron
    broker = n.broker
    elapsed = cloud.env.now
    queues: dict[str, Any] = {}
    busy = 0.0
    for name, q in broker.queues.items():
        busy += q.busy
        queues[name] = {
            "messages": q.messages,
            "utilisation": q.busy / elapsed if elapsed > 0 else 0.0,
            "mean_queue": q.sojourn / elapsed if elapsed > 0 else 0.0,  # Little: L = sum W / T
            "peak_queue": q.peak,
            "mean_seconds": q.sojourn / q.messages if q.messages else 0.0,
        }
    pools = [p.rpc.conn_pool for p in (*n.rpc, *n.reports) if p.rpc and p.rpc.conn_pool]
    held = sum(p.sends * p.hold for p in pools)
    return {
        "cores": broker.cores,
        "cores_utilisation": busy / (elapsed * broker.cores) if elapsed > 0 else 0.0,
        "queues": queues,
        "conn_pools": {
            "count": len(pools),
            "size": max((p.size for p in pools), default=0),
            "utilisation": held / (elapsed * sum(p.size for p in pools)) if pools else 0.0,
            "sends": sum(p.sends for p in pools),
            "limit_exceeded": sum(p.waits for p in pools),
            "max_wait": max((p.max_wait for p in pools), default=0.0),
        },
    }


def keystone_stats(cloud: Cloud) -> dict[str, Any]:
    """keystone's servers, its validations and issues, and neutron's token caches."""
    n = cloud.neutron
    ks = n.keystone
    elapsed = cloud.env.now
    hits = sum(c.hits for c in n.token_caches)
    misses = sum(c.misses for c in n.token_caches)
    out = group_stats([ks.workers])
    out.update(
        {
            "validations": ks.validations,
            "validations_per_s": ks.validations / elapsed if elapsed > 0 else 0.0,
            "token_issues": ks.issues,
            "validation_timeouts": ks.timeouts,
            "cache": "memcached"
            if len(n.token_caches) == 1 and n.token_caches[0].shared
            else "per-worker",
            "cache_hit_ratio": hits / (hits + misses) if hits + misses else 0.0,
            "cached_tokens": sum(len(c.entries) for c in n.token_caches),
        }
    )
    return out


class Sampler:
    """Samples queue lengths and busy counts every ``sample_interval`` simulated seconds."""

    KEYS = (
        "t",
        "nova_api_busy",
        "nova_api_queue",
        "neutron_api_busy",
        "neutron_api_queue",
        "neutron_rpc_busy",
        "neutron_rpc_queue",
        "neutron_reports_queue",
        "db_in_use",
        "db_waiting",
        "db_busy_cores",
        "db_connections",
        "agents_busy",
        "agent_backlog_max",
        "boots_waiting_vif",
        "keystone_busy",
        "keystone_queue",
        "broker_queue",
    )

    def __init__(self, cloud: Cloud) -> None:
        self.twin = cloud
        self.series: dict[str, list[float]] = {k: [] for k in self.KEYS}
        cloud.env.process(self._loop())

    def _loop(self) -> ProcessGenerator:
        interval = self.twin.scenario.sample_interval
        while True:
            self.sample()
            yield Timeout(interval)

    def sample(self) -> None:
        """Record one sample now."""
        cloud = self.twin
        n = cloud.neutron
        s = self.series
        s["t"].append(cloud.env.now)
        s["nova_api_busy"].append(cloud.nova_api.workers.users)
        s["nova_api_queue"].append(cloud.nova_api.workers.waiting)
        s["neutron_api_busy"].append(sum(p.hub.users for p in n.api))
        s["neutron_api_queue"].append(sum(p.hub.waiting + len(p.db.waiters) for p in n.api))
        rpc = [p for p in n.rpc if p.rpc]
        s["neutron_rpc_busy"].append(sum(p.rpc.executor.users for p in rpc if p.rpc))
        s["neutron_rpc_queue"].append(
            sum(p.rpc.executor.waiting + p.hub.waiting + len(p.db.waiters) for p in rpc if p.rpc)
        )
        s["neutron_reports_queue"].append(
            sum(p.rpc.executor.waiting + p.hub.waiting for p in n.reports if p.rpc)
        )
        procs = (*n.api, *n.rpc, *n.reports)
        s["db_in_use"].append(sum(p.db.checked_out for p in procs))
        s["db_waiting"].append(sum(len(p.db.waiters) for p in procs))
        server = cloud.db.server
        s["db_busy_cores"].append(server.busy_cores())
        s["db_connections"].append(server.connections)
        # one value per host, thousands of hosts: iterate with map (C), not a Python loop
        agents = cloud.agents
        backlogs = map(
            add,
            map(add, map(len, map(_ADDED, agents)), map(len, map(_UPDATED, agents))),
            map(len, map(_REMOVED, agents)),
        )
        s["agents_busy"].append(sum(map(_BUSY, agents)))
        s["agent_backlog_max"].append(max(backlogs, default=0))
        s["boots_waiting_vif"].append(sum(map(len, map(_WAITERS, cloud.computes))))
        keystone = n.keystone.workers
        s["keystone_busy"].append(keystone.users)
        s["keystone_queue"].append(keystone.waiting)
        now = cloud.env.now
        s["broker_queue"].append(sum(q.depth(now) for q in n.broker.queues.values()))


_ADDED, _UPDATED, _REMOVED, _BUSY = map(attrgetter, ("added", "updated", "removed", "busy"))
_WAITERS = attrgetter("waiters")
