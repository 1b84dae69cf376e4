"""A small discrete-event kernel with SimPy's vocabulary: environment, event, process, timeout.

The twin runs millions of events per simulated hour, so the kernel is a plain ``heapq`` loop
with three shortcuts over SimPy's design (measured in ``benchmarks/twin_scale.py``):

* a scheduled entry is ``(time, sequence, callback, argument)``: no event object is made for
  a plain timeout, and the sequence number keeps same-time entries first-in first-out, so a run
  is deterministic;
* a process that yields an event which has *already* happened (a resource granted at once)
  continues in the same step instead of a round trip through the heap;
* a process starts at once, inside :meth:`Environment.process`.

Processes are generators::

    def customer(env, counter):
        req = counter.request()
        yield req                 # wait for a server
        yield env.timeout(2.5)    # being served
        counter.release(req)

    env = Environment()
    env.process(customer(env, Resource(env, capacity=1)))
    env.run(until=10)

A process may yield an :class:`Event` (including a :class:`Timeout`, a :class:`Process` or a
resource request); the value of the ``yield`` expression is the event's value.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappop, heappush
from itertools import count
from typing import Any

Callback = Callable[[Any], object]
ProcessGenerator = Generator["Event | Timeout", Any, Any]


class Event:
    """Something that happens once, at a point in simulated time, with a value.

    Callbacks added before it happens are called (through the event queue, in order) when it
    does; :attr:`triggered` tells whether it has happened.
    """

    __slots__ = ("callbacks", "env", "triggered", "value")

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.callbacks: list[Callback] = []
        self.triggered = False
        self.value: Any = None

    def succeed(self, value: Any = None) -> Event:
        """Make the event happen now; its callbacks run at the current time, in order."""
        if self.triggered:
            raise RuntimeError(f"{self!r} has already been triggered")
        self.triggered = True
        self.value = value
        env = self.env
        for cb in self.callbacks:
            env.schedule(0.0, cb, value)
        self.callbacks = []
        return self

    def try_succeed(self, value: Any = None) -> bool:
        """Make the event happen unless it already has (for races such as reply vs timeout)."""
        if self.triggered:
            return False
        self.succeed(value)
        return True


class Timeout:
    """A delay: the process that yields it resumes ``delay`` seconds later with ``value``.

    Unlike SimPy's, a timeout here is not a shared event: only the process that yields it
    waits on it, and the clock starts when it is yielded (always at once in practice).  This
    saves an event object and a heap entry per delay, the commonest thing a process does.
    For "whichever comes first" races, schedule a callback with :meth:`Environment.schedule`
    that calls :meth:`Event.try_succeed`.
    """

    __slots__ = ("delay", "value")

    triggered = False

    def __init__(self, delay: float, value: Any = None) -> None:
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.delay = delay
        self.value = value


class Process(Event):
    """A generator driven by the events it yields; as an event, it happens when it returns."""

    __slots__ = ("_gen",)

    def __init__(self, env: Environment, generator: ProcessGenerator) -> None:
        self.env = env
        self.callbacks = []
        self.triggered = False
        self.value = None
        self._gen = generator
        self._resume(None)

    def _resume(self, value: Any) -> None:
        gen = self._gen
        while True:
            try:
                target = gen.send(value)
            except StopIteration as stop:
                self.triggered = True
                self.value = stop.value
                if self.callbacks:
                    callbacks, self.callbacks = self.callbacks, []
                    for cb in callbacks:
                        self.env.schedule(0.0, cb, stop.value)
                return
            if target.__class__ is Timeout:
                env = self.env
                heappush(
                    env._heap, (env.now + target.delay, next(env._seq), self._resume, target.value)
                )
                return
            if target.triggered:
                value = target.value
                continue
            target.callbacks.append(self._resume)  # type: ignore[union-attr]
            return


class Environment:
    """Simulated time and the queue of what happens next."""

    __slots__ = ("_heap", "_seq", "events", "now")

    def __init__(self, initial_time: float = 0.0) -> None:
        self.now = initial_time
        self._heap: list[tuple[float, int, Callback, Any]] = []
        self._seq = count()
        self.events = 0  # entries processed so far

    def schedule(self, delay: float, callback: Callback, argument: Any = None) -> None:
        """Call ``callback(argument)`` ``delay`` seconds from now."""
        heappush(self._heap, (self.now + delay, next(self._seq), callback, argument))

    def event(self) -> Event:
        """A new event that happens when someone calls :meth:`Event.succeed`."""
        return Event(self)

    def timeout(self, delay: float, value: Any = None) -> Timeout:
        """An event that happens ``delay`` seconds from now."""
        return Timeout(delay, value)

    def process(self, generator: ProcessGenerator) -> Process:
        """Start a process now."""
        return Process(self, generator)

    def run(self, until: float | None = None) -> None:
        """Process entries in time order, up to and including ``until`` (or until none are left)."""
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
        finally:
            self.events += n
        if until is not None and self.now < until:
            self.now = until
