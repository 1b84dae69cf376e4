"""The agents' side as neutron 22.0.0 has it: the DHCP agent (``agent/dhcp/agent.py``: a pool
sized to the networks it hosts, one network's updates one at a time, ready ports reported every
0.1 s, 64 per call) and the server handling a resync's devices one by one."""

from typing import Any

from stacktwin.boots import Boot
from stacktwin.twin import parse_scenario
from stacktwin.twin.cloud import Cloud
from stacktwin.twin.kernel import ProcessGenerator
from stacktwin.twin.state import DHCP_BLOCK, BuildState, Port


def _cloud(**cloud: Any) -> Cloud:
    base = {"hosts": 2, "instances": 0, "neutron_servers": 1, "dhcp_agents": 1, **cloud}
    sc = parse_scenario({
        "name": "dhcp", "cloud": base, "model": {"costs": {"service_cv": 0.0}},
        "nova": {"DEFAULT": {"heal_instance_info_cache_interval": 0}},
    })  # fmt: skip
    return Cloud(sc)


def _ports(cloud: Cloud, networks: list[int]) -> list[Port]:
    state = BuildState(Boot(instance="vm"), cloud.outcomes)
    ports = [Port(f"p{i}", state, net) for i, net in enumerate(networks)]
    for port in ports:
        port.blocks |= DHCP_BLOCK
    return ports


def _configured(ports: list[Port]) -> int:
    return sum(1 for p in ports if not p.blocks & DHCP_BLOCK)


def test_pool_follows_the_networks_hosted() -> None:
    assert _cloud(networks=1).dhcp_agents[0].workers.capacity == 8
    assert _cloud(networks=20).dhcp_agents[0].workers.capacity == 20
    assert _cloud(networks=100).dhcp_agents[0].workers.capacity == 32
    three = _cloud(networks=100, dhcp_agents=3).dhcp_agents
    assert [a.workers.capacity for a in three] == [32, 32, 32]
    thirty = _cloud(networks=30, dhcp_agents=3).dhcp_agents
    assert [a.workers.capacity for a in thirty] == [10, 10, 10]


def test_one_network_is_configured_one_port_at_a_time() -> None:
    """Ten ports on one network take ten reloads in a row; on ten networks, one reload."""
    cost = 1.0  # the dhcp_port default, constant here (service_cv 0)
    for networks, done_by_3s in (([0] * 10, 2), (list(range(10)), 10)):
        cloud = _cloud(networks=10)
        assert cloud.ctx.costs.dhcp_port == cost
        agent = cloud.dhcp_agents[0]
        ports = _ports(cloud, networks)
        for port in ports:
            agent.port_created(port)
        cloud.env.run(until=3.0)
        assert _configured(ports) == done_by_3s, networks
        cloud.env.run(until=12.0)
        assert _configured(ports) == 10


def test_ready_ports_are_sent_64_per_call_on_the_tick() -> None:
    cloud = _cloud(networks=200)
    agent = cloud.dhcp_agents[0]
    ports = _ports(cloud, list(range(100)))
    for port in ports:
        agent.port_created(port)
    cloud.env.run(until=0.999)
    assert _configured(ports) == 0  # the reloads take 1 s; the pool runs 32 at once
    cloud.env.run(until=30.0)
    assert _configured(ports) == 100
    calls = cloud.ctx.counters["neutron.rpc.dhcp_ready_on_ports"]
    # 100 ports done by the pool in waves of 32: never more than 64 in one call
    assert 2 <= calls <= 100 // 32 + 2


def test_deleted_ports_reload_their_network() -> None:
    cloud = _cloud(networks=1)
    agent = cloud.dhcp_agents[0]
    [port] = _ports(cloud, [0])
    agent.port_deleted(port, 0)
    agent.port_created(port)  # queued behind the deletion's reload on the same network
    cloud.env.run(until=1.5)
    assert _configured([port]) == 0
    cloud.env.run(until=3.0)
    assert _configured([port]) == 1


def test_a_resync_yields_between_devices() -> None:
    """A resync re-reports a host's ports in one ``update_device_list``: each device is its own
    DB work, so a ``report_state`` on the same RPC process is served between two devices, not
    after the whole batch."""
    cloud = _cloud(networks=1)
    neutron = cloud.neutron
    proc = neutron.rpc[0]
    env = cloud.env
    noop = cloud.ctx.costs.rpc_update_device_noop
    done: dict[str, float] = {}

    def watch(name: str, work: ProcessGenerator) -> ProcessGenerator:
        yield env.process(work)
        done[name] = env.now

    env.process(watch("resync", neutron.update_device_list(proc, [], 200, 0)))
    env.process(watch("report", neutron.report_state(proc, 0)))
    env.run(until=1000.0)
    assert done["report"] < 5 * noop  # served within a few devices of the 200
    assert done["resync"] >= 200 * noop
