"""A call's database work, as an oslo.db client does it: transactions through a QueuePool on the
shared server, with the failure semantics of the code.

A call of :mod:`stacktwin.twin.dbcalls` (``POST ports``: 109 statements in 4 transactions) runs
as ``transactions`` stages, each::

    checkout -> [open a connection] -> CPU (hub + core, holding the connection)
             -> the transaction on the server (one PS job: ping + statements + commit)
             -> check-in

The call's mean service time (a cost of :mod:`stacktwin.twin.costs`, what the logs measured)
stays what it means: its CPU part is that mean less the DB part *at low load* (no queue on the
server, no connect), so the queues add to it only when there is contention.

Opening a connection (a new pool record, or one older than ``connection_recycle_time``) costs
server CPU, client CPU inside the worker's eventlet hub (with TLS 2.49 ms instead of 0.46 ms,
[M2]) and the handshake's round trips, and takes one of the server's ``max_connections``.

Failure semantics (dossier §1.4, §1.7, §5.2):

* 1040 at connect and the pool's ``TimeoutError`` are not retriable (neutron-lib
  ``is_retriable``, [C6:109-124]): the call fails at once — an HTTP 500 for an API request, a
  RemoteError for an RPC handler (the caller sees False);
* a deadlock (1213) at commit is retriable: ``retry_db_errors`` = oslo.db ``wrap_db_retry(
  max_retries=20, retry_interval=0.5, inc_retry_interval=True, jitter=True)``
  (neutron_lib/db/api.py:40,151-158): sleep 0.5 s, then U(0, 1), U(0, 2), ... capped at
  ``max_retry_interval`` 10 s (oslo_db/api.py:134-198), each retry a new checkout; after 20
  retries the call fails.  Refused TCP connects (2003) are retried the same way by the code;
  the twin has no mechanism that refuses them (no HAProxy), so none happen.

Simplification, stated: a retry re-runs the failed transaction, not the whole request (neutron
re-runs the decorated function; with 1-transaction writes the two are the same).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from stacktwin.twin.context import Context
from stacktwin.twin.db import UNCONNECTED, QueuePool
from stacktwin.twin.dbcalls import DbCall
from stacktwin.twin.dbserver import DbServer
from stacktwin.twin.kernel import Event, Resource, Timeout

MAX_RETRIES = 20  # neutron_lib/db/api.py:40
RETRY_INTERVAL = 0.5  # neutron_lib/db/api.py:153
MAX_RETRY_INTERVAL = 10.0  # oslo_db/api.py:115 wrap_db_retry(max_retry_interval=10)

Steps = Generator[Event | Timeout, Any, bool]
Plan = tuple[int, float, float, float, bool]  # txns, work, latency per txn, DB part, write


class DbSite:
    """The database server of the cloud and what each call and connect costs on it."""

    __slots__ = (
        "_plans",
        "connect_client_cpu",
        "connect_latency",
        "connect_server_cpu",
        "counters",
        "ctx",
        "deadlock_p",
        "rng",
        "server",
    )

    def __init__(self, ctx: Context) -> None:
        cloud = ctx.scenario.cloud
        c = ctx.costs
        self.ctx = ctx
        self.counters = ctx.counters
        self.server = DbServer(ctx.env, cloud.db_cores, cloud.db_max_connections)
        tls = cloud.db_tls
        self.connect_server_cpu = c.db_connect_server_cpu_tls if tls else c.db_connect_server_cpu
        self.connect_client_cpu = c.db_connect_client_cpu_tls if tls else c.db_connect_client_cpu
        trips = c.db_connect_round_trips + (c.db_tls_round_trips if tls else 0)
        self.connect_latency = c.db_rtt * trips
        self.deadlock_p = cloud.db_deadlock_probability
        self.rng = ctx.rng("db-deadlock")
        self._plans: dict[DbCall, Plan] = {}

    def plan(self, call: DbCall) -> Plan:
        """Per transaction: server CPU and round-trip latency; the call's DB part at low load."""
        plan = self._plans.get(call)
        if plan is None:
            c = self.ctx.costs
            per = call.per_transaction
            end = c.db_commit_cpu if call.write else c.db_reset_cpu
            work = c.db_ping_cpu + per * c.db_statement_cpu + end
            latency = c.db_rtt * (per + 2)  # the ping, the statements, COMMIT / ROLLBACK
            txns = call.transactions
            plan = self._plans[call] = (txns, work, latency, txns * (work + latency), call.write)
        return plan

    def pool(self, pool_size: int, max_overflow: int, timeout: float, recycle: int) -> QueuePool:
        """A new process's QueuePool on this server."""
        return QueuePool(self.ctx.env, pool_size, max_overflow, timeout, recycle)


def run_call(  # noqa: C901 -- the hot path, inlined on purpose (benchmarks/twin_scale.py)
    site: DbSite,
    pool: QueuePool,
    hub: Resource | None,
    cores: Resource | None,
    cpu: float,
    plan: Plan,
    prefix: str,
    reply: float = 0.0,
) -> Steps:
    """Run a call (its :meth:`DbSite.plan`) with ``cpu`` seconds of CPU spread over its
    transactions; False if it failed.

    ``hub`` and ``cores`` are the process and the node's cores the CPU needs (None: the CPU is a
    plain delay, e.g. inside a nova-conductor worker already held, taken after the
    transaction's statements, in the same wake-up); ``prefix`` names the
    counters (``neutron.db_pool_timeouts``); ``reply`` is a delay after the last transaction
    (an RPC reply's broker hop), folded into its wake-up.
    """
    txns, work, latency, _, write = plan
    server = site.server
    env = server.env
    cpu_each = cpu / txns
    attempt = 0
    done = 0
    while done < txns:
        # -- checkout (QueuePool._do_get), at most one yield
        rec: Any = pool.checkout()
        if rec.__class__ is not float:
            rec = yield rec
            if rec is None:
                site.counters[f"{prefix}.db_pool_timeouts"] += 1
                return False
        work_cpu = cpu_each
        if rec < env.now - pool.recycle:
            # -- open the connection (a new record, or recycled: closed first); beyond
            # max_connections the server refuses (1040): _dec_overflow, re-raised, no retry
            if rec != UNCONNECTED:
                server.disconnect()
                site.counters["db.recycled"] += 1
            if not server.connect():
                pool.open_failed()
                site.counters[f"{prefix}.db_1040"] += 1
                return False
            job = server.run(site.connect_server_cpu, site.connect_latency)
            yield job[0]
            if job[2] is not None and job[2] is not job[0]:
                yield job[2]
            work_cpu += site.connect_client_cpu  # the handshake's client side, in the worker
            rec = site.ctx.env.now
        # -- the transaction's CPU in the worker, holding the connection
        wake = latency + reply if done == txns - 1 else latency
        if hub is None or cores is None:
            wake += work_cpu  # a plain delay (a worker already held): after the statements
        elif work_cpu > 0.0:
            h = hub.request()
            if not h.triggered:
                yield h
            core = cores.request()
            if not core.triggered:
                yield core
            yield Timeout(work_cpu)
            cores.release(core)
            hub.release(h)
        # -- the statements on the server
        job = server.run(work, wake)
        yield job[0]
        if job[2] is not None and job[2] is not job[0]:
            yield job[2]  # slowed down by sharing after it started
        if pool.checkin(rec):
            server.disconnect()
        if write and site.deadlock_p and site.rng.random() < site.deadlock_p:
            sleep = _deadlocked(site, prefix, attempt)
            if sleep is None:
                return False
            yield Timeout(sleep)
            attempt += 1
            continue
        done += 1
    return True


def _deadlocked(site: DbSite, prefix: str, attempt: int) -> float | None:
    """A deadlock at commit: the sleep before the retry, or None past ``MAX_RETRIES``."""
    site.counters[f"{prefix}.db_deadlocks"] += 1
    if attempt >= MAX_RETRIES:
        site.counters[f"{prefix}.db_retry_limit"] += 1  # 'DB exceeded retry limit.'
        return None
    return retry_sleep(site, attempt)


def retry_sleep(site: DbSite, attempt: int) -> float:
    """The sleep before retry ``attempt + 1`` of ``wrap_db_retry`` (jitter: a deadlock)."""
    if attempt == 0:
        return RETRY_INTERVAL
    return min(site.rng.uniform(0.0, RETRY_INTERVAL * 2.0**attempt), MAX_RETRY_INTERVAL)
