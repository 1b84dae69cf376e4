"""The kernel's safety properties: checked release, failures, interrupts, conditions, guards.

Each test states one property of SimPy's semantics that the kernel keeps;
``test_kernel_simpy.py`` runs the same small model on both and compares what happens when.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from stacktwin.twin.kernel import (
    AllOf,
    AnyOf,
    Environment,
    Event,
    Interrupt,
    Process,
    Resource,
    SimulationError,
    Timeout,
)

Gen = Generator[Any, Any, Any]


# -- release -------------------------------------------------------------------------------------
def test_two_grants_released_three_times_is_an_error() -> None:
    env = Environment()
    res = Resource(env, 2, name="pool")
    a, b = res.request(), res.request()
    assert a.triggered and b.triggered and a is not b  # each grant is its own request
    res.release(a)
    res.release(b)
    with pytest.raises(RuntimeError, match="released twice"):
        res.release(a)
    assert res.users == 0


def test_release_frees_that_request_only() -> None:
    env = Environment()
    res = Resource(env, 2, name="pool")
    a, b = res.request(), res.request()
    res.release(a)
    with pytest.raises(RuntimeError, match="released twice"):
        res.release(a)  # b is still held: a second release of a must not free b's unit
    assert res.users == 1
    res.release(b)
    assert res.users == 0


def test_release_of_another_resource_request_or_non_request() -> None:
    env = Environment()
    one, other = Resource(env, 1, name="one"), Resource(env, 1, name="other")
    req = other.request()
    with pytest.raises(ValueError, match="another resource"):
        one.release(req)
    # "release() needs a Request of 'one'", or, compiled, "...Request object expected"
    with pytest.raises(TypeError, match="Request"):
        one.release(object())  # type: ignore[arg-type]
    assert other.users == 1 and one.users == 0


def test_release_of_a_request_whose_patience_ran_out() -> None:
    env = Environment()
    res = Resource(env, 1, name="db")
    res.request()
    late = res.request(timeout=1.0)
    env.run(until=2.0)
    assert late.triggered and late.value is None
    with pytest.raises(RuntimeError, match="never granted"):
        res.release(late)


def test_release_of_a_queued_request_takes_it_out_of_the_queue() -> None:
    env = Environment()
    res = Resource(env, 1)
    held = res.request()
    given_up, next_one = res.request(), res.request()
    res.release(given_up)  # SimPy's cancel
    assert res.waiting == 1 and list(res.queue) == [next_one]
    res.release(held)
    assert next_one.triggered and not given_up.triggered
    assert res.users == 1


def test_with_block_releases_on_exception() -> None:
    env = Environment()
    res = Resource(env, 1, name="r")

    def broken() -> Gen:
        with res.request() as req:
            yield req
            yield Timeout(1.0)
            raise KeyError("boom")

    env.process(broken())
    with pytest.raises(SimulationError):
        env.run()
    assert res.users == 0


def test_with_block_releases_on_interrupt_and_the_next_waiter_gets_the_unit() -> None:
    env = Environment()
    res = Resource(env, 1)
    got: list[tuple[str, float]] = []

    def user(name: str, hold: float) -> Gen:
        try:
            with res.request() as req:
                yield req
                got.append((name, env.now))
                yield Timeout(hold)
        except Interrupt:
            got.append((f"{name} interrupted", env.now))

    holder = env.process(user("holder", 10.0))
    env.process(user("next", 1.0))
    env.schedule(3.0, lambda _: holder.interrupt("stop"))
    env.run()
    assert got == [("holder", 0.0), ("holder interrupted", 3.0), ("next", 3.0)]
    assert res.users == 0


# -- failures ------------------------------------------------------------------------------------
def test_fail_is_raised_in_the_waiting_process_which_can_handle_it() -> None:
    env = Environment()
    reply = env.event()
    seen: list[object] = []

    def caller() -> Gen:
        try:
            yield reply
        except TimeoutError as exc:
            seen.append((env.now, str(exc)))
        yield Timeout(1.0)
        seen.append(env.now)

    env.process(caller())
    env.schedule(2.0, lambda _: reply.fail(TimeoutError("no reply")))
    env.run()
    assert seen == [(2.0, "no reply"), 3.0]


def test_unhandled_exception_names_the_process_and_the_time() -> None:
    env = Environment()

    def lookup() -> Gen:
        yield Timeout(2.5)
        table: dict[str, int] = {}
        return table["missing"]

    env.process(lookup())
    with pytest.raises(SimulationError, match=r"t=2\.5.*lookup.*KeyError") as info:
        env.run()
    assert isinstance(info.value.__cause__, KeyError)


def test_a_child_failure_is_raised_in_the_parent_waiting_for_it() -> None:
    env = Environment()
    log: list[str] = []

    def child() -> Gen:
        yield Timeout(1.0)
        raise ValueError("bad port")

    def parent() -> Gen:
        try:
            yield env.process(child())
        except ValueError as exc:
            log.append(f"{env.now}: {exc}")

    env.process(parent())
    env.run()
    assert log == ["1.0: bad port"]


def test_a_failed_event_nobody_waits_for_stops_the_run() -> None:
    env = Environment()
    env.event().fail(RuntimeError("lost"))
    with pytest.raises(SimulationError, match="no process waited") as info:
        env.run()
    assert isinstance(info.value.__cause__, RuntimeError)


def test_an_exception_in_a_callback_names_it_and_the_time() -> None:
    env = Environment()

    def tick(_: object) -> None:
        raise ZeroDivisionError

    env.schedule(4.0, tick)
    with pytest.raises(SimulationError, match=r"t=4\.0.*tick"):
        env.run()


# -- interrupts ----------------------------------------------------------------------------------
def test_interrupt_while_waiting_on_a_timeout() -> None:
    env = Environment()
    log: list[object] = []

    def sleeper() -> Gen:
        try:
            yield Timeout(10.0)
            log.append("woke")
        except Interrupt as intr:
            log.append((env.now, intr.cause))
        yield Timeout(20.0)  # the old timeout (due at 10) must not resume it early
        log.append(env.now)

    proc = env.process(sleeper())
    env.schedule(4.0, lambda _: proc.interrupt("restart"))
    env.run()
    assert log == [(4.0, "restart"), 24.0]


def test_interrupt_while_waiting_on_a_request_takes_it_out_of_the_queue() -> None:
    env = Environment()
    res = Resource(env, 1)
    res.request()  # held for ever

    def waiter() -> Gen:
        with res.request() as req:
            yield req

    proc = env.process(waiter())
    assert res.waiting == 1
    env.schedule(1.0, lambda _: proc.interrupt())
    with pytest.raises(SimulationError, match="Interrupt"):  # nobody handles it
        env.run()
    assert res.waiting == 0 and not res.queue


def test_interrupt_while_waiting_on_any_of() -> None:
    env = Environment()
    a, b = env.event(), env.event()
    log: list[object] = []

    def racer() -> Gen:
        try:
            yield a | b
        except Interrupt:
            log.append(("interrupted", env.now))
        yield Timeout(5.0)
        log.append(("done", env.now))

    proc = env.process(racer())
    env.schedule(1.0, lambda _: proc.interrupt())
    env.schedule(2.0, lambda _: a.succeed("late"))  # must not resume the process
    env.run()
    assert log == [("interrupted", 1.0), ("done", 6.0)]


def test_interrupting_a_finished_process_is_an_error() -> None:
    env = Environment()

    def quick() -> Gen:
        yield Timeout(1.0)

    proc = env.process(quick())
    env.run()
    assert not proc.is_alive
    with pytest.raises(RuntimeError, match="ended"):
        proc.interrupt()


# -- conditions ----------------------------------------------------------------------------------
def test_any_of_the_first_wins() -> None:
    env = Environment()
    reply, slow = env.event(), env.event()
    got: list[object] = []

    def caller() -> Gen:
        deadline = Timeout(30.0)
        value = yield AnyOf(env, [reply, slow, deadline])
        got.append((value.todict(), value[reply]))
        assert env.now == 2.0

    env.process(caller())
    env.schedule(2.0, lambda _: reply.succeed("pong"))
    env.schedule(3.0, lambda _: slow.succeed("late"))
    env.run()
    assert got == [({reply: "pong"}, "pong")]


def test_any_of_a_timeout_first() -> None:
    env = Environment()
    reply = env.event()
    got: list[object] = []

    def caller() -> Gen:
        deadline = env.timeout(5.0, "deadline")
        value = yield env.any_of([reply, deadline])
        got.append((env.now, reply in value, value[deadline]))

    env.process(caller())
    env.run()
    assert got == [(5.0, False, "deadline")]


def test_all_of_values_when_the_last_happens() -> None:
    env = Environment()
    a, b = env.event(), env.event()
    got: list[object] = []

    def waiter() -> Gen:
        value = yield AllOf(env, [a, b, Timeout(1.0, "t")])
        got.append((env.now, sorted(map(str, value.todict().values()))))

    env.process(waiter())
    env.schedule(3.0, lambda _: b.succeed("b"))
    env.schedule(2.0, lambda _: a.succeed("a"))
    env.run()
    assert got == [(3.0, ["a", "b", "t"])]


def test_conditions_of_members_that_already_happened_continue_at_once() -> None:
    env = Environment()
    done, pending = env.event(), env.event()
    done.succeed(7)
    seen: list[object] = []

    def waiter() -> Gen:
        any_value = yield done | pending
        all_value = yield done & done
        empty = yield env.all_of([])
        seen.append((env.now, any_value.todict(), all_value.todict(), empty.todict()))

    env.process(waiter())
    assert seen == [(0.0, {done: 7}, {done: 7}, {})]  # same step: no trip through the queue


def test_a_failing_member_fails_the_condition() -> None:
    env = Environment()
    a, b = env.event(), env.event()
    seen: list[str] = []

    def waiter() -> Gen:
        try:
            yield a & b
        except OSError as exc:
            seen.append(f"{env.now}: {exc}")

    env.process(waiter())
    env.schedule(1.0, lambda _: a.succeed())
    env.schedule(2.0, lambda _: b.fail(OSError("down")))
    env.run()
    assert seen == ["2.0: down"]


# -- guards --------------------------------------------------------------------------------------
def test_run_until_now_or_the_past_is_an_error() -> None:
    env = Environment()
    env.run(until=5.0)
    for until in (5.0, 1.0):
        with pytest.raises(ValueError, match="must be later"):
            env.run(until=until)


def test_yielding_a_non_event_names_the_process_and_the_value() -> None:
    env = Environment()

    def confused() -> Gen:
        yield Timeout(1.0)
        yield 42

    env.process(confused())
    with pytest.raises(SimulationError, match=r"confused.*yielded 42, not an event") as info:
        env.run()
    assert isinstance(info.value.__cause__, TypeError)


def test_other_guards() -> None:
    env = Environment()
    with pytest.raises(TypeError, match="not a generator"):
        Process(env, [Timeout(1.0)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="past"):
        env.schedule(-1.0, print)
    with pytest.raises(TypeError, match="needs an exception"):
        Event(env).fail("oops")  # type: ignore[arg-type]
    # compiled, the member's type is checked first: "union[...Event, ...Timeout] object expected"
    with pytest.raises(TypeError, match=r"events or timeouts|Event, .*Timeout"):
        AnyOf(env, [1])  # type: ignore[list-item]


# -- deadlines -----------------------------------------------------------------------------------
def test_deadlines_expire_pending_events_at_their_own_time() -> None:
    """A timer calls back at exactly start + delay for an event still pending, never for one
    that happened first, in the order the timers were started."""
    from stacktwin.twin.kernel import Deadlines

    env = Environment()
    fired: list[tuple[float, str]] = []
    timers: Deadlines[str] = Deadlines(env, 10.0, lambda name: fired.append((env.now, name)))
    events = {name: env.event() for name in "abcd"}

    def starter(name: str, at: float) -> Gen:
        yield Timeout(at)
        timers.start(events[name], name)

    for name, at in zip("abcd", (0.0, 0.5, 3.0, 3.25), strict=True):
        env.process(starter(name, at))

    def answer() -> Gen:
        yield Timeout(2.0)
        events["b"].succeed()  # b's reply comes first: its timer is moot
        yield Timeout(11.5)
        events["d"].succeed()  # at 13.5, after d's deadline (13.25): d has expired

    env.process(answer())
    env.run()
    assert fired == [(10.0, "a"), (13.0, "c"), (13.25, "d")]
    assert timers.expired == 3 and len(timers) == 0


def test_deadlines_hold_one_queue_entry_for_many_timers() -> None:
    """10,000 calls answered at once: the kernel processes a handful of timer entries, not one
    per call (the point of the class), and a callback may start a new timer."""
    from stacktwin.twin.kernel import Deadlines

    env = Environment()
    again: list[float] = []

    def expire(ev: Event) -> None:
        again.append(env.now)
        if len(again) == 1:
            timers.start(env.event(), env.event())  # started from inside a callback

    timers: Deadlines[Event] = Deadlines(env, 5.0, expire)

    def caller() -> Gen:
        for _ in range(10_000):
            reply = env.event()
            timers.start(reply, reply)
            yield Timeout(0.001)
            reply.succeed()
        timers.start(env.event(), env.event())  # this one is never answered

    env.process(caller())
    env.run()
    assert again == [pytest.approx(10.0 + 5.0), pytest.approx(15.0 + 5.0)]
    # 10,000 delays + 10,000 wake-ups of nobody... only the caller's steps and a few timer
    # entries: far fewer than one entry per timer
    assert env.events < 10_000 + 50, env.events


def test_deadlines_by_delay_share_the_timers_of_one_length() -> None:
    """One set of timers per length, made once: two callers asking for 60 s share it, a 30 s
    caller gets its own, and each expires at its own length."""
    from stacktwin.twin.kernel import DeadlinesByDelay

    env = Environment()
    fired: list[tuple[float, str]] = []
    by_delay: DeadlinesByDelay[str] = DeadlinesByDelay(env, lambda n: fired.append((env.now, n)))
    assert by_delay(60.0) is by_delay(60.0) and by_delay(30.0) is not by_delay(60.0)
    by_delay(60.0).start(env.event(), "slow")
    by_delay(30.0).start(env.event(), "fast")
    env.run()
    assert fired == [(30.0, "fast"), (60.0, "slow")]


def test_deadlines_refuse_a_negative_length() -> None:
    from stacktwin.twin.kernel import Deadlines

    with pytest.raises(ValueError, match="negative"):
        Deadlines(Environment(), -1.0, print)
