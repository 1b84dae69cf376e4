"""Small scenarios the tests share (a dict each, as a YAML file would hold it)."""

from __future__ import annotations

from typing import Any

TINY: dict[str, Any] = {
    "name": "tiny",
    "release": "2022.1",
    "duration": 300,
    "drain": 400,
    "cloud": {
        "hosts": 3, "instances": 3, "neutron_servers": 1, "neutron_server_cores": 4,
        "nova_api_nodes": 1, "nova_api_cores": 2, "dhcp_agents": 1, "remote_sg_members": 2000,
    },
    "workload": {
        "boot_rate_per_minute": 6,
        "delete_storms": [{"start": 0.5, "duration": 6, "rate_per_minute": 30}],
    },
    "nova": {"DEFAULT": {"heal_instance_info_cache_interval": 60}},
    "neutron": {"DEFAULT": {"rpc_workers": 1}, "database": {"max_pool_size": 1},
                "securitygroup": {"firewall_driver": "openvswitch"}},
    "model": {"flow_deletion": "blocking"},
}  # fmt: skip
"""Three hosts of one VM each on Yoga (the blocking deletion's last series), a steady boot rate,
a burst of deletions, before any new port is wired, that empties hosts of the 2,000-member
remote group's VM: every production change has something to act on."""
