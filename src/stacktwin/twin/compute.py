"""nova-compute on one host: builds, the vif-plugged wait, external events, heal, deletes.

The build follows ``ComputeManager._do_build_and_run_instance`` and libvirt's
``_create_guest_with_network`` (dossier §1.1, §1.3):

1. wait for the build semaphore (``max_concurrent_builds``), claim;
2. allocate the network in the background (``POST ports``, ``PUT ports`` with
   ``binding:host_id``, then the ``_build_network_info_model`` GETs) while block devices and
   the image are prepared;
3. expect one ``network-vif-plugged`` per port that was not ACTIVE when the network info was
   built ("Preparing to wait"), plug the VIFs (the port appears to the OVS agent), create the
   guest paused;
4. wait for all the events with one overall deadline of ``vif_plugging_timeout`` seconds that
   starts *now*, after plug and domain creation;
5. on time: resume, running, ACTIVE.  On the deadline with ``vif_plugging_is_fatal``: destroy
   the guest, delete the ports, ERROR, no reschedule; without it: resume anyway.

Events are not buffered: one that arrives with no waiter is dropped ("Received unexpected
event").  A restart of nova-compute puts the builds in flight in ERROR, forgets the waiters and
restarts the heal rotation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stacktwin.boots import Milestone, Outcome
from stacktwin.twin.engine import ProcessGenerator, Timeout
from stacktwin.twin.notifier import NETWORK_CHANGED, VIF_PLUGGED, NovaEvent
from stacktwin.twin.resources import Resource
from stacktwin.twin.state import BuildState, Port

if TYPE_CHECKING:
    from stacktwin.twin.model import Twin

VIF_TIMEOUT = "vif_plugging_timeout"


class Compute:
    """The nova-compute service of one host."""

    __slots__ = (
        "build_sem",
        "generation",
        "host",
        "in_flight",
        "instances",
        "rpc_exec",
        "twin",
        "vm_ports",
        "waiters",
    )

    def __init__(self, twin: Twin, host: int, instances: int) -> None:
        self.twin = twin
        self.host = host
        self.instances = instances
        self.vm_ports: list[list[Port]] = []  # ports of VMs booted during the run
        self.waiters: dict[Port, BuildState] = {}
        self.in_flight: dict[BuildState, None] = {}  # ordered: deterministic
        self.generation = 0
        self.build_sem: Resource | None = None
        self.rpc_exec: Resource
        self._fresh_process()
        twin.env.process(self._heal_loop(self.generation, first_run=True))

    def _fresh_process(self) -> None:
        d = self.twin.scenario.nova.DEFAULT
        env = self.twin.env
        limit = d.max_concurrent_builds
        self.build_sem = Resource(env, limit, name="build") if limit else None
        self.rpc_exec = Resource(env, d.executor_thread_pool_size, name="compute.executor")

    # -- build ------------------------------------------------------------------------------------
    def build_and_run_instance(self, state: BuildState) -> None:
        """The ``build_and_run_instance`` cast arrives; the build runs in its own thread."""
        state.compute = self
        self.in_flight[state] = None
        self.twin.env.process(self._build(state))

    def _build(self, state: BuildState) -> ProcessGenerator:
        twin = self.twin
        env = twin.env
        costs = twin.costs
        d = twin.scenario.nova.DEFAULT
        sem = self.build_sem
        req = None
        if sem is not None:
            req = sem.request()
            yield req
        if state.aborted:
            return
        state.mark(Milestone.BUILD_STARTED, env.now)
        yield Timeout(twin.service(costs.compute_claim, "compute"))
        spawn_start = env.now  # "Start spawning the instance on the hypervisor." follows
        alloc = env.process(self._allocate(state))
        yield Timeout(twin.service(costs.compute_spawn_prepare, "compute"))
        failure = yield alloc
        if state.aborted:
            return
        if failure is not None:
            yield from self._abort_build(state, failure, plugged=False)
            self._done(state, sem, req)
            return
        expected = [p for p in state.ports if p.status != "ACTIVE"]
        waiting = bool(d.vif_plugging_timeout and expected)
        if waiting:
            state.wait = env.event()
            state.pending = len(expected)
            for port in expected:
                self.waiters[port] = state
            state.mark(Milestone.WAIT_PREPARED, env.now)
        yield Timeout(twin.service(costs.compute_plug_vifs, "compute"))
        if state.aborted:
            return
        agent = twin.agents[self.host]
        for port in state.ports:
            agent.port_plugged(port)
        yield Timeout(twin.service(costs.compute_create_domain, "compute"))
        if state.aborted:
            return
        if waiting and state.wait is not None:
            env.schedule(float(d.vif_plugging_timeout), self._deadline, state)
            result = yield state.wait
            if state.aborted or result == "cancelled":
                return
            if result == "timeout":
                twin.counters["nova.vif_plugging_timeouts"] += 1
                for port in expected:
                    if self.waiters.get(port) is state:
                        del self.waiters[port]
                state.boot.reason = VIF_TIMEOUT
                if d.vif_plugging_is_fatal:
                    yield from self._abort_build(state, VIF_TIMEOUT, plugged=True)
                    self._done(state, sem, req)
                    return
        yield Timeout(twin.service(costs.compute_resume, "compute"))
        if state.aborted:
            return
        state.mark(Milestone.RUNNING, env.now)
        state.finish(Outcome.ACTIVE, env.now, state.boot.reason)
        # "Took N seconds to spawn the instance on the hypervisor" / "... to build instance"
        state.boot.spawn_seconds = env.now - spawn_start
        state.boot.build_seconds = env.now - state.boot.milestones[Milestone.BUILD_STARTED.value]
        self.instances += 1
        self.vm_ports.append(state.ports)
        self._done(state, sem, req)

    def _done(self, state: BuildState, sem: Resource | None, req: object) -> None:
        self.in_flight.pop(state, None)
        if sem is not None and sem is self.build_sem:
            sem.release(req)  # type: ignore[arg-type]

    def _allocate(self, state: BuildState) -> ProcessGenerator:
        """``_allocate_network_async``: returns None, or why the allocation failed."""
        neutron = self.twin.neutron
        for port in state.ports:
            ok = yield from neutron.create_port(port)
            if not ok:
                return "neutron_api_error"
            failure = yield from neutron.update_port_binding(port, self.host)
            if failure is not None:
                return failure
        for _ in range(self.twin.boot_gets):  # list_networks + the query set (config/calls.py)
            ok = yield from neutron.api_get("boot")
            if not ok:
                return "neutron_api_error"
        return None

    def _deadline(self, state: BuildState) -> None:
        if state.wait is not None:
            state.wait.try_succeed("timeout")

    def _abort_build(self, state: BuildState, reason: str, plugged: bool) -> ProcessGenerator:
        """``BuildAbortException``: destroy the guest, delete the ports, instance ERROR."""
        twin = self.twin
        if plugged:
            yield Timeout(twin.service(twin.costs.compute_destroy, "compute"))
            agent = twin.agents[self.host]
            for port in state.ports:
                agent.port_unplugged(port)
        for port in state.ports:
            if port.status != "DELETED":
                yield from twin.neutron.delete_port(port)
        state.finish(Outcome.ERROR, twin.env.now, reason)

    # -- external events -------------------------------------------------------------------------
    def external_instance_event(self, events: list[NovaEvent]) -> None:
        """The ``external_instance_event`` cast from nova-api arrives."""
        self.twin.env.process(self._handle_events(events, self.rpc_exec))

    def _handle_events(self, events: list[NovaEvent], executor: Resource) -> ProcessGenerator:
        twin = self.twin
        req = executor.request()
        yield req
        for name, port in events:
            if name == NETWORK_CHANGED:
                for _ in range(twin.network_changed_calls):
                    yield from twin.neutron.api_get("network-changed")
            else:
                yield Timeout(twin.service(twin.costs.compute_event_dispatch, "compute"))
                if name == VIF_PLUGGED:
                    self._dispatch_vif_plugged(port)
        executor.release(req)

    def _dispatch_vif_plugged(self, port: Port) -> None:
        state = self.waiters.pop(port, None)
        twin = self.twin
        if state is None or state.wait is None:
            twin.counters["nova.events_unexpected"] += 1  # "Received unexpected event"
            return
        state.mark(Milestone.EVENT_RECEIVED, twin.env.now)
        state.pending -= 1
        if state.pending <= 0:
            state.wait.try_succeed("ok")

    # -- delete -----------------------------------------------------------------------------------
    def terminate_instance(self, _: object = None) -> None:
        """``terminate_instance`` cast: runs in an RPC executor thread."""
        self.twin.env.process(self._terminate(self.rpc_exec))

    def _terminate(self, executor: Resource) -> ProcessGenerator:
        twin = self.twin
        if self.instances <= 0:
            return
        self.instances -= 1
        rng = twin.rng("delete-pick")
        ports: list[Port | None]
        if self.vm_ports and rng.random() * (self.instances + 1) < len(self.vm_ports):
            ports = list(self.vm_ports.pop(rng.randrange(len(self.vm_ports))))
        else:
            ports = [None] * twin.scenario.cloud.ports_per_vm
        req = executor.request()
        yield req
        yield Timeout(twin.service(twin.costs.compute_destroy, "compute"))
        agent = twin.agents[self.host]
        for port in ports:
            agent.port_unplugged(port)
        for port in ports:
            yield from twin.neutron.delete_port(port)
        executor.release(req)
        twin.counters["nova.deleted"] += 1

    # -- heal -------------------------------------------------------------------------------------
    def _heal_loop(self, generation: int, first_run: bool) -> ProcessGenerator:
        """``_heal_instance_info_cache``: one instance refreshed per interval (dossier §4)."""
        twin = self.twin
        interval = twin.heal_interval
        if interval <= 0:
            return
        rng = twin.rng("heal")
        if first_run:  # the cloud was running before: a random phase in the rotation
            yield Timeout(rng.uniform(0.0, interval))
        else:  # first run after a restart: spacing + periodic_fuzzy_delay
            fuzzy = twin.scenario.nova.DEFAULT.periodic_fuzzy_delay
            yield Timeout(interval + rng.uniform(0.0, fuzzy))
        calls = twin.heal_calls
        neutron = twin.neutron
        cost = twin.costs.neutron_get
        counters = twin.counters
        while generation == self.generation:
            start = twin.env.now
            if self.instances > 0:
                counters["nova.heal_refreshes"] += 1
                for _ in range(calls):  # sequential GETs, each to the next API worker
                    counters["neutron.api.heal"] += 1
                    yield from neutron.api_process().work(cost)
            wait = start + interval - twin.env.now
            if wait > 0:
                yield Timeout(wait)

    # -- restart ----------------------------------------------------------------------------------
    def restart(self, _: object = None) -> None:
        """nova-compute restarts: builds in flight go ERROR, waiters and rotation are lost."""
        twin = self.twin
        self.generation += 1
        twin.counters["nova.compute_restarts"] += 1
        for state in list(self.in_flight):
            state.aborted = True
            if state.wait is not None:
                state.wait.try_succeed("cancelled")
            state.finish(Outcome.ERROR, twin.env.now, "compute_restarted")
        self.in_flight.clear()
        self.waiters.clear()
        self._fresh_process()
        twin.env.process(self._heal_loop(self.generation, first_run=False))
