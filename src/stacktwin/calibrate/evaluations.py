"""The twin runs of one fit, by point: each point's runs on seeds seed, seed+1, … made once.

A point is a vector of log-costs (:mod:`.fit`).  The search asks for each point's first
``replications`` runs pooled (common random numbers: every point on the same seeds); the
uncertainty asks for more single runs at a few points (:data:`~.targets.NOISE_RUNS`).  Runs are
never repeated: a point's runs are kept in seed order, and the ones missing go to the executor
as one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from stacktwin.calibrate.samples import Samples, Window, pooled
from stacktwin.calibrate.validate import replay_runs
from stacktwin.twin import Scenario
from stacktwin.twin.batch.executor import Executor
from stacktwin.twin.costs import Costs


class Evaluations:
    """``base`` with its ``costs`` set to a point's values, replayed through ``executor``."""

    def __init__(
        self,
        base: Scenario,
        costs: Sequence[str],
        executor: Executor,
        replications: int,
        window: Window | None = None,
        on_run: Callable[[], None] | None = None,
    ) -> None:
        self.base = base
        self.costs = list(costs)
        self.executor = executor
        self.replications = replications
        self.window = window
        self.on_run = on_run
        self.runs = 0
        """Twin runs made so far."""
        self._made: dict[bytes, list[Samples]] = {}

    def scenario_at(self, x: np.ndarray) -> Scenario:
        """``base`` with each of :attr:`costs` at ``exp(x)``."""
        sc = self.base.model_copy(deep=True)
        values = sc.model.costs.model_dump()
        for cost, v in zip(self.costs, x, strict=True):
            values[cost] = float(np.exp(v))
        sc.model.costs = Costs.model_validate(values)
        return sc

    def pooled(self, points: Sequence[np.ndarray]) -> list[Samples]:
        """Each point's first ``replications`` runs, their samples put together."""
        return [pooled(runs) for runs in self.single(points, self.replications)]

    def single(self, points: Sequence[np.ndarray], n: int) -> list[list[Samples]]:
        """Each point's first ``n`` runs (seeds seed … seed + n - 1), one record per run."""
        by_start: dict[int, dict[bytes, np.ndarray]] = {}  # runs made so far -> points short
        for x in points:
            made = len(self._made.get(x.tobytes(), []))
            if made < n:
                by_start.setdefault(made, {})[x.tobytes()] = x
        for first, short in sorted(by_start.items()):
            xs = list(short.values())
            new = replay_runs(
                [self.scenario_at(x) for x in xs],
                n - first,
                self.executor,
                self._done,
                self.window,
                first,
            )
            for x, runs in zip(xs, new, strict=True):
                self._made.setdefault(x.tobytes(), []).extend(runs)
        return [self._made[x.tobytes()][:n] for x in points]

    def _done(self, _i: int, _r: Any) -> None:
        self.runs += 1
        if self.on_run is not None:
            self.on_run()
