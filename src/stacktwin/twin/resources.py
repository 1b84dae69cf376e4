"""Resources: a pool of identical servers with a FIFO queue, and what it measured.

A :class:`Resource` is SimPy's ``Resource``: ``request()`` returns an event that happens when a
unit is granted, ``release(request)`` gives the unit back and hands it to the next waiter.
A request may carry a *patience* (``request(timeout=30)``): if it is still queued when the
patience runs out it leaves the queue and its value is ``None`` instead of the request — this
is how SQLAlchemy's ``QueuePool`` timeout is modelled.

Every resource keeps the time integrals needed for queueing checks: busy units (utilisation),
queue length (``L_q``), and the waits of the requests that left the queue (``W_q``), so
Little's law ``L_q = λ W_q`` can be checked on any of them.

``request``, ``release`` and ``acquire`` repeat the same few lines of accounting on purpose:
they are the kernel's hottest code, and a shared helper call costs the M/M/c benchmark about
40% of its speed (measured with ``benchmarks/twin_scale.py``).
"""

from __future__ import annotations

from collections import deque

from stacktwin.twin.engine import Callback, Environment, Event


class Request(Event):
    """A request for one unit of a :class:`Resource`; its value is itself once granted."""

    __slots__ = ("cancelled", "queued_at", "resource")

    def __init__(self, resource: Resource) -> None:
        Event.__init__(self, resource.env)
        self.resource = resource
        self.cancelled = False
        self.queued_at = 0.0


class Resource:
    """``capacity`` identical units, granted first-come first-served."""

    __slots__ = (
        "_area_busy",
        "_area_queue",
        "_since",
        "_t_last",
        "_token",
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

    def __init__(self, env: Environment, capacity: int, name: str = "") -> None:
        if capacity < 1:
            raise ValueError(f"resource {name!r}: capacity must be >= 1, got {capacity}")
        self.env = env
        self.capacity = capacity
        self.name = name
        self.users = 0
        self.queue: deque[Request] = deque()
        self.waiting = 0  # queued and not cancelled
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
        self._token = Request(self)
        self._token.triggered = True
        self._token.value = self._token

    # -- accounting -------------------------------------------------------------------------
    def _tick(self) -> None:
        now = self.env.now
        dt = now - self._t_last
        if dt:
            self._area_busy += self.users * dt
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
            self._area_busy += self.users * dt
            self._area_queue += self.waiting * dt
            self._t_last = now
        if self.users < self.capacity and not self.waiting:
            self.users += 1
            self.granted += 1
            self.wait_count += 1  # a zero wait counts in W_q
            return self._token  # granted at once: no new event needed
        req = Request(self)
        req.queued_at = self.env.now
        self.queue.append(req)
        self.waiting += 1
        if self.waiting > self.peak_queue:
            self.peak_queue = self.waiting
        if timeout is not None:
            self.env.schedule(timeout, self._expire, req)
        return req

    def _expire(self, req: Request) -> None:
        if req.triggered or req.cancelled:
            return
        self._tick()
        req.cancelled = True
        self.waiting -= 1
        self.reneged += 1
        self._left_queue(req)
        req.succeed(None)

    def release(self, req: Request | None = None) -> None:
        """Give a unit back; the first waiter (if any) gets it now."""
        now = self.env.now
        dt = now - self._t_last
        if dt:
            self._area_busy += self.users * dt
            self._area_queue += self.waiting * dt
            self._t_last = now
        queue = self.queue
        while queue:
            nxt = queue.popleft()
            if nxt.cancelled:
                continue
            self.waiting -= 1
            self.granted += 1
            self._left_queue(nxt)
            nxt.triggered = True
            nxt.value = nxt
            for cb in nxt.callbacks:
                self.env.schedule(0.0, cb, nxt)
            nxt.callbacks = []
            return
        self.users -= 1

    def acquire(self, callback: Callback) -> None:
        """Callback style: call ``callback(granted)`` once a unit is granted (at once if free).

        The M/M/c station of :mod:`stacktwin.twin.queueing` uses this instead of a process:
        no generator and no event object per request.  Give the unit back with
        :meth:`release`.
        """
        now = self.env.now
        dt = now - self._t_last
        if dt:
            self._area_busy += self.users * dt
            self._area_queue += self.waiting * dt
            self._t_last = now
        if self.users < self.capacity and not self.waiting:
            self.users += 1
            self.granted += 1
            self.wait_count += 1
            callback(None)
            return
        req = Request(self)
        req.queued_at = now
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
