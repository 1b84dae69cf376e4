"""One executor for every batch of twin runs: serial for one run, Dask ``distributed`` for more.

A run is a pure function of (scenario, seed): :func:`run_summary` runs it and returns its small
JSON-ready record (the single-run ``--json`` schema without ``boots`` and ``timeseries``), so
whichever worker runs it, the figures are the same bit for bit.

- one run, or ``jobs == 1`` with no scheduler: in this process;
- otherwise a Dask ``LocalCluster`` on this machine (``jobs`` worker processes, one thread each,
  no dashboard, Dask's own logging silenced), or an existing cluster (``scheduler`` address,
  ``tcp://HOST:8786``) whose workers have stacktwin installed.

``jobs`` is capped by the machine's cores and by the number of runs (:func:`plan_jobs` says so).
Ctrl-C (or any exception from the ``on_done`` callback) cancels what is left, closes the client
and the cluster, and raises :class:`BatchInterrupted` for a KeyboardInterrupt.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stacktwin.twin import Scenario, run_scenario

#: Called as each run ends: (index in the batch, its record).
OnDone = Callable[[int, dict[str, Any]], None]

#: What a batch computes of one scenario (a picklable, module-level function).
RunFunction = Callable[[Scenario], Any]

#: Loggers of Dask that print to the terminal on a normal start and stop.
_DASK_LOGGERS = ("distributed", "dask", "tornado", "bokeh", "asyncio")


class BatchInterrupted(Exception):
    """Ctrl-C during a batch: the batch was cancelled and the cluster shut down."""


class BatchError(Exception):
    """A batch that cannot run as asked (e.g. a scheduler that cannot be reached)."""


def run_summary(scenario: Scenario) -> dict[str, Any]:
    """Run one scenario (its own seed) and return its record without boots and time series."""
    return run_scenario(scenario).to_dict(with_boots=False, with_timeseries=False)


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    """A copy of ``scenario`` with ``seed``."""
    out = scenario.model_copy(deep=True)
    out.seed = seed
    return out


@dataclass(frozen=True)
class JobPlan:
    """How many worker processes a batch gets, and why (for the CLI to say)."""

    jobs: int
    note: str


def plan_jobs(requested: int, runs: int, cores: int | None = None) -> JobPlan:
    """``requested`` (0 = all cores) capped by the machine's cores and the number of runs."""
    cores = cores or os.cpu_count() or 1
    want = requested or cores
    jobs = max(1, min(want, cores, runs))
    reasons = []
    if want > cores:
        reasons.append(f"capped at the machine's {cores} cores")
    if want > runs and runs < cores:
        reasons.append(f"capped at the batch's {runs} runs")
    note = f"{runs} runs on {jobs} worker process{'es' if jobs > 1 else ''}"
    if reasons:
        note += f" (--jobs {want} {' and '.join(reasons)})"
    return JobPlan(jobs, note)


def silence_dask() -> None:
    """Keep Dask's INFO/WARNING lines (cluster start, worker stop) off the terminal."""
    warnings.filterwarnings("ignore", module="distributed")
    for name in _DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


@dataclass
class Executor:
    """Runs batches of scenarios; ``scheduler`` wins over ``jobs`` when given."""

    jobs: int = 1
    scheduler: str | None = None
    connect_timeout: float = 10.0
    _closers: list[Any] = field(default_factory=list, repr=False)

    def describe(self, runs: int) -> str:
        """One line for the terminal: where the batch runs."""
        if self.scheduler:
            return f"{runs} runs on the Dask cluster at {self.scheduler}"
        return plan_jobs(self.jobs, runs).note

    def map(
        self,
        scenarios: Sequence[Scenario],
        on_done: OnDone | None = None,
        fn: RunFunction = run_summary,
    ) -> list[Any]:
        """``fn`` of every scenario (default: its run record), in order; ``fn`` is a
        module-level function (Dask pickles it by name)."""
        if not scenarios:
            return []
        if self.scheduler is None and plan_jobs(self.jobs, len(scenarios)).jobs == 1:
            return self._serial(scenarios, on_done, fn)
        return self._dask(scenarios, on_done, fn)

    def _serial(
        self, scenarios: Sequence[Scenario], on_done: OnDone | None, fn: RunFunction
    ) -> list[Any]:
        out = []
        try:
            for i, sc in enumerate(scenarios):
                out.append(fn(sc))
                if on_done:
                    on_done(i, out[-1])
        except KeyboardInterrupt:
            raise BatchInterrupted(f"cancelled after {len(out)} of {len(scenarios)} runs") from None
        return out

    def _client(self, runs: int) -> Any:
        silence_dask()
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                return Client(self.scheduler, timeout=self.connect_timeout), None  # type: ignore[no-untyped-call]
            except (OSError, TimeoutError) as exc:
                raise BatchError(f"--scheduler {self.scheduler}: cannot connect: {exc}") from None
        jobs = plan_jobs(self.jobs, runs).jobs
        import dask

        # the worker's statistical profiler samples every thread's stack every 10 ms: for a
        # pure-Python CPU-bound run it competes for the GIL; the nannies pass this to workers
        dask.config.set({"distributed.worker.profile.enabled": False})
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: nothing binds a fixed one
            silence_logs=logging.ERROR,
            host="127.0.0.1",
        )
        return Client(cluster), cluster  # type: ignore[no-untyped-call]

    def _dask(
        self, scenarios: Sequence[Scenario], on_done: OnDone | None, fn: RunFunction
    ) -> list[Any]:
        from distributed import as_completed

        client, cluster = None, None
        futures: list[Any] = []
        results: dict[int, Any] = {}
        try:
            client, cluster = self._client(len(scenarios))
            futures = [
                client.submit(fn, sc, key=f"stacktwin-run-{i}-{id(self)}", pure=False)
                for i, sc in enumerate(scenarios)
            ]
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in as_completed(futures):  # type: ignore[no-untyped-call]
                i = index[fut.key]
                results[i] = fut.result()
                if on_done:
                    on_done(i, results[i])
        except KeyboardInterrupt:
            raise BatchInterrupted(
                f"cancelled after {len(results)} of {len(scenarios)} runs"
            ) from None
        finally:
            if client is not None:
                if futures:
                    client.cancel(futures)
                client.close()
            if cluster is not None:
                cluster.close()
        return [results[i] for i in range(len(scenarios))]
