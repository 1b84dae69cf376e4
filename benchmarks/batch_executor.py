"""The same 40-run batch serial, in a stdlib process pool, and on a Dask LocalCluster, in one run.

    .venv/bin/python benchmarks/batch_executor.py [--runs 40] [--jobs 2] [--hosts 200]

Runs: large-site-after at ``--hosts`` hosts (instances and storm scaled with it), seeds 1..N.
Prints the wall time of each mode, Dask's ratio to the process pool, and checks that the three
give the same figures.  The Dask time includes starting and stopping the cluster.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from stacktwin.twin import Scenario, load_scenario
from stacktwin.twin.batch.executor import Executor, run_summary, with_seed
from stacktwin.twin.batch.figures import headline


def _scenarios(runs: int, hosts: int) -> list[Scenario]:
    sc = load_scenario("large-site-after")
    scale = hosts / sc.cloud.hosts
    sc.cloud.hosts = hosts
    sc.cloud.instances = int(sc.cloud.instances * scale)
    for storm in (*sc.workload.boot_storms, *sc.workload.delete_storms):
        storm.rate_per_minute *= scale
    return [with_seed(sc, s) for s in range(1, runs + 1)]


def _timed(label: str, fn: Any) -> tuple[float, list[dict[str, Any]]]:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"{label:<28} {dt:7.2f} s", flush=True)
    return dt, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--hosts", type=int, default=200)
    args = ap.parse_args()
    batch = _scenarios(args.runs, args.hosts)
    print(f"{args.runs} runs of large-site-after at {args.hosts} hosts, {args.jobs} workers")
    serial_s, serial = _timed("serial", lambda: Executor(jobs=1).map(batch))

    def pool() -> list[dict[str, Any]]:
        with ProcessPoolExecutor(max_workers=args.jobs) as ex:
            return list(ex.map(run_summary, batch))

    pool_s, pooled = _timed(f"process pool ({args.jobs})", pool)
    dask_s, dasked = _timed(
        f"Dask LocalCluster ({args.jobs})", lambda: Executor(args.jobs).map(batch)
    )
    same = (
        [headline(r) for r in serial]
        == [headline(r) for r in pooled]
        == [headline(r) for r in dasked]
    )
    print(f"speed-up vs serial: pool {serial_s / pool_s:.2f}x, Dask {serial_s / dask_s:.2f}x")
    print(f"Dask / process pool: {dask_s / pool_s:.3f} (within 15%: {dask_s <= pool_s * 1.15})")
    print(f"identical figures in all three modes: {same}")


if __name__ == "__main__":
    main()
