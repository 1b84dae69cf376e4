"""The twin: one run of one scenario — the cloud built, its workload started, time advanced.

>>> from stacktwin.twin import load_scenario, run_scenario
>>> result = run_scenario(load_scenario("all-in-one"))      # doctest: +SKIP
>>> result.summary["outcomes"]                                # doctest: +SKIP

The components and their wiring are in :mod:`stacktwin.twin.cloud`; what is measured, in
:mod:`stacktwin.twin.results`.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from stacktwin.twin.cloud import Cloud
from stacktwin.twin.flows import scenario_notes
from stacktwin.twin.results import Sampler, TwinResult, collect_components
from stacktwin.twin.scenario import Scenario
from stacktwin.twin.workload import start_workload

Progress = Callable[[float, float, dict[str, int]], None]

YOUNG_COLLECTION_THRESHOLD = 100_000
"""Allocations between two young-generation collections of Python's cycle collector while a
twin runs (CPython's default is 700).  A run allocates millions of short-lived objects (heap
entries, requests, generators) that reference counting frees, and keeps a few hundred thousand
(boots, ports, queued entries) that each young collection would scan again; the twin makes
almost no reference cycles (a few hundred objects an hour).  Measured on the 1,000-host hour
(``benchmarks/twin_scale.py``): large-site-before 16.8 -> 14.1 s CPU, large-site-after 8.1 ->
7.6 s, the same as with the collector off; peak memory unchanged."""

_tuned = 0  # runs in progress in this process (Dask workers may run several in threads)
_tuned_lock = threading.Lock()
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def _collector_tuned() -> Iterator[None]:
    """The cycle collector's young threshold raised while any twin of the process runs."""
    global _tuned, _saved
    with _tuned_lock:
        if _tuned == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, _saved[1], _saved[2])
        _tuned += 1
    try:
        yield
    finally:
        with _tuned_lock:
            _tuned -= 1
            if _tuned == 0:
                gc.set_threshold(*_saved)


class Twin:
    """One run of one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.cloud = cloud = Cloud(scenario)
        self.env = cloud.env
        self.sampler = Sampler(cloud)
        start_workload(cloud.ctx, cloud.new_boot, cloud.delete_server, cloud.restart_compute)

    def run(self, progress: Progress | None = None, step: float = 60.0) -> TwinResult:
        """Run to the scenario's end time and return what was measured."""
        cloud = self.cloud
        end = self.scenario.end_time()
        wall = time.perf_counter()
        t = 0.0
        with _collector_tuned():
            while t < end:
                t = min(end, t + step)
                self.env.run(until=t)
                if progress is not None:
                    progress(t, end, cloud.tally())
        wall = time.perf_counter() - wall
        return TwinResult(
            scenario=self.scenario,
            boots=[s.boot for s in cloud.states],
            components=collect_components(cloud),
            load=dict(sorted(cloud.ctx.counters.items())),
            timeseries=self.sampler.series,
            events=self.env.events,
            wall_seconds=wall,
            notes=scenario_notes(self.scenario.release, self.scenario.model.flow_deletion),
        )


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> TwinResult:
    """Build the twin for a scenario and run it."""
    return Twin(scenario).run(progress)
