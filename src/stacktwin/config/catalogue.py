"""The option catalogue: every nova / neutron option ``stacktwin check`` audits and the twin uses.

Each entry reads like the oslo.config declaration it mirrors (``cfg.IntOpt('rpc_workers', min=0,
help=...)``) plus what oslo.config cannot say: the default *per release range*, what the option
drives in the boot path and the twin, and where that was read (file/function in the release's
code, commit, bug). Facts come from the dossier ``openstack-boot-path.md`` (§2.3, §2.4, §4.1, §5,
§7, §9) and from the option declarations in nova 30–34, neutron 13/14/25–29, oslo.messaging
18.3.1 and oslo.db 18.1.1 read from their wheels.

A default may depend on the machine (``rpc_workers`` = half the CPUs): such defaults are
:class:`Derived` and the audit computes them from the stated neutron-server cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from stacktwin.config.releases import (
    EPOXY,
    FLAMINGO,
    RELEASES,
    ROCKY,
    STEIN,
    Release,
    release,
)

Project = Literal["nova", "neutron"]
OptType = Literal["int", "float", "bool", "str"]
Value = int | float | bool | str | None


class Derived(Enum):
    """A default computed by the service at start-up from the machine it runs on."""

    CPU_COUNT = "number of CPUs"
    """``processutils.get_worker_count()``: nova API/conductor workers, neutron API ≤ Rocky."""
    NEUTRON_WORKER_COUNT = "min(CPUs, RAM / 2 GiB)"
    """neutron ``_get_worker_count()`` (Stein+): API workers."""
    HALF_NEUTRON_WORKERS = "max(min(CPUs, RAM / 2 GiB) / 2, 1)"
    """neutron ``_get_rpc_workers()`` (Stein+): half the API workers, at least 1."""


@dataclass(frozen=True)
class DefaultRange:
    """The default of an option from release ``first`` to ``last`` (inclusive)."""

    first: Release
    last: Release
    value: Value | Derived

    def covers(self, rel: Release) -> bool:
        """True when ``rel`` falls in this range."""
        return self.first <= rel <= self.last


@dataclass(frozen=True)
class Option:
    """One option as oslo.config declares it, plus its history and its meaning for the twin."""

    project: Project
    section: str
    name: str
    type: OptType
    defaults: tuple[DefaultRange, ...]
    drives: str
    help: str
    reference: str
    minimum: float | None = None
    maximum: float | None = None
    deprecated_names: tuple[tuple[str, str], ...] = ()
    """Older ``(section, name)`` spellings oslo.config still reads for this option."""
    removed_in: Release | None = None
    """First release whose code no longer reads the option (setting it then has no effect)."""
    replacement: str | None = None
    """What to set instead from ``removed_in`` on."""
    twin: bool = True
    """Whether the twin's scenario takes this option (``twin_settings``)."""
    extra_sections: tuple[str, ...] = field(default=())
    """Other sections that declare an option of the same name and type (e.g. ``[api_database]``)."""

    @property
    def key(self) -> tuple[Project, str, str]:
        """``(project, section, name)``: how the rest of the package names an option."""
        return (self.project, self.section, self.name)

    def default_for(self, rel: Release) -> Value | Derived:
        """The default in force for release ``rel`` (``None``: unset, the code's own fallback)."""
        for rng in self.defaults:
            if rng.covers(rel):
                return rng.value
        return None

    def read_by(self, rel: Release) -> bool:
        """False when the release's code no longer reads this option."""
        return self.removed_in is None or rel < self.removed_in


FIRST, LAST = RELEASES[0], RELEASES[-1]


def _always(value: Value | Derived) -> tuple[DefaultRange, ...]:
    return (DefaultRange(FIRST, LAST, value),)


_NOVA_RPC = "nova/conf/rpc.py; oslo.messaging rpc/client.py _client_opts (default 60 s)"

CATALOGUE: tuple[Option, ...] = (
    # ----------------------------------------------------------------------------- nova
    Option(
        "nova",
        "DEFAULT",
        "heal_instance_info_cache_interval",
        "int",
        (DefaultRange(FIRST, release("2024.2"), 60), DefaultRange(EPOXY, LAST, -1)),
        drives="nova-compute periodic: every interval, each compute host force-refreshes one "
        "instance's network info cache from Neutron (≈ 8 GETs on ≥ Stein, 7 Rocky, 5 ≤ Queens)",
        help="Interval between instance network information cache updates; <= 0 disables the "
        "periodic (nova ≥ 31; before, 0 kept it registered at 60 s but it returned at once).",
        reference="nova/conf/compute.py interval_opts; ComputeManager._heal_instance_info_cache; "
        "b3f8815720 (LP#1996094, 31.0.0) default -1; 1d43a61167 (LP#2089225) 0 vs <0; dossier §4",
    ),
    Option(
        "nova",
        "DEFAULT",
        "vif_plugging_timeout",
        "int",
        _always(300),
        minimum=0,
        drives="how long nova-compute waits for network-vif-plugged after plugging VIFs and "
        "creating the paused guest; 0 = do not wait",
        help="Timeout for Neutron VIF plugging event message arrival.",
        reference="nova/conf/compute.py; LibvirtDriver._create_guest_with_network; dossier §1.3",
    ),
    Option(
        "nova",
        "DEFAULT",
        "vif_plugging_is_fatal",
        "bool",
        _always(True),
        drives="whether a vif-plugged timeout puts the instance in ERROR (no reschedule) or lets "
        "it boot without network confirmation",
        help="Determine if instance should boot or fail on VIF plugging timeout.",
        reference="nova/conf/compute.py; dossier §1.3 (BuildAbortException, not rescheduled)",
    ),
    Option(
        "nova",
        "DEFAULT",
        "osapi_compute_workers",
        "int",
        _always(Derived.CPU_COUNT),
        minimum=1,
        removed_in=FLAMINGO,
        replacement="the uWSGI `processes` of nova-api",
        drives="nova-api worker processes (eventlet server) that take Neutron's "
        "os-server-external-events POSTs",
        help="Number of workers for OpenStack API service. The default will be the number of "
        "CPUs available. (Not read from 2025.2: nova-api runs only under uWSGI `processes`.)",
        reference="nova/conf/service.py (nova 31.0.0; absent from nova 32.0.0); dossier §10",
    ),
    Option(
        "nova",
        "DEFAULT",
        "max_concurrent_builds",
        "int",
        _always(10),
        minimum=0,
        drives="per-host build semaphore: builds beyond it queue in nova-compute holding their "
        "instance lock; 0 = unlimited",
        help="Limits the maximum number of instance builds to run concurrently by nova-compute.",
        reference="nova/conf/compute.py; ComputeManager._build_semaphore; dossier §1.1 step 6",
    ),
    Option(
        "nova",
        "DEFAULT",
        "rpc_response_timeout",
        "int",
        _always(60),
        drives="RPC call timeout of nova services (call_monitor_timeout of select_destinations)",
        help="Seconds to wait for a response from a call.",
        reference=_NOVA_RPC,
    ),
    Option(
        "nova",
        "DEFAULT",
        "executor_thread_pool_size",
        "int",
        _always(64),
        deprecated_names=(("DEFAULT", "rpc_thread_pool_size"),),
        drives="concurrent RPC handlers per nova process (e.g. external events on nova-compute)",
        help="Size of executor thread pool when executor is threading or eventlet.",
        reference="oslo.messaging server.py (deprecated_name rpc_thread_pool_size); dossier §7",
    ),
    Option(
        "nova",
        "conductor",
        "workers",
        "int",
        _always(Derived.CPU_COUNT),
        drives="nova-conductor processes (schedule_and_build_instances, cell DB writes)",
        help="Number of workers for OpenStack Conductor service. The default will be the "
        "number of CPUs available.",
        reference="nova/conf/conductor.py ALL_OPTS",
    ),
    Option(
        "nova",
        "database",
        "max_pool_size",
        "int",
        _always(5),
        twin=False,
        extra_sections=("api_database",),
        drives="persistent DB connections per nova process (cell DB; [api_database] for API DB)",
        help="Maximum number of SQL connections to keep open in a pool. 0 = no limit.",
        reference="oslo_db/options.py; nova/conf/database.py (api_db_opts copy the oslo.db opts)",
    ),
    Option(
        "nova",
        "database",
        "max_overflow",
        "int",
        _always(50),
        twin=False,
        extra_sections=("api_database",),
        drives="extra, short-lived DB connections per nova process beyond max_pool_size",
        help="If set, use this value for max_overflow with SQLAlchemy.",
        reference="oslo_db/options.py; nova/conf/database.py",
    ),
    Option(
        "nova",
        "database",
        "pool_timeout",
        "int",
        _always(None),
        twin=False,
        extra_sections=("api_database",),
        drives="seconds a nova DB checkout waits for a connection (unset ⇒ SQLAlchemy 30 s)",
        help="If set, use this value for pool_timeout with SQLAlchemy.",
        reference="oslo_db/options.py; SQLAlchemy QueuePool(timeout=30.0); dossier §5.2",
    ),
    # -------------------------------------------------------------------------- neutron
    Option(
        "neutron",
        "DEFAULT",
        "api_workers",
        "int",
        (
            DefaultRange(FIRST, ROCKY, Derived.CPU_COUNT),
            DefaultRange(STEIN, LAST, Derived.NEUTRON_WORKER_COUNT),
        ),
        minimum=1,
        removed_in=release("2026.2"),
        replacement="the uWSGI `processes` of the neutron API",
        drives="neutron API worker processes (port create/update with ML2 binding, nova's GETs)",
        help="Number of separate API worker processes for service. Default: the number of CPUs, "
        "capped by RAM from Stein. Removed in 29.0.0 (API only under uWSGI `processes`).",
        reference="neutron/conf/service.py (13.0.0, 14.0.0, 28.0.0; absent in 29.0.0, "
        "16fadc5b20); dossier §5.1",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "rpc_workers",
        "int",
        (
            DefaultRange(FIRST, ROCKY, 1),
            DefaultRange(STEIN, LAST, Derived.HALF_NEUTRON_WORKERS),
        ),
        minimum=0,
        drives="neutron RPC worker processes: update_device_list from every OVS agent (the hop "
        "that makes a port ACTIVE and sends network-vif-plugged), DHCP ready, SG RPCs; each with "
        "its own 64-thread executor, DB pool and nova notifier",
        help="Number of RPC worker processes for service. Default 1 up to Rocky, then half the "
        "API workers (half the CPUs, capped by RAM). 0: no RPC worker is launched (Stein+).",
        reference="neutron/conf/service.py; 7e09b25b96 (LP#1815629, 14.0.0): 'A default of 1 "
        "falls behind on any reasonably sized node'; doc config-wsgi.rst; dossier §5.1",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "rpc_state_report_workers",
        "int",
        _always(1),
        minimum=0,
        drives="neutron processes dedicated to agent state reports (q-reports-plugin); 0 = the "
        "RPC workers take them",
        help="Number of RPC worker processes dedicated to the state reports queue.",
        reference="neutron/conf/service.py; Ml2Plugin.start_rpc_state_reports_listener; §5.1",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "send_events_interval",
        "int",
        _always(2),
        minimum=1,
        drives="pause between two batches of nova events (network-vif-plugged) per neutron "
        "process: one POST per (POST time + interval)",
        help="Number of seconds between sending events to Nova if there are any events to send.",
        reference="neutron/conf/common.py; neutron/notifiers/batch_notifier.py; dossier §2.3",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "notify_nova_on_port_status_changes",
        "bool",
        _always(True),
        drives="whether neutron sends network-vif-plugged at all when a port goes ACTIVE",
        help="Send notification to Nova when port status changes.",
        reference="neutron/conf/common.py; NeutronDbPluginV2.__init__ sqla listeners; §2.2",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "rpc_response_timeout",
        "int",
        _always(60),
        drives="agent RPC call timeout: update_device_list/report_state; agents double it on "
        "timeout up to rpc_response_max_timeout (600 s) and resync every port",
        help="Seconds to wait for a response from a call.",
        reference="oslo.messaging rpc/client.py; neutron_lib/rpc.py _BackingOffContextWrapper",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "executor_thread_pool_size",
        "int",
        _always(64),
        deprecated_names=(("DEFAULT", "rpc_thread_pool_size"),),
        drives="concurrent RPC handlers per neutron RPC worker process",
        help="Size of executor thread pool when executor is threading or eventlet.",
        reference="oslo.messaging server.py (deprecated_name rpc_thread_pool_size); dossier §5.1",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "agent_down_time",
        "int",
        _always(75),
        minimum=1,
        drives="seconds without a state report after which an agent is dead and ML2 refuses to "
        "bind ports on its host (PortBindingFailed)",
        help="Seconds to regard the agent as down; should be at least twice report_interval.",
        reference="neutron/conf/agent/database/agents_db.py; mech_agent.py bind_port; §2.4",
    ),
    Option(
        "neutron",
        "database",
        "max_pool_size",
        "int",
        _always(5),
        drives="persistent DB connections per neutron process (API, RPC and report workers)",
        help="Maximum number of SQL connections to keep open in a pool. 0 = no limit.",
        reference="oslo_db/options.py (neutron does not override it); dossier §5.2",
    ),
    Option(
        "neutron",
        "database",
        "max_overflow",
        "int",
        _always(50),
        drives="extra DB connections per neutron process, opened per checkout and closed on "
        "return, beyond max_pool_size",
        help="If set, use this value for max_overflow with SQLAlchemy.",
        reference="oslo_db/options.py; dossier §5.2",
    ),
    Option(
        "neutron",
        "database",
        "pool_timeout",
        "int",
        _always(None),
        drives="seconds a DB checkout waits before 'QueuePool limit of size N overflow M "
        "reached' (unset ⇒ SQLAlchemy's 30 s)",
        help="If set, use this value for pool_timeout with SQLAlchemy.",
        reference="oslo_db/options.py; SQLAlchemy pool/impl.py QueuePool(timeout=30.0); §5.2",
    ),
    Option(
        "neutron",
        "agent",
        "polling_interval",
        "int",
        _always(2),
        minimum=1,
        drives="OVS agent rpc_loop period: a new port waits up to one interval to be noticed",
        help="The number of seconds the agent will wait between polling for local device changes.",
        reference="neutron/conf/plugins/ml2/drivers/agent.py; OVSNeutronAgent.rpc_loop; §2.4",
    ),
    Option(
        "neutron",
        "agent",
        "report_interval",
        "float",
        _always(30.0),
        drives="seconds between an agent's state reports (RPC calls on q-reports-plugin)",
        help="Seconds between nodes reporting state to server; should be less than "
        "agent_down_time, best if it is half or less than agent_down_time.",
        reference="neutron/conf/agent/common.py AGENT_STATE_OPTS; dossier §2.4",
    ),
    Option(
        "neutron",
        "agent",
        "root_helper_daemon",
        "str",
        _always(None),
        drives="cost of each privileged command the agent runs (ovs-ofctl, ip): a rootwrap "
        "process start (≈ 0.13–0.16 s) versus a daemon round trip (≈ 0.003 s)",
        help="Root helper daemon application to use when possible; 'sudo "
        "neutron-rootwrap-daemon /etc/neutron/rootwrap.conf' improves performance at scale.",
        reference="neutron/conf/agent/common.py; nova vif_plugging_timeout help (d632c4cfc4, "
        "LP#1774217); privsep for ovs-ofctl since 19.0.0 Xena (becb42b92e); dossier §6.2",
    ),
    Option(
        "neutron",
        "securitygroup",
        "firewall_driver",
        "str",
        _always(None),
        drives="how the agent applies security groups: 'openvswitch' (flows; port deletions "
        "with large remote SGs block the agent loop before e09b128f41) or 'iptables_hybrid'",
        help="Driver for security groups firewall in the L2 agent (unset: no filtering).",
        reference="neutron/conf/agent/securitygroups_rpc.py; e09b128f41 (LP#1975674, 21.0.0 "
        "and backports 20.2.0, 19.4.0, 18.5.0, Victoria/Ussuri/Train EOL); dossier §6",
    ),
)
"""Every audited option, one declaration each."""

_BY_KEY: dict[tuple[str, str, str], Option] = {}
for _opt in CATALOGUE:
    for _section in (_opt.section, *_opt.extra_sections):
        _BY_KEY[(_opt.project, _section, _opt.name)] = _opt


def option(project: str, section: str, name: str) -> Option:
    """The catalogue entry for ``[section] name`` of ``project`` (``KeyError`` if unknown)."""
    return _BY_KEY[(project, section, name)]


def lookup(project: str, section: str, name: str) -> Option | None:
    """Like :func:`option`, but ``None`` for an option the catalogue does not hold."""
    return _BY_KEY.get((project, section, name))


def sections_of(project: str) -> dict[str, tuple[Option, ...]]:
    """Catalogue options of ``project`` by the sections they are read from."""
    out: dict[str, list[Option]] = {}
    for (proj, section, _name), opt in _BY_KEY.items():
        if proj == project:
            out.setdefault(section, []).append(opt)
    return {section: tuple(opts) for section, opts in out.items()}
