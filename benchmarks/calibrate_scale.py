"""Time to calibrate, printed; run by hand: ``python benchmarks/calibrate_scale.py``.

1. The all-in-one logs (``dessertlab-queens-aio``, the issue's command): ``stacktwin calibrate
   LOGS --holdout 0.3`` in a fresh process — tracing, the fit and the held-out validation.
2. A 1,000-host synthetic trace: the twin itself runs ``large-site-after`` (1,000 hosts, a
   600/min boot storm from minute 15) for ``--minutes`` of cloud time; its boots are the
   trace (made with every fitted cost 25% over its default, where the fit starts, and without
   its deletions: the twin's run does not report their times), and its
   1,000 hosts the hosts seen (as a trace's agent logs name them), calibrated
   (fit on the first 70%, validated on the rest) the way the CLI does it, through the batch
   executor (``--jobs``).  The base scenario is ``large-site-after`` itself: the VMs running
   before the trace (20,000) are the base's, as an operator states them.

Figures: wall and CPU seconds (CPU of this process and its children: the steadier figure on a
shared machine), twin runs, and the held-out vif_wait error.  Options: ``--quick`` (16 minutes
of cloud time, one of them storm, instead of 20, one replication per evaluation), ``--jobs N``.

Measured (2 shared cores, ``--jobs 1``): see the README's calibration section.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

TRUTH_FACTOR = 1.25
"""The synthetic trace's costs: the defaults of every fitted cost times this (the fit starts
from the defaults)."""
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from trace_throughput import DEFAULT_DATA as AIO  # noqa: E402 -- ../shared, as found there


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def aio(logs: Path, out: Path) -> None:
    """The issue's command on the all-in-one logs, in a fresh process."""
    if not logs.is_dir():
        print(f"all-in-one: {logs} not present, skipped")
        return
    wall, cpu = time.perf_counter(), _cpu()
    exe = str(Path(sys.executable).with_name("stacktwin"))
    cmd = [exe, "calibrate", str(logs), "--holdout", "0.3",
           "-o", str(out / "aio.yaml"), "--json", str(out / "aio-fit.json")]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(f"all-in-one ({logs.name}): {wall:.1f} s wall, {cpu:.1f} s CPU")
    for line in res.stdout.splitlines()[:2]:
        print(f"  {line}")


def synthetic(minutes: float, replications: int, jobs: int) -> None:
    """Calibrate the twin's own 1,000-host trace."""
    from stacktwin.calibrate import (
        PARAMETERS,
        extract_workload,
        fit_costs,
        split,
        validate_scenario,
    )
    from stacktwin.calibrate.events import TracedEvents
    from stacktwin.calibrate.samples import boot_samples
    from stacktwin.twin import load_scenario, run_scenario
    from stacktwin.twin.batch.executor import Executor
    from stacktwin.twin.compute import host_name
    from stacktwin.twin.costs import Costs

    truth = load_scenario("large-site-after")
    truth.duration = minutes * 60.0
    costs = truth.model.costs.model_dump()
    for p in PARAMETERS:  # the truth off the defaults the fit starts from
        costs[p.cost] *= TRUTH_FACTOR
    truth.model.costs = Costs.model_validate(costs)
    # the twin's run does not report when it deleted VMs (a trace's DELETE lines do): a trace
    # made with deletions would hide their load from the replay, so it is made without
    truth.workload.delete_rate_per_minute = 0.0
    truth.workload.delete_storms = []
    wall, cpu = time.perf_counter(), _cpu()
    boots = run_scenario(truth).boots
    made = time.perf_counter() - wall
    seen = TracedEvents(hosts={host_name(i) for i in range(truth.cloud.hosts)})
    work = extract_workload(boots, seen)
    part, held = split(work, holdout=0.3)
    replay = part.scenario(load_scenario("large-site-after"), "replay")
    executor = Executor(jobs=jobs)
    fitted_runs = [0]
    start = time.perf_counter()

    def tick() -> None:
        fitted_runs[0] += 1
        if fitted_runs[0] % 25 == 0:
            print(f"  … {fitted_runs[0]} runs, {time.perf_counter() - start:.0f} s", flush=True)

    fit = fit_costs(replay, boot_samples(part.boots), executor, replications, on_run=tick,
                    window=part.window)  # fmt: skip
    fitted = replay.model_copy(deep=True)
    fitted.model.costs = fit.costs
    validation = validate_scenario(fitted, held, executor, replications)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(
        f"1,000 hosts, {minutes:g} min of cloud time: {len(work.boots):,} boots on "
        f"{len(work.hosts):,} hosts (trace made in {made:.1f} s); calibrated in {wall:.1f} s "
        f"wall, {cpu:.1f} s CPU, {fit.runs} twin runs ({replications} per evaluation), "
        f"--jobs {jobs}"
    )
    true = truth.model.costs
    fitted_records = [r for r in fit.parameters if r["status"] == "fitted" and r.get("value")]
    parts = []
    for r in fitted_records:  # the value and its 95% interval, over the truth
        t = getattr(true, r["cost"])
        low, high = r.get("interval_95") or (None, None)
        span = f" [{low / t:.2f}, {high / t:.2f}]" if low is not None and high is not None else ""
        said = str(r.get("identified", ""))
        weak = "" if said == "yes" else " (weakly)" if said.startswith("weakly") else " (no)"
        parts.append(f"{r['cost']} {r['value'] / t:.2f}{span}{weak}")
    print("  fitted / true [95% interval / true]: " + ", ".join(parts))
    kept = [r["cost"] for r in fit.parameters if r["status"] != "fitted" and r["hop"]]
    if kept:
        print(f"  kept at the default (not identified or too few boots): {', '.join(kept)}")
    print(f"  held-out ({validation['boots']} boots): {validation['headline']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="16 minutes of cloud time, 1 replication")
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--logs", type=Path, default=AIO.resolve() / "dessertlab-queens-aio")
    args = ap.parse_args()
    minutes = args.minutes or (16.0 if args.quick else 20.0)
    out = Path("/tmp") / "stacktwin-calibrate-scale"
    out.mkdir(exist_ok=True)
    aio(args.logs, out)
    synthetic(minutes, 1 if args.quick else 2, args.jobs)


if __name__ == "__main__":
    main()
