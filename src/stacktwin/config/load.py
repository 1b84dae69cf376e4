"""The load a configuration implies at a stated scale: the figures behind every finding.

All figures are arithmetic on the values in force and the scale; no service time is assumed.
Where a count comes from the code it says where (dossier sections in brackets):

- heal periodic [§4.1, §4.3]: each compute host refreshes one instance per interval, so the cloud
  does ``hosts / interval`` refreshes per second, each costing the Neutron GETs of
  :mod:`stacktwin.config.calls` (8 on nova ≥ Stein, 7 on Rocky, 5 on Queens and older);
- a boot with one port costs the Neutron calls of :mod:`stacktwin.config.calls` (10 from Rocky,
  8 before) [§1.2], and the neutron RPC workers
  one ``update_device_list`` (OVS agent) + one ``dhcp_ready_on_ports`` (DHCP agent) [§2.1, §2.4];
- every agent sends one ``report_state`` RPC call per ``report_interval`` [§2.4], taken by the
  dedicated report workers, or by the RPC workers when there are none [§5.1];
- every neutron process (API, RPC and report worker) has its own oslo.db pool of
  ``max_pool_size`` persistent + ``max_overflow`` short-lived connections, and up to
  ``executor_thread_pool_size`` concurrent RPC handlers that may each want one [§5.1, §5.2].
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from stacktwin.config.calls import PORTS_PER_BOOT, neutron_calls
from stacktwin.config.catalogue import Derived, Value, option
from stacktwin.config.dbsite import MYSQL_MAX_CONNECTIONS
from stacktwin.config.releases import CURRENT, ROCKY, Release, release
from stacktwin.config.settings import LoadedConfig


class Scale(BaseModel):
    """The cloud the configuration runs: what the operator states on the command line."""

    hosts: int = Field(1000, ge=1, description="compute hosts (one OVS agent and one heal each)")
    instances: int | None = Field(None, ge=0, description="instances; default 20 per host")
    boots_per_minute: float | None = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        description="boot-storm rate; default one boot per 10 hosts per minute",
    )
    neutron_servers: int = Field(3, ge=1, description="neutron-server (controller) nodes")
    neutron_server_cores: int = Field(
        16, ge=1, description="CPUs per neutron server (RAM assumed ≥ 2 GiB per CPU)"
    )
    release_name: str = Field(CURRENT.name, description="OpenStack release of the files")
    nova_api_nodes: int = Field(3, ge=1, description="nodes running nova-api and nova-conductor")
    nova_api_cores: int = Field(16, ge=1, description="CPUs per nova-api / conductor node")
    db_max_connections: int = Field(
        MYSQL_MAX_CONNECTIONS,
        ge=1,
        description=f"the database server's max_connections (MySQL/MariaDB default "
        f"{MYSQL_MAX_CONNECTIONS})",
    )
    db_max_connections_source: str = Field(
        "MySQL/MariaDB default", description="where db_max_connections was read"
    )

    @property
    def release(self) -> Release:
        """The release object named by ``release_name``."""
        return release(self.release_name)

    @property
    def instance_count(self) -> int:
        """Stated instances, or 20 per host."""
        return self.instances if self.instances is not None else 20 * self.hosts

    @property
    def boots_per_second(self) -> float:
        """Stated boot-storm rate per second, or one boot per 10 hosts per minute."""
        per_minute = self.boots_per_minute
        return (per_minute if per_minute is not None else self.hosts / 10) / 60


class InForce(BaseModel):
    """A value in force with its evidence: ``file:line`` or ``default in force for <release>``."""

    value: int | float | bool | str | None
    evidence: str
    explicit: bool


def resolve(loaded: LoadedConfig, scale: Scale, project: str, section: str, name: str) -> InForce:
    """The value of ``[section] name`` in force: explicit setting, else the release default,
    with machine-derived defaults computed from the stated cores of the nodes that run it (nova
    API/conductor nodes for nova, neutron servers for neutron)."""
    s = loaded.setting(project, section, name)
    if s is not None:
        return InForce(value=s.value, evidence=str(s.location), explicit=True)
    rel = scale.release
    default: Value | Derived = option(project, section, name).default_for(rel)
    evidence = f"default in force for {rel}"
    if isinstance(default, Derived):
        cores = scale.nova_api_cores if project == "nova" else scale.neutron_server_cores
        derived = {
            Derived.CPU_COUNT: cores,
            Derived.NEUTRON_WORKER_COUNT: cores,
            Derived.HALF_NEUTRON_WORKERS: max(cores // 2, 1),
        }[default]
        return InForce(
            value=derived, evidence=f"{evidence}: {default.value}, {cores} CPUs", explicit=False
        )
    return InForce(value=default, evidence=evidence, explicit=False)


class Figure(BaseModel):
    """One load figure: what, how much, and how it was computed."""

    name: str
    value: float | None
    """``None``: unbounded (e.g. a pool with no limit)."""
    unit: str
    basis: str


def number(v: InForce) -> float:
    """The value as a number for arithmetic; 0 for an unset (``None``) or non-numeric value."""
    return float(v.value) if isinstance(v.value, int | float) else 0.0


def heal_rate(loaded: LoadedConfig, scale: Scale) -> float:
    """Cloud-wide heal refreshes per second (0 when the periodic is disabled: interval <= 0)."""
    interval = number(
        resolve(loaded, scale, "nova", "DEFAULT", "heal_instance_info_cache_interval")
    )
    return scale.hosts / interval if interval > 0 else 0.0


def state_report_rate(loaded: LoadedConfig, scale: Scale) -> float:
    """Cloud-wide ``report_state`` calls per second; 0 when ``[agent] report_interval`` <= 0
    (the agent starts its heartbeat only ``if report_interval``: ovs_neutron_agent.py)."""
    interval = number(resolve(loaded, scale, "neutron", "agent", "report_interval"))
    return scale.hosts / interval if interval > 0 else 0.0


def neutron_processes(loaded: LoadedConfig, scale: Scale) -> dict[str, int]:
    """Neutron processes per server by kind (api, rpc, reports). On 2026.2 the API runs under
    uWSGI whose ``processes`` are not in neutron.conf: the API count is the stated cores."""
    rel = scale.release
    api = resolve(loaded, scale, "neutron", "DEFAULT", "api_workers")
    api_count = int(number(api)) if api.value is not None else scale.neutron_server_cores
    if rel >= release("2026.2"):
        api_count = scale.neutron_server_cores
    rpc = int(number(resolve(loaded, scale, "neutron", "DEFAULT", "rpc_workers")))
    if rel <= ROCKY:
        rpc = max(rpc, 1)
    reports = int(number(resolve(loaded, scale, "neutron", "DEFAULT", "rpc_state_report_workers")))
    return {"api": api_count, "rpc": rpc, "reports": reports}


def figures(loaded: LoadedConfig, scale: Scale) -> list[Figure]:
    """Every load figure for ``scale``, in the order the report prints them."""
    rel = scale.release
    out: list[Figure] = []
    heal = heal_rate(loaded, scale)
    calls_of = neutron_calls(rel)
    gets = calls_of.heal_refresh()
    interval = resolve(loaded, scale, "nova", "DEFAULT", "heal_instance_info_cache_interval")
    out.append(
        Figure(
            name="heal refreshes",
            value=heal,
            unit="refresh/s",
            basis=f"{scale.hosts} hosts / interval {interval.value} s ({interval.evidence})"
            + ("" if heal else "; periodic disabled"),
        )
    )
    out.append(
        Figure(
            name="Neutron API calls from heal",
            value=heal * gets,
            unit="GET/s",
            basis=f"{gets} GETs per refresh on {rel}",
        )
    )
    if heal:
        per_host = scale.instance_count / scale.hosts
        out.append(
            Figure(
                name="each instance refreshed every",
                value=per_host * number(interval),
                unit="s",
                basis=f"{per_host:g} instances per host × interval",
            )
        )
    boots = scale.boots_per_second
    calls = calls_of.boot(PORTS_PER_BOOT)
    out.append(
        Figure(
            name="Neutron API calls from the boot storm",
            value=boots * calls,
            unit="call/s",
            basis=f"{boots * 60:g} boots/min × {calls} calls per 1-port boot",
        )
    )
    procs = neutron_processes(loaded, scale)
    servers = scale.neutron_servers
    rpc_total, report_total = servers * procs["rpc"], servers * procs["reports"]
    storm_rpc = boots * PORTS_PER_BOOT * 2
    report_interval = number(resolve(loaded, scale, "neutron", "agent", "report_interval"))
    reports = state_report_rate(loaded, scale)
    out.append(
        Figure(
            name="agent state reports",
            value=reports,
            unit="RPC/s",
            basis=f"{scale.hosts} OVS agents / report_interval {report_interval:g} s"
            if reports
            else f"report_interval {report_interval:g}: agents send no state reports",
        )
    )
    out.append(
        Figure(
            name="boot-storm RPC calls to RPC workers",
            value=storm_rpc,
            unit="RPC/s",
            basis="update_device_list + dhcp_ready_on_ports per port",
        )
    )
    on_rpc = storm_rpc + (reports if report_total == 0 else 0.0)
    if rpc_total:
        out.append(
            Figure(
                name="RPC calls per RPC worker process",
                value=on_rpc / rpc_total,
                unit="RPC/s",
                basis=f"{servers} servers × {procs['rpc']} rpc_workers"
                + (" (also taking state reports)" if report_total == 0 else ""),
            )
        )
        out.append(
            Figure(
                name="OVS agents per RPC worker process",
                value=scale.hosts / rpc_total,
                unit="agents",
                basis=f"{scale.hosts} hosts / {rpc_total} RPC worker processes",
            )
        )
    if report_total:
        out.append(
            Figure(
                name="state reports per report worker process",
                value=reports / report_total,
                unit="RPC/s",
                basis=f"{servers} servers × {procs['reports']} rpc_state_report_workers",
            )
        )
    pool = int(number(resolve(loaded, scale, "neutron", "database", "max_pool_size")))
    overflow = int(number(resolve(loaded, scale, "neutron", "database", "max_overflow")))
    processes = servers * (procs["api"] + procs["rpc"] + procs["reports"])
    out.append(
        Figure(
            name="neutron DB connections kept open",
            value=processes * pool,
            unit="connections",
            basis=f"{processes} neutron processes × max_pool_size {pool}"
            + (" (0 = no limit)" if pool == 0 else ""),
        )
    )
    out.append(
        Figure(
            name="neutron DB connections at peak",
            value=processes * (pool + overflow) if pool else None,
            unit="connections",
            basis=f"{processes} processes × (max_pool_size {pool} + max_overflow {overflow})",
        )
    )
    return out
