"""How many Neutron REST calls each nova code path makes, by release: one table for all.

``stacktwin check`` multiplies these counts by rates to state the load a configuration implies;
the twin makes exactly these calls, one by one, through its Neutron API workers. Both read them
from here, so the audit and the twin can never disagree. The counts are the dossier's
(``docs/domain/openstack-boot-path.md`` §1.2 and §4.3), read from ``nova/network/neutron.py``:

- ``_build_network_info_model`` (the *network-info query set*) lists the instance's ports
  (``GET ports?device_id``) and their networks (``GET networks?id``), then, per port, its
  floating IPs (per fixed IP), its subnets, the DHCP ports of each subnet and, from Rocky
  (nova 18.0.0), the two physnet lookups of ``_get_physnet_tunneled_info``: 7 GETs for a
  1-port, 1-IP, 1-subnet instance from Rocky, 5 on Queens and older;
- a heal refresh (``_heal_instance_info_cache``) adds ``_require_nw_info_update`` from Stein
  (one ``GET ports?device_id&fields=binding:host_id``): 8 / 7 / 5;
- a boot (``allocate_for_instance``) validates the requested networks (``list_networks``),
  creates each port (``POST ports``) and binds it (``PUT ports`` with ``binding:host_id``), then
  builds the network info once: 10 calls for a 1-port boot from Rocky, 8 before;
- a ``network-changed`` event refreshes the cache: from Rocky (537f480927) only the port the
  event names, still with the instance's port and network lists; before, the whole cache.

``GET /v2.0/extensions`` (at most once per ``[neutron] extension_sync_interval``, 600 s) is left
out: it does not scale with boots or hosts.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacktwin.config.releases import ROCKY, STEIN, Release

PORTS_PER_BOOT = 1
"""Ports per instance assumed by the per-boot figures of ``check`` (the dossier's typical one)."""


@dataclass(frozen=True)
class NeutronCalls:
    """The Neutron REST calls of nova's code paths on one release (1 fixed IP, 1 subnet per
    port, as the dossier's typical instance)."""

    release: Release

    @property
    def physnet_lookups(self) -> int:
        """Per port: ``networks/<id>?fields=segments`` + ``?fields=provider:*`` (Rocky+)."""
        return 2 if self.release >= ROCKY else 0

    def nw_info(self, ports: int = PORTS_PER_BOOT) -> int:
        """GETs of one ``_build_network_info_model`` over ``ports`` ports."""
        per_port = 1 + 1 + 1 + self.physnet_lookups  # floating IPs, subnets, DHCP ports
        return 2 + per_port * ports  # the instance's ports and networks, then per port

    def heal_refresh(self, ports: int = PORTS_PER_BOOT) -> int:
        """GETs of one heal refresh: ``_require_nw_info_update`` (Stein+) + the query set."""
        return (1 if self.release >= STEIN else 0) + self.nw_info(ports)

    def network_changed(self, ports: int = PORTS_PER_BOOT) -> int:
        """GETs of the refresh a ``network-changed`` event causes on nova-compute."""
        return self.nw_info(1 if self.release >= ROCKY else ports)

    def boot_gets(self, ports: int = PORTS_PER_BOOT) -> int:
        """The GETs of a boot: ``list_networks`` once, then the query set once."""
        return 1 + self.nw_info(ports)

    def boot(self, ports: int = PORTS_PER_BOOT) -> int:
        """Every call of a boot: its GETs plus ``POST ports`` and ``PUT ports`` per port."""
        return self.boot_gets(ports) + 2 * ports


def neutron_calls(rel: Release) -> NeutronCalls:
    """The call table of release ``rel``."""
    return NeutronCalls(rel)
