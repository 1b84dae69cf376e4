"""nova options the audit and the twin use: one declaration each (see ``option.Option``).

Read from ``nova/conf/compute.py``, ``service.py``, ``conductor.py``, ``database.py`` of nova
30–34 and from oslo.messaging 18.3.1 / oslo.db 18.1.1 (the libraries nova registers).
"""

from __future__ import annotations

from stacktwin.config.library_options import (
    oslo_db_pool_options,
    oslo_messaging_options,
    oslo_messaging_rabbit_options,
)
from stacktwin.config.option import FIRST, LAST, DefaultRange, Derived, Option, always
from stacktwin.config.releases import EPOXY, FLAMINGO, release

VIF_PLUGGING_TIMEOUT = 300
"""nova ``[DEFAULT] vif_plugging_timeout`` default in every release (``nova/conf/compute.py``):
the seconds a boot waits for ``network-vif-plugged``; the audit, the twin and the report use it."""

NOVA_OPTIONS: tuple[Option, ...] = (
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
        always(VIF_PLUGGING_TIMEOUT),
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
        always(True),
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
        always(Derived.CPU_COUNT),
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
        always(10),
        minimum=0,
        drives="per-host build semaphore: builds beyond it queue in nova-compute holding their "
        "instance lock; 0 = unlimited",
        help="Limits the maximum number of instance builds to run concurrently by nova-compute.",
        reference="nova/conf/compute.py; ComputeManager._build_semaphore; dossier §1.1 step 6",
    ),
    Option(
        "nova",
        "conductor",
        "workers",
        "int",
        always(Derived.CPU_COUNT),
        drives="nova-conductor processes (schedule_and_build_instances, cell DB writes)",
        help="Number of workers for OpenStack Conductor service. The default will be the "
        "number of CPUs available.",
        reference="nova/conf/conductor.py ALL_OPTS",
    ),
    Option(
        "nova",
        "DEFAULT",
        "periodic_fuzzy_delay",
        "int",
        always(60),
        minimum=0,
        drives="random delay before a nova service's first periodic tasks (the first heal after "
        "a nova-compute restart)",
        help="Number of seconds to randomly delay when starting the periodic task scheduler to "
        "reduce stampeding. (Disable by setting to 0)",
        reference="nova/conf/service.py (nova 27.1.0); nova/service.py Service.start; dossier §4.1",
    ),
    Option(
        "nova",
        "scheduler",
        "max_attempts",
        "int",
        always(3),
        minimum=1,
        deprecated_names=(("DEFAULT", "scheduler_max_attempts"),),
        drives="attempts per build: a build that fails on its host with a reschedulable error "
        "(a port binding failure, a Neutron 5xx while allocating the network) goes to the next "
        "alternate host; after the last, the instance goes ERROR (MaxRetriesExceeded); 1 = no "
        "reschedule",
        help="The maximum number of schedule attempts.",
        reference="nova/conf/scheduler.py scheduler_opts (nova 27.1.0); "
        "nova/scheduler/utils.py populate_retry; nova/compute/manager.py "
        "_do_build_and_run_instance (RescheduledException); dossier §4 (capacity) §5.2",
    ),
    Option(
        "nova",
        "DEFAULT",
        "sync_power_state_interval",
        "int",
        always(600),
        drives="nova-compute periodic: every interval each host lists its instances through "
        "nova-conductor and asks the hypervisor for their power states; -1 disables it",
        help="Interval to sync power states between the database and the hypervisor "
        "(-1 disables; 0 runs at the default periodic interval).",
        reference="nova/conf/compute.py interval_opts (nova 27.1.0); "
        "ComputeManager._sync_power_states",
        twin=False,
    ),
    Option(
        "nova",
        "neutron",
        "timeout",
        "float",
        always(None),
        drives="HTTP timeout of every nova → Neutron REST call (keystoneauth session); unset: "
        "no timeout, a hung Neutron request holds the nova-compute thread that made it",
        help="Timeout value for http requests.",
        reference="keystoneauth1 loading/session.py get_conf_options (registered by "
        "nova/conf/neutron.py register_ksa_opts)",
        twin=False,
    ),
    Option(
        "nova",
        "service_user",
        "send_service_user_token",
        "bool",
        always(False),
        drives="nova-compute sends its own service token with every Neutron request beside "
        "the user's or admin token: neutron's keystonemiddleware validates both (two keystone "
        "validations on a cache miss)",
        help="When True, if sending a user token to a REST API, also send a service token.",
        reference="nova 27.1.0 nova/conf/service_token.py:29-31; nova/service_auth.py:33-55 "
        "(the service auth cached process-wide); kolla sets it true [W8]; dossier §2.3 [C31]",
    ),
    *oslo_messaging_rabbit_options("nova"),
    *oslo_messaging_options(
        "nova",
        timeout="RPC call timeout of nova services (call_monitor_timeout of select_destinations); "
        "the twin's nova path is casts only (build_and_run_instance, external_instance_event)",
        executor="concurrent RPC handlers per nova process (e.g. external events on nova-compute)",
        twin_timeout=False,
    ),
    *oslo_db_pool_options(
        "nova",
        who="nova process (cell DB; [api_database] for the API DB)",
        twin=True,
        extra_sections=("api_database",),
    ),
)
