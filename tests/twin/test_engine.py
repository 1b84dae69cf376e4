"""The kernel: ordering, processes, resources, patience, determinism."""

import random

import pytest

from stacktwin.twin.kernel import (
    Environment,
    MMcStation,
    ProcessGenerator,
    Resource,
    Timeout,
    erlang_c_wait,
)


def test_same_time_entries_run_first_in_first_out() -> None:
    env = Environment()
    seen: list[str] = []
    for name in "abc":
        env.schedule(1.0, seen.append, name)
    env.schedule(0.5, seen.append, "first")
    env.run()
    assert seen == ["first", "a", "b", "c"]
    assert env.now == 1.0


def test_process_waits_and_returns_value() -> None:
    env = Environment()
    log: list[tuple[float, str]] = []

    def child() -> ProcessGenerator:
        yield env.timeout(2.0)
        log.append((env.now, "child"))
        return 42

    def parent() -> ProcessGenerator:
        value = yield env.process(child())
        log.append((env.now, f"parent got {value}"))

    env.process(parent())
    env.run()
    assert log == [(2.0, "child"), (2.0, "parent got 42")]


def test_run_until_stops_clock_and_keeps_future_events() -> None:
    env = Environment()
    fired: list[float] = []
    env.schedule(5.0, lambda _: fired.append(env.now))
    env.run(until=3.0)
    assert env.now == 3.0 and fired == []
    env.run(until=10.0)
    assert fired == [5.0]


def test_negative_timeout_rejected() -> None:
    with pytest.raises(ValueError):
        Timeout(-1.0)


def test_event_triggers_once() -> None:
    env = Environment()
    ev = env.event()
    ev.succeed(1)
    with pytest.raises(RuntimeError, match="already happened"):
        ev.succeed(3)
    with pytest.raises(RuntimeError, match="already happened"):
        ev.fail(ValueError("late"))


def test_resource_fifo_and_utilisation() -> None:
    env = Environment()
    res = Resource(env, capacity=1, name="one")
    order: list[int] = []

    def user(i: int) -> ProcessGenerator:
        req = res.request()
        yield req
        order.append(i)
        yield Timeout(1.0)
        res.release(req)

    for i in range(3):
        env.process(user(i))
    env.run()
    assert order == [0, 1, 2]
    st = res.stats()
    assert env.now == 3.0
    assert st["utilisation"] == pytest.approx(1.0)
    # waits 0, 1, 2 -> mean 1; queue length 2 during [0,1), 1 during [1,2)
    assert st["mean_wait"] == pytest.approx(1.0)
    assert st["mean_queue"] == pytest.approx(1.0)
    assert st["peak_queue"] == 2


def test_request_patience_expires() -> None:
    env = Environment()
    res = Resource(env, capacity=1)
    got: list[object] = []

    def holder() -> ProcessGenerator:
        req = res.request()
        yield req
        yield Timeout(10.0)
        res.release(req)

    def impatient() -> ProcessGenerator:
        value = yield res.request(timeout=3.0)
        got.append((env.now, value))

    env.process(holder())
    env.process(impatient())
    env.run()
    assert got == [(3.0, None)]
    assert res.stats()["timeouts"] == 1
    assert res.users == 0 and res.waiting == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_mmc_station_matches_erlang_c(seed: int) -> None:
    """An M/M/3 station at rho = 2/3 built on the engine: mean wait within 3% of Erlang C."""
    lam, mu, c, horizon = 2.0, 1.0, 3, 200_000.0
    env = Environment()
    station = MMcStation(env, lam, mu, c, seed=seed).servers
    env.run(until=horizon)
    st = station.stats()
    expected = erlang_c_wait(lam, mu, c)
    assert int(st["granted"]) > 350_000
    assert abs(float(st["mean_wait"]) / expected - 1) < 0.03
    assert float(st["utilisation"]) == pytest.approx(lam / (c * mu), rel=0.02)
    # Little's law on the same run: L_q = lambda * W_q
    lam_hat = float(st["arrivals"]) / horizon
    assert float(st["mean_queue"]) == pytest.approx(lam_hat * float(st["mean_wait"]), rel=0.01)


def test_mmc_with_processes_matches_erlang_c() -> None:
    """The same station written with generator processes agrees with the theory too."""
    lam, mu, c, horizon = 2.0, 1.0, 3, 100_000.0
    rng = random.Random(7)
    env = Environment()
    station = Resource(env, c)

    def customer() -> ProcessGenerator:
        req = station.request()
        yield req
        yield env.timeout(rng.expovariate(mu))
        station.release(req)

    def source() -> ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    expected = erlang_c_wait(lam, mu, c)
    assert abs(float(station.stats()["mean_wait"]) / expected - 1) < 0.05


def test_erlang_c_refuses_unstable_queue() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c_wait(3.0, 1.0, 3)


def test_cycle_collector_tuned_only_while_a_twin_runs() -> None:
    """The young-generation threshold is raised during a run (seen from its progress callback)
    and put back afterwards, also when the run fails."""
    import gc

    from stacktwin.twin import parse_scenario, run_scenario
    from stacktwin.twin.model import YOUNG_COLLECTION_THRESHOLD
    from tests.scenarios import TINY

    before = gc.get_threshold()
    seen: list[int] = []
    run_scenario(parse_scenario(TINY), progress=lambda *_: seen.append(gc.get_threshold()[0]))
    assert seen and set(seen) == {YOUNG_COLLECTION_THRESHOLD}
    assert gc.get_threshold() == before

    def boom(*_: object) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        run_scenario(parse_scenario(TINY), progress=boom)
    assert gc.get_threshold() == before
