"""The database server: one writer's CPU cores shared by the transactions it runs, and its
connection slots.

Most sites run Galera with every client on one node (kolla's HAProxy keeps the others as
``backup``; dossier §1.1 [W8][W14]), so one node's cores are the capacity.  MariaDB runs one
thread per connection (``thread_handling=one-thread-per-connection`` [W4]); the kernel shares
the cores among the runnable threads, which is a **processor-sharing** server: with ``n``
jobs on ``c`` cores each progresses at rate ``min(1, c / n)`` — with ``n <= c`` a job runs at
full speed, beyond that all slow down alike.

A *job* is one transaction's server CPU (the sum of its statements, the checkout ping, the
commit: :mod:`stacktwin.twin.dbcalls`), never one event per statement.  The PS bookkeeping is
in virtual time: ``V`` grows at the per-job rate, a job arriving with work ``w`` when the clock
of virtual time reads ``V0`` leaves when ``V`` reaches ``V0 + w``, so jobs leave in the order
of these tags (a heap): O(log n) per arrival and departure, one timer for the next departure
(a stale timer is recognised by its generation and ignored).  When a job leaves its caller
resumes ``latency`` seconds later (the network round trips of its statements), with no extra
event of its own.

``max_connections`` is server-wide, shared by every nova and neutron pool: a connect beyond it
is refused with MySQL error 1040 (``ER_CON_COUNT_ERROR``, at connect time: dossier §1.4).
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any

from stacktwin.twin.kernel import BaseEnvironment, Event


class DbServer:
    """A ``cores``-core processor-sharing CPU with ``max_connections`` connection slots."""

    __slots__ = (
        "_area_busy",
        "_area_jobs",
        "_gen",
        "_jobs",
        "_seq",
        "_t",
        "_v",
        "closes",
        "completed",
        "connections",
        "connects",
        "cores",
        "env",
        "max_connections",
        "peak_connections",
        "peak_jobs",
        "refused",
        "work_done",
    )

    def __init__(self, env: BaseEnvironment, cores: int, max_connections: int) -> None:
        self.env = env
        self.cores = cores
        self.max_connections = max_connections
        self._jobs: list[tuple[float, int, Event, float]] = []  # (finish tag, seq, event, lat)
        self._seq = 0
        self._gen = 0  # generation of the departure timer in force
        self._v = 0.0  # virtual time: the work each job present has received since t = 0
        self._t = env.now
        self._area_busy = 0.0  # integral of min(n, c): busy cores
        self._area_jobs = 0.0  # integral of n: jobs in the system (Little's L)
        self.completed = 0
        self.peak_jobs = 0
        self.work_done = 0.0
        self.connections = 0  # open connections, all clients
        self.peak_connections = 0
        self.connects = 0
        self.closes = 0
        self.refused = 0  # 1040 Too many connections

    # -- connections ----------------------------------------------------------------------------
    def connect(self) -> bool:
        """Take a connection slot; False (1040) if ``max_connections`` are open."""
        n = self.connections
        if n >= self.max_connections:
            self.refused += 1
            return False
        self.connections = n = n + 1
        self.connects += 1
        if n > self.peak_connections:
            self.peak_connections = n
        return True

    def disconnect(self) -> None:
        """A client closed a connection."""
        self.connections -= 1
        self.closes += 1

    # -- processor sharing ----------------------------------------------------------------------
    def _advance(self, now: float) -> int:
        """Bring virtual time and the integrals to ``now``; the number of jobs present."""
        n = len(self._jobs)
        dt = now - self._t
        if dt:
            if n:
                c = self.cores
                busy = n if n < c else c
                self._v += dt * busy / n
                self._area_busy += dt * busy
                self._area_jobs += dt * n
            self._t = now
        return n

    def run(self, work: float, latency: float = 0.0) -> Event:
        """A job of ``work`` CPU seconds; the event happens ``latency`` after it leaves."""
        env = self.env
        ev = Event(env)
        n = self._advance(env.now)
        self._seq += 1
        heappush(self._jobs, (self._v + work, self._seq, ev, latency))
        if n + 1 > self.peak_jobs:
            self.peak_jobs = n + 1
        self.work_done += work
        self._reschedule()
        return ev

    def _reschedule(self) -> None:
        jobs = self._jobs
        self._gen = gen = self._gen + 1
        if not jobs:
            return
        n = len(jobs)
        c = self.cores
        rate = 1.0 if n <= c else c / n
        left = jobs[0][0] - self._v
        self.env.schedule(left / rate if left > 0 else 0.0, self._depart, gen)

    def _depart(self, gen: Any) -> None:
        if gen != self._gen:
            return  # a later arrival or departure moved the next departure
        env = self.env
        now = env.now
        self._advance(now)
        jobs = self._jobs
        _, _, ev, latency = heappop(jobs)
        # jobs whose tags tie (same arrival V and work) leave together
        while jobs and jobs[0][0] <= self._v:
            _, _, other, lat = heappop(jobs)
            self._finish(other, lat)
        self._finish(ev, latency)
        self._reschedule()

    def _finish(self, ev: Event, latency: float) -> None:
        self.completed += 1
        if latency:
            self.env.schedule(latency, ev.succeed)
        else:
            ev.succeed()

    # -- what it measured -----------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Utilisation, mean jobs (L), throughput and connection figures since the start."""
        now = self.env.now
        self._advance(now)
        span = now or 1.0
        return {
            "cores": self.cores,
            "utilisation": self._area_busy / (self.cores * span),
            "busy_cores": self._area_busy / span,
            "mean_jobs": self._area_jobs / span,
            "peak_jobs": self.peak_jobs,
            "transactions": self.completed,
            "cpu_seconds": self.work_done,
            "max_connections": self.max_connections,
            "connections": self.connections,
            "peak_connections": self.peak_connections,
            "connects": self.connects,
            "connects_per_s": self.connects / span,
            "closes": self.closes,
            "refused_1040": self.refused,
        }

    def busy_cores(self) -> float:
        """Cores busy now."""
        n = len(self._jobs)
        return float(n if n < self.cores else self.cores)
