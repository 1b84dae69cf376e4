"""How faithfully a replay reproduces the trace it replays; run by hand:
``python benchmarks/replay_fidelity.py [--traces 5] [--replays 2] [--minutes 20]``.

The twin makes traces itself (``large-site-after``, every fitted cost 25% over its default, no
deletions, as ``benchmarks/calibrate_scale.py`` does) on truth seeds 2, 3, …; each trace's first
70% is replayed at the *true* costs, as calibration replays it (``TracedWorkload.scenario``:
the first boot at t = 0, hosts pinned), on other seeds, and each replay's hop statistics are
compared with its own trace's.  A faithful replay is off by noise only: the mean over traces and
replays near 0 within its standard error.  The same again with the replay's clock shifted to the
trace's (the first boot at the time it had in the truth's run), which tells whether what differs
is the time the cloud had been up before the first boot (caches, pools, timers of the twin start
at t = 0).

Measured (2 shared cores): with 5 traces x 2 replays (~2 min) ``spawn`` came out -0.3 to -0.9%
and ``resume`` +0.2 to +1.1% (1-2 standard errors); with 10 traces x 2 replays (~4 min,
``--traces 10``) every hop statistic but the conductor's noisy ``placed`` is within 1.0% of its
own trace's and within 1.6 standard errors of 0 (``spawn`` -0.1 to -0.6%, ``resume`` -0.4 to
+1.0%, ``wired`` +0.05 to +0.27%), and shifting the clock changes nothing measurable: no bias of
the replay is seen at this precision.  A bias of ~0.5% would still move a cost the hops hardly
move with by far more, and the intervals of :mod:`stacktwin.calibrate.targets` do not hold it.
"""

from __future__ import annotations

import argparse

import numpy as np

HOPS = ("placed", "spawn", "agent", "wired", "provision", "nova_api", "compute_rpc", "resume")
TRUTH_FACTOR = 1.25


def main() -> None:
    from stacktwin.calibrate import PARAMETERS, extract_workload, split
    from stacktwin.calibrate.events import TracedEvents
    from stacktwin.calibrate.samples import boot_samples
    from stacktwin.calibrate.targets import STATS, stats
    from stacktwin.calibrate.validate import replay_runs
    from stacktwin.twin import load_scenario, run_scenario
    from stacktwin.twin.batch.executor import Executor, with_seed
    from stacktwin.twin.compute import host_name
    from stacktwin.twin.costs import Costs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=int, default=5)
    ap.add_argument("--replays", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=20.0)
    args = ap.parse_args()
    truth = load_scenario("large-site-after")
    truth.duration = args.minutes * 60.0
    costs = truth.model.costs.model_dump()
    for p in PARAMETERS:
        costs[p.cost] *= TRUTH_FACTOR
    truth.model.costs = Costs.model_validate(costs)
    truth.workload.delete_rate_per_minute = 0.0
    truth.workload.delete_storms = []
    seen = TracedEvents(hosts={host_name(i) for i in range(truth.cloud.hosts)})
    executor = Executor(jobs=1)
    diffs: dict[bool, list[dict[str, np.ndarray]]] = {False: [], True: []}
    for seed in range(2, 2 + args.traces):
        work = extract_workload(run_scenario(with_seed(truth, seed)).boots, seen)
        part, _ = split(work, holdout=0.3)
        traced = {h: stats(v) for h, v in boot_samples(part.boots).items() if h in HOPS}
        for shifted in (False, True):
            replay = part.scenario(load_scenario("large-site-after"), "replay")
            replay.model.costs = truth.model.costs
            replay.seed = 100 + seed
            arrivals = replay.workload.arrivals
            if shifted and arrivals is not None:
                arrivals.boots = [t + work.start for t in arrivals.boots]
                replay.duration += work.start
            runs = replay_runs([replay], args.replays, executor, None, part.window)[0]
            for r in runs:
                diffs[shifted].append({h: (stats(r[h]) - traced[h]) / traced[h] for h in HOPS})
        print(f"  trace seed {seed} done (first boot at {work.start:.1f} s)", flush=True)
    for shifted, rows in diffs.items():
        how = "clock shifted to the trace's" if shifted else "as calibration replays"
        print(f"replay - own trace, relative, {len(rows)} replays of {args.traces} traces ({how})")
        print(f"{'':12s} " + " ".join(f"{s:>7s}" for s in STATS) + "   standard error")
        for h in HOPS:
            d = np.array([row[h] for row in rows])
            se = d.std(axis=0, ddof=1) / np.sqrt(args.traces)
            mean = " ".join(f"{v * 100:+6.2f}%" for v in d.mean(axis=0))
            print(f"{h:12s} {mean}   " + " ".join(f"{v * 100:5.2f}%" for v in se))


if __name__ == "__main__":
    main()
