"""nova-api and nova-conductor/scheduler (nova-compute is :mod:`stacktwin.twin.compute`).

* :class:`NovaApi`: WSGI workers serve ``POST /servers`` and ``POST os-server-external-events``;
  the latter answers Neutron and casts one ``external_instance_event`` per compute host
  (dossier §3.1).
* :class:`Conductor`: a service station doing ``schedule_and_build_instances`` (scheduler call,
  cell DB writes) and casting ``build_and_run_instance`` to the chosen host (§1.1); it also
  answers heal's conductor RPCs (:meth:`Conductor.heal_rpcs`).  Each conductor process has its
  own QueuePool (nova's ``[database]`` options) on the cloud's database server.

Both reach the compute services through ``computes``, the list of nova-compute services of the
cloud indexed by host (nova's service records), filled in as the cloud is built.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import cycle

from stacktwin.boots import Milestone, Outcome
from stacktwin.twin.compute import Compute, host_name
from stacktwin.twin.context import Context
from stacktwin.twin.db import QueuePool
from stacktwin.twin.dbcalls import (
    EXTERNAL_EVENTS,
    HEAL_CONDUCTOR_RPC,
    RESCHEDULE,
    SCHEDULE_AND_BUILD,
    DbCall,
)
from stacktwin.twin.dbclient import DbSite, Steps, run_call
from stacktwin.twin.kernel import ProcessGenerator, Resource, Timeout
from stacktwin.twin.notifier import VIF_PLUGGED, NovaEvent
from stacktwin.twin.state import BuildState

#: the reason of a boot whose attempts ran out: nova's ``MaxRetriesExceeded`` ("Exceeded maximum
#: number of retries. Exceeded max scheduling attempts N for instance U. Last exception: ...")
MAX_RETRIES = "max_retries_exceeded"
#: the reason of a build whose conductor work met a DB error (1040, pool timeout)
CONDUCTOR_DB_ERROR = "conductor_db_error"


def _process_pools(ctx: Context, site: DbSite, count: int) -> list[QueuePool]:
    """One QueuePool per nova process (nova.conf ``[database]``) on the database server."""
    dbs = ctx.scenario.nova.database
    recycle = dbs.connection_recycle_time
    return [
        site.pool(dbs.max_pool_size, dbs.max_overflow, dbs.pool_timeout, recycle)
        for _ in range(count)
    ]


class Conductor:
    """nova-conductor with the scheduler: picks a host and casts the build to it.

    ``workers`` counts the conductor processes of all nodes; a build or a heal RPC holds one
    for its length and uses that process's QueuePool (the processes take the work in turn).
    """

    def __init__(self, ctx: Context, computes: list[Compute], site: DbSite) -> None:
        sc = ctx.scenario
        per_node = sc.nova.conductor.workers or sc.cloud.nova_api_cores
        count = per_node * sc.cloud.nova_api_nodes
        self.ctx = ctx
        self.computes = computes
        self.site = site
        self.workers = Resource(ctx.env, count, name="conductor")
        self.pools = _process_pools(ctx, site, count)
        self._next_pool = cycle(self.pools).__next__
        self._factor = ctx.factors("conductor")  # service-time draws (Context.service's stream)
        self._by_name: dict[str, int] | None = None  # host number by name, for requested hosts

    def schedule_and_build(self, state: BuildState) -> None:
        """The ``schedule_and_build_instances`` cast arrives."""
        self.ctx.env.process(self._run(state))

    def _db_work(self, mean: float, call: DbCall, reply: float = 0.0) -> Steps:
        """``mean`` seconds of conductor work with ``call``'s DB transactions; False: failed.

        ``reply``: the broker hop of the RPC's reply, after the last transaction."""
        plan = self.site.plan(call)
        cpu = mean - plan[3]
        cpu = cpu * self._factor() if cpu > 0.0 else 0.0
        return run_call(self.site, self._next_pool(), None, None, cpu, plan, "nova", reply)

    def _build_request(self, state: BuildState, mean: float, call: DbCall) -> Steps:
        """A conductor worker does ``call`` for ``state``; a DB failure (1040, pool timeout)
        sets the instance ERROR (no host) and returns False."""
        ctx = self.ctx
        with self.workers.request() as req:
            yield req
            ok = yield from self._db_work(mean, call)
        if not ok:
            ctx.counters["nova.conductor_db_errors"] += 1
            state.finish(Outcome.ERROR, ctx.env.now, CONDUCTOR_DB_ERROR)
        return ok

    def _run(self, state: BuildState) -> ProcessGenerator:
        ctx = self.ctx
        if (
            yield from self._build_request(state, ctx.costs.conductor_schedule, SCHEDULE_AND_BUILD)
        ):
            self._send(state, self.select_host(state))

    def select_host(self, state: BuildState) -> int:
        """The host the scheduler returns for a new request: the one the request names (a
        replayed boot on its traced host, ``workload.arrivals.hosts``), else one drawn at random.

        As nova's requested destination: POST /servers ``host`` (API 2.74;
        nova 27.1.0 nova/api/openstack/compute/servers.py:652-663) becomes
        ``RequestSpec.requested_destination`` (nova/compute/api.py:1437-1438), which the
        scheduler honours."""
        requested = state.boot.host
        if requested is not None:
            if self._by_name is None:
                self._by_name = {host_name(i): i for i in range(len(self.computes))}
            return self._by_name[requested]
        return self.ctx.rng("scheduler").randrange(self.ctx.scenario.cloud.hosts)

    def _send(self, state: BuildState, host: int) -> None:
        """Cast ``build_and_run_instance`` to ``host``: one more attempt."""
        ctx = self.ctx
        state.attempts += 1
        state.hosts.append(host)
        state.boot.host = host_name(host)
        state.mark(Milestone.SCHEDULED, ctx.env.now)
        compute = self.computes[host]
        ctx.env.schedule(ctx.costs.rabbit_latency, compute.build_and_run_instance, state)

    def reschedule(self, state: BuildState) -> None:
        """The ``build_instances`` cast of a nova-compute that could not build ``state``."""
        self.ctx.env.process(self._reschedule(state))

    def _reschedule(self, state: BuildState) -> ProcessGenerator:
        """``ComputeTaskManager.build_instances`` on a reschedule (nova 27.1.0
        ``conductor/manager.py``): ``populate_retry`` counts the attempt and raises
        ``MaxRetriesExceeded`` beyond ``[scheduler] max_attempts`` (instance ERROR); otherwise the
        next alternate host the scheduler returned with the first selection is claimed in
        placement and the build is cast to it.  The alternates are other hosts, drawn here from
        their own stream (the first selection's draws are unchanged)."""
        ctx = self.ctx
        if not (yield from self._build_request(state, ctx.costs.conductor_reschedule, RESCHEDULE)):
            return
        hosts = ctx.scenario.cloud.hosts
        last = state.boot.reason
        if state.attempts >= ctx.scenario.nova.scheduler.max_attempts or len(state.hosts) >= hosts:
            ctx.counters["nova.max_retries_exceeded"] += 1
            state.finish(Outcome.ERROR, ctx.env.now, f"{MAX_RETRIES}: {last}")
            return
        rng = ctx.rng("alternates")
        tried = set(state.hosts)
        host = rng.randrange(hosts)
        while host in tried:
            host = rng.randrange(hosts)
        ctx.counters["nova.reschedules"] += 1
        state.new_attempt()
        self._send(state, host)

    def heal_rpcs(self, count: int) -> ProcessGenerator:
        """``count`` of heal's conductor RPC calls from a nova-compute, one after the other.

        ``Instance.get_by_uuid``, the info-cache refresh and the VIF list before the Neutron
        GETs, ``info_cache.save`` after (dossier §4.1; the count is UNVERIFIED): each a call
        over the broker to a conductor process shared with the builds.
        """
        ctx = self.ctx
        costs = ctx.costs
        workers = self.workers
        hops = 2 * costs.rabbit_latency  # the call's and the reply's broker hop
        for _ in range(count):
            ctx.counters["nova.rpc.heal_conductor"] += 1
            req = workers.request()
            if not req.triggered:
                yield req
            # both hops folded into the wake-up after the work (one event per call, not three):
            # the call takes as long, the worker is held 4 ms longer than the real one
            yield from self._db_work(costs.conductor_heal_rpc, HEAL_CONDUCTOR_RPC, hops)
            workers.release(req)


class NovaApi:
    """All nova-api workers of the cloud behind one load balancer.

    Each worker process has its own QueuePool on the database server (``[database]``; the API
    database's pool is taken as the same one: kolla points both at one server with the same
    settings); a request's DB work runs inside the worker it holds, as the conductor's does.
    """

    def __init__(
        self, ctx: Context, conductor: Conductor, computes: list[Compute], site: DbSite
    ) -> None:
        sc = ctx.scenario
        per_node = sc.nova.DEFAULT.osapi_compute_workers or sc.cloud.nova_api_cores
        count = per_node * sc.cloud.nova_api_nodes
        self.ctx = ctx
        self.conductor = conductor
        self.computes = computes
        self.site = site
        self.workers = Resource(ctx.env, count, name="nova-api")
        self.pools = _process_pools(ctx, site, count)
        self._next_pool = cycle(self.pools).__next__
        self._factor = ctx.factors("nova-api")  # Context.service's stream for nova-api

    def create_server(self, state: BuildState) -> ProcessGenerator:
        """``POST /servers``: answered 202, then a cast to the conductor."""
        ctx = self.ctx
        state.mark(Milestone.REQUESTED, ctx.env.now)
        with self.workers.request() as req:
            yield req
            yield Timeout(ctx.service(ctx.costs.nova_api_create_server, "nova-api"))
        ctx.env.schedule(ctx.costs.rabbit_latency, self.conductor.schedule_and_build, state)

    def delete_server(self) -> ProcessGenerator:
        """``DELETE /servers/<id>`` of a running VM: a ``terminate_instance`` cast."""
        ctx = self.ctx
        with self.workers.request() as req:
            yield req
            yield Timeout(ctx.service(ctx.costs.nova_api_external_events, "nova-api"))
        host = self._pick_host_with_instances()
        if host is not None:
            compute = self.computes[host]
            ctx.env.schedule(ctx.costs.rabbit_latency, compute.terminate_instance, None)

    def _pick_host_with_instances(self) -> int | None:
        """A random host that runs at least one VM (the user deletes one of their VMs)."""
        rng = self.ctx.rng("delete-host")
        hosts = len(self.computes)
        for _ in range(64):
            host = rng.randrange(hosts)
            if self.computes[host].instances > 0:
                return host
        return None

    def external_events(self, batch: list[NovaEvent]) -> ProcessGenerator:
        """``POST /os-server-external-events`` from a neutron notifier; False: HTTP 500.

        The instances are read from the API and the cell database
        (:data:`~stacktwin.twin.dbcalls.EXTERNAL_EVENTS`); a 1040 or a pool timeout there is a
        500, and the notifier drops the batch ("Failed to notify nova on events").

        ``event_request`` is when the worker begins serving the POST, where eventlet starts the
        clock of the access line's ``time:`` (:mod:`stacktwin.logs.event_post`): the wait for a
        worker is before it, as a connection's wait in the listen backlog is.  It is written
        with ``event_api``, for the ports nova-api creates an event for: the tracer dates a
        request only through the id of its ``Creating event`` line, which a 500 never writes.
        """
        ctx = self.ctx
        costs = ctx.costs
        with self.workers.request() as req:
            yield req
            started = ctx.env.now
            mean = costs.nova_api_external_events + costs.nova_api_external_event_each * (
                len(batch) - 1
            )
            site = self.site
            plan = site.plan(EXTERNAL_EVENTS)
            cpu = mean - plan[3]
            cpu = cpu * self._factor() if cpu > 0.0 else 0.0
            ok = yield from run_call(site, self._next_pool(), None, None, cpu, plan, "nova")
        if not ok:
            ctx.counters["nova.api.external_event_errors"] += 1
            return False
        now = ctx.env.now
        by_host: dict[int, list[NovaEvent]] = defaultdict(list)
        for name, port in batch:
            compute = port.state.compute
            if compute is None or port.host is None:
                ctx.counters["nova.api.events_dropped"] += 1
                continue
            if name == VIF_PLUGGED:
                port.state.mark(Milestone.EVENT_REQUEST, started)
                port.state.mark(Milestone.EVENT_API, now)
            by_host[port.host].append((name, port))
        ctx.counters["nova.api.external_event_posts"] += 1
        for host, events in by_host.items():
            ctx.counters["nova.rpc.external_instance_event"] += 1
            ctx.env.schedule(
                costs.rabbit_latency, self.computes[host].external_instance_event, events
            )
        return True
