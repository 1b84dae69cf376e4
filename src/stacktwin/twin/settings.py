"""OpenStack settings the twin obeys, written as OpenStack writes them.

A scenario says ``nova: {DEFAULT: {heal_instance_info_cache_interval: 60}}`` exactly as
``nova.conf`` would.  Each field is declared from the option catalogue
(:mod:`stacktwin.config.catalogue`, the one ``stacktwin check`` audits with): its default, bounds
and help are the catalogue's, so ``check`` and ``simulate`` can never disagree on a default.
Options whose default depends on the release (``heal_instance_info_cache_interval``, neutron
``rpc_workers``, ``rpc_response_max_timeout``) or on the machine (worker counts) are ``None``
here and resolved by the functions below from the scenario's release and cloud size.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stacktwin.config.calls import NeutronCalls, neutron_calls
from stacktwin.config.catalogue import option
from stacktwin.config.option import Derived, Option
from stacktwin.config.releases import CURRENT, RELEASES, release

CURRENT_RELEASE = CURRENT.name


def release_index(name: str) -> int:
    """Position of a release series (series or date name, any case); ValueError if unknown.

    The release table is the option catalogue's (:mod:`stacktwin.config.releases`).
    """
    try:
        return release(name).index
    except ValueError:
        allowed = ", ".join(r.year_name or r.name.lower() for r in RELEASES)
        raise ValueError(f"unknown release {name!r}; allowed: {allowed}") from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


def catalogued(project: str, section: str, name: str, **twin_bounds: float) -> Any:
    """A scenario field declared from the option catalogue: its default, bounds and help.

    The default is the one in force on the current release (or the code's fallback when the
    declared default is ``None``); an option whose default depends on the release or the
    machine is declared ``None`` instead and resolved per scenario (``tests/twin`` checks that
    every other default is the same on every release, so no release is simulated with another
    release's default). ``twin_bounds`` (``ge=1``) are bounds the twin needs beyond oslo's.
    """
    opt = option(project, section, name)
    default = opt.effective_default(CURRENT)
    bounds = _bounds(opt, twin_bounds)
    return Field(None if isinstance(default, Derived) else default, description=opt.help, **bounds)


def by_release(project: str, section: str, name: str, **twin_bounds: float) -> Any:
    """A scenario field whose default is resolved from the scenario's release and machines."""
    opt = option(project, section, name)
    bounds = _bounds(opt, twin_bounds)
    return Field(None, description=f"{opt.help} (None: the release's default)", **bounds)


def _bounds(opt: Option, twin_bounds: dict[str, float]) -> dict[str, Any]:
    """oslo.config's min/max of ``opt`` as pydantic bounds, then the twin's own."""
    bounds: dict[str, Any] = {}
    if opt.minimum is not None:
        bounds["ge"] = opt.minimum
    if opt.maximum is not None:
        bounds["le"] = opt.maximum
    bounds.update(twin_bounds)
    return bounds


class NovaDefault(_Section):
    """nova.conf ``[DEFAULT]``."""

    heal_instance_info_cache_interval: int | None = by_release(
        "nova", "DEFAULT", "heal_instance_info_cache_interval"
    )
    vif_plugging_timeout: int = catalogued("nova", "DEFAULT", "vif_plugging_timeout")
    vif_plugging_is_fatal: bool = catalogued("nova", "DEFAULT", "vif_plugging_is_fatal")
    osapi_compute_workers: int | None = by_release("nova", "DEFAULT", "osapi_compute_workers")
    max_concurrent_builds: int = catalogued("nova", "DEFAULT", "max_concurrent_builds")
    executor_thread_pool_size: int = catalogued(
        "nova", "DEFAULT", "executor_thread_pool_size", ge=1
    )
    periodic_fuzzy_delay: int = catalogued("nova", "DEFAULT", "periodic_fuzzy_delay")


class NovaConductor(_Section):
    """nova.conf ``[conductor]``."""

    workers: int | None = by_release("nova", "conductor", "workers", ge=1)


class NovaScheduler(_Section):
    """nova.conf ``[scheduler]``."""

    max_attempts: int = catalogued("nova", "scheduler", "max_attempts")


class NovaServiceUser(_Section):
    """nova.conf ``[service_user]`` (nova-compute's service token)."""

    send_service_user_token: bool = catalogued("nova", "service_user", "send_service_user_token")


class NovaDatabase(_Section):
    """nova.conf ``[database]``: the QueuePool of each nova-conductor and nova-api process."""

    max_pool_size: int = catalogued("nova", "database", "max_pool_size", ge=0)
    max_overflow: int = catalogued("nova", "database", "max_overflow", ge=-1)
    pool_timeout: int = catalogued("nova", "database", "pool_timeout", ge=1)
    connection_recycle_time: int = catalogued("nova", "database", "connection_recycle_time")


class NovaSettings(_Section):
    """nova.conf sections the twin reads."""

    DEFAULT: NovaDefault = Field(default_factory=NovaDefault)
    conductor: NovaConductor = Field(default_factory=NovaConductor)
    scheduler: NovaScheduler = Field(default_factory=NovaScheduler)
    service_user: NovaServiceUser = Field(default_factory=NovaServiceUser)
    database: NovaDatabase = Field(default_factory=NovaDatabase)


class NeutronDefault(_Section):
    """neutron.conf ``[DEFAULT]``."""

    api_workers: int | None = by_release("neutron", "DEFAULT", "api_workers")
    rpc_workers: int | None = by_release("neutron", "DEFAULT", "rpc_workers", ge=1)
    rpc_state_report_workers: int = catalogued("neutron", "DEFAULT", "rpc_state_report_workers")
    send_events_interval: int = catalogued("neutron", "DEFAULT", "send_events_interval")
    notify_nova_on_port_status_changes: bool = catalogued(
        "neutron", "DEFAULT", "notify_nova_on_port_status_changes"
    )
    executor_thread_pool_size: int = catalogued(
        "neutron", "DEFAULT", "executor_thread_pool_size", ge=1
    )
    rpc_response_timeout: int = catalogued("neutron", "DEFAULT", "rpc_response_timeout", ge=1)
    rpc_response_max_timeout: int | None = by_release(
        "neutron", "DEFAULT", "rpc_response_max_timeout", ge=1
    )
    agent_down_time: int = catalogued("neutron", "DEFAULT", "agent_down_time")


class NeutronDatabase(_Section):
    """neutron.conf ``[database]`` (oslo.db pool options, SQLAlchemy QueuePool)."""

    max_pool_size: int = catalogued("neutron", "database", "max_pool_size", ge=0)
    max_overflow: int = catalogued("neutron", "database", "max_overflow", ge=-1)
    pool_timeout: int = catalogued("neutron", "database", "pool_timeout", ge=1)
    connection_recycle_time: int = catalogued("neutron", "database", "connection_recycle_time")


class NeutronRabbit(_Section):
    """neutron.conf ``[oslo_messaging_rabbit]``."""

    rpc_conn_pool_size: int = catalogued("neutron", "oslo_messaging_rabbit", "rpc_conn_pool_size")


class NeutronKeystoneAuthtoken(_Section):
    """neutron.conf ``[keystone_authtoken]`` (keystonemiddleware ``auth_token``)."""

    memcached_servers: str | None = catalogued("neutron", "keystone_authtoken", "memcached_servers")
    token_cache_time: int = catalogued("neutron", "keystone_authtoken", "token_cache_time")
    http_connect_timeout: int | None = catalogued(
        "neutron", "keystone_authtoken", "http_connect_timeout", ge=1
    )


class NeutronAgent(_Section):
    """``[agent]`` of the OVS agent configuration."""

    polling_interval: int = catalogued("neutron", "agent", "polling_interval")
    report_interval: float = catalogued("neutron", "agent", "report_interval", gt=0)
    root_helper_daemon: str | None = catalogued("neutron", "agent", "root_helper_daemon")


class NeutronSecurityGroup(_Section):
    """``[securitygroup]`` of the OVS agent configuration."""

    firewall_driver: Literal["openvswitch", "iptables_hybrid", "noop"] = catalogued(
        "neutron", "securitygroup", "firewall_driver"
    )


class NeutronSettings(_Section):
    """neutron.conf / openvswitch_agent.ini sections the twin reads."""

    DEFAULT: NeutronDefault = Field(default_factory=NeutronDefault)
    database: NeutronDatabase = Field(default_factory=NeutronDatabase)
    oslo_messaging_rabbit: NeutronRabbit = Field(default_factory=NeutronRabbit)
    keystone_authtoken: NeutronKeystoneAuthtoken = Field(default_factory=NeutronKeystoneAuthtoken)
    agent: NeutronAgent = Field(default_factory=NeutronAgent)
    securitygroup: NeutronSecurityGroup = Field(default_factory=NeutronSecurityGroup)


def heal_interval_default(name: str) -> int:
    """The catalogue's default: 60 s up to 2024.2, -1 from 2025.1 (nova b3f8815720)."""
    default = option("nova", "DEFAULT", "heal_instance_info_cache_interval").default_for(
        release(name)
    )
    assert isinstance(default, int)
    return default


def neutron_calls_of(name: str) -> NeutronCalls:
    """The Neutron calls nova makes on release ``name``: the table ``check`` uses too."""
    return neutron_calls(release(name))


def rpc_max_timeout(name: str, settings: NeutronDefault) -> float:
    """The cap of the agents' doubling RPC timeout: ``rpc_response_max_timeout`` from Stein
    (neutron 14.0.0 ``set_max_timeout``), before it 10 × ``rpc_response_timeout``
    (``_BackingOffContextWrapper.get_max_timeout`` in neutron 13.0.0 ``common/rpc.py``)."""
    if settings.rpc_response_max_timeout is not None:
        return float(settings.rpc_response_max_timeout)
    default = option("neutron", "DEFAULT", "rpc_response_max_timeout").default_for(release(name))
    if isinstance(default, int):
        return float(default)
    return 10.0 * settings.rpc_response_timeout


def neutron_api_workers_default(cores: int, ram_gib: int) -> int:
    """neutron ``_get_worker_count()``: min(CPUs, RAM / 2 GiB), at least 1."""
    return max(1, min(cores, ram_gib // 2))


def neutron_rpc_workers_default(name: str, cores: int, ram_gib: int) -> int:
    """The catalogue's rule: 1 up to Rocky; api_workers/2 from Stein (7e09b25b96)."""
    default = option("neutron", "DEFAULT", "rpc_workers").default_for(release(name))
    if default is Derived.HALF_NEUTRON_WORKERS:
        return max(1, neutron_api_workers_default(cores, ram_gib) // 2)
    assert isinstance(default, int)
    return default
