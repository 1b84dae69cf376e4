"""Resources: a pool of identical units with a FIFO queue, and what it measured.

A :class:`Resource` is SimPy's ``Resource``: :meth:`~Resource.request` returns a
:class:`Request`, an event that happens when a unit is granted, and
:meth:`~Resource.release` gives *that* request's unit back, handing it to the first waiter::

    with res.request() as req:   # leaving the block releases the unit (or leaves the queue)
        yield req
        yield Timeout(1.0)

A request may carry a *patience* (``request(timeout=30)``): if it is still queued when the
patience runs out it leaves the queue and its value is ``None`` instead of the request — this
is how SQLAlchemy's ``QueuePool`` timeout is modelled.

Releasing is checked, because a unit released twice silently makes a pool larger than it is:

* releasing a granted request frees its unit, once; releasing it again is an error;
* releasing a request that is still queued takes it out of the queue (SimPy's cancel);
* releasing a request that never got a unit (its patience ran out) or one of another resource
  is an error.

A request granted at once is a fresh, already-happened event: a process that yields it
continues in the same step.  Hot code may skip the ``yield`` with ``if not req.triggered``.

Every resource keeps the time integrals needed for queueing checks: busy units (utilisation),
queue length (``L_q``), and the waits of the requests that left the queue (``W_q``), so
Little's law ``L_q = λ W_q`` can be checked on any of them.  ``request``, ``release`` and
``acquire`` repeat the same few lines of accounting on purpose: they are the kernel's hottest
code, and a shared helper call costs measurably (``benchmarks/twin_scale.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappush
from typing import Any

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.events import Event

# Request.state
QUEUED, GRANTED, RELEASED, LEFT = 0, 1, 2, 3
_STATE_NAMES = ("queued", "granted", "released", "left the queue")


class Request(Event):
    """A request for one unit of a :class:`Resource`; its value is itself once granted."""

    __slots__ = ("queued_at", "resource", "state")

    def __init__(self, resource: Resource) -> None:
        self.env = env = resource.env  # Event.__init__, inlined
        self.callbacks = []
        self.triggered = False
        self._ok = True
        self.value = None
        self.resource = resource
        self.state = QUEUED
        self.queued_at = env.now

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *_: object) -> None:
        """Give the unit back if granted, or leave the queue if still waiting."""
        if self.state <= GRANTED:  # QUEUED or GRANTED
            self.resource.release(self)

    def __repr__(self) -> str:
        return f"<Request for {self.resource.name or 'a resource'}: {_STATE_NAMES[self.state]}>"


class _Granted(Request):
    """A request granted at once: an event that has already happened.

    Nothing will ever wait on it or trigger it, so it carries no callbacks and no environment:
    making one costs five attribute stores, on the kernel's hottest path.
    """

    __slots__ = ()

    def __init__(self, resource: Resource) -> None:  # not Request.__init__: no queue entry
        self.triggered = True
        self._ok = True
        self.resource = resource
        self.state = GRANTED
        self.value = self


class Resource:
    """``capacity`` identical units, granted first-come first-served."""

    __slots__ = (
        "_area_busy",
        "_area_queue",
        "_since",
        "_t_last",
        "capacity",
        "env",
        "granted",
        "name",
        "peak_queue",
        "queue",
        "reneged",
        "users",
        "wait_count",
        "wait_max",
        "wait_sum",
        "waiting",
    )

    def __init__(self, env: BaseEnvironment, capacity: int, name: str = "") -> None:
        if capacity < 1:
            raise ValueError(f"resource {name!r}: capacity must be >= 1, got {capacity}")
        self.env = env
        self.capacity = capacity
        self.name = name
        self.users = 0
        self.queue: deque[Request] = deque()  # may still hold requests whose patience ran out
        self.waiting = 0  # requests in the queue still waiting
        self.granted = 0
        self.reneged = 0
        self.peak_queue = 0
        self.wait_sum = 0.0
        self.wait_max = 0.0
        self.wait_count = 0
        self._area_busy = 0.0
        self._area_queue = 0.0
        self._t_last = env.now
        self._since = env.now

    # -- accounting -------------------------------------------------------------------------
    def _tick(self) -> None:
        now = self.env.now
        dt = now - self._t_last
        if dt:
            if self.users:
                self._area_busy += self.users * dt
                if self.waiting:
                    self._area_queue += self.waiting * dt
            self._t_last = now

    def _left_queue(self, req: Request) -> None:
        wait = self.env.now - req.queued_at
        self.wait_sum += wait
        self.wait_count += 1
        if wait > self.wait_max:
            self.wait_max = wait

    # -- the API ------------------------------------------------------------------------------
    def request(self, timeout: float | None = None) -> Request:
        """Ask for a unit; the returned event happens when it is granted (or patience ends)."""
        now = self.env.now
        dt = now - self._t_last
        if dt:
            if self.users:
                self._area_busy += self.users * dt
                if self.waiting:
                    self._area_queue += self.waiting * dt
            self._t_last = now
        if self.users < self.capacity:  # (waiters exist only while every unit is held)
            self.users += 1
            self.granted += 1
            self.wait_count += 1  # a zero wait counts in W_q
            return _Granted(self)
        req = Request(self)
        self.queue.append(req)
        self.waiting += 1
        if self.waiting > self.peak_queue:
            self.peak_queue = self.waiting
        if timeout is not None:
            self.env.schedule(timeout, self._expire, req)
        return req

    def _expire(self, req: Request) -> None:
        if req.state != QUEUED:
            return
        self._tick()
        req.state = LEFT
        self.waiting -= 1
        self.reneged += 1
        self._left_queue(req)
        req.succeed(None)

    def release(self, req: Request) -> None:
        """Give ``req``'s unit back (the first waiter gets it now), or take it out of the queue."""
        try:
            if req.state != GRANTED or req.resource is not self:
                self._release_other(req)
                return
        except AttributeError:
            raise TypeError(f"release() needs a Request of {self.name!r}, got {req!r}") from None
        req.state = RELEASED
        req.value = None  # a granted request's value is itself: break that cycle for refcounting
        env = self.env
        now = env.now
        dt = now - self._t_last
        if dt:
            if self.users:
                self._area_busy += self.users * dt
                if self.waiting:
                    self._area_queue += self.waiting * dt
            self._t_last = now
        queue = self.queue
        while queue:
            nxt = queue.popleft()
            if nxt.state != QUEUED:
                continue
            nxt.state = GRANTED
            self.waiting -= 1
            self.granted += 1
            self._left_queue(nxt)
            nxt.triggered = True
            nxt.value = nxt
            for cb in nxt.callbacks:
                heappush(env._heap, (now, next(env._seq), cb, nxt))
            nxt.callbacks = []
            return
        self.users -= 1

    def _release_other(self, req: Request) -> None:
        """``release`` of anything but a granted request of this resource."""
        if req.resource is not self:
            raise ValueError(f"{req!r} was made by another resource than {self.name!r}")
        if req.state == QUEUED:  # cancel: it leaves the queue, never granted
            self._tick()
            self.queue.remove(req)
            req.state = LEFT
            self.waiting -= 1
            self._left_queue(req)
            return
        if req.state == RELEASED:
            raise RuntimeError(f"{req!r} released twice")
        raise RuntimeError(f"{req!r} cannot be released: it was never granted")

    def acquire(self, callback: Callable[[Request], Any]) -> None:
        """Callback style: call ``callback(request)`` once a unit is granted (at once if free).

        The M/M/c station of :mod:`stacktwin.twin.kernel.queueing` uses this instead of a
        process: no generator per customer.  Give the unit back with ``release(request)``.
        """
        now = self.env.now
        dt = now - self._t_last
        if dt:
            if self.users:
                self._area_busy += self.users * dt
                if self.waiting:
                    self._area_queue += self.waiting * dt
            self._t_last = now
        if self.users < self.capacity:  # (waiters exist only while every unit is held)
            self.users += 1
            self.granted += 1
            self.wait_count += 1
            callback(_Granted(self))
            return
        req = Request(self)
        req.callbacks.append(callback)
        self.queue.append(req)
        self.waiting += 1
        if self.waiting > self.peak_queue:
            self.peak_queue = self.waiting

    # -- what it measured --------------------------------------------------------------------
    def stats(self) -> dict[str, float | int | str]:
        """Utilisation, mean queue, peak queue, waits over the run so far."""
        self._tick()
        elapsed = self.env.now - self._since
        return {
            "name": self.name,
            "capacity": self.capacity,
            "utilisation": self._area_busy / (elapsed * self.capacity) if elapsed > 0 else 0.0,
            "mean_queue": self._area_queue / elapsed if elapsed > 0 else 0.0,
            "peak_queue": self.peak_queue,
            "granted": self.granted,
            "timeouts": self.reneged,
            "mean_wait": self.wait_sum / self.wait_count if self.wait_count else 0.0,
            "max_wait": self.wait_max,
            "arrivals": self.wait_count + self.waiting,
        }
