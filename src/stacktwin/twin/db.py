"""oslo.db's connection pool: SQLAlchemy ``QueuePool`` per worker process.

``[database] max_pool_size`` connections are kept open; up to ``max_overflow`` more are opened
on demand and *closed* when returned; a checkout beyond ``max_pool_size + max_overflow`` waits
up to ``pool_timeout`` seconds and then fails with ``QueuePool limit of size N overflow M
reached, connection timed out, timeout T`` (dossier §5.2).  Opening a connection costs
``db_connect`` seconds, so a small pool under concurrency pays that cost on most checkouts.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from stacktwin.twin.engine import Environment, Event, Timeout
from stacktwin.twin.resources import Request, Resource

UNLIMITED = 10**9


class DbPool:
    """One process's QueuePool."""

    __slots__ = ("connect_cost", "connects", "env", "idle", "open", "size", "slots", "timeout")

    def __init__(
        self,
        env: Environment,
        name: str,
        max_pool_size: int,
        max_overflow: int,
        pool_timeout: float,
        connect_cost: float,
    ) -> None:
        self.env = env
        self.size = UNLIMITED if max_pool_size == 0 else max_pool_size
        overflow = UNLIMITED if max_overflow < 0 else max_overflow
        self.slots = Resource(env, min(UNLIMITED, self.size + overflow), name=f"{name}.db")
        self.timeout = float(pool_timeout)
        self.connect_cost = connect_cost
        self.idle = 0  # open connections sitting in the pool
        self.open = 0  # open connections, in use or idle
        self.connects = 0  # connections opened (churn)

    def checkout(self) -> Generator[Event | Timeout, Any, Request | None]:
        """Get a connection: the request to give back, or None when ``pool_timeout`` expired."""
        token = self.slots.request(timeout=self.timeout)
        if token.triggered:  # a free slot at once: an idle pooled connection, or a new one
            cost = self.take_slot()
            if cost:
                yield Timeout(cost)
            return token
        got: Request | None = yield token  # else handed over by a releasing holder, open
        return got

    def take_slot(self) -> float:
        """A slot was granted at once: reuse an idle connection (0 s) or open one (its cost)."""
        if self.idle:
            self.idle -= 1
            return 0.0
        self.open += 1
        self.connects += 1
        return self.connect_cost

    def checkin(self, req: Request) -> None:
        """Give a connection back: to a waiter, to the pool, or closed (overflow)."""
        if self.slots.waiting:
            self.slots.release(req)  # the waiter takes this open connection
            return
        self.slots.release(req)
        if self.open <= self.size:
            self.idle += 1
        else:
            self.open -= 1
