"""Processes: generators driven by the events they yield.

A process is a generator function's generator; :meth:`Environment.process
<stacktwin.twin.kernel.environment.Environment.process>` starts it *at once* (not in a later
step, unlike SimPy) and it runs until its first ``yield``::

    def customer(env, counter):
        with counter.request() as req:   # released on exit, also on an exception or interrupt
            yield req                    # wait for a server
            yield env.timeout(2.5)       # being served

    env = Environment()
    env.process(customer(env, Resource(env, capacity=1)))
    env.run(until=10)

What a process may yield, and what the ``yield`` expression then gives:

* a :class:`~stacktwin.twin.kernel.events.Timeout`: resumes ``delay`` seconds later with its
  value;
* any :class:`~stacktwin.twin.kernel.events.Event` (a resource request, another process, a
  condition): resumes when it happens, with its value, or with its exception raised at the
  ``yield``.  An event that has *already* happened (a resource granted at once) continues the
  process in the same step, without a round trip through the event queue.

Anything else is an error raised at that ``yield``, naming what was yielded.

A process is itself an event: it happens when the generator returns (its value is the return
value) or fails with the exception the generator let escape.  If nobody waits for a failed
process, the run stops with a :class:`~stacktwin.twin.kernel.exceptions.SimulationError` that
names the process and the time.

:meth:`Process.interrupt` raises :class:`~stacktwin.twin.kernel.exceptions.Interrupt` inside the
process, at the ``yield`` where it waits, in the next step; the event it was waiting for no
longer resumes it (SimPy's semantics).  A request it was waiting for stays queued unless the
process gives it up: leaving a ``with request()`` block does that.
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappush
from typing import Any

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.events import Event, Timeout
from stacktwin.twin.kernel.exceptions import Interrupt

ProcessGenerator = Generator[Event | Timeout, Any, Any]


class _Outcome:
    """A stand-in for the event a process is resumed with (its start, an interrupt, a wrong
    yield): an outcome that has happened, read as an event's (``_ok``, ``value``)."""

    __slots__ = ("_ok", "triggered", "value")

    def __init__(self, ok: bool, value: Any) -> None:
        self.triggered = True
        self._ok: bool | None = ok
        self.value = value


_START = _Outcome(True, None)  # what every process is first resumed with (never changes)
Waitable = Event | Timeout | _Outcome


class Process(Event):
    """A running generator; as an event, it happens when the generator returns."""

    __slots__ = ("_gen", "_target", "_wake")

    def __init__(self, env: BaseEnvironment, generator: ProcessGenerator) -> None:
        # a Python generator, or a compiled one (mypyc's have send/throw but another type)
        if not (hasattr(generator, "send") and hasattr(generator, "throw")):
            raise TypeError(f"{generator!r} is not a generator: call the generator function")
        self.env = env  # Event.__init__, inlined: a process per request is common
        self.callbacks = []
        self.triggered = False
        self._ok = True
        self.value = None
        self._gen = generator
        self._target: Waitable | None = _START  # what the process waits for
        # self._resume, bound once (not once per yield); dropped when the process ends, so a
        # finished process is freed by reference counting
        self._wake: Any = self._resume
        self._resume(_START)

    @property
    def name(self) -> str:
        """The generator function's qualified name, e.g. ``Compute._build``."""
        name = getattr(self._gen, "__qualname__", None)
        if name is None:  # compiled: mypyc names the generator's class "<function>_<Class>_gen"
            name = type(self._gen).__name__.removesuffix("_gen")
        return str(name)

    @property
    def is_alive(self) -> bool:
        """Whether the generator has not ended yet."""
        return not self.triggered

    def __repr__(self) -> str:
        return f"<Process {self.name}>"

    def _unhandled_message(self) -> str:
        return f"at t={self.env.now:.6f} s, process {self.name} failed with {self.value!r}"

    def interrupt(self, cause: Any = None) -> None:
        """Raise :class:`Interrupt(cause) <Interrupt>` in the process, in the next step."""
        if self.triggered:
            raise RuntimeError(f"{self!r} has ended: it cannot be interrupted")
        self.env.schedule(0.0, self._interrupted, Interrupt(cause))

    def _interrupted(self, interrupt: Interrupt) -> None:
        if self.triggered:  # ended in the meantime
            return
        target = self._target
        if target is not None and target.__class__ is not Timeout and not target.triggered:
            target.callbacks.remove(self._wake)  # type: ignore[union-attr]
        carrier = _Outcome(False, interrupt)
        self._target = carrier  # a pending wake-up from the old target is now stale
        self._resume(carrier)

    # the kernel's hottest function (every step of every process): kept whole, a helper call
    # per step costs the twin's 1,000-host hour several percent (benchmarks/twin_scale.py)
    def _resume(self, event: Waitable) -> None:  # noqa: C901
        """Continue the generator with ``event``'s outcome, until it waits again or ends.

        This is the kernel's hottest function: it is the callback of every event a process
        waits on and the entry of every timeout.
        """
        if event is not self._target:
            return  # stale: the process was interrupted while waiting for this
        # Any: what the generator yields is checked below, not where it is received (compiled
        # code would check a declared type there and raise its own TypeError)
        gen: Any = self._gen
        env = self.env
        ok = event._ok
        value = event.value
        while True:
            try:
                if ok:
                    target = gen.send(value)
                else:
                    event._ok = None  # handled: thrown into this process
                    target = gen.throw(value)
            except StopIteration as stop:  # Event.succeed, inlined
                self._target = self._wake = None
                self.triggered = True
                self.value = stop.value
                callbacks = self.callbacks
                if callbacks:
                    self.callbacks = []
                    for cb in callbacks:
                        heappush(env._heap, (env.now, next(env._seq), cb, self))
                return
            except Exception as exc:
                self._target = self._wake = None
                self.fail(exc)
                return
            if target.__class__ is Timeout:
                self._target = target
                heappush(env._heap, (env.now + target.delay, next(env._seq), self._wake, target))
                return
            try:
                if target.triggered:  # happened already: continue in this step
                    event = target
                    ok = target._ok
                    value = target.value
                    continue
                target.callbacks.append(self._wake)  # type: ignore[union-attr,unused-ignore]
            except AttributeError:
                event = _Outcome(False, TypeError(f"{self.name} yielded {target!r}, not an event"))
                ok, value = False, event.value
                continue
            self._target = target
            return
