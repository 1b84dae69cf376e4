"""Events: something that happens once, with a value or an exception; delays; conditions.

An :class:`Event` is *pending* until someone calls :meth:`~Event.succeed` (it happens with a
value) or :meth:`~Event.fail` (it happens with an exception).  A process that yields it resumes
when it happens: the value becomes the value of the ``yield`` expression, or the exception is
raised at the ``yield``.  Other code can add a callback to :attr:`Event.callbacks`; it is called
with the event, through the event queue, at the time the event happens.

A failed event must be *handled*: thrown into at least one waiting process (or into a
condition that is itself handled).  If nobody took it by the end of the step it failed in, the
run stops with a :class:`~stacktwin.twin.kernel.exceptions.SimulationError` chained to it, as
SimPy does: an error never vanishes silently.

A :class:`Timeout` is a delay, and here (unlike SimPy) not a shared event: only the process that
yields it waits on it, the clock starts when it is yielded, and it is used once.  That saves an
event object and a callback step per delay, the commonest thing a process does.

:class:`AnyOf` and :class:`AllOf` are events that happen when any / all of their members (events
or timeouts) have; their value is a :class:`ConditionValue`, a mapping ``{member: value}`` of
the members that had happened::

    reply = env.event()
    got = yield reply | Timeout(30)      # AnyOf(env, [reply, Timeout(30)])
    if reply not in got:
        ...                              # 30 s passed first

A condition adds no step of its own: it is decided in the step where a member's outcome reaches
it, and resumes its waiters in that same step (a timeout member reaches it one step after it is
due, as an event's callbacks do).  A member that fails makes the condition fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from heapq import heappush
from typing import Any

from mypy_extensions import mypyc_attr

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.exceptions import SimulationError


class Event:
    """Something that happens once, at a point in simulated time, with a value or an error."""

    __slots__ = ("_ok", "callbacks", "env", "triggered", "value")

    def __init__(self, env: BaseEnvironment) -> None:
        self.env = env
        self.callbacks: list[Any] = []  # called with the event when it happens
        self.triggered = False
        # True: pending or succeeded; False: failed, not handled yet; None: failed, handled
        self._ok: bool | None = True
        self.value: Any = None

    def succeed(self, value: Any = None) -> Event:
        """Make the event happen now with ``value``; its callbacks run at the current time."""
        if self.triggered:
            raise RuntimeError(f"{self!r} has already happened")
        self.triggered = True
        self.value = value
        callbacks = self.callbacks
        if callbacks:
            self.callbacks = []
            env = self.env
            heap, seq, now = env._heap, env._seq, env.now
            for cb in callbacks:
                heappush(heap, (now, next(seq), cb, self))
        return self

    def fail(self, exception: BaseException) -> Event:
        """Make the event happen now with an error: it is raised in the processes waiting."""
        if self.triggered:
            raise RuntimeError(f"{self!r} has already happened")
        if not isinstance(exception, BaseException):
            raise TypeError(f"fail() needs an exception, got {exception!r}")
        self.triggered = True
        self._ok = False
        self.value = exception
        callbacks, self.callbacks = self.callbacks, []
        env = self.env
        for cb in callbacks:
            env.schedule(0.0, cb, self)
        env.schedule(0.0, self._check_handled)
        return self

    def _check_handled(self, _: object) -> None:
        if self._ok is False:
            error = SimulationError(self._unhandled_message())
            error.__cause__ = self.value  # `raise ... from self.value`, as compiled code keeps it
            raise error

    def _unhandled_message(self) -> str:
        return (
            f"at t={self.env.now:.6f} s, {self!r} failed with {self.value!r} "
            "and no process waited for it"
        )

    def __or__(self, other: Event | Timeout) -> AnyOf:
        return AnyOf(self.env, (self, other))

    def __and__(self, other: Event | Timeout) -> AllOf:
        return AllOf(self.env, (self, other))


class Timeout:
    """A delay: the process that yields it resumes ``delay`` seconds later with ``value``."""

    __slots__ = ("delay", "value")

    triggered = False  # never "already happened" when yielded: it starts then
    _ok = True

    def __init__(self, delay: float, value: Any = None) -> None:
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.delay = delay
        self.value = value

    def __repr__(self) -> str:
        return f"Timeout({self.delay!r})"


@mypyc_attr(native_class=False)  # a tuple subclass: a plain Python class when compiled
class ConditionValue(tuple):  # type: ignore[type-arg]
    """The value of a condition: the members that had happened, in the order they did.

    A tuple of members, read as a mapping too: ``member in value`` says whether it had
    happened, ``value[member]`` is its value (SimPy's ``ConditionValue``: the values stay on
    the members, nothing is copied).
    """

    __slots__ = ()

    def __getitem__(self, member: Any) -> Any:
        if member.__class__ is int or member.__class__ is slice:
            return tuple.__getitem__(self, member)
        if member not in self:
            raise KeyError(member)
        return member.value

    def todict(self) -> dict[Event | Timeout, Any]:
        """``{member: value}``."""
        return {m: m.value for m in self}


_NOTHING = ConditionValue()


class Condition(Event):
    """An event that happens when enough of its ``members`` have: any one (:class:`AnyOf`) or
    all (:class:`AllOf`); see the module notes."""

    __slots__ = ("_members", "_pending", "_watch")

    _all = True  # AllOf; AnyOf says False

    def __init__(self, env: BaseEnvironment, members: Iterable[Event | Timeout]) -> None:
        self.env = env  # Event.__init__, inlined: an RPC call makes one condition
        self.callbacks = []
        self.triggered = False
        self._ok = True
        self.value = _NOTHING  # the members that happened so far
        self._members = members = tuple(members)
        # how many more members must happen: all of them (each counted once), or any one
        self._pending = (len(set(members)) if self._all else 1) if members else 0
        self._watch: Any = None  # self._check, bound once while watching; dropped when decided
        if not self._pending:
            self._decide(True, _NOTHING)
            return
        heap, seq, now = env._heap, env._seq, env.now
        watch = self._watch = self._check
        for m in members:
            if m.__class__ is Timeout:
                heappush(heap, (now + m.delay, next(seq), self._due, m))
                continue
            try:
                triggered = m.triggered
            except AttributeError:
                raise TypeError(
                    f"a condition's members are events or timeouts, not {m!r}"
                ) from None
            if triggered:
                self._check(m)
                if self.triggered:
                    return
            elif m.env is not env:  # type: ignore[union-attr]
                raise ValueError(f"{m!r} belongs to another environment")
            else:
                m.callbacks.append(watch)  # type: ignore[union-attr]

    def _due(self, timeout: Timeout) -> None:
        """A timeout member is due: it reaches the condition in the next step."""
        if not self.triggered:
            self.env.schedule(0.0, self._watch, timeout)

    def _check(self, member: Event | Timeout) -> None:
        """A member happened: count it, and decide the condition if it is enough."""
        if self.triggered:
            return
        if not member._ok:
            member._ok = None  # the condition takes the member's error
            self._decide(False, member.value)
            return
        happened = self.value
        if member in happened:
            return  # a member listed twice counts once
        self._pending -= 1
        if self._pending > 0:
            self.value = ConditionValue((*happened, member))
        else:
            self._decide(True, ConditionValue((*happened, member)))

    def _decide(self, ok: bool, value: Any) -> None:
        self.triggered = True
        self._ok = ok
        self.value = value
        watch, self._watch = self._watch, None
        for m in self._members:  # stop watching the members still pending
            if m.__class__ is not Timeout and not m.triggered:
                try:  # noqa: SIM105 - a `with suppress` would cost on every decision
                    m.callbacks.remove(watch)  # type: ignore[union-attr]
                except ValueError:  # decided while being built: not watched yet
                    pass
        self._members = ()  # a pending timeout member's entry keeps this object: keep it small
        callbacks, self.callbacks = self.callbacks, []
        for cb in callbacks:  # no step of its own: the waiters resume in this one
            cb(self)
        if not ok:
            self.env.schedule(0.0, self._check_handled)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}{' (happened)' if self.triggered else ''}>"


class AnyOf(Condition):
    """Happens when any one of ``members`` has; its value holds the members that had."""

    __slots__ = ()
    _all = False


class AllOf(Condition):
    """Happens when all of ``members`` have (or one fails); its value holds their values."""

    __slots__ = ()
