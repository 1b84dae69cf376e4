"""The workload: boot arrivals (steady and storms), deletions and nova-compute restarts.

Arrivals are Poisson processes (exponential gaps) at the stated rate, each from its own random
stream; sequential boots start one after the other, the next when the last has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from stacktwin.boots import Outcome
from stacktwin.twin.engine import ProcessGenerator, Timeout

if TYPE_CHECKING:
    from stacktwin.twin.model import Twin


def _poisson(
    twin: Twin,
    stream: str,
    start: float,
    end: float,
    per_minute: float,
    action: Callable[[], object],
) -> ProcessGenerator:
    rng = twin.rng(stream)
    rate = per_minute / 60.0
    if start > 0:
        yield Timeout(start)
    while True:
        yield Timeout(rng.expovariate(rate))
        if twin.env.now >= end:
            return
        action()


def _sequential(twin: Twin, count: int, gap: float) -> ProcessGenerator:
    for _ in range(count):
        if twin.env.now >= twin.scenario.duration:
            return
        state = twin.new_boot()
        while state.boot.outcome is Outcome.UNKNOWN:
            yield Timeout(1.0)
        yield Timeout(gap)


def _delete(twin: Twin) -> None:
    twin.counters["workload.delete_requests"] += 1
    twin.env.process(twin.nova_api.delete_server())


def _restart(twin: Twin, hosts: int) -> None:
    """nova-compute restarts on ``hosts`` randomly chosen hosts."""
    rng = twin.rng("restarts")
    for host in rng.sample(range(twin.scenario.cloud.hosts), min(hosts, twin.scenario.cloud.hosts)):
        twin.computes[host].restart()


def start_workload(twin: Twin) -> None:
    """Start every arrival process of the scenario's workload."""
    sc = twin.scenario
    w = sc.workload
    env = twin.env
    if w.boot_rate_per_minute:
        env.process(
            _poisson(twin, "boots", 0.0, sc.duration, w.boot_rate_per_minute, twin.new_boot)
        )
    for i, storm in enumerate(w.boot_storms):
        end = min(sc.duration, storm.start + storm.duration)
        env.process(
            _poisson(
                twin, f"boot-storm-{i}", storm.start, end, storm.rate_per_minute, twin.new_boot
            )
        )
    if w.sequential_boots:
        env.process(_sequential(twin, w.sequential_boots, w.sequential_gap))
    if w.delete_rate_per_minute:
        env.process(
            _poisson(
                twin, "deletes", 0.0, sc.duration, w.delete_rate_per_minute, lambda: _delete(twin)
            )
        )
    for i, storm in enumerate(w.delete_storms):
        end = min(sc.duration, storm.start + storm.duration)
        env.process(
            _poisson(
                twin,
                f"delete-storm-{i}",
                storm.start,
                end,
                storm.rate_per_minute,
                lambda: _delete(twin),
            )
        )
    for restart in w.compute_restarts:
        env.schedule(restart.at, partial(_restart, twin), restart.hosts)
