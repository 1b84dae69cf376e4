"""The event loop: simulated time and the queue of what happens next.

A :class:`BaseEnvironment` is a clock and a heap of entries ``(time, sequence, callback,
argument)``.  :meth:`~BaseEnvironment.run` pops them in time order, sets the clock and calls
``callback(argument)``.  The sequence number keeps same-time entries first-in first-out, so a
run is deterministic: the same program makes the same calls in the same order.

That is all the kernel's notion of time: an :class:`~stacktwin.twin.kernel.events.Event`
schedules its callbacks here when it happens, a
:class:`~stacktwin.twin.kernel.process.Process` schedules its own wake-up here when it yields a
:class:`~stacktwin.twin.kernel.events.Timeout`.  Unlike SimPy, no event object is made for a
plain delay (an entry is a tuple), the commonest thing a process does.

:class:`~stacktwin.twin.kernel.environment.Environment` adds the factories
(``env.process``, ``env.event``, ``env.timeout``, ``env.any_of``, ``env.all_of``); this module
knows nothing of events, so the kernel's modules import each other in one direction only.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count
from typing import Any

from stacktwin.twin.kernel.exceptions import SimulationError

Callback = Callable[[Any], object]


class BaseEnvironment:
    """Simulated time (:attr:`now`, seconds) and the queue of what happens next."""

    __slots__ = ("_heap", "_seq", "events", "now")

    def __init__(self, initial_time: float = 0.0) -> None:
        self.now = initial_time
        self._heap: list[tuple[float, int, Callback, Any]] = []
        self._seq = count()
        self.events = 0  # entries processed so far

    def schedule(self, delay: float, callback: Callback, argument: Any = None) -> None:
        """Call ``callback(argument)`` ``delay`` seconds from now (after what is already due)."""
        if delay < 0:
            raise ValueError(f"cannot schedule {callback!r} in the past (delay {delay})")
        heappush(self._heap, (self.now + delay, next(self._seq), callback, argument))

    def run(self, until: float | None = None) -> None:
        """Process entries in time order, up to and including ``until`` (or until none are left).

        The clock then stands at ``until``; entries due later stay queued for the next call.
        An exception escaping a callback stops the run as a :class:`SimulationError` naming
        the callback and the time (the exception is its cause).
        """
        if until is not None and until <= self.now:
            raise ValueError(f"run(until={until}) must be later than the current time ({self.now})")
        heap = self._heap
        pop = heappop
        n = 0
        limit = float("inf") if until is None else until
        try:
            while heap:
                t, seq, callback, argument = pop(heap)
                if t > limit:
                    heappush(heap, (t, seq, callback, argument))
                    break
                self.now = t
                n += 1
                callback(argument)
        except SimulationError:
            raise
        except Exception as exc:
            raise SimulationError(f"at t={self.now:.6f} s, {callback!r} raised {exc!r}") from exc
        finally:
            self.events += n
        if until is not None and self.now < until:
            self.now = until
