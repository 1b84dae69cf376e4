"""OVS firewall flow deletion: only managed ports, the remote group's conjunctions only when its
last port leaves the host, the deletion mode of each neutron release."""

from typing import Any

import pytest

from stacktwin.boots import Boot
from stacktwin.twin import parse_scenario, run_scenario
from stacktwin.twin.cloud import Cloud
from stacktwin.twin.context import Context
from stacktwin.twin.flows import FlowCosts, flow_deletion_mode, release_flow_deletion
from stacktwin.twin.state import BuildState, Port


def _one_host(instances: int, **model: Any) -> dict[str, Any]:
    return {
        "name": "one-host", "release": "2022.1", "duration": 600, "drain": 0,
        "cloud": {"hosts": 1, "instances": instances, "neutron_servers": 1,
                  "neutron_server_cores": 4, "nova_api_nodes": 1, "nova_api_cores": 2,
                  "dhcp_agents": 1, "remote_sg_members": 2000},
        "neutron": {"securitygroup": {"firewall_driver": "openvswitch"}},
        "model": model,
    }  # fmt: skip


def _port(cloud: Cloud, n: int) -> Port:
    state = BuildState(Boot(instance=f"vm-{n}", origin="simulate"), cloud.outcomes)
    port = Port(f"port-{n}", state)
    state.ports.append(port)
    return port


def test_a_port_never_wired_costs_no_flow_deletion() -> None:
    cloud = Cloud(parse_scenario(_one_host(0, flow_deletion="blocking")))
    agent = cloud.agents[0]
    port = _port(cloud, 1)
    agent.port_plugged(port)
    agent.port_unplugged(port)  # gone before the loop's next iteration saw it
    cloud.env.run(until=60)
    counters = cloud.ctx.counters
    assert counters["agent.port_flow_deletions"] == 0
    assert counters["agent.flow_deletions"] == 0
    assert agent.longest_iteration < 5


def test_a_wired_port_is_the_groups_last_one_on_the_host() -> None:
    cloud = Cloud(parse_scenario(_one_host(0, flow_deletion="blocking")))
    agent = cloud.agents[0]
    port = _port(cloud, 1)
    agent.port_plugged(port)
    cloud.env.run(until=30)
    assert port in agent.wired
    agent.port_unplugged(port)
    cloud.env.run(until=600)
    counters = cloud.ctx.counters
    assert counters["agent.port_flow_deletions"] == 1
    assert counters["agent.flow_deletions"] == 1
    assert agent.longest_iteration > 400  # 2000 members x 0.25 s


def test_conjunction_cleanup_only_when_the_groups_last_port_leaves() -> None:
    cloud = Cloud(parse_scenario(_one_host(2, flow_deletion="blocking")))
    agent = cloud.agents[0]
    counters = cloud.ctx.counters
    agent.port_unplugged(None)  # one of the two VMs of the group on this host
    cloud.env.run(until=30)
    assert counters["agent.port_flow_deletions"] == 1
    assert counters["agent.flow_deletions"] == 0
    assert agent.longest_iteration < 5
    agent.port_unplugged(None)  # the last one
    cloud.env.run(until=600)
    assert counters["agent.port_flow_deletions"] == 2
    assert counters["agent.flow_deletions"] == 1
    assert agent.longest_iteration > 400


def test_failed_boots_whose_ports_were_never_wired_delete_no_flows() -> None:
    """The agent stalls on one group cleanup; boots timing out meanwhile add no stall."""
    data = _one_host(1, flow_deletion="blocking")
    data.update(duration=900, drain=400)
    data["workload"] = {
        "delete_storms": [{"start": 10, "duration": 20, "rate_per_minute": 30}],
        "boot_storms": [{"start": 60, "duration": 60, "rate_per_minute": 4}],
    }
    result = run_scenario(parse_scenario(data))
    assert result.summary["timeouts"] > 0
    assert result.load["agent.flow_deletions"] == 1
    assert result.load["agent.port_flow_deletions"] == 1


def test_ports_outside_the_group_never_take_its_conjunctions_away() -> None:
    """``remote_sg_share``: with half of the host's VMs in the group, deleting the others costs
    only their own flows; the group's conjunctions go with its last member on the host."""
    data = _one_host(4, flow_deletion="blocking")
    data["cloud"]["remote_sg_share"] = 0.5
    cloud = Cloud(parse_scenario(data))
    agent = cloud.agents[0]
    assert (agent.existing_ports, agent.existing_group) == (4, 2)
    counters = cloud.ctx.counters
    t = 0.0
    for _ in range(4):
        agent.port_unplugged(None)
        t += 600
        cloud.env.run(until=t)
    assert counters["agent.port_flow_deletions"] == 4
    assert counters["agent.flow_deletions"] == 1  # only when the second group port went
    assert agent.existing_group == 0


def test_a_booted_port_outside_the_group_is_not_counted_in_it() -> None:
    data = _one_host(0, flow_deletion="blocking")
    cloud = Cloud(parse_scenario(data))
    agent = cloud.agents[0]
    port = _port(cloud, 1)
    port.in_group = False
    agent.port_plugged(port)
    cloud.env.run(until=30)
    assert port in agent.wired and agent.group_ports() == 0
    agent.port_unplugged(port)
    cloud.env.run(until=600)
    assert cloud.ctx.counters["agent.port_flow_deletions"] == 1
    assert cloud.ctx.counters["agent.flow_deletions"] == 0
    assert agent.longest_iteration < 5


def test_the_share_decides_how_often_deletions_empty_a_host() -> None:
    """Twenty VMs a host: with every VM in the group a deletion storm never empties a host's
    group; with one VM a host in it, deleting that VM does, and the blocking deletion stalls."""
    data: dict[str, Any] = {
        "name": "share", "release": "2022.1", "duration": 900, "drain": 0,
        "cloud": {"hosts": 20, "instances": 400, "neutron_servers": 1, "dhcp_agents": 1,
                  "remote_sg_members": 2000},
        "workload": {"delete_storms": [{"start": 10, "duration": 300, "rate_per_minute": 20}]},
        "neutron": {"securitygroup": {"firewall_driver": "openvswitch"}},
        "model": {"flow_deletion": "blocking"},
    }  # fmt: skip
    everyone = run_scenario(parse_scenario(data))
    data["cloud"]["remote_sg_share"] = 0.05
    one_each = run_scenario(parse_scenario(data))
    assert everyone.load.get("agent.flow_deletions", 0) == 0
    assert one_each.load["agent.flow_deletions"] >= 1
    assert everyone.load["agent.port_flow_deletions"] > 50


@pytest.mark.parametrize(
    ("release", "mode"),
    [("ussuri", "deferred"), ("victoria", "blocking"), ("2022.1", "blocking"),
     ("zed", "deferred"), ("2023.1", "deferred")],
)  # fmt: skip
def test_the_release_decides_the_default_mode(release: str, mode: str) -> None:
    assert release_flow_deletion(release) == mode
    assert flow_deletion_mode(None, release) == (mode, None)


def test_a_mode_the_release_never_had_is_a_warning_not_an_error() -> None:
    assert flow_deletion_mode("blocking", "2023.1")[1] is not None
    assert flow_deletion_mode("deferred", "victoria")[1] is not None
    assert flow_deletion_mode("deferred", "2022.1")[1] is None  # 20.2.0 has the backport
    assert flow_deletion_mode("blocking", "2022.1")[1] is None
    data = _one_host(0, flow_deletion="blocking")
    data.update(release="2023.1", duration=10)
    result = run_scenario(parse_scenario(data))
    assert any("never had it" in note for note in result.notes)
    assert result.to_dict(with_boots=False)["notes"] == result.notes
    data["release"] = "2022.1"
    assert run_scenario(parse_scenario(data)).notes == []


def _per_member(release: str, daemon: str | None) -> float:
    data = _one_host(0, flow_deletion="blocking")
    data["release"] = release
    data["neutron"]["agent"] = {"root_helper_daemon": daemon}
    return FlowCosts(Context(parse_scenario(data))).per_member


def test_root_helper_daemon_matters_only_before_privsep_ofctl() -> None:
    assert _per_member("wallaby", "sudo neutron-rootwrap-daemon") < _per_member("wallaby", None)
    assert _per_member("xena", "sudo neutron-rootwrap-daemon") == _per_member("xena", None)
