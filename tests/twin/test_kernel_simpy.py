"""The kernel next to real SimPy: the same small model, the same history."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

import stacktwin.twin.kernel as ours

Gen = Generator[Any, Any, Any]


# -- the same model on SimPy ---------------------------------------------------------------------
def _repair_shop(sim: Any, env: Any, log: list[tuple[float, str]]) -> None:
    """Two machines share one repairer; one is interrupted while waiting; a race per job."""
    repairer = sim.Resource(env, capacity=1)
    done = env.event()

    def machine(name: str, wear: float) -> Gen:
        for job in range(3):
            try:
                with repairer.request() as req:
                    yield req
                    log.append((env.now, f"{name} repair {job}"))
                    yield env.timeout(wear)
                race = yield done | env.timeout(1.5 * wear)
                log.append((env.now, f"{name} {'done' if done in race else 'again'}"))
            except sim.Interrupt as intr:
                log.append((env.now, f"{name} {intr.cause}"))

    first = env.process(machine("a", 2.0))
    env.process(machine("b", 3.0))

    def boss() -> Gen:
        yield env.timeout(2.5)
        first.interrupt("called away")
        yield env.timeout(7.25)
        done.succeed()

    env.process(boss())


def test_same_model_same_history_as_simpy() -> None:
    histories = []
    for sim in (ours, simpy):
        log: list[tuple[float, str]] = []
        env = sim.Environment()
        _repair_shop(sim, env, log)
        env.run(until=40)
        histories.append(log)
    assert histories[0] == histories[1]
    assert (2.5, "a called away") in histories[0] and (9.75, "a done") in histories[0]
