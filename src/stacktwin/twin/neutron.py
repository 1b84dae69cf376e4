"""neutron-server: API workers, RPC workers and state-report workers, each a process.

Each neutron-server node runs ``api_workers`` API processes, ``rpc_workers`` RPC processes and
``rpc_state_report_workers`` report processes (dossier §5.1).  Every process has

* its own eventlet hub: one greenthread runs Python at a time, so the CPU part of each
  operation holds the process (a :class:`Resource` of capacity 1) and a core of its node;
* its own DB pool (:class:`~stacktwin.twin.db.QueuePool`) on the cloud's database server;
  each operation is a sequence of (CPU, DB transaction) stages with the statement and
  transaction counts of :mod:`stacktwin.twin.dbcalls` (:func:`~stacktwin.twin.dbclient.run_call`);
* its own nova notifier (:class:`~stacktwin.twin.notifier.Notifier`);
* for RPC and report processes, its own oslo.messaging server with a 64-thread executor.

RPC processes consume ``q-plugin`` and also ``q-reports-plugin``; report processes consume only
``q-reports-plugin`` (``Ml2Plugin.start_rpc_listeners``).  A port goes ACTIVE when its last
provisioning block is cleared; the process that cleared it queues ``network-vif-plugged`` on its
own notifier and casts ``port_update`` to the host's agent (dossier §2.1–2.2).

The server knows the agents as they register with it: each OVS agent subscribes to the
``port_update`` casts of its host (:meth:`NeutronCluster.subscribe_port_updates`), each DHCP
agent to the port notifications of the networks scheduled to it
(:meth:`NeutronCluster.add_dhcp_agent`); the agents' ``report_state`` heartbeats are recorded
in :attr:`NeutronCluster.heartbeats`, the ``agents`` table's ``heartbeat_timestamp``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from itertools import cycle
from typing import Any

from stacktwin.boots import Milestone
from stacktwin.twin import dbcalls
from stacktwin.twin.auth_token import AuthToken, install_auth_token
from stacktwin.twin.context import Context
from stacktwin.twin.db import QueuePool
from stacktwin.twin.dbcalls import DbCall
from stacktwin.twin.dbclient import DbSite, run_call
from stacktwin.twin.kernel import Event, ProcessGenerator, Resource, Timeout
from stacktwin.twin.keystone import Keystone, Tokens
from stacktwin.twin.notifier import (
    NETWORK_CHANGED,
    VIF_DELETED,
    VIF_PLUGGED,
    Notifier,
    PostEvents,
)
from stacktwin.twin.rabbit import Broker, RpcServer, Topic
from stacktwin.twin.settings import (
    neutron_api_workers_default,
    neutron_calls_of,
    neutron_rpc_workers_default,
)
from stacktwin.twin.state import (
    DHCP_BLOCK,
    L2_BLOCK,
    NEUTRON_API_ERROR,
    PORT_BINDING_FAILED,
    Port,
)

Work = Generator[Event | Timeout, Any, bool]
AGENT_ALIVE = "alive"  # neutron_lib.agent.constants
AGENT_REVIVED = "revived"
PortListener = Callable[[Port], object]


class NeutronProcess:
    """One neutron-server worker process."""

    __slots__ = (
        "_factor",
        "auth",
        "cores",
        "ctx",
        "db",
        "hub",
        "kind",
        "name",
        "notifier",
        "rpc",
        "site",
    )

    def __init__(
        self,
        ctx: Context,
        kind: str,
        name: str,
        cores: Resource,
        post_events: PostEvents,
        site: DbSite,
    ) -> None:
        sc = ctx.scenario
        self.ctx = ctx
        self.kind = kind
        self.name = name
        self.cores = cores
        self.hub = Resource(ctx.env, 1, name=f"{name}.hub")
        dbs = sc.neutron.database
        self.site = site
        self.db: QueuePool = site.pool(
            dbs.max_pool_size, dbs.max_overflow, dbs.pool_timeout, dbs.connection_recycle_time
        )
        self.notifier = Notifier(ctx, post_events)
        # service-time draws, cached off the hot path (same stream as Context.service)
        self._factor = ctx.factors("neutron")
        self.rpc: RpcServer | None = None
        if kind != "api":
            threads = sc.neutron.DEFAULT.executor_thread_pool_size
            self.rpc = RpcServer(ctx.env, name, threads, ctx.costs.rabbit_latency, owner=self)

    def work(self, seconds: float, call: DbCall) -> Work:
        """Run one operation of mean ``seconds``: its transactions, its CPU spread over them.

        The CPU part is ``seconds`` less the call's DB part at low load (so a cost keeps its
        meaning: the operation's service time without contention), drawn from this process's
        service-time stream.  Returns False when the call failed in the database (1040, pool
        timeout, retries exhausted): an HTTP 500 or an RPC RemoteError.
        """
        site = self.site
        plan = site.plan(call)
        cpu = seconds - plan[3]
        cpu = cpu * self._factor() if cpu > 0.0 else 0.0
        # the steps themselves, not a generator around them: one frame less per resume
        return run_call(site, self.db, self.hub, self.cores, cpu, plan, "neutron")

    auth: AuthToken  # API processes: keystonemiddleware in front (NeutronCluster sets it)

    def authenticate(self, tokens: Tokens) -> Work:
        """keystonemiddleware ``auth_token`` for one request (:mod:`.auth_token`); False: 503."""
        return (yield from self.auth.authenticate(tokens))


class NeutronCluster:
    """All neutron-server nodes, their processes and the two RPC topics they consume."""

    def __init__(self, ctx: Context, post_events: PostEvents, site: DbSite) -> None:
        sc = ctx.scenario
        cloud = sc.cloud
        d = sc.neutron.DEFAULT
        self.ctx = ctx
        self.api_workers = d.api_workers or neutron_api_workers_default(
            cloud.neutron_server_cores, cloud.neutron_server_ram_gib
        )
        self.rpc_workers = d.rpc_workers or neutron_rpc_workers_default(
            sc.release, cloud.neutron_server_cores, cloud.neutron_server_ram_gib
        )
        self.report_workers = d.rpc_state_report_workers
        costs = ctx.costs
        self.broker = Broker(
            ctx.env, cloud.rabbit_cores, costs.rabbit_message, costs.rabbit_latency,
            ctx.factors("rabbit"), ctx.counters,
        )  # fmt: skip
        pool = sc.neutron.oslo_messaging_rabbit.rpc_conn_pool_size
        self.q_plugin = Topic(self.broker, "q-plugin", pool, costs.rabbit_send)
        self.q_reports = Topic(self.broker, "q-reports-plugin", pool, costs.rabbit_send)
        self.node_cores: list[Resource] = []
        self.api: list[NeutronProcess] = []
        self.rpc: list[NeutronProcess] = []
        self.reports: list[NeutronProcess] = []
        for n in range(cloud.neutron_servers):
            cores = Resource(ctx.env, cloud.neutron_server_cores, name=f"neutron{n}.cores")
            self.node_cores.append(cores)
            for kind, count, label, procs in (
                ("api", self.api_workers, "api", self.api),
                ("rpc", self.rpc_workers, "rpc", self.rpc),
                ("reports", self.report_workers, "rep", self.reports),
            ):
                for i in range(count):
                    name = f"neutron{n}.{label}{i}"
                    procs.append(NeutronProcess(ctx, kind, name, cores, post_events, site))
        for proc in self.rpc:
            assert proc.rpc is not None
            self.q_plugin.consumers.append(proc.rpc)
        #: keystone, and the middleware's token caches: one memcached, or one per API worker
        self.keystone = Keystone(ctx)
        self.token_caches = install_auth_token(ctx, self.keystone, self.api)
        # report processes first, then RPC processes: both consume q-reports-plugin
        for proc in (*self.reports, *self.rpc):
            assert proc.rpc is not None
            self.q_reports.consumers.append(proc.rpc)
        #: the API process the load balancer gives the next request to (round robin)
        self.api_process: Callable[[], NeutronProcess] = cycle(self.api).__next__
        #: the last ``report_state`` of each host's agent (the agents were up at the start)
        self.heartbeats = [ctx.env.now] * cloud.hosts
        self._port_update: dict[int, PortListener] = {}
        calls, ports = neutron_calls_of(sc.release), cloud.ports_per_vm
        #: the GETs of each nova code path, in order (their DB work differs: dbcalls.py)
        self.gets: dict[str, tuple[DbCall, ...]] = {
            "boot": dbcalls.boot_gets(calls, ports),
            "network-changed": dbcalls.changed_gets(calls, ports),
            "heal": dbcalls.heal_gets(calls, ports),
        }
        self._dhcp: list[PortListener] = []
        self._dhcp_deleted: list[Callable[[Port | None, int], object]] = []

    # -- the agents registering -----------------------------------------------------------------
    def subscribe_port_updates(self, host: int, listener: PortListener) -> None:
        """The OVS agent of ``host`` consumes the ``port_update`` fanout for its ports."""
        self._port_update[host] = listener

    def add_dhcp_agent(
        self, port_created: PortListener, port_deleted: Callable[[Port | None, int], object]
    ) -> None:
        """A DHCP agent joins; networks are spread over the agents by network index."""
        self._dhcp.append(port_created)
        self._dhcp_deleted.append(port_deleted)

    # -- the REST API ----------------------------------------------------------------------------
    def api_get(self, origin: str, tokens: Tokens, step: int = 0) -> Work:
        """GET number ``step`` of a nova code path (``origin``: boot, network-changed, heal)."""
        self.ctx.counters[f"neutron.api.{origin}"] += 1
        gets = self.gets[origin]
        call = gets[step % len(gets)]
        proc = self.api_process()
        if not (proc.auth.cached(tokens) or (yield from proc.authenticate(tokens))):
            return False
        return (yield from proc.work(self.ctx.costs.neutron_get, call))

    def create_port(self, port: Port, tokens: Tokens) -> Work:
        """``POST /v2.0/ports`` by nova: DHCP provisioning block, DHCP agent told."""
        self.ctx.counters["neutron.api.boot"] += 1
        proc = self.api_process()
        if not (proc.auth.cached(tokens) or (yield from proc.authenticate(tokens))):
            return False
        ok = yield from proc.work(self.ctx.costs.neutron_create_port, dbcalls.CREATE_PORT)
        if ok:
            port.blocks |= DHCP_BLOCK
            self._dhcp[port.network % len(self._dhcp)](port)
        return ok

    def update_port_binding(
        self, port: Port, host: int, tokens: Tokens
    ) -> Generator[Event | Timeout, Any, str | None]:
        """``PUT /v2.0/ports/<id>`` with ``binding:host_id``: bind to a live agent, L2 block.

        ML2 binds only to an agent whose last state report is younger than
        ``agent_down_time``; otherwise the binding fails (``binding_failed`` ->
        ``PortBindingFailed``).  Returns None, or why the request failed.
        """
        ctx = self.ctx
        ctx.counters["neutron.api.boot"] += 1
        proc = self.api_process()
        if not (proc.auth.cached(tokens) or (yield from proc.authenticate(tokens))):
            return NEUTRON_API_ERROR
        ok = yield from proc.work(
            ctx.costs.neutron_update_port_binding, dbcalls.UPDATE_PORT_BINDING
        )
        if not ok:
            return NEUTRON_API_ERROR
        now = ctx.env.now
        if now - self.heartbeats[host] > ctx.scenario.neutron.DEFAULT.agent_down_time:
            ctx.counters["neutron.binding_failed_dead_agent"] += 1
            return PORT_BINDING_FAILED
        port.host = host
        port.bound = True
        if port.status != "ACTIVE":
            port.blocks |= L2_BLOCK
        port.state.mark(Milestone.PORT_BOUND, now)
        proc.notifier.queue_event(NETWORK_CHANGED, port)
        return None

    def delete_port(self, port: Port | None, tokens: Tokens) -> Work:
        """``DELETE /v2.0/ports/<id>``: ``network-vif-deleted`` to nova."""
        self.ctx.counters["neutron.api.delete"] += 1
        proc = self.api_process()
        if not (proc.auth.cached(tokens) or (yield from proc.authenticate(tokens))):
            return False
        ok = yield from proc.work(self.ctx.costs.neutron_delete_port, dbcalls.DELETE_PORT)
        if ok:
            # port_delete_end to the network's DHCP agent (a port of a VM running before the
            # run: on one of the networks, drawn)
            network = (
                port.network
                if port is not None
                else self.ctx.rng("dhcp-network").randrange(self.ctx.scenario.cloud.networks)
            )
            self._dhcp_deleted[network % len(self._dhcp_deleted)](port, network)
            if port is not None:
                port.status = "DELETED"
                proc.notifier.queue_event(VIF_DELETED, port)
        return ok

    # -- provisioning ----------------------------------------------------------------------------
    def provisioning_complete(self, port: Port, entity: int, proc: NeutronProcess) -> None:
        """Clear one block; the last one makes the port ACTIVE and queues the nova event."""
        port.blocks &= ~entity
        if port.blocks or port.status != "DOWN" or not port.bound:
            return
        ctx = self.ctx
        port.status = "ACTIVE"
        port.state.mark(Milestone.PORT_ACTIVE, ctx.env.now)
        if ctx.scenario.neutron.DEFAULT.notify_nova_on_port_status_changes:
            proc.notifier.queue_event(VIF_PLUGGED, port)
        # AFTER_UPDATE: port_update fanout -> the agent processes the port again
        if port.host is not None:
            listener = self._port_update[port.host]
            ctx.env.schedule(ctx.costs.rabbit_latency, listener, port)

    # -- RPC handlers (run inside an RPC or report process) --------------------------------------
    def update_device_list(
        self, proc: NeutronProcess, up: list[Port], anonymous_up: int, down: int
    ) -> ProcessGenerator:
        """``RpcCallbacks.update_device_list``: devices one by one; returns the failed ports."""
        ctx = self.ctx
        costs = ctx.costs
        failed: list[Port] = []
        for port in up:
            if port.status == "DELETED":
                continue
            full = port.status != "ACTIVE"
            if full:
                port.state.mark(Milestone.DEVICE_UP, ctx.env.now)
            if full:
                ok = yield from proc.work(costs.rpc_update_device_up, dbcalls.UPDATE_DEVICE_UP)
            else:
                ok = yield from proc.work(costs.rpc_update_device_noop, dbcalls.UPDATE_DEVICE_NOOP)
            if not ok:
                failed.append(port)
                continue
            if full:
                self.provisioning_complete(port, L2_BLOCK, proc)
        for _ in range(anonymous_up):
            # ports of running VMs re-reported after a resync: already ACTIVE; each device is
            # its own DB work, so the greenthread yields between them and other handlers of the
            # process interleave (``_update_device_list`` loops over the devices)
            yield from proc.work(costs.rpc_update_device_noop, dbcalls.UPDATE_DEVICE_NOOP)
        for _ in range(down):
            ok = yield from proc.work(costs.rpc_update_device_down, dbcalls.UPDATE_DEVICE_DOWN)
        ctx.counters["neutron.rpc.update_device_list"] += 1
        return failed

    def dhcp_ready_on_ports(self, proc: NeutronProcess, ports: list[Port]) -> ProcessGenerator:
        """``DhcpRpcCallback.dhcp_ready_on_ports``: clear the DHCP block of each port."""
        ctx = self.ctx
        ctx.counters["neutron.rpc.dhcp_ready_on_ports"] += 1
        ok = yield from proc.work(ctx.costs.rpc_dhcp_ready, dbcalls.DHCP_READY)
        if ok:
            for port in ports:
                self.provisioning_complete(port, DHCP_BLOCK, proc)
        return ok

    def report_state(self, proc: NeutronProcess, host: int) -> ProcessGenerator:
        """``AgentExtRpcCallback.report_state``: the heartbeat recorded; the agent's status.

        ``AGENT_REVIVED`` when the agent was not ``is_active`` (last heartbeat older than
        ``agent_down_time``), as ``AgentDbMixin._create_or_update_agent`` (neutron 22.0.0).
        """
        ctx = self.ctx
        ctx.counters["neutron.rpc.report_state"] += 1
        ok = yield from proc.work(ctx.costs.rpc_report_state, dbcalls.REPORT_STATE)
        if not ok:
            return False
        now = ctx.env.now
        dead = now - self.heartbeats[host] > ctx.scenario.neutron.DEFAULT.agent_down_time
        self.heartbeats[host] = now
        return AGENT_REVIVED if dead else AGENT_ALIVE
