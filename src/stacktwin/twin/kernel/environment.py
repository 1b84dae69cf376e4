"""The environment a model runs in: the event loop plus the factories of SimPy's vocabulary.

>>> env = Environment()
>>> def clock(env, log):
...     while True:
...         log.append(env.now)
...         yield env.timeout(1.0)
>>> log = []
>>> _ = env.process(clock(env, log))
>>> env.run(until=2.5)
>>> log
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.events import AllOf, AnyOf, Event, Timeout
from stacktwin.twin.kernel.process import Process, ProcessGenerator


class Environment(BaseEnvironment):
    """Simulated time, the event queue, and the way to make events and processes."""

    __slots__ = ()

    def event(self) -> Event:
        """A new event that happens when someone calls :meth:`Event.succeed` or ``fail``."""
        return Event(self)

    def timeout(self, delay: float, value: Any = None) -> Timeout:
        """A delay of ``delay`` seconds, for the process that yields it."""
        return Timeout(delay, value)

    def process(self, generator: ProcessGenerator) -> Process:
        """Start a process now (it runs until its first ``yield`` before this returns)."""
        return Process(self, generator)

    def any_of(self, events: Iterable[Event | Timeout]) -> AnyOf:
        """An event that happens when any of ``events`` has."""
        return AnyOf(self, events)

    def all_of(self, events: Iterable[Event | Timeout]) -> AllOf:
        """An event that happens when all of ``events`` have."""
        return AllOf(self, events)
