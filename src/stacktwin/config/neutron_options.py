"""neutron options the audit and the twin use: one declaration each (see ``option.Option``).

Read from ``neutron/conf/service.py`` (13.0.0, 14.0.0, 28.0.0, 29.0.0), ``common.py``,
``agent/common.py``, ``agent/database/agents_db.py``, ``plugins/ml2/drivers/agent.py``,
``agent/securitygroups_rpc.py`` and from oslo.messaging 18.3.1 / oslo.db 18.1.1.
"""

from __future__ import annotations

from stacktwin.config.library_options import (
    keystonemiddleware_options,
    oslo_db_pool_options,
    oslo_messaging_options,
    oslo_messaging_pool_options,
    oslo_messaging_rabbit_options,
)
from stacktwin.config.option import FIRST, LAST, DefaultRange, Derived, Option, always
from stacktwin.config.releases import ROCKY, STEIN, release

NEUTRON_OPTIONS: tuple[Option, ...] = (
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
        always(1),
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
        always(2),
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
        always(True),
        drives="whether neutron sends network-vif-plugged at all when a port goes ACTIVE",
        help="Send notification to Nova when port status changes.",
        reference="neutron/conf/common.py; NeutronDbPluginV2.__init__ sqla listeners; §2.2",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "agent_down_time",
        "int",
        always(75),
        minimum=1,
        drives="seconds without a state report after which an agent is dead and ML2 refuses to "
        "bind ports on its host (PortBindingFailed)",
        help="Seconds to regard the agent as down; should be at least twice report_interval.",
        reference="neutron/conf/agent/database/agents_db.py; mech_agent.py bind_port; §2.4",
    ),
    Option(
        "neutron",
        "agent",
        "polling_interval",
        "int",
        always(2),
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
        always(30.0),
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
        always(None),
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
        always(None),
        drives="how the agent applies security groups: 'openvswitch' (flows; port deletions "
        "with large remote SGs block the agent loop before e09b128f41) or 'iptables_hybrid'",
        help="Driver for security groups firewall in the L2 agent (unset: no filtering).",
        reference="neutron/conf/agent/securitygroups_rpc.py; unset → 'noop' in "
        "neutron/agent/securitygroups_rpc.py init_firewall; e09b128f41 (LP#1975674, 21.0.0 "
        "and backports 20.2.0, 19.4.0, 18.5.0, Victoria/Ussuri/Train EOL); dossier §6",
        fallback="noop",
    ),
    Option(
        "neutron",
        "DEFAULT",
        "rpc_response_max_timeout",
        "int",
        (DefaultRange(FIRST, ROCKY, None), DefaultRange(STEIN, LAST, 600)),
        drives="cap of the agents' doubling RPC timeout after a timed-out call",
        help="Maximum seconds to wait for a response from an RPC call.",
        reference="neutron/conf/service.py RPC_EXTRA_OPTS (neutron 14.0.0 Stein+, absent from "
        "13.0.0); neutron/common/rpc.py _BackingOffContextWrapper; dossier §2.4",
    ),
    *oslo_messaging_rabbit_options("neutron"),
    *oslo_messaging_options(
        "neutron",
        timeout="agent RPC call timeout: update_device_list/report_state; agents double it on "
        "timeout up to rpc_response_max_timeout (600 s) and resync every port",
        executor="concurrent RPC handlers per neutron RPC worker process",
    ),
    *oslo_db_pool_options(
        "neutron", who="neutron process (API, RPC and report workers)", twin=True
    ),
    *oslo_messaging_pool_options("neutron", senders="neutron RPC and report worker process"),
    *keystonemiddleware_options("neutron"),
)
