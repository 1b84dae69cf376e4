"""The workload: boot arrivals (steady and storms), deletions and nova-compute restarts.

Arrivals are Poisson processes (exponential gaps) at the stated rate, each from its own random
stream; sequential boots start one after the other, the next when the last has ended.  The
workload acts on the cloud through three actions it is given: ``boot`` (a user's ``POST
/servers``), ``delete`` (a user's ``DELETE /servers/<id>``) and ``restart`` (nova-compute
restarts on one host).
"""

from __future__ import annotations

from collections.abc import Callable

from stacktwin.boots import Outcome
from stacktwin.twin.context import Context
from stacktwin.twin.kernel import ProcessGenerator, Timeout
from stacktwin.twin.state import BuildState


def _poisson(
    ctx: Context,
    stream: str,
    start: float,
    end: float,
    per_minute: float,
    action: Callable[[], object],
) -> ProcessGenerator:
    rng = ctx.rng(stream)
    rate = per_minute / 60.0
    if start > 0:
        yield Timeout(start)
    while True:
        yield Timeout(rng.expovariate(rate))
        if ctx.env.now >= end:
            return
        action()


def _sequential(
    ctx: Context, boot: Callable[[], BuildState], count: int, gap: float
) -> ProcessGenerator:
    for _ in range(count):
        if ctx.env.now >= ctx.scenario.duration:
            return
        state = boot()
        while state.boot.outcome is Outcome.UNKNOWN:
            yield Timeout(1.0)
        yield Timeout(gap)


def _restarts(ctx: Context, restart: Callable[[int], object], hosts: int) -> None:
    """nova-compute restarts on ``hosts`` randomly chosen hosts."""
    rng = ctx.rng("restarts")
    total = ctx.scenario.cloud.hosts
    for host in rng.sample(range(total), min(hosts, total)):
        restart(host)


def start_workload(
    ctx: Context,
    boot: Callable[[], BuildState],
    delete: Callable[[], object],
    restart: Callable[[int], object],
) -> None:
    """Start every arrival process of the scenario's workload."""
    sc = ctx.scenario
    w = sc.workload
    env = ctx.env
    if w.boot_rate_per_minute:
        env.process(_poisson(ctx, "boots", 0.0, sc.duration, w.boot_rate_per_minute, boot))
    for i, storm in enumerate(w.boot_storms):
        end = min(sc.duration, storm.start + storm.duration)
        env.process(_poisson(ctx, f"boot-storm-{i}", storm.start, end, storm.rate_per_minute, boot))
    if w.sequential_boots:
        env.process(_sequential(ctx, boot, w.sequential_boots, w.sequential_gap))
    if w.delete_rate_per_minute:
        env.process(_poisson(ctx, "deletes", 0.0, sc.duration, w.delete_rate_per_minute, delete))
    for i, storm in enumerate(w.delete_storms):
        end = min(sc.duration, storm.start + storm.duration)
        env.process(
            _poisson(ctx, f"delete-storm-{i}", storm.start, end, storm.rate_per_minute, delete)
        )
    for r in w.compute_restarts:
        env.schedule(r.at, lambda hosts: _restarts(ctx, restart, hosts), r.hosts)
