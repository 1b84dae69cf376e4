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
event").  A restart of nova-compute interrupts the builds in flight (they end in ERROR at that
moment), forgets the waiters and restarts the heal rotation.  What the dead service had already
asked of Neutron still happens: the network allocation of a build runs in its own thread, and
the teardown of a build that was already failing (its port deletions) completes.
"""

from __future__ import annotations

from collections.abc import Callable

from stacktwin.boots import Milestone, Outcome
from stacktwin.twin.agent import OvsAgent
from stacktwin.twin.context import Context
from stacktwin.twin.dbcalls import HEAL_LOOKUPS, HEAL_SAVES
from stacktwin.twin.kernel import AnyOf, Interrupt, Process, ProcessGenerator, Resource, Timeout
from stacktwin.twin.keystone import ComputeTokens
from stacktwin.twin.neutron import NeutronCluster
from stacktwin.twin.notifier import NETWORK_CHANGED, VIF_PLUGGED, NovaEvent
from stacktwin.twin.settings import heal_interval_default, neutron_calls_of
from stacktwin.twin.state import NEUTRON_API_ERROR, PORT_BINDING_FAILED, BuildState, Port

VIF_TIMEOUT = "vif_plugging_timeout"
RESTARTED = "compute_restarted"
CLEANUP_FAILED = "could_not_clean_up_failed_build"
#: failures of the network allocation that nova reschedules to another host (not a vif-plugged
#: timeout: ``VirtualInterfaceCreateException`` is a ``BuildAbortException``, no reschedule)
RESCHEDULABLE = frozenset((PORT_BINDING_FAILED, NEUTRON_API_ERROR))


def host_name(host: int) -> str:
    """The name of compute host number ``host``."""
    return f"compute-{host:05d}"


def heal_settings(ctx: Context) -> tuple[float, int]:
    """``heal_instance_info_cache_interval`` (s, <= 0: off) and the Neutron GETs per refresh
    (the call table of ``config/calls.py``, the one ``check`` uses)."""
    sc = ctx.scenario
    heal = sc.nova.DEFAULT.heal_instance_info_cache_interval
    interval = heal if heal is not None else heal_interval_default(sc.release)
    return interval, neutron_calls_of(sc.release).heal_refresh(sc.cloud.ports_per_vm)


class Compute:
    """The nova-compute service of one host."""

    __slots__ = (
        "agent",
        "boot_gets",
        "build_sem",
        "changed_gets",
        "ctx",
        "generation",
        "heal_calls",
        "heal_conductor",
        "heal_interval",
        "host",
        "in_flight",
        "instances",
        "neutron",
        "reschedule",
        "rpc_exec",
        "tokens",
        "vm_ports",
        "waiters",
    )

    def __init__(
        self,
        ctx: Context,
        host: int,
        instances: int,
        neutron: NeutronCluster,
        agent: OvsAgent,
        heal: tuple[float, int],
        reschedule: Callable[[BuildState], None],
    ) -> None:
        self.ctx = ctx
        self.reschedule = reschedule  # the conductor's build_instances (a cast)
        self.host = host
        self.instances = instances
        self.neutron = neutron
        self.agent = agent
        self.heal_interval, self.heal_calls = heal
        #: heal's conductor RPC calls (``Conductor.heal_rpcs``), set when the cloud is wired
        self.heal_conductor: Callable[[int], ProcessGenerator] | None = None
        calls, ports = neutron_calls_of(ctx.scenario.release), ctx.scenario.cloud.ports_per_vm
        self.boot_gets = calls.boot_gets(ports)  # list_networks + the network-info query set
        self.changed_gets = calls.network_changed(ports)
        self.vm_ports: list[list[Port]] = []  # ports of VMs booted during the run
        self.waiters: dict[Port, BuildState] = {}
        # builds in flight and their thread; None once the build is tearing down (ordered: a
        # restart interrupts them in a deterministic order)
        self.in_flight: dict[BuildState, Process | None] = {}
        self.generation = 0
        self.build_sem: Resource | None = None
        self.rpc_exec: Resource
        self.tokens: ComputeTokens
        self._fresh_process(running=True)
        ctx.env.process(self._heal_loop(self.generation, first_run=True))

    def _fresh_process(self, running: bool) -> None:
        d = self.ctx.scenario.nova.DEFAULT
        env = self.ctx.env
        # nova/network/neutron.py _ADMIN_AUTH, nova/service_auth.py _SERVICE_AUTH: per process
        self.tokens = ComputeTokens(self.ctx, self.neutron.keystone, running=running)
        limit = d.max_concurrent_builds
        self.build_sem = Resource(env, limit, name="build") if limit else None
        self.rpc_exec = Resource(env, d.executor_thread_pool_size, name="compute.executor")

    # -- build ------------------------------------------------------------------------------------
    def build_and_run_instance(self, state: BuildState) -> None:
        """The ``build_and_run_instance`` cast arrives; the build runs in its own thread."""
        state.compute = self
        self.in_flight[state] = self.ctx.env.process(self._build(state))

    def _build(self, state: BuildState) -> ProcessGenerator:
        """The build thread: the build semaphore, then :meth:`_spawn`; ends on a restart."""
        sem = self.build_sem
        try:
            if sem is None:
                yield from self._spawn(state)
            else:
                with sem.request() as req:
                    yield req
                    yield from self._spawn(state)
        except Interrupt:
            return  # nova-compute restarted: restart() has recorded the ERROR

    def _spawn(self, state: BuildState) -> ProcessGenerator:
        ctx = self.ctx
        env = ctx.env
        costs = ctx.costs
        d = ctx.scenario.nova.DEFAULT
        state.mark(Milestone.BUILD_STARTED, env.now)
        yield Timeout(ctx.service(costs.compute_claim, "compute"))
        spawn_start = env.now  # "Start spawning the instance on the hypervisor." follows
        alloc = env.process(self._allocate(state))
        yield Timeout(ctx.service(costs.compute_spawn_prepare, "compute"))
        failure = yield alloc
        if failure is not None:
            yield from self._allocation_failed(state, failure)
            return
        expected = [p for p in state.ports if p.status != "ACTIVE"]
        wait = None
        if d.vif_plugging_timeout and expected:
            wait = state.wait = env.event()
            state.pending = len(expected)
            for port in expected:
                self.waiters[port] = state
            state.mark(Milestone.WAIT_PREPARED, env.now)
        yield Timeout(ctx.service(costs.compute_plug_vifs, "compute"))
        for port in state.ports:
            self.agent.port_plugged(port)
        yield Timeout(ctx.service(costs.compute_create_domain, "compute"))
        if wait is not None:
            got = yield AnyOf(env, (wait, Timeout(float(d.vif_plugging_timeout))))
            if wait not in got:
                ctx.counters["nova.vif_plugging_timeouts"] += 1
                for port in expected:
                    if self.waiters.get(port) is state:
                        del self.waiters[port]
                state.boot.reason = VIF_TIMEOUT
                if d.vif_plugging_is_fatal:
                    yield from self._abort_build(state, VIF_TIMEOUT, plugged=True)
                    return
        yield Timeout(ctx.service(costs.compute_resume, "compute"))
        state.mark(Milestone.RUNNING, env.now)
        state.finish(Outcome.ACTIVE, env.now, state.boot.reason)
        # "Took N seconds to spawn the instance on the hypervisor" / "... to build instance"
        state.boot.spawn_seconds = env.now - spawn_start
        state.boot.build_seconds = env.now - state.boot.milestones[Milestone.BUILD_STARTED.value]
        self.instances += 1
        self.vm_ports.append(state.ports)
        self.in_flight.pop(state, None)

    def _allocate(self, state: BuildState) -> ProcessGenerator:
        """``_allocate_network_async``: returns None, or why the allocation failed.

        Tokens as nova 27.1.0 ``allocate_for_instance`` chooses them (``nova/network/
        neutron.py``): ports created with the user's client (1150, ``_create_ports_for_instance``),
        bound with the admin client (1154, 1274), ``list_networks`` with the user's (449), the
        network-info queries with the admin client (3225).  The user's token is the boot's.
        """
        neutron = self.neutron
        user = state.boot.instance  # the token of the user's POST /servers: one per boot
        for port in state.ports:
            tokens = self.tokens.cached_user(user) or (yield from self.tokens.user(user))
            ok = yield from neutron.create_port(port, tokens)
            if not ok:
                return NEUTRON_API_ERROR
            tokens = self.tokens.cached_admin() or (yield from self.tokens.admin())
            failure = yield from neutron.update_port_binding(port, self.host, tokens)
            if failure is not None:
                return failure
        for i in range(self.boot_gets):
            if i == 0:
                tokens = self.tokens.cached_user(user) or (yield from self.tokens.user(user))
            else:
                tokens = self.tokens.cached_admin() or (yield from self.tokens.admin())
            ok = yield from neutron.api_get("boot", tokens, i)
            if not ok:
                return NEUTRON_API_ERROR
        return None

    def _allocation_failed(self, state: BuildState, failure: str) -> ProcessGenerator:
        """The network allocation failed: reschedule, or ERROR when nova would not."""
        if failure in RESCHEDULABLE and self.ctx.scenario.nova.scheduler.max_attempts > 1:
            yield from self._reschedule(state, failure)
        else:  # max_attempts = 1: "Retry info not present, will not reschedule"
            yield from self._abort_build(state, failure, plugged=False)

    def _reschedule(self, state: BuildState, reason: str) -> ProcessGenerator:
        """``RescheduledException``: the network allocation failed in a way nova retries
        elsewhere (the driver reads the failed async network info inside ``spawn``, a generic
        exception: ``_build_and_run_instance`` raises ``RescheduledException``).  The build's
        cleanup deletes its ports (``_shutdown_instance(try_deallocate_networks=True)``); if that
        fails too: "Could not clean up failed build, not rescheduling" (ERROR).  Otherwise the
        build is cast back to the conductor (``compute_task_api.build_instances``), which sends
        it to the next alternate host or gives up (nova 27.1.0 ``compute/manager.py``
        ``_build_resources``, ``_do_build_and_run_instance``)."""
        ctx = self.ctx
        self.in_flight[state] = None  # tearing down: a restart lets the deletions finish
        state.boot.reason = reason
        cleaned = True
        user = state.boot.instance  # deallocate_for_instance: the user's client
        for port in state.ports:
            if port.status != "DELETED":
                tokens = self.tokens.cached_user(user) or (yield from self.tokens.user(user))
                cleaned = (yield from self.neutron.delete_port(port, tokens)) and cleaned
        self.in_flight.pop(state, None)
        if state.boot.outcome is not Outcome.UNKNOWN:
            return  # nova-compute restarted meanwhile: the instance is already ERROR
        if not cleaned:
            ctx.counters["nova.cleanup_failed"] += 1
            state.finish(Outcome.ERROR, ctx.env.now, CLEANUP_FAILED)
            return
        ctx.counters[f"nova.reschedule_requests.{reason}"] += 1
        ctx.env.schedule(ctx.costs.rabbit_latency, self.reschedule, state)

    def _abort_build(self, state: BuildState, reason: str, plugged: bool) -> ProcessGenerator:
        """``BuildAbortException``: destroy the guest, delete the ports, instance ERROR.

        The teardown is not interrupted by a restart: its Neutron requests are already made.
        """
        ctx = self.ctx
        self.in_flight[state] = None
        if plugged:
            yield Timeout(ctx.service(ctx.costs.compute_destroy, "compute"))
            for port in state.ports:
                self.agent.port_unplugged(port)
        for port in state.ports:
            if port.status != "DELETED":
                user = state.boot.instance
                tokens = self.tokens.cached_user(user) or (yield from self.tokens.user(user))
                yield from self.neutron.delete_port(port, tokens)
        state.finish(Outcome.ERROR, ctx.env.now, reason)
        self.in_flight.pop(state, None)

    # -- external events -------------------------------------------------------------------------
    def external_instance_event(self, events: list[NovaEvent]) -> None:
        """The ``external_instance_event`` cast from nova-api arrives."""
        self.ctx.env.process(self._handle_events(events, self.rpc_exec))

    def _handle_events(self, events: list[NovaEvent], executor: Resource) -> ProcessGenerator:
        ctx = self.ctx
        with executor.request() as req:
            yield req
            for name, port in events:
                if name == NETWORK_CHANGED:
                    for i in range(self.changed_gets):
                        tokens = self.tokens.cached_admin() or (yield from self.tokens.admin())
                        yield from self.neutron.api_get("network-changed", tokens, i)
                else:
                    yield Timeout(ctx.service(ctx.costs.compute_event_dispatch, "compute"))
                    if name == VIF_PLUGGED:
                        self._dispatch_vif_plugged(port)

    def _dispatch_vif_plugged(self, port: Port) -> None:
        state = self.waiters.pop(port, None)
        ctx = self.ctx
        if state is None or state.wait is None:
            ctx.counters["nova.events_unexpected"] += 1  # "Received unexpected event"
            return
        state.mark(Milestone.EVENT_RECEIVED, ctx.env.now)
        state.pending -= 1
        if state.pending <= 0:
            state.wait.succeed()

    # -- delete -----------------------------------------------------------------------------------
    def terminate_instance(self, _: object = None) -> None:
        """``terminate_instance`` cast: runs in an RPC executor thread."""
        self.ctx.env.process(self._terminate(self.rpc_exec))

    def _terminate(self, executor: Resource) -> ProcessGenerator:
        ctx = self.ctx
        if self.instances <= 0:
            return
        self.instances -= 1
        rng = ctx.rng("delete-pick")
        ports: list[Port | None]
        if self.vm_ports and rng.random() * (self.instances + 1) < len(self.vm_ports):
            ports = list(self.vm_ports.pop(rng.randrange(len(self.vm_ports))))
        else:
            ports = [None] * ctx.scenario.cloud.ports_per_vm
        with executor.request() as req:
            yield req
            yield Timeout(ctx.service(ctx.costs.compute_destroy, "compute"))
            for port in ports:
                self.agent.port_unplugged(port)
            user = self.neutron.keystone.new_token("user")  # the DELETE /servers request's
            for port in ports:  # deallocate_for_instance: the user's client (neutron.py:1784)
                tokens = self.tokens.cached_user(user) or (yield from self.tokens.user(user))
                yield from self.neutron.delete_port(port, tokens)
        ctx.counters["nova.deleted"] += 1

    # -- heal -------------------------------------------------------------------------------------
    def _heal_loop(self, generation: int, first_run: bool) -> ProcessGenerator:
        """``_heal_instance_info_cache``: one instance refreshed per interval (dossier §4)."""
        ctx = self.ctx
        env = ctx.env
        interval = self.heal_interval
        if interval <= 0:
            return
        rng = ctx.rng("heal")
        if first_run:  # the cloud was running before: a random phase in the rotation
            yield Timeout(rng.uniform(0.0, interval))
        else:
            # first run after a restart: the task is due ``spacing`` after the service started
            # (oslo.service periodic_task sets _periodic_last_run = now() unless run_immediately)
            # and the timer's first tick comes after a random initial_delay in
            # [0, periodic_fuzzy_delay] (nova/service.py Service.start): whichever is later
            fuzzy = ctx.scenario.nova.DEFAULT.periodic_fuzzy_delay
            yield Timeout(max(interval, rng.uniform(0.0, fuzzy)))
        neutron = self.neutron
        gets = neutron.gets["heal"]  # the heal_calls GETs of a refresh, in order
        cost = ctx.costs.neutron_get
        counters = ctx.counters
        while generation == self.generation:
            start = env.now
            if self.instances > 0:
                counters["nova.heal_refreshes"] += 1
                # an admin context: _ADMIN_AUTH's token (renewed if due, once per refresh)
                tokens = self.tokens.cached_admin() or (yield from self.tokens.admin())
                conductor = self.heal_conductor
                if conductor is not None:
                    yield from conductor(HEAL_LOOKUPS)
                for call in gets:  # sequential GETs, each to the next API worker
                    # NeutronCluster.api_get inlined (the hot path)
                    counters["neutron.api.heal"] += 1
                    proc = neutron.api_process()
                    if proc.auth.cached(tokens) or (yield from proc.authenticate(tokens)):
                        yield from proc.work(cost, call)
                if conductor is not None:
                    yield from conductor(HEAL_SAVES)
            wait = start + interval - env.now
            if wait > 0:
                yield Timeout(wait)

    # -- restart ----------------------------------------------------------------------------------
    def restart(self, _: object = None) -> None:
        """nova-compute restarts: builds in flight go ERROR, waiters and rotation are lost."""
        ctx = self.ctx
        self.generation += 1
        ctx.counters["nova.compute_restarts"] += 1
        for state, build in self.in_flight.items():
            if build is not None:  # a build tearing down finishes its port deletions
                build.interrupt(RESTARTED)
            state.finish(Outcome.ERROR, ctx.env.now, RESTARTED)
        self.in_flight.clear()
        self.waiters.clear()
        self._fresh_process(running=False)
        ctx.env.process(self._heal_loop(self.generation, first_run=False))
