"""The cloud of one scenario: every component built, and wired to the peers it talks to.

Components are built in dependency order — nova-conductor and nova-api (which reach the
compute services through the shared ``computes`` list, filled last), neutron-server (which posts
its events to nova-api), the DHCP agents, then per host the OVS agent and nova-compute — and
each registers with the peers that must reach it (an OVS agent subscribes to its host's
``port_update`` casts).  The order is part of the run's determinism: processes start, and draw
from their random streams, in it.
"""

from __future__ import annotations

from collections import Counter

from stacktwin.boots import Boot, Outcome
from stacktwin.twin.agent import DhcpAgent, OvsAgent
from stacktwin.twin.compute import Compute, heal_settings
from stacktwin.twin.context import Context
from stacktwin.twin.dbclient import DbSite
from stacktwin.twin.neutron import NeutronCluster
from stacktwin.twin.nova import Conductor, NovaApi
from stacktwin.twin.scenario import Scenario
from stacktwin.twin.state import BuildState, Port


class Cloud:
    """The control plane of one run: nova, neutron, agents and the boots they handle."""

    def __init__(self, scenario: Scenario) -> None:
        self.ctx = ctx = Context(scenario)
        self.scenario = scenario
        self.env = ctx.env
        self.states: list[BuildState] = []
        self.outcomes: Counter[str] = Counter()  # ended boots by outcome (BuildState.finish)
        cloud = scenario.cloud
        self.computes: list[Compute] = []
        self.db = DbSite(ctx)  # the database server every nova and neutron pool connects to
        self.conductor = Conductor(ctx, self.computes, self.db)
        self.nova_api = NovaApi(ctx, self.conductor, self.computes, self.db)
        self.neutron = NeutronCluster(ctx, self.nova_api.external_events, self.db)
        self.dhcp_agents = [DhcpAgent(ctx, i, self.neutron) for i in range(cloud.dhcp_agents)]
        self.heal_interval, self.heal_calls = heal = heal_settings(ctx)
        base, extra = divmod(cloud.instances, cloud.hosts)
        self.agents: list[OvsAgent] = []
        self._sg_rng = ctx.rng("sg-membership")
        for host in range(cloud.hosts):
            vms = base + (1 if host < extra else 0)
            # the running VMs whose group references the remote group, by the share
            group = round(vms * cloud.remote_sg_share) * cloud.ports_per_vm
            agent = OvsAgent(ctx, host, vms * cloud.ports_per_vm, group, self.neutron)
            self.agents.append(agent)
            compute = Compute(ctx, host, vms, self.neutron, agent, heal, self.conductor.reschedule)
            compute.heal_conductor = self.conductor.heal_rpcs
            self.computes.append(compute)

    def new_boot(self, ports: int | None = None) -> BuildState:
        """A user asks for a VM with ``ports`` ports (default ``cloud.ports_per_vm``):
        ``POST /servers`` reaches nova-api."""
        n = len(self.states) + 1
        boot = Boot(instance=f"vm-{n:06d}", origin="simulate")
        state = BuildState(boot, self.outcomes)
        cloud = self.scenario.cloud
        networks = cloud.networks  # the user's VMs spread over the networks
        share = cloud.remote_sg_share
        in_group = share >= 1.0 or (share > 0.0 and self._sg_rng.random() < share)
        for k in range(self.scenario.cloud.ports_per_vm if ports is None else ports):
            port = Port(f"port-{n:06d}-{k}", state, (n + k) % networks, in_group)
            state.ports.append(port)
            boot.ports.append(port.id)
        self.states.append(state)
        self.env.process(self.nova_api.create_server(state))
        return state

    def delete_server(self) -> None:
        """A user deletes one of their running VMs: ``DELETE /servers/<id>``."""
        self.ctx.counters["workload.delete_requests"] += 1
        self.env.process(self.nova_api.delete_server())

    def restart_compute(self, host: int) -> None:
        """nova-compute restarts on ``host``."""
        self.computes[host].restart()

    def tally(self) -> dict[str, int]:
        """Boots requested / active / error so far."""
        return {
            "requested": len(self.states),
            "active": self.outcomes[Outcome.ACTIVE.value],
            "error": self.outcomes[Outcome.ERROR.value],
        }
