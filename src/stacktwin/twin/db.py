"""oslo.db's connection pool: SQLAlchemy's ``QueuePool``, one per worker process.

The rules are SQLAlchemy's own (``sqlalchemy/pool/impl.py`` of SQLAlchemy 2.1: ``__init__``
lines 72-140, ``_do_return_conn`` 141-148, ``_do_get`` 150-180, ``_inc_overflow`` /
``_dec_overflow`` 182-199; dossier §1.5 quotes 1.4, the same logic), which oslo.db feeds with
``[database] max_pool_size`` -> ``pool_size``, ``max_overflow`` and ``pool_timeout``
(``oslo_db/sqlalchemy/engines.py``, dossier [C2:232-243]):

* an *idle queue* holding at most ``pool_size`` connections (0: no limit, and then no overflow
  limit either: ``_max_overflow = -1 if pool_size == 0``);
* an *overflow counter* that starts at ``-pool_size`` and counts every connection opened;
  ``max_overflow`` (-1: no limit) caps it, so at most ``pool_size + max_overflow`` are open;
* **checkout** takes the oldest idle connection (FIFO, ``use_lifo=False``); else opens one if
  the counter is below ``max_overflow``; else waits up to ``pool_timeout`` for one to be
  returned, then fails with ``TimeoutError: QueuePool limit of size N overflow M reached``;
* **check-in** hands the connection to the first waiter, else puts it in the queue if it holds
  fewer than ``pool_size``, else *closes* it (and the counter goes down).  So a connection
  returned to an empty queue is kept, whether it was opened as "overflow" or not.

A connection is a *record*: the time it was opened, or :data:`UNCONNECTED` for a record whose
connection must still be opened (a new one, or one whose reconnect failed).  oslo.db's
``connection_recycle_time`` is checked at checkout (``_ConnectionRecord.get_connection``): a
record older than that is closed and reopened by the caller — :meth:`QueuePool.stale_before`
says which.  The pool itself knows nothing of the database server: the caller opens and closes
the server side (:mod:`stacktwin.twin.dbserver`) and tells the pool when an open failed.

A checkout is at most one yield (it is on the twin's hottest path)::

    rec = pool.checkout()
    if rec.__class__ is not float:      # no idle connection and no room: wait
        rec = yield rec                 # a record, or None when pool_timeout expired
    ...
    pool.checkin(rec)                   # True if the pool closed it
"""

from __future__ import annotations

import sys
from collections import deque

from stacktwin.twin.kernel import BaseEnvironment, Deadlines, Event

UNCONNECTED = float("-inf")
"""The record of a connection not (or no longer) open: older than any recycle horizon."""
NEVER = sys.float_info.max
"""The recycle time when recycling is off: ``now - NEVER`` is older than any opened record and
younger than :data:`UNCONNECTED`."""


class QueuePool:
    """One process's QueuePool: idle records, the overflow counter, the waiters."""

    __slots__ = (
        "_area",
        "_patience",
        "_t",
        "checkouts",
        "closes",
        "created",
        "env",
        "idle",
        "max_overflow",
        "max_wait",
        "overflow",
        "peak_waiting",
        "recycle",
        "size",
        "timeout",
        "timeouts",
        "waiters",
    )

    def __init__(
        self,
        env: BaseEnvironment,
        pool_size: int,
        max_overflow: int,
        timeout: float,
        recycle: float = -1,
    ) -> None:
        self.env = env
        self.size = pool_size  # 0: the queue has no limit
        self.overflow = -pool_size
        self.max_overflow = -1 if pool_size == 0 else max_overflow
        self.timeout = float(timeout)
        #: connection_recycle_time (< 0: never, kept as a horizon no record is older than)
        self.recycle = float(recycle) if recycle >= 0 else NEVER
        self.idle: deque[float] = deque()
        self.waiters: deque[tuple[Event, float]] = deque()  # (event, since when)
        self.created = 0  # records handed out to be opened (new connections)
        self.closes = 0  # connections closed on check-in (the queue was full)
        self.timeouts = 0  # QueuePool limit ... reached
        self.checkouts = 0
        self.peak_waiting = 0
        self.max_wait = 0.0
        self._area = 0.0  # integral of the records checked out (for the mean)
        self._t = env.now
        #: the waiters' ``pool_timeout`` timers (one kernel entry for all of them)
        self._patience: Deadlines[tuple[Event, float]] = Deadlines(env, self.timeout, self._expire)

    @property
    def checked_out(self) -> int:
        """Records open or being opened outside the queue (``pool.checkedout()``)."""
        return self.size + self.overflow - len(self.idle)

    def checkout(self) -> float | Event:
        """A record now (idle, or :data:`UNCONNECTED` to open), or an event to wait on.

        The event's value is the record a check-in handed over, or None after
        ``pool_timeout`` (the ``TimeoutError`` of ``_do_get``).
        """
        now = self.env.now  # _tick, inlined: the hot path
        dt = now - self._t
        idle = self.idle
        if dt:
            self._area += dt * (self.size + self.overflow - len(idle))
            self._t = now
        self.checkouts += 1
        if idle:
            return idle.popleft()
        overflow = self.overflow
        max_overflow = self.max_overflow
        if max_overflow == -1 or overflow < max_overflow:  # _inc_overflow
            self.overflow = overflow + 1
            self.created += 1
            return UNCONNECTED
        env = self.env
        ev = Event(env)
        waiter = (ev, env.now)
        waiters = self.waiters
        waiters.append(waiter)
        if len(waiters) > self.peak_waiting:
            self.peak_waiting = len(waiters)
        self._patience.start(ev, waiter)
        return ev

    def _tick(self) -> None:
        now = self.env.now
        dt = now - self._t
        if dt:
            self._area += dt * (self.size + self.overflow - len(self.idle))
            self._t = now

    def mean_checked_out(self) -> float:
        """Time-mean of the records checked out since the start."""
        self._tick()
        return self._area / self._t if self._t else 0.0

    def _expire(self, waiter: tuple[Event, float]) -> None:
        ev = waiter[0]
        if ev.triggered:
            return
        self.waiters.remove(waiter)
        self.timeouts += 1
        self._waited(waiter[1])
        ev.succeed(None)

    def _waited(self, since: float) -> None:
        wait = self.env.now - since
        if wait > self.max_wait:
            self.max_wait = wait

    def open_failed(self) -> None:
        """Opening a new record's connection raised (1040): ``_dec_overflow``, re-raised."""
        self._tick()
        self.overflow -= 1

    def stale_before(self) -> float:
        """Records opened before this time are closed and reopened at checkout."""
        recycle = self.recycle  # NEVER when off: then only UNCONNECTED records are stale
        return self.env.now - recycle

    def checkin(self, rec: float) -> bool:
        """Return a record: to the first waiter, to the queue, or closed. True if closed."""
        now = self.env.now  # _tick, inlined: the hot path
        dt = now - self._t
        if dt:
            self._area += dt * (self.size + self.overflow - len(self.idle))
            self._t = now
        waiters = self.waiters
        if waiters:  # each waiter leaves the queue when served or when its patience ends
            ev, since = waiters.popleft()
            self._waited(since)
            ev.succeed(rec)
            return False
        idle = self.idle
        if self.size == 0 or len(idle) < self.size:
            idle.append(rec)
            return False
        self.overflow -= 1  # Full: record.close(), _dec_overflow()
        if rec != UNCONNECTED:
            self.closes += 1
            return True
        return False

    def open_idle(self) -> int:
        """Idle records holding an open connection."""
        return sum(1 for rec in self.idle if rec != UNCONNECTED)
