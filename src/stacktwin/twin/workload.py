"""The workload: boot arrivals (steady and storms), deletions and nova-compute restarts.

Arrivals are Poisson processes (exponential gaps) at the stated rate, each from its own random
stream; sequential boots start one after the other, the next when the last has ended.  The
workload acts on the cloud through three actions it is given: ``boot`` (a user's ``POST
/servers``), ``delete`` (a user's ``DELETE /servers/<id>``) and ``restart`` (nova-compute
restarts on one host).

A traced workload (``workload.arrivals``, written by ``stacktwin calibrate``) is replayed
exactly: each boot request, deletion and restart at its traced time (a boot on its traced host
when ``arrivals.hosts`` names it), except that an idle gap
longer than the scenario's :meth:`~stacktwin.twin.scenario.Scenario.idle_limit` (no event of any
kind in it) is shortened to that limit (:func:`compress`).  The limit defaults to the drain
(``vif_plugging_timeout + 600``), so whatever was in flight before the gap has ended and no
queue is carried over it.  What carries over a gap is the state of the cloud: the instances
running on each host (booted and not deleted), the ports each OVS agent owns, and the periodic
loops (agent iterations, state reports, heal refreshes), which keep their phase but run for the
shortened gap only, so a replay has fewer heal refreshes than the traced period had.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from stacktwin.boots import Outcome
from stacktwin.twin.compute import host_name
from stacktwin.twin.context import Context
from stacktwin.twin.kernel import ProcessGenerator, Timeout
from stacktwin.twin.replay import compress, replay_times
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


def _pinned(boot: Callable[[int | None], BuildState], host: int, ports: int | None) -> None:
    """A boot request that names its host (``arrivals.hosts``): the request carries it as
    nova's requested destination, which the conductor honours (:meth:`Conductor.select_host
    <stacktwin.twin.nova.Conductor.select_host>`)."""
    boot(ports).boot.host = host_name(host)


def _replay(
    ctx: Context,
    boot: Callable[[int | None], BuildState],
    delete: Callable[[], object],
    restart: Callable[[int], object],
) -> None:
    """Schedule every traced event of ``workload.arrivals`` at its (compressed) time; a boot
    with a traced host (``arrivals.hosts``) is requested on it."""
    arrivals = ctx.scenario.workload.arrivals
    assert arrivals is not None
    times = replay_times(arrivals, ctx.scenario.idle_limit())
    env = ctx.env
    for i, t in enumerate(times["boots"]):
        ports = arrivals.ports[i] if arrivals.ports else None
        host = arrivals.hosts[i] if arrivals.hosts else None
        env.schedule(t, boot if host is None else partial(_pinned, boot, host), ports)
    for t in times["deletes"]:
        env.schedule(t, lambda _: delete(), None)
    for r, t in zip(arrivals.restarts, times["restarts"], strict=True):
        env.schedule(t, restart, r.host)


def start_workload(
    ctx: Context,
    boot: Callable[[int | None], BuildState],
    delete: Callable[[], object],
    restart: Callable[[int], object],
) -> None:
    """Start every arrival process of the scenario's workload."""
    sc = ctx.scenario
    w = sc.workload
    env = ctx.env
    if w.boot_rate_per_minute:
        env.process(
            _poisson(ctx, "boots", 0.0, sc.duration, w.boot_rate_per_minute, lambda: boot(None))
        )
    for i, storm in enumerate(w.boot_storms):
        end = min(sc.duration, storm.start + storm.duration)
        env.process(
            _poisson(
                ctx, f"boot-storm-{i}", storm.start, end, storm.rate_per_minute, lambda: boot(None)
            )
        )
    if w.sequential_boots:
        env.process(_sequential(ctx, lambda: boot(None), w.sequential_boots, w.sequential_gap))
    if w.arrivals is not None:
        _replay(ctx, boot, delete, restart)
    if w.delete_rate_per_minute:
        env.process(_poisson(ctx, "deletes", 0.0, sc.duration, w.delete_rate_per_minute, delete))
    for i, storm in enumerate(w.delete_storms):
        end = min(sc.duration, storm.start + storm.duration)
        env.process(
            _poisson(ctx, f"delete-storm-{i}", storm.start, end, storm.rate_per_minute, delete)
        )
    for r in w.compute_restarts:
        env.schedule(r.at, lambda hosts: _restarts(ctx, restart, hosts), r.hosts)


__all__ = ["compress", "replay_times", "start_workload"]
