"""Knobs ``recommend`` may turn, what each costs, and how to write each as a config line.

Costs, stated (all in *core-equivalents*, so one number ranks settings):

- a neutron-server worker process (API, RPC or state-report): :data:`CORES_PER_WORKER` core and
  :data:`RAM_GIB_PER_WORKER` GiB of RAM.  neutron sizes its default worker count as
  ``min(CPUs, RAM / 2 GiB)`` (``neutron/service.py _get_worker_count``): one CPU and 2 GiB per
  worker is the project's own budget for a process.
- a DB connection held open: each neutron process keeps up to ``max_pool_size`` connections
  (oslo.db QueuePool); the database pays :data:`DB_RAM_MIB_PER_CONNECTION` MiB per connection
  (MySQL's per-thread buffers and stack, of the order of MiB) and must allow them all:
  processes × ``max_pool_size`` must stay within the database's ``max_connections``
  (:data:`DEFAULT_DB_MAX_CONNECTIONS`, ``--db-max-connections``), else the setting is refused.
- RAM counts :data:`GIB_PER_CORE` GiB to a core (the 1 vCPU : 4 GiB of general-purpose flavors).
- every changed line costs :data:`CHANGE_COST` (a restart, a review): with no hardware at stake
  (heal interval, timeouts, deferred flow deletion), fewer changes win.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stacktwin.config.dbsite import KOLLA_MAX_CONNECTIONS

CORES_PER_WORKER = 1.0
RAM_GIB_PER_WORKER = 2.0
DB_RAM_MIB_PER_CONNECTION = 2.0
GIB_PER_CORE = 4.0
CHANGE_COST = 0.01
#: kolla-ansible's MariaDB ``max_connections``; MySQL's own default fits no real cloud.
DEFAULT_DB_MAX_CONNECTIONS = KOLLA_MAX_CONNECTIONS


@dataclass(frozen=True)
class Knob:
    """One setting ``recommend`` searches over."""

    path: str
    words: str
    values: tuple[Any, ...]


#: The four changes of the production site, then worker and pool counts, then the timeouts.
DEFAULT_KNOBS: tuple[Knob, ...] = (
    Knob("nova.DEFAULT.heal_instance_info_cache_interval",
         "nova-compute network-cache heal interval (s)", (60, 120, 300, 600, 1200, 3600)),
    Knob("neutron.DEFAULT.rpc_workers", "neutron-server RPC worker processes per server",
         (1, 2, 4, 8, 12, 16, 20, 32)),
    Knob("neutron.database.max_pool_size", "DB connections each neutron process keeps open",
         (1, 5, 10, 20, 40, 60)),
    Knob("model.flow_deletion", "OVS agent flow deletion", ("blocking", "deferred")),
    Knob("neutron.DEFAULT.rpc_state_report_workers",
         "neutron-server state-report worker processes per server", (1, 2, 4)),
    Knob("neutron.database.max_overflow", "extra DB connections per process under load",
         (10, 50, 100)),
    Knob("neutron.DEFAULT.rpc_response_timeout", "OVS agent RPC call timeout (s)",
         (60, 120, 300)),
    Knob("neutron.DEFAULT.agent_down_time", "seconds before neutron deems an agent dead",
         (75, 150, 300)),
    Knob("nova.DEFAULT.vif_plugging_timeout", "nova-compute wait for network-vif-plugged (s)",
         (300, 600)),
)  # fmt: skip

_AGENT_SECTIONS = {"agent", "securitygroup", "ovs"}


def knob_words(path: str) -> str:
    """The operator's words for a path (the path itself when not a default knob)."""
    return next((k.words for k in DEFAULT_KNOBS if k.path == path), path)


def config_line(path: str, value: Any) -> str:
    """The line to paste: ``neutron.conf [DEFAULT] rpc_workers = 8``, or what to do instead."""
    parts = path.split(".")
    if path == "model.flow_deletion":
        if value == "deferred":
            return ("no option: run a neutron-openvswitch-agent with neutron e09b128f41 "
                    "(LP#1975674, deferred conjunction-flow deletion)")  # fmt: skip
        return "no option: blocking flow deletion (neutron before e09b128f41)"
    if parts[0] in ("nova", "neutron") and len(parts) == 3:
        project, section, option = parts
        if project == "neutron" and section in _AGENT_SECTIONS:
            conf = "openvswitch_agent.ini"
        else:
            conf = f"{project}.conf"
        text = "true" if value is True else "false" if value is False else value
        return f"{conf} [{section}] {option} = {text}"
    return f"scenario {path}: {value} (the cloud, not a configuration option)"


def _processes(record: Mapping[str, Any]) -> tuple[int, int]:
    w = record["components"]["neutron_workers"]
    per_server = int(w["api_workers"]) + int(w["rpc_workers"]) + int(w["rpc_state_report_workers"])
    return per_server * int(w["servers"]), per_server


def cost(
    record: Mapping[str, Any],
    base_record: Mapping[str, Any],
    changes: int,
    db_max_connections: int = DEFAULT_DB_MAX_CONNECTIONS,
) -> dict[str, Any]:
    """The cost of a setting against the base, from one run record of each (worker counts are
    the resolved ones the twin reports, so release and machine defaults are counted right)."""
    procs, _ = _processes(record)
    base_procs, _ = _processes(base_record)
    pool = int(record["settings"]["neutron"]["database"]["max_pool_size"])
    base_pool = int(base_record["settings"]["neutron"]["database"]["max_pool_size"])
    conns = procs * pool if pool > 0 else math.inf  # 0 = no limit
    base_conns = base_procs * base_pool if base_pool > 0 else math.inf
    extra_workers = procs - base_procs
    cores = extra_workers * CORES_PER_WORKER
    ram = extra_workers * RAM_GIB_PER_WORKER
    db_ram = 0.0 if math.isinf(conns) or math.isinf(base_conns) else (
        (conns - base_conns) * DB_RAM_MIB_PER_CONNECTION / 1024)  # fmt: skip
    total = cores + (ram + db_ram) / GIB_PER_CORE + changes * CHANGE_COST
    return {
        "extra_cores": cores,
        "extra_ram_gib": ram,
        "db_connections_open": None if math.isinf(conns) else conns,
        "extra_db_ram_gib": round(db_ram, 3),
        "changes": changes,
        "core_equivalents": round(total, 4),
        "fits_db": not math.isinf(conns) and conns <= db_max_connections,
    }
