"""How much database work each call does: statements and transactions, one table for the twin.

The counts are the dossier's measurement [M3] (``docs/domain/control-plane-capacity.md``
§1.3): neutron's own unit-test harness (ML2 + openvswitch) against a real MariaDB,
instrumented with SQLAlchemy events; "transactions" are pool checkouts.  The counts are per
call and constant in the number of objects listed (neutron asserts this in its own tests,
[C22]).  Calls the dossier did not measure are marked ``assumption`` with the reasoning.

A *write* call commits changes; its transactions pay the commit cost and can deadlock
(:attr:`stacktwin.twin.scenario.Cloud.db_deadlock_probability`); a read ends with the pool's
``ROLLBACK`` on return (``reset_on_return``, [C5:79]).

The GETs nova makes in one network-info refresh follow ``_build_network_info_model``
(:mod:`stacktwin.config.calls`, whose counts these sequences reproduce): the instance's
ports, its networks, then per port its floating IPs, subnets, the subnets' DHCP ports and,
from Rocky, two ``show_network`` physnet lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from stacktwin.config.calls import NeutronCalls


@dataclass(frozen=True, eq=False)  # identity: hashed on the hot path (DbSite.plan)
class DbCall:
    """The DB work of one call: ``statements`` sent in ``transactions`` checkouts."""

    name: str
    statements: int
    transactions: int
    write: bool
    source: str

    @property
    def per_transaction(self) -> float:
        """Statements per transaction (spread evenly: [M3] gives only the totals)."""
        return self.statements / self.transactions


@lru_cache(maxsize=256)
def scaled(call: DbCall, times: int) -> DbCall:
    """``call`` made ``times`` times in one handler (a batch of devices, one by one)."""
    if times == 1:
        return call
    return DbCall(
        f"{call.name} x{times}", call.statements * times, call.transactions * times,
        call.write, call.source,
    )  # fmt: skip


# -- neutron REST API (as nova issues it) --------------------------------------------------------
GET_PORTS = DbCall("GET ports", 8, 1, False, "[M3] GET /v2.0/ports?device_id=X")
GET_NETWORKS = DbCall("GET networks", 24, 1, False, "[M3] GET /v2.0/networks?id=N")
GET_FLOATINGIPS = DbCall(
    "GET floatingips", 2, 1, False, "[M3] floating IPs by fixed_ip_address+port_id"
)
GET_SUBNETS = DbCall("GET subnets", 11, 1, False, "[M3] GET /v2.0/subnets?id=S")
GET_DHCP_PORTS = DbCall(
    "GET dhcp ports", 8, 1, False, "[M3] GET /v2.0/ports?network_id=N&device_owner=network:dhcp"
)
SHOW_NETWORK = DbCall("GET network", 24, 1, False, "[M3] GET /v2.0/networks/N?fields=provider:…")
CREATE_PORT = DbCall("POST ports", 109, 4, True, "[M3] POST /v2.0/ports (unbound)")
UPDATE_PORT_BINDING = DbCall(
    "PUT port binding", 132, 9, True, "[M3] PUT /v2.0/ports/P with binding:host_id (OVS)"
)
DELETE_PORT = DbCall(
    "DELETE port",
    60,
    4,
    True,
    "assumption: not measured; about half a POST's statements (the port, its IP allocations, "
    "binding and provisioning rows) in as many transactions",
)
# -- neutron RPC handlers ------------------------------------------------------------------------
UPDATE_DEVICE_UP = DbCall(
    "update_device_list up",
    51,
    9,
    True,
    "[M3] RPC update_device_list(devices_up=[P]), BUILD->ACTIVE",
)
UPDATE_DEVICE_NOOP = DbCall(
    "update_device_list up (ACTIVE)",
    8,
    1,
    False,
    "assumption: not measured; a port already ACTIVE: the port and its binding read in one "
    "transaction, no status change, no provisioning (as a GET ports)",
)
UPDATE_DEVICE_DOWN = DbCall(
    "update_device_list down",
    30,
    5,
    True,
    "assumption: not measured; status DOWN and the l2pop lookups, about half the up call",
)
GET_DEVICES_DETAILS = DbCall(
    "get_devices_details_list_and_failed_devices",
    39,
    2,
    False,
    "[M3] RPC get_devices_details_list_and_failed_devices (1 device)",
)
REPORT_STATE = DbCall(
    "report_state",
    3,
    1,
    True,
    "assumption: not measured; the agents row read, its heartbeat_timestamp/configurations "
    "UPDATE and the is_active check (AgentDbMixin._create_or_update_agent)",
)
DHCP_READY = DbCall(
    "dhcp_ready_on_ports",
    12,
    3,
    True,
    "assumption: not measured; provisioning_complete per call: the provisioning block DELETE, "
    "the remaining-blocks check and the port status UPDATE",
)
# -- nova-conductor ------------------------------------------------------------------------------
SCHEDULE_AND_BUILD = DbCall(
    "schedule_and_build_instances",
    40,
    6,
    True,
    "assumption: not measured (the dossier lacks nova counts); request spec, build request, "
    "instance create, block device mappings, instance mapping and the cell lookup",
)
RESCHEDULE = DbCall(
    "build_instances (reschedule)",
    10,
    2,
    True,
    "assumption: not measured; populate_retry's request spec and the instance save, and the "
    "alternate host's allocation (placement's own database is not modelled)",
)
EXTERNAL_EVENTS = DbCall(
    "os-server-external-events",
    2,
    2,
    False,
    "assumption: not measured; nova 27.1.0 api/openstack/compute/server_external_events.py "
    "create(): InstanceMappingList.get_by_instance_uuids on the API database, then "
    "InstanceList.get_by_filters (expected_attrs info_cache, migration_context) in the cell, "
    "each its own reader transaction; compute/api.py external_instance_event reads a Migration "
    "only for an instance being migrated (none during a boot)",
)
HEAL_CONDUCTOR_RPC = DbCall(
    "heal conductor RPC",
    3,
    1,
    False,
    "assumption: not measured (dossier §4.1, UNVERIFIED); each of Instance.get_by_uuid, "
    "the info-cache refresh, the VIF list, info_cache.save is about one indexed lookup with "
    "its joins in one transaction",
)
HEAL_LOOKUPS = 3
"""Heal's conductor RPCs before its Neutron GETs: ``Instance.get_by_uuid``, the info-cache
refresh, the VIF list (dossier §4.1: ≈4 conductor RPCs per heal, UNVERIFIED count)."""
HEAL_SAVES = 1
"""Heal's conductor RPC after the GETs: ``info_cache.save`` (the 4th of §4.1's ≈4)."""


def nw_info_gets(calls: NeutronCalls, ports: int) -> tuple[DbCall, ...]:
    """The GETs of one ``_build_network_info_model`` over ``ports`` ports."""
    per_port = (GET_FLOATINGIPS, GET_SUBNETS, GET_DHCP_PORTS) + (
        SHOW_NETWORK,
    ) * calls.physnet_lookups
    gets = (GET_PORTS, GET_NETWORKS) + per_port * ports
    assert len(gets) == calls.nw_info(ports)
    return gets


def heal_gets(calls: NeutronCalls, ports: int) -> tuple[DbCall, ...]:
    """A heal refresh: ``_require_nw_info_update``'s GET ports (Stein+), then nw_info."""
    info = nw_info_gets(calls, ports)
    gets = (GET_PORTS,) * (calls.heal_refresh(ports) - len(info)) + info
    assert len(gets) == calls.heal_refresh(ports)
    return gets


def boot_gets(calls: NeutronCalls, ports: int) -> tuple[DbCall, ...]:
    """A boot's GETs: ``list_networks`` to validate, then nw_info once."""
    gets = (GET_NETWORKS, *nw_info_gets(calls, ports))
    assert len(gets) == calls.boot_gets(ports)
    return gets


def changed_gets(calls: NeutronCalls, ports: int) -> tuple[DbCall, ...]:
    """The refresh of a ``network-changed`` event (the named port only, from Rocky)."""
    n = calls.network_changed(ports)
    refreshed = 1 if n == calls.nw_info(1) else ports
    gets = nw_info_gets(calls, refreshed)
    assert len(gets) == n
    return gets
