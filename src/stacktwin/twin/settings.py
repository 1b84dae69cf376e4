"""OpenStack settings the twin obeys, written as OpenStack writes them.

A scenario says ``nova: {DEFAULT: {heal_instance_info_cache_interval: 60}}`` exactly as
``nova.conf`` would.  Each option carries its OpenStack default and the code it comes from
(see ``docs/scenarios.md`` for the full table with sources).  Options whose default depends on
the release (``heal_instance_info_cache_interval``, neutron ``rpc_workers``) or on the machine
(worker counts) are ``None`` here and resolved by :func:`resolve` from the scenario's release
and cloud size.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stacktwin.config.catalogue import option
from stacktwin.config.load import gets_per_refresh
from stacktwin.config.option import Derived
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
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class NovaDefault(_Section):
    """nova.conf ``[DEFAULT]``."""

    heal_instance_info_cache_interval: int | None = Field(
        None, description="seconds; None = release default (60 up to 2024.2, -1 from 2025.1)"
    )
    vif_plugging_timeout: int = Field(300, ge=0, description="seconds; 0 = do not wait")
    vif_plugging_is_fatal: bool = True
    osapi_compute_workers: int | None = Field(None, ge=1, description="per API node; None = cores")
    max_concurrent_builds: int = Field(10, ge=0, description="per compute host; 0 = unlimited")
    executor_thread_pool_size: int = Field(64, ge=1)
    periodic_fuzzy_delay: int = Field(60, ge=0)


class NovaConductor(_Section):
    """nova.conf ``[conductor]``."""

    workers: int | None = Field(None, ge=1, description="per conductor node; None = cores")


class NovaSettings(_Section):
    """nova.conf sections the twin reads."""

    DEFAULT: NovaDefault = Field(default_factory=NovaDefault)
    conductor: NovaConductor = Field(default_factory=NovaConductor)


class NeutronDefault(_Section):
    """neutron.conf ``[DEFAULT]``."""

    api_workers: int | None = Field(None, ge=1, description="per server; None = min(cores, RAM/2G)")
    rpc_workers: int | None = Field(None, ge=1, description="per server; None = release default")
    rpc_state_report_workers: int = Field(1, ge=0)
    send_events_interval: int = Field(2, ge=1)
    notify_nova_on_port_status_changes: bool = True
    executor_thread_pool_size: int = Field(64, ge=1)
    rpc_response_timeout: int = Field(60, ge=1)
    rpc_response_max_timeout: int = Field(600, ge=1)
    agent_down_time: int = Field(75, ge=1)


class NeutronDatabase(_Section):
    """neutron.conf ``[database]`` (oslo.db pool options, SQLAlchemy QueuePool)."""

    max_pool_size: int = Field(5, ge=0, description="0 = no limit")
    max_overflow: int = Field(50, ge=-1, description="-1 = no limit")
    pool_timeout: int = Field(30, ge=1, description="seconds a checkout waits")


class NeutronAgent(_Section):
    """``[agent]`` of the OVS agent configuration."""

    polling_interval: int = Field(2, ge=1)
    report_interval: float = Field(30.0, gt=0)
    root_helper_daemon: str | None = Field(
        None, description="set: privileged commands go through a daemon, not a new process"
    )


class NeutronSecurityGroup(_Section):
    """``[securitygroup]`` of the OVS agent configuration."""

    firewall_driver: Literal["openvswitch", "iptables_hybrid", "noop"] = "openvswitch"


class NeutronSettings(_Section):
    """neutron.conf / openvswitch_agent.ini sections the twin reads."""

    DEFAULT: NeutronDefault = Field(default_factory=NeutronDefault)
    database: NeutronDatabase = Field(default_factory=NeutronDatabase)
    agent: NeutronAgent = Field(default_factory=NeutronAgent)
    securitygroup: NeutronSecurityGroup = Field(default_factory=NeutronSecurityGroup)


def heal_interval_default(name: str) -> int:
    """The catalogue's default: 60 s up to 2024.2, -1 from 2025.1 (nova b3f8815720)."""
    default = option("nova", "DEFAULT", "heal_instance_info_cache_interval").default_for(
        release(name)
    )
    assert isinstance(default, int)
    return default


def heal_neutron_calls(name: str) -> int:
    """Neutron GETs per heal refresh of a 1-port VM (dossier §4.3): 8 / 7 / 5, as ``check``."""
    return gets_per_refresh(release(name))


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
