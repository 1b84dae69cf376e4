"""oslo.db's connection pool: SQLAlchemy ``QueuePool`` per worker process.

``[database] max_pool_size`` connections are kept open; up to ``max_overflow`` more are opened
on demand and *closed* when returned; a checkout beyond ``max_pool_size + max_overflow`` waits
up to ``pool_timeout`` seconds and then fails with ``QueuePool limit of size N overflow M
reached, connection timed out, timeout T`` (dossier §5.2).  Opening a connection costs
``db_connect`` seconds, so a small pool under concurrency pays that cost on most checkouts.

A checkout is at most one yield, with no generator of its own (it is on the twin's hottest
path)::

    conn = pool.checkout()
    if not conn.triggered:            # not an idle pooled connection: wait
        conn = yield conn             # the connection, or None when pool_timeout expired
    ...
    pool.checkin(conn)
"""

from __future__ import annotations

from stacktwin.twin.kernel import BaseEnvironment, Request, Resource, Timeout

UNLIMITED = 10**9


class DbPool:
    """One process's QueuePool."""

    __slots__ = ("connect_cost", "connects", "idle", "open", "size", "slots", "timeout")

    def __init__(
        self,
        env: BaseEnvironment,
        name: str,
        max_pool_size: int,
        max_overflow: int,
        pool_timeout: float,
        connect_cost: float,
    ) -> None:
        self.size = UNLIMITED if max_pool_size == 0 else max_pool_size
        overflow = UNLIMITED if max_overflow < 0 else max_overflow
        self.slots = Resource(env, min(UNLIMITED, self.size + overflow), name=f"{name}.db")
        self.timeout = float(pool_timeout)
        self.connect_cost = connect_cost
        self.idle = 0  # open connections sitting in the pool
        self.open = 0  # open connections, in use or idle
        self.connects = 0  # connections opened (churn)

    def checkout(self) -> Request | Timeout:
        """The connection if one is idle, else what to yield for it (which gives it, or None).

        A free slot at once is an idle pooled connection (the request, already granted: no
        wait) or a new connection (a delay of ``connect_cost`` whose value is the request).
        Otherwise the request waits for a holder to hand its open connection over, or for
        ``pool_timeout``.
        """
        req = self.slots.request(timeout=self.timeout)
        if not req.triggered:
            return req
        if self.idle:
            self.idle -= 1
            return req
        self.open += 1
        self.connects += 1
        if self.connect_cost:
            return Timeout(self.connect_cost, req)
        return req

    def checkin(self, conn: Request) -> None:
        """Give a connection back: to a waiter, to the pool, or closed (overflow)."""
        slots = self.slots
        if slots.waiting:
            slots.release(conn)  # the waiter takes this open connection
            return
        slots.release(conn)
        if self.open <= self.size:
            self.idle += 1
        else:
            self.open -= 1
