"""The twin: one run of one scenario — the cloud built, its workload started, time advanced.

>>> from stacktwin.twin import load_scenario, run_scenario
>>> result = run_scenario(load_scenario("all-in-one"))      # doctest: +SKIP
>>> result.summary["outcomes"]                                # doctest: +SKIP

The components and their wiring are in :mod:`stacktwin.twin.cloud`; what is measured, in
:mod:`stacktwin.twin.results`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from stacktwin.twin.cloud import Cloud
from stacktwin.twin.flows import scenario_notes
from stacktwin.twin.results import Sampler, TwinResult, collect_components
from stacktwin.twin.scenario import Scenario
from stacktwin.twin.workload import start_workload

Progress = Callable[[float, float, dict[str, int]], None]


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
