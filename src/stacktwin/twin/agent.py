"""The Neutron agents: the OVS agent of each compute host, and the DHCP agents.

OVS agent (``OVSNeutronAgent.rpc_loop``, dossier §2.4, §6): one single-threaded loop.  An
iteration takes the ports added/updated/removed since the last one, wires the added and updated
ones (flows, firewall), reports them up with ``update_device_list`` RPC *calls* (20 devices per
call), then handles removals (``treat_devices_removed`` ->
``SecurityGroupAgentRpc.remove_devices_filter``).  Only a port the OVS firewall manages has
flows to delete (``OVSFirewallDriver.remove_port_filter`` does nothing for a port that was
never wired), and the conjunction flows of the remote security group's members go only when
the group's *last* port leaves the host (``_schedule_sg_deletion_maybe`` ->
``_cleanup_stale_sg`` -> ``ConjIPFlowManager.sg_removed``, neutron 20.0.0
``agent/linux/openvswitch_firewall/firewall.py``): one ``ovs-ofctl`` exec per member when
deletion is *blocking*, batched when *deferred* (:mod:`stacktwin.twin.flows`).  A share
``cloud.remote_sg_share`` of the VMs (running at the start or booted) is in the group.  The
loop then sleeps up to ``polling_interval``.  A call that times out raises out of the
iteration: the agent backs off (the per-method timeout doubles up to
``rpc_response_max_timeout`` and it sleeps a random part of it), and the next iteration resyncs
*every* port on the host.

An idle iteration does nothing observable (it finds no OVSDB event), so the twin does not
simulate idle iterations one by one: a sleeping agent wakes on the next tick of its polling grid
after work arrives — the time the real loop would have noticed it.

A second thread per agent sends ``report_state`` (an RPC call on ``q-reports-plugin``, whose
timeout is ``report_interval``) every ``report_interval``; the server's record of it decides
whether ML2 may bind ports on the host, and an agent the server had seen dead gets
``AGENT_REVIVED`` back and resyncs every port (``OVSNeutronAgent._report_state``,
``fullsync = True``; neutron 22.0.0 ``db/agents_db.py`` ``_create_or_update_agent``).
"""

from __future__ import annotations

import math
from collections import deque

from stacktwin.twin.context import Context
from stacktwin.twin.flows import FlowCosts
from stacktwin.twin.kernel import Event, ProcessGenerator, Resource, Timeout
from stacktwin.twin.neutron import AGENT_REVIVED, NeutronCluster, NeutronProcess
from stacktwin.twin.rabbit import MessagingTimeout, call
from stacktwin.twin.settings import rpc_max_timeout
from stacktwin.twin.state import Port

DEVICES_PER_CALL = 20  # [DEFAULT] rpc_resources_processing_step


class OvsAgent:
    """The neutron-openvswitch-agent of one compute host."""

    __slots__ = (
        "added",
        "busy",
        "ctx",
        "existing_group",
        "existing_ports",
        "flows",
        "group_rng",
        "group_wired",
        "host",
        "iterations",
        "longest_iteration",
        "neutron",
        "next_tick",
        "ports",
        "removed",
        "resyncs",
        "sync",
        "timeout",
        "updated",
        "wake",
        "wired",
    )

    def __init__(
        self,
        ctx: Context,
        host: int,
        existing_ports: int,
        existing_group: int,
        neutron: NeutronCluster,
    ) -> None:
        self.ctx = ctx
        self.neutron = neutron
        self.host = host
        self.added: list[Port] = []
        self.updated: list[Port] = []
        # ports removed since the last iteration (None: a port of a VM running before the run)
        self.removed: list[Port | None] = []
        # ports of VMs booted during the run, still present (a dict: ordered, so deterministic)
        self.ports: dict[Port, None] = {}
        # of those, the ports the OVS firewall manages (wired by an iteration)
        self.wired: dict[Port, None] = {}
        self.existing_ports = existing_ports  # ports of VMs running before the run (managed)
        self.existing_group = existing_group  # of those, the ports in the group
        self.group_wired = 0  # wired ports of VMs booted during the run that are in the group
        self.group_rng = ctx.rng("sg-membership-delete")
        self.flows = FlowCosts(ctx)
        self.sync = False
        self.wake: Event | None = None
        self.busy = False
        self.iterations = 0
        self.resyncs = 0
        self.longest_iteration = 0.0
        pi = float(ctx.scenario.neutron.agent.polling_interval)
        self.next_tick = ctx.rng("agent-phase").uniform(0.0, pi)
        self.timeout = float(ctx.scenario.neutron.DEFAULT.rpc_response_timeout)
        neutron.subscribe_port_updates(host, self.port_updated)
        ctx.env.process(self._rpc_loop())
        ctx.env.process(self._report_loop())

    # -- what the agent hears about -------------------------------------------------------------
    def _notify(self) -> None:
        wake = self.wake
        if wake is not None:
            self.wake = None
            wake.succeed()

    def port_plugged(self, port: Port) -> None:
        """The VM's tap/qvo port appeared in OVSDB."""
        self.ports[port] = None
        self.added.append(port)
        self._notify()

    def port_updated(self, port: Port) -> None:
        """``port_update`` RPC cast from the server (processed in the next iteration)."""
        if port in self.ports:
            self.updated.append(port)
            self._notify()

    def port_unplugged(self, port: Port | None) -> None:
        """A VM's port left OVSDB (VM destroyed)."""
        if port is not None:
            self.ports.pop(port, None)
        self.removed.append(port)
        self._notify()

    def group_ports(self) -> int:
        """Ports of the security group the OVS firewall manages on this host."""
        return self.existing_group + self.group_wired

    def _wire(self, ports: list[Port]) -> None:
        """``setup_port_filters``: the firewall manages these ports now."""
        wired = self.wired
        for port in ports:
            if port not in wired:
                wired[port] = None
                if port.in_group:
                    self.group_wired += 1

    def _unwire(self, removed: list[Port | None]) -> tuple[int, bool]:
        """The removed ports the firewall managed, and whether the group left the host.

        A port of a VM running before the run is in the group with the odds of the running VMs
        left (``existing_group`` of ``existing_ports``)."""
        managed = 0
        group_removed = 0
        for port in removed:
            if port is None:
                if self.existing_ports:
                    if self.group_rng.random() * self.existing_ports < self.existing_group:
                        self.existing_group -= 1
                        group_removed += 1
                    self.existing_ports -= 1
                    managed += 1
            elif self.wired.pop(port, 0) is None:
                managed += 1
                if port.in_group:
                    self.group_wired -= 1
                    group_removed += 1
        return managed, group_removed > 0 and self.group_ports() == 0

    # -- the loop ---------------------------------------------------------------------------------
    # one generator on purpose: it is the agent's single-threaded rpc_loop as neutron writes it
    # (ovs_neutron_agent.py rpc_loop), one iteration read top to bottom; the stages it runs are
    # already helpers
    def _rpc_loop(self) -> ProcessGenerator:  # noqa: C901
        ctx = self.ctx
        env = ctx.env
        sc = ctx.scenario
        costs = ctx.costs
        pi = float(sc.neutron.agent.polling_interval)
        flows = self.flows
        members = flows.members
        per_member_add = costs.agent_flow_delete_deferred  # flows are always added deferred
        rng = ctx.rng("agent-backoff")
        while True:
            if not (self.added or self.updated or self.removed or self.sync):
                self.wake = env.event()
                yield self.wake
                now = env.now
                start_at = self.next_tick
                if now > start_at:
                    start_at += math.ceil((now - start_at) / pi) * pi
                if start_at > now:
                    yield Timeout(start_at - now)
            start = env.now
            self.busy = True
            self.iterations += 1
            added, self.added = self.added, []
            updated, self.updated = self.updated, []
            removed, self.removed = self.removed, []
            anonymous = 0
            if self.sync:
                self.sync = False
                added = list(self.ports)
                updated = []
                anonymous = self.existing_ports
            else:  # a port plugged and gone again before this iteration is never seen
                ports = self.ports
                added = [p for p in added if p in ports]
                updated = [p for p in updated if p in ports]
            new_ports = [p for p in added if p.status != "ACTIVE"]
            wiring = ctx.service(costs.agent_port_wiring, "agent") * (
                len(added) + len(updated) + anonymous
            )
            yield Timeout(
                costs.agent_iteration + wiring + per_member_add * members * len(new_ports)
            )
            self._wire(added)
            failed = False
            up = added + updated
            calls = [(up[i : i + DEVICES_PER_CALL], 0) for i in range(0, len(up), DEVICES_PER_CALL)]
            calls += [
                ([], min(DEVICES_PER_CALL, anonymous - j))
                for j in range(0, anonymous, DEVICES_PER_CALL)
            ]
            try:
                for chunk, anon in calls:
                    result = yield from self._call_update_device_list(chunk, anon, 0)
                    if result:  # devices the server failed to set up: retried next iteration
                        self.added.extend(result)
            except MessagingTimeout:
                failed = True  # the resync below re-reports every port
            if removed and not failed:
                managed, group_left = self._unwire(removed)
                ctx.counters["agent.port_flow_deletions"] += managed
                if group_left:
                    ctx.counters["agent.flow_deletions"] += 1  # the remote group's conjunctions
                yield Timeout(flows.removal(managed, group_left) + costs.agent_iteration)
                try:
                    yield from self._call_update_device_list([], 0, len(removed))
                except MessagingTimeout:
                    failed = True
            elif removed:
                self.removed = removed + self.removed
            if failed:
                # "Error while processing VIF ports": back off, then resync every port
                old = self.timeout
                self.timeout = min(2 * old, rpc_max_timeout(sc.release, sc.neutron.DEFAULT))
                ctx.counters["agent.rpc_timeouts"] += 1
                self.resyncs += 1
                self.sync = True
                yield Timeout(
                    rng.uniform(0.0, min(old, float(sc.neutron.DEFAULT.rpc_response_timeout)))
                )
            elapsed = env.now - start
            if elapsed > self.longest_iteration:
                self.longest_iteration = elapsed
            self.busy = False
            self.next_tick = max(env.now, start + pi)
            if elapsed < pi and (self.added or self.updated or self.removed or self.sync):
                yield Timeout(pi - elapsed)

    def _call_update_device_list(
        self, up: list[Port], anonymous: int, down: int
    ) -> ProcessGenerator:
        neutron = self.neutron

        def handler(proc: NeutronProcess) -> ProcessGenerator:
            return neutron.update_device_list(proc, up, anonymous, down)

        return (yield from call(self.ctx.env, neutron.q_plugin, handler, self.timeout))

    def _report_loop(self) -> ProcessGenerator:
        ctx = self.ctx
        env = ctx.env
        neutron = self.neutron
        interval = float(ctx.scenario.neutron.agent.report_interval)
        # PluginReportStateAPI: the call's timeout is report_interval (neutron 22.0.0
        # agent/rpc.py, ``self.timeout = cfg.CONF.AGENT.report_interval``)
        timeout = interval
        yield Timeout(ctx.rng("report-phase").uniform(0.0, interval))
        host = self.host

        def handler(proc: NeutronProcess) -> ProcessGenerator:
            return neutron.report_state(proc, host)

        while True:
            start = env.now
            try:
                status = yield from call(env, neutron.q_reports, handler, timeout)
                if status == AGENT_REVIVED:  # "Agent has just been revived. Doing a full sync."
                    ctx.counters["agent.revived_resyncs"] += 1
                    self.sync = True
                    self._notify()
            except MessagingTimeout:
                ctx.counters["agent.report_state_timeouts"] += 1
            wait = start + interval - env.now
            if wait > 0:
                yield Timeout(wait)


#: neutron 22.0.0 ``agent/dhcp/agent.py``: the processing pool is resized to the networks the
#: agent hosts within these bounds, the ready-ports loop ticks every 0.1 s and reports at most
#: 64 ports per ``dhcp_ready_on_ports`` call
DHCP_PROCESS_GREENLET_MIN = 8
DHCP_PROCESS_GREENLET_MAX = 32
DHCP_READY_PORTS_SYNC_MAX = 64
DHCP_READY_TICK = 0.1


class DhcpAgent:
    """A neutron-dhcp-agent (neutron 22.0.0 ``agent/dhcp/agent.py``).

    Port notifications (``port_create_end``, ``port_delete_end``) go into a
    ``ResourceProcessingQueue`` keyed by network: a network's updates are handled one after the
    other by one greenthread of a pool of ``max(8, min(32, networks))`` (``_resize_process_pool``),
    other networks in parallel.  Each update reloads the network's allocations (dnsmasq).  A
    created port is then *ready*: the ``_dhcp_ready_ports_loop`` thread wakes every 0.1 s and
    sends up to 64 ready ports in one ``dhcp_ready_on_ports`` RPC call on ``q-plugin``; on a
    failure the ports go back into the set and are sent again on a later tick.
    """

    def __init__(self, ctx: Context, index: int, neutron: NeutronCluster) -> None:
        self.ctx = ctx
        self.neutron = neutron
        self.index = index
        cloud = ctx.scenario.cloud
        # networks are spread over the agents by index (network % agents)
        hosted = len(range(index, cloud.networks, cloud.dhcp_agents))
        size = max(DHCP_PROCESS_GREENLET_MIN, min(DHCP_PROCESS_GREENLET_MAX, hosted))
        self.workers = Resource(ctx.env, size, name=f"dhcp{index}.workers")
        self.queues: dict[int, deque[tuple[Port | None, bool]]] = {}  # network -> updates
        self.ready: list[Port] = []
        self.sending = False
        self.phase = ctx.rng("dhcp-phase").uniform(0.0, DHCP_READY_TICK)
        neutron.add_dhcp_agent(self.port_created, self.port_deleted)

    def port_created(self, port: Port) -> None:
        """``port_create_end`` notification (a cast) reached the agent."""
        self._queue(port.network, port, True)

    def port_deleted(self, port: Port | None, network: int) -> None:
        """``port_delete_end``: the network's allocations are reloaded without the port."""
        self._queue(network, port, False)

    def _queue(self, network: int, port: Port | None, created: bool) -> None:
        updates = self.queues.get(network)
        if updates is not None:  # a greenthread is on this network: it takes this one too
            updates.append((port, created))
            return
        self.queues[network] = deque(((port, created),))
        self.ctx.env.process(self._process(network))

    def _process(self, network: int) -> ProcessGenerator:
        """One pool greenthread works through a network's updates, in order."""
        ctx = self.ctx
        updates = self.queues[network]
        with self.workers.request() as req:
            yield req
            while updates:
                port, created = updates.popleft()
                yield Timeout(ctx.service(ctx.costs.dhcp_port, "dhcp"))
                if created and port is not None:
                    self.ready.append(port)
                    if not self.sending:
                        self.sending = True
                        ctx.env.process(self._ready_loop())
        del self.queues[network]

    def _ready_loop(self) -> ProcessGenerator:
        """``_dhcp_ready_ports_loop``: while ports are ready, one call per 0.1 s tick."""
        ctx = self.ctx
        env = ctx.env
        neutron = self.neutron
        timeout = float(ctx.scenario.neutron.DEFAULT.rpc_response_timeout)
        while self.ready:
            # the loop's next tick on its own 0.1 s grid
            ticks = math.floor((env.now - self.phase) / DHCP_READY_TICK) + 1
            yield Timeout(max(0.0, self.phase + ticks * DHCP_READY_TICK - env.now))
            cut = DHCP_READY_PORTS_SYNC_MAX
            batch, self.ready = self.ready[:cut], self.ready[cut:]

            def handler(proc: NeutronProcess, ports: list[Port] = batch) -> ProcessGenerator:
                return neutron.dhcp_ready_on_ports(proc, ports)

            try:
                done = yield from call(env, neutron.q_plugin, handler, timeout)
            except MessagingTimeout:  # "Timeout notifying server of ports ready. Retrying..."
                done = False
            if not done:
                ctx.counters["dhcp.ready_retries"] += 1
                self.ready = batch + self.ready
        self.sending = False
