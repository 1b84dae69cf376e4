"""The headline figures of a run, by name, read from its record (``run_summary``).

Names are what objectives, sweep columns and aggregates use: ``boots``, ``active``, ``error``
(``errors`` is accepted as the same), ``unknown``, ``timeouts`` (vif-plugging timeouts),
``error_rate``, ``vif_wait.p50`` / ``.p95`` / ``.p99``, ``boot.p50`` / ``.p95`` / ``.p99``,
``<component>.utilisation`` and ``<component>.peak_queue`` for each queueing component, and
``db_connections_opened``, ``agent_longest_iteration``, ``agent_rpc_timeouts``,
``db_pool_timeouts``, the database server's ``database.<figure>`` (:data:`DATABASE`;
pool timeouts and deadlocks of nova and neutron together), keystone's
``keystone.validations_per_s`` / ``.cache_hit_ratio``, the broker's ``broker.utilisation`` (its
cores) / ``.peak_queue`` (the deepest queue), and the counts ``agent_revived_resyncs``,
``agent_report_state_timeouts``, ``agent_flow_deletions`` (a remote group's conjunctions
removed from a host) and ``nova_reschedules``.  A figure a run could not measure (no boot
received its event, so no vif wait) is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Queueing components of a twin run, with the words the tables use.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("nova_api", "nova-api workers"),
    ("conductor", "nova-conductor"),
    ("neutron_api", "neutron API processes"),
    ("neutron_rpc", "neutron RPC processes"),
    ("neutron_rpc_executor", "neutron RPC executor threads"),
    ("neutron_reports", "neutron state-report processes"),
    ("neutron_cores", "neutron-server cores"),
    ("neutron_db_pools", "neutron DB pools"),
    ("dhcp_agents", "DHCP agent workers"),
    ("keystone", "keystone servers"),
)

#: Figures of the database server (``components.database``, twin/dbserver.py), by name.
DATABASE = ("utilisation", "mean_jobs", "connects_per_s", "closes", "peak_connections",
            "refused_1040", "pool_timeouts", "deadlocks")  # fmt: skip

_SPANS = ("vif_wait", "boot")
_PCTS = ("p50", "p95", "p99")

#: Every figure name, in table order.
FIGURES: tuple[str, ...] = (
    "boots", "active", "error", "unknown", "timeouts", "error_rate",
    *(f"{s}.{p}" for s in _SPANS for p in _PCTS),
    *(f"{c}.{m}" for c, _ in COMPONENTS for m in ("utilisation", "peak_queue")),
    "db_connections_opened", "agent_longest_iteration", "agent_rpc_timeouts", "db_pool_timeouts",
    *(f"database.{m}" for m in DATABASE),
    "keystone.validations_per_s", "keystone.cache_hit_ratio", "broker.utilisation",
    "broker.peak_queue", "agent_revived_resyncs", "agent_report_state_timeouts",
    "agent_flow_deletions", "nova_reschedules",
)  # fmt: skip

#: Other names accepted for a figure.
ALIASES = {"errors": "error", "failed": "error", "vif_plugging_timeouts": "timeouts"}


class FigureError(ValueError):
    """An unknown figure name; the message lists the known ones."""


def canonical(name: str) -> str:
    """The figure's name (aliases resolved); :class:`FigureError` if unknown."""
    name = ALIASES.get(name.strip(), name.strip())
    if name not in FIGURES:
        raise FigureError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    return name


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def headline(record: Mapping[str, Any]) -> dict[str, float | None]:
    """Every figure of one run record, by name (floats; ``None`` where not measured)."""
    s = record["summary"]
    comp = record.get("components") or {}
    load = record.get("load") or {}
    boots = int(s["boots"])
    out: dict[str, float | None] = {
        "boots": float(boots),
        "active": float(s["outcomes"]["active"]),
        "error": float(s["outcomes"]["error"]),
        "unknown": float(s["outcomes"]["unknown"]),
        "timeouts": float(s["timeouts"]),
        "error_rate": s["outcomes"]["error"] / boots if boots else None,
    }
    for span in _SPANS:
        lat = s["latency"].get(span) or {}
        for p in _PCTS:
            out[f"{span}.{p}"] = _num(lat.get(p))
    for key, _ in COMPONENTS:
        c = comp.get(key) or {}
        out[f"{key}.utilisation"] = _num(c.get("utilisation")) if c.get("count") else None
        out[f"{key}.peak_queue"] = _num(c.get("peak_queue")) if c.get("count") else None
    out["db_connections_opened"] = _num((comp.get("neutron_db_pools") or {}).get(
        "connections_opened"))  # fmt: skip
    out["agent_longest_iteration"] = _num((comp.get("ovs_agents") or {}).get("longest_iteration"))
    out["agent_rpc_timeouts"] = float(load.get("agent.rpc_timeouts", 0))
    out["db_pool_timeouts"] = float(load.get("neutron.db_pool_timeouts", 0))
    db = comp.get("database") or {}
    for m in DATABASE:
        key = {"pool_timeouts": "db_pool_timeouts", "deadlocks": "db_deadlocks"}.get(m, m)
        value = db.get(key)
        if isinstance(value, dict):  # per client: nova and neutron
            value = sum(value.values())
        out[f"database.{m}"] = _num(value)
    ks = comp.get("keystone") or {}
    out["keystone.validations_per_s"] = _num(ks.get("validations_per_s"))
    out["keystone.cache_hit_ratio"] = _num(ks.get("cache_hit_ratio"))
    broker = comp.get("rabbit") or {}
    queues = (broker.get("queues") or {}).values()
    out["broker.utilisation"] = _num(broker.get("cores_utilisation"))
    out["broker.peak_queue"] = float(max((int(q["peak_queue"]) for q in queues), default=0))
    out["agent_revived_resyncs"] = float(load.get("agent.revived_resyncs", 0))
    out["agent_report_state_timeouts"] = float(load.get("agent.report_state_timeouts", 0))
    out["agent_flow_deletions"] = float(load.get("agent.flow_deletions", 0))
    out["nova_reschedules"] = float(load.get("nova.reschedules", 0))
    return out
