"""The audit's capacity rules: what all the processes together ask of shared services (the
database's ``max_connections``, RabbitMQ heartbeats, the conductor) and the timeouts and
periodic tasks that bound them.

Process counts are derived as for the load figures: neutron servers × (API + RPC + report
workers); nova API and conductor nodes × their workers (``osapi_compute_workers`` and
``[conductor] workers``, each defaulting to the node's CPUs). Each nova process has two pools,
the cell database's (``[database]``) and the API database's (``[api_database]``); each neutron
process one. At peak every pool may hold ``max_pool_size + max_overflow`` connections
(SQLAlchemy ``QueuePool``; ``docs/domain/control-plane-capacity.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from stacktwin.config.finding import Finding
from stacktwin.config.finding import label as label_of
from stacktwin.config.load import Scale, neutron_processes, number, resolve
from stacktwin.config.releases import FLAMINGO
from stacktwin.config.settings import LoadedConfig

AGENTS_PER_HANDLER = 1.0
"""OVS agents per RPC handler thread of one neutron RPC worker process: above one, a resync of
every agent of that worker (after an RPC timeout, a server restart) queues calls inside the
process behind ``executor_thread_pool_size`` (oslo.messaging acks on receipt: the backlog is in
the process, not the broker; capacity dossier §3)."""

OSLO_RPC_TIMEOUT = 60
"""oslo.messaging's ``rpc_response_timeout`` default (``rpc/client.py``)."""

SYNC_POWER_STATE_DEFAULT = 600
"""nova's ``sync_power_state_interval`` default (``nova/conf/compute.py``)."""

BUILD_SECONDS = 60
"""Assumption: seconds one build holds the host's build semaphore (image, spawn, the vif wait);
a judgement for the storm arithmetic, to be replaced by the traced build time of the cloud."""

HOSTS_PER_CONDUCTOR_WORKER = 50
"""Assumption (no published figure found): compute hosts per nova-conductor worker process
beyond which the hosts' periodic tasks (heal's instance lookups and cache saves, power-state
syncs, resource updates) compete with builds for the conductor."""


@dataclass(frozen=True)
class DbPeak:
    """Connections all pools may open at once, by service; None: unbounded (max_overflow -1)."""

    nova: int | None
    neutron: int | None
    basis: str

    @property
    def total(self) -> int | None:
        """Nova + neutron; None when either is unbounded."""
        if self.nova is None or self.neutron is None:
            return None
        return self.nova + self.neutron


def _per_pool(loaded: LoadedConfig, scale: Scale, project: str, section: str) -> int | None:
    pool = int(number(resolve(loaded, scale, project, section, "max_pool_size")))
    overflow = int(number(resolve(loaded, scale, project, section, "max_overflow")))
    if overflow < 0 or pool == 0:  # -1: no overflow limit; 0: no pool limit
        return None
    return pool + overflow


def nova_db_processes(loaded: LoadedConfig, scale: Scale) -> int:
    """nova-api workers + nova-conductor workers over all nova API/conductor nodes."""
    api = resolve(loaded, scale, "nova", "DEFAULT", "osapi_compute_workers")
    api_workers = int(number(api)) if scale.release < FLAMINGO else scale.nova_api_cores
    conductor = int(number(resolve(loaded, scale, "nova", "conductor", "workers")))
    return scale.nova_api_nodes * (api_workers + conductor)


def db_peak(loaded: LoadedConfig, scale: Scale) -> DbPeak:
    """The connections all nova and neutron pools may hold at peak."""
    nova_procs = nova_db_processes(loaded, scale)
    cell = _per_pool(loaded, scale, "nova", "database")
    api_db = _per_pool(loaded, scale, "nova", "api_database")
    nova = None if cell is None or api_db is None else nova_procs * (cell + api_db)
    procs = neutron_processes(loaded, scale)
    neutron_procs = scale.neutron_servers * (procs["api"] + procs["rpc"] + procs["reports"])
    per = _per_pool(loaded, scale, "neutron", "database")
    neutron = None if per is None else neutron_procs * per
    basis = (
        f"nova {nova_procs} processes × ([database] {cell} + [api_database] {api_db}); "
        f"neutron {neutron_procs} processes × {per} (max_pool_size + max_overflow each)"
    )
    return DbPeak(nova, neutron, basis)


def db_connections(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """The database must accept every connection the pools may open at peak."""
    peak = db_peak(loaded, scale)
    limit = scale.db_max_connections
    total = peak.total
    if total is not None and total <= limit:
        return []
    what = "no bound (max_overflow = -1 or max_pool_size = 0)" if total is None else f"{total:,}"
    return [
        Finding(
            severity="warning",
            option="database max_connections",
            message=f"all DB pools may open {what} connections at peak; the database accepts "
            f"{limit:,} ({scale.db_max_connections_source})",
            evidence=[peak.basis, f"max_connections {limit}: {scale.db_max_connections_source}"],
            set_to=f"[mysqld] max_connections ≥ {total + total // 10:,}"
            if total is not None
            else "a max_overflow ≥ 0, then max_connections above the peak",
            why="beyond max_connections the server refuses new connections (MySQL error 1040 "
            "'Too many connections'): oslo.db does not retry it, the API call fails with a 500 "
            "and a boot whose port call fails is rescheduled or ends in ERROR (capacity "
            "dossier §1, §5)",
        )
    ]


def overflow_unbounded(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """``max_overflow = -1``: a pool without a bound."""
    out: list[Finding] = []
    for project, section in (
        ("nova", "database"),
        ("nova", "api_database"),
        ("neutron", "database"),
    ):
        v = resolve(loaded, scale, project, section, "max_overflow")
        if v.explicit and number(v) < 0:
            out.append(
                Finding(
                    severity="warning",
                    option=label_of(project, section, "max_overflow"),
                    message=f"max_overflow = {v.value}: each {project} process may open any "
                    "number of connections",
                    evidence=[v.evidence],
                    set_to="50 (the oslo.db default) or a bound that fits max_connections",
                    why="SQLAlchemy's QueuePool with max_overflow -1 never waits and never "
                    "refuses: under a storm the database's max_connections is the only limit, "
                    "and hitting it fails requests of every service at once",
                )
            )
    return out


def rpc_timeouts(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """``rpc_response_timeout`` below oslo.messaging's 60 s, for the calls it bounds."""
    out: list[Finding] = []
    calls = {
        "neutron": "the agents' update_device_list and report_state calls (a timed-out "
        "update_device_list makes the agent resync every port; capacity dossier §3)",
        "nova": "nova's RPC calls (select_destinations is bounded by long_rpc_timeout from "
        "Rocky; the others, e.g. conductor ↔ compute, by this)",
    }
    for project, bounds in calls.items():
        v = resolve(loaded, scale, project, "DEFAULT", "rpc_response_timeout")
        if v.explicit and 0 < number(v) < OSLO_RPC_TIMEOUT:
            out.append(
                Finding(
                    severity="warning",
                    option=label_of(project, "DEFAULT", "rpc_response_timeout"),
                    message=f"rpc_response_timeout = {v.value} s, below oslo.messaging's "
                    f"{OSLO_RPC_TIMEOUT} s",
                    evidence=[v.evidence],
                    set_to=f"{OSLO_RPC_TIMEOUT} (the default) or more",
                    why=f"it bounds {bounds}: under a boot storm the server-side queue alone can "
                    "exceed it, and a call that timed out still runs on the server",
                )
            )
    return out


def executor(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """More agents per neutron RPC worker process than it has RPC handler threads."""
    procs = neutron_processes(loaded, scale)
    workers = scale.neutron_servers * procs["rpc"]
    threads = resolve(loaded, scale, "neutron", "DEFAULT", "executor_thread_pool_size")
    handlers = int(number(threads))
    if not workers or not handlers:
        return []
    per_worker = scale.hosts / workers
    if per_worker <= AGENTS_PER_HANDLER * handlers:
        return []
    return [
        Finding(
            severity="info",
            option=label_of("neutron", "DEFAULT", "executor_thread_pool_size"),
            message=f"{per_worker:.0f} agents per RPC worker process for {handlers} RPC handler "
            "threads: when they all call at once (a resync after a restart or a timeout) the "
            "calls queue inside the process",
            evidence=[threads.evidence],
            set_to=f"more rpc_workers (≈ {scale.hosts // (handlers * scale.neutron_servers) + 1} "
            "per server) rather than more threads: the threads share one CPU per process",
            why="oslo.messaging acknowledges each message on receipt and hands it to one of "
            "executor_thread_pool_size green threads; a backlog waits in the process, where no "
            "other worker can take it",
        )
    ]


def rabbit_heartbeat(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """``heartbeat_timeout_threshold = 0`` turns AMQP heartbeats off."""
    out: list[Finding] = []
    for project in ("nova", "neutron"):
        v = resolve(loaded, scale, project, "oslo_messaging_rabbit", "heartbeat_timeout_threshold")
        if v.explicit and number(v) == 0:
            out.append(
                Finding(
                    severity="warning",
                    option=label_of(
                        project, "oslo_messaging_rabbit", "heartbeat_timeout_threshold"
                    ),
                    message=f"heartbeat_timeout_threshold = 0: {project}'s RabbitMQ connections "
                    "send no heartbeats",
                    evidence=[v.evidence],
                    set_to="60 (the default)",
                    why="a connection the broker, a firewall or a load balancer dropped is then "
                    "noticed only when a call times out: casts (build_and_run_instance, "
                    "external events) are lost silently in between",
                )
            )
    return out


def nova_compute(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    """The build semaphore against the storm, the conductor against the hosts, the power-state
    periodic, and the Neutron HTTP timeout."""
    out: list[Finding] = []
    builds = resolve(loaded, scale, "nova", "DEFAULT", "max_concurrent_builds")
    per_host = scale.boots_per_second / scale.hosts * BUILD_SECONDS
    if number(builds) == 0:
        out.append(
            Finding(
                severity="info",
                option=label_of("nova", "DEFAULT", "max_concurrent_builds"),
                message="max_concurrent_builds = 0: no limit on builds per host",
                evidence=[builds.evidence],
                set_to="10 (the default)",
                why="a storm that lands on few hosts then starts every build at once there: "
                "image copies and guests compete for the host, and every vif wait starts late",
            )
        )
    elif per_host > number(builds):
        out.append(
            Finding(
                severity="warning",
                option=label_of("nova", "DEFAULT", "max_concurrent_builds"),
                message=f"the storm puts ≈ {per_host:.1f} builds at once on each host (of "
                f"{BUILD_SECONDS} s each) over max_concurrent_builds {builds.value}",
                evidence=[builds.evidence],
                set_to=f"≥ {int(per_host) + 1}, or spread the storm over more hosts",
                why="builds beyond the semaphore queue in nova-compute holding their instance "
                "lock; their boot time grows by the queue",
            )
        )
    v = resolve(loaded, scale, "nova", "conductor", "workers")
    conductor = int(number(v))
    total = conductor * scale.nova_api_nodes
    if total and scale.hosts / total > HOSTS_PER_CONDUCTOR_WORKER:
        out.append(
            Finding(
                severity="info",
                option=label_of("nova", "conductor", "workers"),
                message=f"{scale.hosts / total:.0f} compute hosts per conductor worker "
                f"({conductor} × {scale.nova_api_nodes} nodes)",
                evidence=[v.evidence],
                set_to=f"≥ {scale.hosts // (HOSTS_PER_CONDUCTOR_WORKER * scale.nova_api_nodes) + 1}"
                " per node (assumption: 50 hosts per worker)",
                why="every host's periodic tasks go through the conductor (heal's instance "
                "lookups and cache saves, power-state syncs) on the same workers that schedule "
                "and build",
            )
        )
    sync = resolve(loaded, scale, "nova", "DEFAULT", "sync_power_state_interval")
    if 0 < number(sync) < SYNC_POWER_STATE_DEFAULT:
        out.append(
            Finding(
                severity="info",
                option=label_of("nova", "DEFAULT", "sync_power_state_interval"),
                message=f"sync_power_state_interval = {sync.value} s: "
                f"{scale.hosts / number(sync):.1f} power-state syncs/s cloud-wide, each listing "
                "a host's instances through the conductor",
                evidence=[sync.evidence],
                set_to=f"{SYNC_POWER_STATE_DEFAULT} (the default)",
                why="the sync runs on nova-compute's periodic thread (the one heal runs on) and "
                "loads the conductor and the database in proportion to the hosts",
            )
        )
    timeout = resolve(loaded, scale, "nova", "neutron", "timeout")
    if timeout.value is None:
        out.append(
            Finding(
                severity="info",
                option=label_of("nova", "neutron", "timeout"),
                message="no HTTP timeout on nova's Neutron calls",
                evidence=[timeout.evidence],
                set_to="30 (or the neutron API's own worst case)",
                why="keystoneauth waits forever by default: a Neutron request that hangs holds "
                "the nova-compute thread that made it (a build, an event, the heal periodic)",
            )
        )
    return out
