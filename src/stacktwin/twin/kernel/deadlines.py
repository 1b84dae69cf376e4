"""Deadlines: many timers of one length, most of them moot before they are due.

An RPC call waits for its reply at most ``rpc_response_timeout``; a pool checkout waits at most
``pool_timeout``.  Almost always the reply or the connection comes first and the timer, when it
is due, finds nothing to do — yet one queue entry per timer costs a heap push, a heap pop and a
call, for hundreds of thousands of calls an hour.

A :class:`Deadlines` holds the timers of one length for a set of events: :meth:`start` says
"call ``expire(argument)`` ``delay`` seconds from now, unless ``event`` has happened by then".
Timers of one length started in time order are due in that order, so they wait in a FIFO and
the kernel holds *one* entry for all of them, for the earliest one still pending; when it is
due, the timers whose event has happened are dropped without a call, the due ones expire, and
the entry is set again for the next one still pending::

    deadlines = Deadlines(env, 60.0, on_timeout)
    reply = env.event()
    deadlines.start(reply, reply)        # on_timeout(reply) at now + 60, if still pending
    ...
    reply.succeed(answer)                # the timer is now moot: it will be dropped, not called

A timer expires at exactly ``start time + delay``, the time its own entry would have had; what
differs from one entry per timer is only the order among entries due at that very instant (the
shared entry was queued later than the timer's own would have been).  The twin's timers are
started at event times drawn from continuous distributions, so such ties do not occur there.

The event must be one that happens at most once and is not reset (an :class:`Event`); a timer
whose event is still pending when due is called even if the caller no longer cares — the
callback checks what it needs, as a timer entry's callback would.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappush
from typing import Generic, TypeVar

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.events import Event

T = TypeVar("T")


class Deadlines(Generic[T]):
    """Timers of ``delay`` seconds on events: ``expire(argument)`` for those still pending."""

    __slots__ = ("_armed", "_fire_cb", "_timers", "delay", "env", "expire", "expired")

    def __init__(self, env: BaseEnvironment, delay: float, expire: Callable[[T], object]) -> None:
        if delay < 0:
            raise ValueError(f"negative deadline {delay}")
        self.env = env
        self.delay = float(delay)
        self.expire = expire
        self._timers: deque[tuple[float, Event, T]] = deque()  # (due, event, argument), in order
        self._armed = False  # the kernel holds the entry for the earliest pending timer
        self._fire_cb = self._fire  # bound once
        self.expired = 0  # timers that were called

    def __len__(self) -> int:
        """Timers not dropped yet (some may be moot: their event happened)."""
        return len(self._timers)

    def start(self, event: Event, argument: T) -> None:
        """``expire(argument)`` ``delay`` seconds from now, unless ``event`` happens first."""
        env = self.env
        due = env.now + self.delay
        self._timers.append((due, event, argument))
        if not self._armed:
            self._armed = True
            heappush(env._heap, (due, next(env._seq), self._fire_cb, None))

    def _fire(self, _: object) -> None:
        timers = self._timers
        now = self.env.now
        while timers:
            due, event, argument = timers[0]
            if event.triggered:  # moot: its reply or grant came first
                timers.popleft()
                continue
            if due > now:
                break
            timers.popleft()
            self.expired += 1
            self.expire(argument)
        if timers:
            env = self.env
            heappush(env._heap, (timers[0][0], next(env._seq), self._fire_cb, None))
        else:
            self._armed = False


class DeadlinesByDelay(Generic[T]):
    """One :class:`Deadlines` per delay, made on first use: callers whose timeouts differ (a
    per-call timeout, a service's own option) each share the timers of their length::

        timers = DeadlinesByDelay(env, on_timeout)
        timers(60.0).start(reply, reply)
    """

    __slots__ = ("_by_delay", "env", "expire")

    def __init__(self, env: BaseEnvironment, expire: Callable[[T], object]) -> None:
        self.env = env
        self.expire = expire
        self._by_delay: dict[float, Deadlines[T]] = {}

    def __call__(self, delay: float) -> Deadlines[T]:
        """The timers of ``delay`` seconds."""
        timers = self._by_delay.get(delay)
        if timers is None:
            timers = self._by_delay[delay] = Deadlines(self.env, delay, self.expire)
        return timers
