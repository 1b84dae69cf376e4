"""The twin: wires the components of a scenario together and runs them.

>>> from stacktwin.twin import load_scenario, run_scenario
>>> result = run_scenario(load_scenario("all-in-one"))      # doctest: +SKIP
>>> result.summary["outcomes"]                                # doctest: +SKIP

Randomness comes from named streams derived from the scenario seed (``Twin.rng``), one per
mechanism (boot arrivals, scheduler, heal phases, ...), so switching one mechanism off does not
shift the random numbers any other mechanism draws.
"""

from __future__ import annotations

import hashlib
import random
import time
import zlib
from collections import Counter
from collections.abc import Callable

from stacktwin.boots import Boot, Outcome
from stacktwin.twin.agent import DhcpAgent, OvsAgent
from stacktwin.twin.compute import Compute
from stacktwin.twin.engine import Environment
from stacktwin.twin.neutron import NeutronCluster
from stacktwin.twin.nova import Conductor, NovaApi
from stacktwin.twin.results import Sampler, TwinResult, collect_components
from stacktwin.twin.scenario import Scenario
from stacktwin.twin.settings import heal_interval_default, neutron_calls_of
from stacktwin.twin.state import BuildState, Port
from stacktwin.twin.variates import LognormalFactors
from stacktwin.twin.workload import start_workload

Progress = Callable[[float, float, dict[str, int]], None]


class Twin:
    """One run of one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.costs = scenario.model.costs
        self.env = Environment()
        self.counters: Counter[str] = Counter()
        self._rngs: dict[str, random.Random] = {}
        self._factors: dict[str, LognormalFactors] = {}
        heal = scenario.nova.DEFAULT.heal_instance_info_cache_interval
        self.heal_interval = heal if heal is not None else heal_interval_default(scenario.release)
        calls = neutron_calls_of(scenario.release)
        ports = scenario.cloud.ports_per_vm
        self.heal_calls = calls.heal_refresh(ports)
        self.boot_gets = calls.boot_gets(ports)
        self.network_changed_calls = calls.network_changed(ports)
        self.states: list[BuildState] = []
        self.outcomes: Counter[str] = Counter()  # ended boots by outcome (BuildState.finish)
        cloud = scenario.cloud
        self.neutron = NeutronCluster(self)
        self.nova_api = NovaApi(self)
        self.conductor = Conductor(self)
        self.dhcp_agents = [DhcpAgent(self, i) for i in range(cloud.dhcp_agents)]
        base, extra = divmod(cloud.instances, cloud.hosts)
        self.agents: list[OvsAgent] = []
        self.computes: list[Compute] = []
        for host in range(cloud.hosts):
            vms = base + (1 if host < extra else 0)
            self.agents.append(OvsAgent(self, host, vms * cloud.ports_per_vm))
            self.computes.append(Compute(self, host, vms))
        self.sampler = Sampler(self)
        start_workload(self)

    # -- helpers used by the components --------------------------------------------------------
    def rng(self, stream: str) -> random.Random:
        """The random stream of one mechanism, derived from the scenario seed."""
        rng = self._rngs.get(stream)
        if rng is None:
            digest = hashlib.sha256(f"{self.scenario.seed}/{stream}".encode()).digest()
            rng = random.Random(int.from_bytes(digest[:8], "big"))
            self._rngs[stream] = rng
        return rng

    def factors(self, stream: str) -> LognormalFactors:
        """The service-time factors of one mechanism (lognormal, mean 1, ``service_cv``)."""
        factors = self._factors.get(stream)
        if factors is None:
            digest = hashlib.sha256(f"{self.scenario.seed}/service/{stream}".encode()).digest()
            factors = LognormalFactors(int.from_bytes(digest[:8], "big"), self.costs.service_cv)
            self._factors[stream] = factors
        return factors

    def service(self, mean: float, stream: str) -> float:
        """A service time of mean ``mean``: lognormal with the scenario's ``service_cv``."""
        if mean <= 0.0:
            return 0.0
        return mean * self.factors(stream)()

    @staticmethod
    def host_name(host: int) -> str:
        """The name of compute host number ``host``."""
        return f"compute-{host:05d}"

    def dhcp_for(self, port: Port) -> DhcpAgent:
        """The DHCP agent hosting the port's network."""
        return self.dhcp_agents[zlib.crc32(port.id.encode()) % len(self.dhcp_agents)]

    def pick_host_with_instances(self) -> int | None:
        """A random host that runs at least one VM (for deletions)."""
        rng = self.rng("delete-host")
        hosts = self.scenario.cloud.hosts
        for _ in range(64):
            host = rng.randrange(hosts)
            if self.computes[host].instances > 0:
                return host
        return None

    def new_boot(self) -> BuildState:
        """A user asks for a VM: ``POST /servers`` reaches nova-api."""
        n = len(self.states) + 1
        boot = Boot(instance=f"vm-{n:06d}", origin="simulate")
        state = BuildState(boot, self.outcomes)
        for k in range(self.scenario.cloud.ports_per_vm):
            port = Port(f"port-{n:06d}-{k}", state)
            state.ports.append(port)
            boot.ports.append(port.id)
        self.states.append(state)
        self.env.process(self.nova_api.create_server(state))
        return state

    def tally(self) -> dict[str, int]:
        """Boots requested / active / error so far."""
        return {
            "requested": len(self.states),
            "active": self.outcomes[Outcome.ACTIVE.value],
            "error": self.outcomes[Outcome.ERROR.value],
        }

    # -- running ----------------------------------------------------------------------------------
    def run(self, progress: Progress | None = None, step: float = 60.0) -> TwinResult:
        """Run to the scenario's end time and return what was measured."""
        end = self.scenario.end_time()
        wall = time.perf_counter()
        t = 0.0
        while t < end:
            t = min(end, t + step)
            self.env.run(until=t)
            if progress is not None:
                progress(t, end, self.tally())
        wall = time.perf_counter() - wall
        boots = [s.boot for s in self.states]
        return TwinResult(
            scenario=self.scenario,
            boots=boots,
            components=collect_components(self),
            load=dict(sorted(self.counters.items())),
            timeseries=self.sampler.series,
            events=self.env.events,
            wall_seconds=wall,
        )


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> TwinResult:
    """Build the twin for a scenario and run it."""
    return Twin(scenario).run(progress)
