"""Speed and memory of the twin, printed; run by hand: ``python benchmarks/twin_scale.py``.

1. Wall and CPU time, simulated events/s and peak RSS for one hour of cloud time at 1,000 hosts
   (large-site-before and large-site-after) and at 10,000 hosts (large-site-after scaled ten
   times: hosts, VMs, controllers, storms).  Each run is a fresh process, so its peak RSS is its
   own; on a shared machine its CPU time is the steadier figure.
2. The same M/M/c queue (lambda = 9, mu = 1, c = 10) in the twin's kernel, in the three styles
   the twin uses — callbacks (``Resource.acquire``), processes that hold a unit in a ``with
   request()`` block (the safe style, released on exceptions and interrupts), and processes in
   the hot-path style of ``NeutronProcess.work`` (no ``yield`` for a unit granted at once,
   explicit ``release``) — next to plain SimPy, with customers/s (the work done) and the
   engines' own event counts.

Targets (issue 2): 1,000 hosts x 1 h < 20 s; 10,000 hosts x 1 h < 5 min; RSS < 2 GiB; the
engine at least 4x SimPy's customers/s on the M/M/c.

What the checked kernel of issue 8 costs (CPU seconds of ``run_scenario``, 1,000 hosts x 1 h,
the kernel before and after run alternately on the same shared machine, best of 3):
large-site-before 6.00 -> 6.19 (+3%), large-site-after 3.87 -> 4.19 (+8%).  Where it goes,
measured by taking each piece out again: a fresh request per immediate grant (2.4M an hour,
~+0.2 s); the rest (identity-checked wake-ups, failure and interrupt paths) is paid for by
faster hot paths (bound wake-ups, C-level round robin and lognormal draws).  An
``AnyOf(reply, Timeout)`` per RPC call would cost ~3 us a call (166k calls an hour: +0.5 s,
+13% on large-site-after), which is why an RPC deadline fails the reply event instead.

What keystone and the broker of issue 10 cost (CPU seconds of ``run_scenario``, 1,000 hosts x
1 h, main and the branch run alternately on the shared machine): large-site-before 8.63 -> 9.86
and 9.23 -> 9.88, large-site-after 5.29 -> 5.92 and 5.65 -> 6.55 (+7% to +16%); at 10,000
hosts x 10 min 5.45 -> 6.22 and 5.62 -> 6.54.  Where it goes: a token-cache check per API
request (~600k an hour at heal 60), ~40k keystone validations, and the broker's routing of
every message and reply (Lindley's recursion: no event of its own; ~4%).

What issue 10's database, keystone and broker cost, and how the twin got it back (CPU seconds
of ``run_scenario``, 1,000 hosts x 1 h, same machine): before the issue (dc8f54e)
large-site-before 7.7 s / large-site-after 4.7 s; with its mechanisms 16.8 s / 8.1 s (621k DB
transactions an hour in after, two wake-ups each, and before's collapse at one RPC worker:
4.1M events); with timers of one length sharing one kernel entry (``kernel.Deadlines``) and
the cycle collector's young threshold at 100,000 while a twin runs: 14.2 s / 7.5 s; with the
hot path compiled by mypyc (``stacktwin.twin.native``): 9.2 s / 5.0 s, the same numbers bit for
bit; with nova-api's own database reads added, measured at the end on the idle machine: 9.1 s /
5.0 s against 7.5 s / 4.5 s for dc8f54e run alongside (+21% / +11%; the budget was +30%).
10,000 hosts x 1 h: 177 s -> 101 s.  What did not pay: the DB stages as callbacks instead of a
generator (a Python call per stage costs more than a generator resume: +8%).

Options: ``--quick`` runs 10 minutes of cloud time instead of an hour (for a smoke check).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import time
from typing import Any

sys.setrecursionlimit(10_000)


def _scenario(name: str, scale: int, seconds: float) -> Any:
    from stacktwin.twin import load_scenario

    sc = load_scenario(name)
    sc.duration = seconds
    sc.drain = 0.0
    if scale != 1:
        c = sc.cloud
        c.hosts *= scale
        c.instances *= scale
        c.neutron_servers *= scale
        c.nova_api_nodes *= scale
        c.dhcp_agents *= scale
        for storm in (*sc.workload.boot_storms, *sc.workload.delete_storms):
            storm.rate_per_minute *= scale
        sc.workload.boot_rate_per_minute *= scale
        sc.workload.delete_rate_per_minute *= scale
    return sc


def _twin_child(name: str, scale: int, seconds: float, out: Any) -> None:
    from stacktwin.twin import run_scenario

    sc = _scenario(name, scale, seconds)
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_scenario(sc)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    s = result.summary
    out.send(
        {
            "hosts": sc.cloud.hosts,
            "events": result.events,
            "wall": wall,
            "cpu": cpu,
            "rss_mib": rss,
            "boots": s["boots"],
            "errors": s["outcomes"]["error"],
        }
    )


def twin_runs(seconds: float) -> None:
    ctx = mp.get_context("spawn")
    from stacktwin.twin import native

    built = native.compiled()
    print(
        f"twin: {seconds:.0f} s of cloud time per run; compiled modules: "
        f"{len(built)} of {len(native.COMPILED)}"
        + ("" if built else " (the sources: HATCH_BUILD_HOOK_ENABLE_MYPYC=1 pip install -e .)")
    )
    print(f"{'scenario':<30}{'hosts':>7}{'wall s':>8}{'cpu s':>8}{'events':>12}{'events/s':>11}"
          f"{'peak RSS MiB':>14}{'boots':>7}{'errors':>7}")  # fmt: skip
    for name, scale in (
        ("large-site-before", 1),
        ("large-site-after", 1),
        ("large-site-after", 10),
    ):
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_twin_child, args=(name, scale, seconds, send))
        proc.start()
        r = recv.recv()
        proc.join()
        label = name if scale == 1 else f"{name} x{scale}"
        print(
            f"{label:<30}{r['hosts']:>7}{r['wall']:>8.1f}{r['cpu']:>8.1f}{r['events']:>12,}"
            f"{r['events'] / r['wall']:>11,.0f}{r['rss_mib']:>14.0f}{r['boots']:>7}{r['errors']:>7}"
        )


def mmc_twin_callbacks(lam: float, mu: float, c: int, horizon: float) -> tuple[int, int, float]:
    from stacktwin.twin.kernel import Environment, MMcStation

    env = Environment()
    station = MMcStation(env, lam, mu, c, seed=1)
    t0 = time.perf_counter()
    env.run(until=horizon)
    return int(station.servers.stats()["granted"]), env.events, time.perf_counter() - t0


def mmc_twin_processes(
    lam: float, mu: float, c: int, horizon: float, hot_path: bool
) -> tuple[int, int, float]:
    from stacktwin.twin.kernel import Environment, Resource

    rng = random.Random(1)
    env = Environment()
    station = Resource(env, c)

    def customer() -> Any:
        with station.request() as req:
            yield req
            yield env.timeout(rng.expovariate(mu))

    def customer_hot_path() -> Any:
        req = station.request()
        if not req.triggered:
            yield req
        yield env.timeout(rng.expovariate(mu))
        station.release(req)

    make = customer_hot_path if hot_path else customer

    def source() -> Any:
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(make())

    env.process(source())
    t0 = time.perf_counter()
    env.run(until=horizon)
    return int(station.stats()["granted"]), env.events, time.perf_counter() - t0


def mmc_simpy(lam: float, mu: float, c: int, horizon: float) -> tuple[int, int, float]:
    import simpy

    rng = random.Random(1)
    env = simpy.Environment()
    station = simpy.Resource(env, c)
    served = [0]
    events = [0]
    step = env.step

    def counting_step() -> None:
        events[0] += 1
        step()

    env.step = counting_step  # type: ignore[method-assign]

    def customer() -> Any:
        with station.request() as req:
            yield req
            served[0] += 1
            yield env.timeout(rng.expovariate(mu))

    def source() -> Any:
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    t0 = time.perf_counter()
    env.run(until=horizon)
    return served[0], events[0], time.perf_counter() - t0


def mmc(horizon: float) -> None:
    lam, mu, c = 9.0, 1.0, 10
    print(f"\nM/M/c (lambda={lam}, mu={mu}, c={c}) for {horizon:.0f} time units")
    print(f"{'engine':<32}{'customers':>11}{'wall s':>9}{'customers/s':>13}{'events/s':>12}")
    rows = [
        ("stacktwin kernel (callbacks)", mmc_twin_callbacks(lam, mu, c, horizon)),
        ("stacktwin kernel (with request)", mmc_twin_processes(lam, mu, c, horizon, False)),
        ("stacktwin kernel (hot path)", mmc_twin_processes(lam, mu, c, horizon, True)),
        ("SimPy 4 (processes)", mmc_simpy(lam, mu, c, horizon)),
    ]
    simpy_rate = rows[-1][1][0] / rows[-1][1][2]
    for name, (served, events, wall) in rows:
        rate = served / wall
        print(
            f"{name:<32}{served:>11,}{wall:>9.2f}{rate:>13,.0f}{events / wall:>12,.0f}"
            f"   x{rate / simpy_rate:.2f} SimPy"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 minutes of cloud time")
    args = parser.parse_args()
    seconds = 600.0 if args.quick else 3600.0
    twin_runs(seconds)
    mmc(20_000.0 if args.quick else 100_000.0)


if __name__ == "__main__":
    main()
