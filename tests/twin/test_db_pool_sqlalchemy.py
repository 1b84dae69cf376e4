"""The twin's QueuePool against SQLAlchemy's own, step by step (issue 10).

SQLAlchemy's ``QueuePool`` is driven with a fake DBAPI creator that counts the connections it
opens and closes; the twin's :class:`~stacktwin.twin.db.QueuePool` goes through the same random
interleaving of check-outs, check-ins and clock advances.  After every step both must have
opened and closed the same number of connections, hold the same number idle and checked out,
and agree on whether a checkout hit ``QueuePool limit ... reached``.  Single-threaded, a
checkout beyond the limit waits with nobody to check in: SQLAlchemy with ``timeout=0`` raises
at once, the twin's waiter expires after its patience.

``connection_recycle_time`` is checked the way oslo.db/SQLAlchemy do at checkout
(``_ConnectionRecord.get_connection``: older than ``recycle`` -> closed and reopened), with
SQLAlchemy's clock replaced by the test's.
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import exc
from sqlalchemy.pool import QueuePool as SaQueuePool
from sqlalchemy.pool import base as sa_pool_base

from stacktwin.twin.db import UNCONNECTED, QueuePool
from stacktwin.twin.kernel import Environment, Event


class FakeDbapi:
    """Counts what the pool does with the connections it gets from ``creator``."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0

    def creator(self) -> Any:
        self.opened += 1
        api = self

        class Conn:
            def rollback(self) -> None:
                pass

            def close(self) -> None:
                api.closed += 1

        return Conn()


class TwinSide:
    """The twin's pool, with what ``dbclient.run_call`` does around a checkout."""

    def __init__(self, pool_size: int, max_overflow: int, recycle: int) -> None:
        self.env = Environment()
        self.pool = QueuePool(self.env, pool_size, max_overflow, timeout=1.0, recycle=recycle)
        self.recycled = 0

    @property
    def opened(self) -> int:
        return self.pool.created + self.recycled

    @property
    def closed(self) -> int:
        return self.pool.closes + self.recycled

    def checkout(self) -> float | None:
        rec = self.pool.checkout()
        if isinstance(rec, Event):
            self.env.run(until=self.env.now + 2.0)  # nobody checks in: the patience ends
            assert rec.triggered
            return None if rec.value is None else float(rec.value)
        if rec < self.pool.stale_before():
            if rec != UNCONNECTED:
                self.recycled += 1  # closed, then opened again
            rec = self.env.now
        return rec

    def advance(self, dt: float) -> None:
        self.env.run(until=self.env.now + dt)


Op = tuple[str, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("out"), st.just(0)),
        st.tuples(st.just("in"), st.integers(0, 200)),
        st.tuples(st.just("wait"), st.integers(1, 30)),
    ),
    min_size=1,
    max_size=120,
)


def _drive(
    pool_size: int, max_overflow: int, recycle: int, steps: list[Op], monkeypatch: Any
) -> None:
    clock = {"now": 1_000.0}
    monkeypatch.setattr(
        sa_pool_base, "time", types.SimpleNamespace(time=lambda: clock["now"]), raising=True
    )
    api = FakeDbapi()
    sa = SaQueuePool(
        api.creator,
        pool_size=pool_size,
        max_overflow=max_overflow,
        timeout=0,
        recycle=recycle,
        reset_on_return="rollback",
    )
    twin = TwinSide(pool_size, max_overflow, recycle)
    sa_held: list[Any] = []
    twin_held: list[float] = []
    for kind, arg in steps:
        if kind == "out":
            try:
                sa_held.append(sa.connect())
                sa_timeout = False
            except exc.TimeoutError:
                sa_timeout = True
            rec = twin.checkout()
            assert (rec is None) == sa_timeout, (kind, sa.status())
            if rec is not None:
                twin_held.append(rec)
        elif kind == "in":
            if not sa_held:
                continue
            i = arg % len(sa_held)
            sa_held.pop(i).close()
            twin.pool.checkin(twin_held.pop(i))
        else:
            twin.advance(arg)
        clock["now"] = 1_000.0 + twin.env.now  # a twin waiter's patience takes time too
        assert twin.opened == api.opened, (kind, sa.status())
        assert twin.closed == api.closed, (kind, sa.status())
        assert len(twin.pool.idle) == sa.checkedin(), (kind, sa.status())
        assert twin.pool.checked_out == sa.checkedout(), (kind, sa.status())
    for fairy in sa_held:
        fairy.close()


@settings(max_examples=150, deadline=None)
@given(
    pool_size=st.sampled_from([0, 1, 5]),
    max_overflow=st.sampled_from([-1, 0, 3, 50]),
    steps=ops,
)
def test_twin_pool_opens_and_closes_as_sqlalchemy(
    pool_size: int, max_overflow: int, steps: list[Op]
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _drive(pool_size, max_overflow, -1, steps, mp)


@settings(max_examples=80, deadline=None)
@given(
    pool_size=st.sampled_from([1, 5]),
    max_overflow=st.sampled_from([0, 3, 50]),
    recycle=st.sampled_from([0, 10, 60]),
    steps=ops,
)
def test_twin_pool_recycles_as_sqlalchemy(
    pool_size: int, max_overflow: int, recycle: int, steps: list[Op]
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _drive(pool_size, max_overflow, recycle, steps, mp)


def test_a_connection_returned_to_an_empty_queue_is_kept() -> None:
    """The old twin closed it when more than pool_size were open; SQLAlchemy keeps it."""
    env = Environment()
    pool = QueuePool(env, 1, 50, timeout=30)
    a, b = pool.checkout(), pool.checkout()  # two new records: pooled + "overflow"
    assert a == UNCONNECTED and b == UNCONNECTED
    assert pool.checkin(0.0) is False  # queue empty: kept
    assert pool.checkin(0.0) is True  # queue full (1): closed
    assert len(pool.idle) == 1 and pool.closes == 1 and pool.created == 2


def test_a_waiter_gets_the_returned_connection_else_times_out() -> None:
    env = Environment()
    pool = QueuePool(env, 1, 0, timeout=5)
    first = pool.checkout()
    assert first == UNCONNECTED
    got: list[tuple[float, Any]] = []

    def waiter() -> Any:
        ev = pool.checkout()
        assert isinstance(ev, Event)
        value = yield ev
        got.append((env.now, value))

    env.process(waiter())
    env.process(waiter())
    env.schedule(2.0, lambda _: pool.checkin(0.0))
    env.run()
    # the first waiter took the returned connection at t=2, the second timed out at t=5
    assert got == [(2.0, 0.0), (5.0, None)]
    assert pool.timeouts == 1 and pool.max_wait == 5.0 and pool.created == 1
