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
        granted_at_once = token.triggered
        got = yield token
        if got is None:
            return None
        if granted_at_once:
            if self.idle:
                self.idle -= 1
            else:
                self.open += 1
                self.connects += 1
                if self.connect_cost:
                    yield Timeout(self.connect_cost)
        # else: handed over by the releasing holder, already open
        return got  # type: ignore[no-any-return]

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
