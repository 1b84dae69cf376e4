"""A small discrete-event kernel with SimPy's vocabulary, and nothing of OpenStack.

One concept per module, each importing only those above it:

* :mod:`~.exceptions` — :class:`Interrupt`, :class:`SimulationError`;
* :mod:`~.core` — :class:`BaseEnvironment`: the clock and the event queue;
* :mod:`~.events` — :class:`Event`, :class:`Timeout`, the conditions :class:`AnyOf` and
  :class:`AllOf`;
* :mod:`~.process` — :class:`Process`: a generator driven by the events it yields;
* :mod:`~.environment` — :class:`Environment`: the queue plus ``process``/``event``/``timeout``;
* :mod:`~.deadlines` — :class:`Deadlines`: many timers of one length sharing one entry
  (:class:`DeadlinesByDelay`: one per length);
* :mod:`~.resources` — :class:`Resource` and its :class:`Request`;
* :mod:`~.queueing` — Erlang C and an M/M/c station, to check the kernel against theory.

The twin runs millions of events per simulated hour, so three shortcuts over SimPy's design are
kept (measured in ``benchmarks/twin_scale.py``): a timeout is a heap entry, not a shared event;
an event that has already happened (a resource granted at once) continues the process in the
same step; a process starts at once, inside :meth:`Environment.process`.  The kernel's modules
are also plain typed Python that mypyc compiles to C (:mod:`stacktwin.twin.native`): no
``object.__new__`` shortcuts, no class attributes shadowing slots; a process's generator is
always a Python generator of the model.
"""

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.deadlines import Deadlines, DeadlinesByDelay
from stacktwin.twin.kernel.environment import Environment
from stacktwin.twin.kernel.events import AllOf, AnyOf, Condition, ConditionValue, Event, Timeout
from stacktwin.twin.kernel.exceptions import Interrupt, SimulationError
from stacktwin.twin.kernel.process import Process, ProcessGenerator
from stacktwin.twin.kernel.queueing import MMcStation, erlang_c_wait
from stacktwin.twin.kernel.resources import Request, Resource

__all__ = [
    "AllOf",
    "AnyOf",
    "BaseEnvironment",
    "Condition",
    "ConditionValue",
    "Deadlines",
    "DeadlinesByDelay",
    "Environment",
    "Event",
    "Interrupt",
    "MMcStation",
    "Process",
    "ProcessGenerator",
    "Request",
    "Resource",
    "SimulationError",
    "Timeout",
    "erlang_c_wait",
]
