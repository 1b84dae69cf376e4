"""The audit's rules on neutron options (and the oslo.db pools of both services): RPC workers,
agent state reports, DB pools, the nova notifier, the OVS agent.

Thresholds that are a judgement, not a code fact, are named constants with their anchors.
"""

from __future__ import annotations

import math

from stacktwin.config.catalogue import VIF_PLUGGING_TIMEOUT
from stacktwin.config.finding import Finding
from stacktwin.config.finding import label as label_of
from stacktwin.config.load import (
    Scale,
    neutron_processes,
    number,
    resolve,
    state_report_rate,
)
from stacktwin.config.releases import STEIN, XENA, ZED, release
from stacktwin.config.settings import LoadedConfig, Severity

AGENTS_PER_RPC_WORKER_WARNING = 50
AGENTS_PER_RPC_WORKER_CRITICAL = 100
"""OVS agents served per neutron RPC worker process. Anchors: the production site failed with
1 worker per server (≈ 333 agents per worker at 1,000 hosts, 3 servers) and was fixed with 20
(≈ 17); neutron's own default on 16-CPU servers gives ≈ 42 at that scale. Upstream: 'A default of
1 falls behind on any reasonably sized node' (7e09b25b96, LP#1815629)."""

OSLO_DB_POOL_DEFAULT = 5


def rpc_workers(loaded: LoadedConfig, scale: Scale, agents: str = "OVS agents") -> list[Finding]:
    """Too few neutron RPC workers for the ``agents`` (the L2 agents of the mechanism driver)."""
    v = resolve(loaded, scale, "neutron", "DEFAULT", "rpc_workers")
    label = label_of("neutron", "DEFAULT", "rpc_workers")
    rel = scale.release
    if v.value == 0 and rel >= STEIN:
        return [
            Finding(
                severity="critical",
                option=label,
                message="rpc_workers = 0: no neutron RPC worker is launched",
                evidence=[v.evidence],
                set_to=f"≥ {max(scale.neutron_server_cores // 2, 1)}",
                why="nobody serves the agents' update_device_list, so no port goes ACTIVE and "
                "no network-vif-plugged is sent",
            )
        ]
    workers = neutron_processes(loaded, scale)["rpc"]
    total = scale.neutron_servers * workers
    per_worker = scale.hosts / total
    if per_worker <= AGENTS_PER_RPC_WORKER_WARNING:
        return []
    severity: Severity = "critical" if per_worker > AGENTS_PER_RPC_WORKER_CRITICAL else "warning"
    default_workers = max(scale.neutron_server_cores // 2, 1) if rel >= STEIN else 1
    need = math.ceil(scale.hosts / (AGENTS_PER_RPC_WORKER_WARNING * scale.neutron_servers))
    target = max(need, default_workers)
    set_to = f"{target} per server"
    if target > scale.neutron_server_cores:
        servers = math.ceil(
            scale.hosts / (AGENTS_PER_RPC_WORKER_WARNING * scale.neutron_server_cores)
        )
        set_to += f" (more than its {scale.neutron_server_cores} CPUs: add servers, ≈ {servers})"
    boots = scale.boots_per_second * 60
    return [
        Finding(
            severity=severity,
            option=label,
            message=f"{workers} RPC worker(s) per server × {scale.neutron_servers} servers for "
            f"{scale.hosts} {agents}: {per_worker:.0f} agents per RPC worker process "
            f"(boot storm {boots:g}/min adds {scale.boots_per_second * 2 / total:.2f} RPC/s per "
            "worker on top of the agents' own calls)",
            evidence=[v.evidence],
            set_to=set_to,
            why="every port of every boot becomes ACTIVE (and network-vif-plugged is sent) only "
            "when an RPC worker serves the agent's update_device_list; too few workers show as "
            "late heartbeats, RPC timeouts in agents and vif-plugging timeouts (neutron "
            "config-wsgi.rst; LP#1815629)",
        )
    ]


def reports(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    out: list[Finding] = []
    interval = resolve(loaded, scale, "neutron", "agent", "report_interval")
    down = resolve(loaded, scale, "neutron", "DEFAULT", "agent_down_time")
    if number(interval) <= 0:
        out.append(
            Finding(
                severity="critical",
                option=label_of("neutron", "agent", "report_interval"),
                message=f"report_interval = {interval.value}: the agents send no state reports",
                evidence=[interval.evidence],
                set_to="30 (the default), at most half of agent_down_time",
                why="the agent starts its heartbeat only if report_interval is set "
                "(ovs_neutron_agent.py); agent_down_time after the last report every agent "
                "looks dead, and ML2 refuses to bind ports on their hosts (PortBindingFailed)",
            )
        )
    elif number(down) < 2 * number(interval):
        out.append(
            Finding(
                severity="warning",
                option=label_of("neutron", "DEFAULT", "agent_down_time"),
                message=f"agent_down_time {down.value} s is less than twice report_interval "
                f"{interval.value} s",
                evidence=[down.evidence, interval.evidence],
                set_to=f"≥ {math.ceil(2 * number(interval))}",
                why="one late state report marks a live agent dead, and ML2 then refuses to bind "
                "ports on its host (PortBindingFailed); neutron's help: 'at least twice "
                "report_interval'",
            )
        )
    workers = resolve(loaded, scale, "neutron", "DEFAULT", "rpc_state_report_workers")
    if workers.value == 0:
        rate = state_report_rate(loaded, scale)
        out.append(
            Finding(
                severity="info",
                option=label_of("neutron", "DEFAULT", "rpc_state_report_workers"),
                message=f"no dedicated state-report workers: the RPC workers also take "
                f"{rate:.1f} state reports/s",
                evidence=[workers.evidence],
                set_to="1 (the default) or more",
                why="heartbeats then queue behind the boot storm's update_device_list calls; "
                "late heartbeats mark agents dead (neutron config-wsgi.rst)",
            )
        )
    return out


def db_pool(loaded: LoadedConfig, scale: Scale, project: str, section: str) -> list[Finding]:
    out: list[Finding] = []
    pool = resolve(loaded, scale, project, section, "max_pool_size")
    overflow = resolve(loaded, scale, project, section, "max_overflow")
    threads = resolve(loaded, scale, project, "DEFAULT", "executor_thread_pool_size")
    size, extra = int(number(pool)), int(number(overflow))
    peak, handlers = size + extra, int(number(threads))
    short = (
        f"; at most {peak} connections in all (max_overflow {extra}) for {handlers} concurrent "
        "RPC handlers"
        if peak < handlers
        else ""
    )
    if 0 < size < OSLO_DB_POOL_DEFAULT:
        out.append(
            Finding(
                severity="warning",
                option=label_of(project, section, "max_pool_size"),
                message=f"max_pool_size = {size}: each {project} process keeps only {size} DB "
                f"connection(s) open, below the oslo.db default {OSLO_DB_POOL_DEFAULT}{short}",
                evidence=[pool.evidence],
                set_to=f"≥ {max(OSLO_DB_POOL_DEFAULT, handlers - extra)} (the production site "
                "that had 1 set 60)",
                why="every concurrent DB checkout beyond the pool opens a new connection and "
                "closes it on return: connection churn on the database exactly when a boot storm "
                "makes every worker busy; checkouts beyond the overflow wait pool_timeout (30 s) "
                "and fail with 'QueuePool limit of size N overflow M reached'",
            )
        )
    elif size and short and (pool.explicit or overflow.explicit):
        out.append(
            Finding(
                severity="warning",
                option=label_of(project, section, "max_overflow"),
                message=f"max_pool_size + max_overflow = {peak} < {handlers} concurrent RPC "
                "handlers per process",
                evidence=[pool.evidence, overflow.evidence, threads.evidence],
                set_to=f"max_overflow ≥ {handlers - size}",
                why="handlers beyond the pool wait pool_timeout (30 s) and fail with 'QueuePool "
                "limit of size N overflow M reached' (dossier §5.2, §9)",
            )
        )
    return out


def notifier(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    out: list[Finding] = []
    notify = resolve(loaded, scale, "neutron", "DEFAULT", "notify_nova_on_port_status_changes")
    if notify.value is False:
        out.append(
            Finding(
                severity="critical",
                option=label_of("neutron", "DEFAULT", "notify_nova_on_port_status_changes"),
                message="neutron never tells nova a port is up (no network-vif-plugged)",
                evidence=[notify.evidence],
                set_to="True (the default)",
                why=f"nova waits vif_plugging_timeout ({VIF_PLUGGING_TIMEOUT} s by default) on "
                "every boot and, fatal by default, puts each instance in ERROR",
            )
        )
    interval = resolve(loaded, scale, "neutron", "DEFAULT", "send_events_interval")
    if number(interval) > 2:
        out.append(
            Finding(
                severity="info",
                option=label_of("neutron", "DEFAULT", "send_events_interval"),
                message=f"send_events_interval = {interval.value} s (default 2)",
                evidence=[interval.evidence],
                set_to="2",
                why="each neutron process sends at most one batch of nova events per (POST "
                "time + interval): a longer interval delays every network-vif-plugged",
            )
        )
    return out


def agent(loaded: LoadedConfig, scale: Scale) -> list[Finding]:
    out: list[Finding] = []
    rel = scale.release
    daemon = resolve(loaded, scale, "neutron", "agent", "root_helper_daemon")
    if not daemon.value and rel < XENA:
        out.append(
            Finding(
                severity="warning",
                option=label_of("neutron", "agent", "root_helper_daemon"),
                message=f"no rootwrap daemon: on {rel} each privileged command the OVS agent "
                "runs (ovs-ofctl, ip) starts a rootwrap process",
                evidence=[daemon.evidence],
                set_to="sudo neutron-rootwrap-daemon /etc/neutron/rootwrap.conf",
                why="≈ 0.13–0.16 s per command instead of ≈ 0.003 s lengthens every agent loop "
                "iteration; nova's vif_plugging_timeout help recommends it for timeouts at scale "
                "(LP#1774217). From Xena ovs-ofctl runs through privsep",
            )
        )
    driver = resolve(loaded, scale, "neutron", "securitygroup", "firewall_driver")
    text = str(driver.value or "")
    if (text == "openvswitch" or text.endswith("OVSFirewallDriver")) and rel < ZED:
        fixed = "≥ 20.2.0 (Yoga), 19.4.0 (Xena), 18.5.0 (Wallaby), Victoria/Ussuri/Train EOL"
        if rel < release("train"):
            fixed = f"a release with the fix ({fixed}; none for {rel})"
        out.append(
            Finding(
                severity="warning",
                option=label_of("neutron", "securitygroup", "firewall_driver"),
                message=f"openvswitch firewall on {rel}: check the agent has deferred flow "
                "deletion (e09b128f41, LP#1975674)",
                evidence=[driver.evidence],
                set_to=f"neutron {fixed}, or iptables_hybrid",
                why="without it, deleting a VM whose security group references a large remote "
                "group runs one ovs-ofctl per member flow inside the agent's single loop "
                "(2,000 members ≈ 500 s), so no new port on that host comes up meanwhile",
            )
        )
    polling = resolve(loaded, scale, "neutron", "agent", "polling_interval")
    if number(polling) > 2:
        out.append(
            Finding(
                severity="info",
                option=label_of("neutron", "agent", "polling_interval"),
                message=f"polling_interval = {polling.value} s (default 2)",
                evidence=[polling.evidence],
                set_to="2",
                why="a new port can wait up to one interval before the agent sees it",
            )
        )
    return out
