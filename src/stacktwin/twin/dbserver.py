"""The database server: one writer's CPU cores shared by the transactions it runs, and its
connection slots.

Most sites run Galera with every client on one node (kolla's HAProxy keeps the others as
``backup``; dossier §1.1 [W8][W14]), so one node's cores are the capacity.  MariaDB runs one
thread per connection (``thread_handling=one-thread-per-connection`` [W4]); the kernel shares
the cores among the runnable threads, which is a **processor-sharing** server: with ``n``
jobs on ``c`` cores each progresses at rate ``min(1, c / n)`` — with ``n <= c`` a job runs at
full speed, beyond that all slow down alike.

A *job* is one transaction's server CPU (the sum of its statements, the checkout ping, the
commit: :mod:`stacktwin.twin.dbcalls`), never one event per statement.  Its caller resumes
``latency`` seconds after it leaves (the network round trips of its statements).  The
bookkeeping has two regimes, exact in both:

* **unshared** (at most ``c`` jobs): every job runs at full speed, so it leaves at
  ``arrival + work``, known at once.  The caller waits a plain :class:`Timeout` of ``work +
  latency`` (one event per transaction, as a delay costs), and the server pops the jobs that
  have left from a heap of leave times whenever it is next asked (a lazy departure: nothing
  can change before someone arrives);
* **shared** (more than ``c`` jobs): in virtual time.  ``V`` grows at the per-job rate
  ``min(1, c/n)``; a job with ``w`` left when ``V`` reads ``V0`` leaves when ``V`` reaches
  ``V0 + w``, so jobs leave in the order of these tags (a heap): O(log n) per arrival and
  departure, one timer for the next departure (a stale timer is recognised by its generation).

An arrival that makes the ``c + 1``-th job moves the jobs still in service to virtual time,
each with an event its caller waits on once its timeout (now too early: sharing only slows a
job down) has passed; a departure that leaves ``c`` jobs moves them back, each with its leave
time ``now + (tag - V)``.  A caller therefore waits like this (:func:`wait` is the same)::

    job = server.run(work, latency)
    yield job[0]                        # a Timeout, or (shared on arrival) the job's event
    if job[2] is not None and job[2] is not job[0]:
        yield job[2]                    # slowed down by sharing after it started

``max_connections`` is server-wide, shared by every nova and neutron pool: a connect beyond it
is refused with MySQL error 1040 (``ER_CON_COUNT_ERROR``, at connect time: dossier §1.4).
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappop, heappush
from typing import Any

from stacktwin.twin.kernel import BaseEnvironment, Event, Timeout

Job = list[Any]
"""``[first wait, latency, event or None, generation]``: the caller yields the first wait (a
Timeout, or the event), then the event if one was made after it; a scheduled trigger holds the
generation it was made in (a later move of the job makes it stale)."""


def wait(job: Job) -> Generator[Event | Timeout, Any, None]:
    """Wait for ``job`` (what :meth:`DbServer.run` returned) to be done, latency included."""
    yield job[0]
    if job[2] is not None and job[2] is not job[0]:
        yield job[2]


class DbServer:
    """A ``cores``-core processor-sharing CPU with ``max_connections`` connection slots."""

    __slots__ = (
        "_area_busy",
        "_area_jobs",
        "_fin",
        "_gen",
        "_jobs",
        "_seq",
        "_shared",
        "_t",
        "_v",
        "arrivals",
        "closes",
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
        self._shared = False
        self._fin: list[tuple[float, int, Job]] = []  # unshared: (leave time, seq, job)
        self._jobs: list[tuple[float, int, Job]] = []  # shared: (finish tag, seq, job)
        self._seq = 0
        self._gen = 0  # generation of the departure timer in force (shared)
        self._v = 0.0  # virtual time (shared)
        self._t = env.now
        self._area_busy = 0.0  # integral of min(n, c): busy cores
        self._area_jobs = 0.0  # integral of n: jobs in the system (Little's L)
        self.arrivals = 0
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
    def run(self, work: float, latency: float = 0.0) -> Job:
        """A job of ``work`` CPU seconds; its caller resumes ``latency`` after it leaves."""
        env = self.env
        now = env.now
        self._seq = seq = self._seq + 1
        self.arrivals += 1
        self.work_done += work
        if not self._shared:
            fin = self._fin
            while fin and fin[0][0] <= now:  # the jobs that left meanwhile
                heappop(fin)
            n = len(fin) + 1
            if n > self.peak_jobs:
                self.peak_jobs = n
            if n <= self.cores:
                # unshared: it will be in the system (on a core) for exactly ``work``
                self._area_busy += work
                self._area_jobs += work
                job: Job = [Timeout(work + latency), latency, None, 0]
                heappush(fin, (now + work, seq, job))
                return job
            self._share(now)
        self._advance(now)
        ev = Event(env)
        job = [ev, latency, ev, 0]
        jobs = self._jobs
        heappush(jobs, (self._v + work, seq, job))
        if len(jobs) > self.peak_jobs:
            self.peak_jobs = len(jobs)
        self._reschedule()
        return job

    def _trigger(self, entry: tuple[Job, int]) -> None:
        """The job's caller resumes (its event happens, its waiter continues in this step)."""
        job, gen = entry
        if job[3] != gen:
            return  # stale: the job moved since this was scheduled
        ev: Event = job[2]
        ev.triggered = True
        callbacks = ev.callbacks
        ev.callbacks = []
        for cb in callbacks:
            cb(ev)

    def _wake_at(self, delay: float, job: Job) -> None:
        job[3] = gen = job[3] + 1
        self.env.schedule(delay, self._trigger, (job, gen))

    def _catch_up(self, now: float) -> float:
        """Unshared: the jobs that left by ``now`` leave; what the others have still to run.

        Each unshared job's residence (its work) was counted whole when it came in; the
        integrals up to ``now`` are those less this remainder.
        """
        fin = self._fin
        while fin and fin[0][0] <= now:
            heappop(fin)
        self._t = now
        return sum(leave - now for leave, _, _ in fin)

    def _share(self, now: float) -> None:
        """More than ``cores`` jobs: the jobs in service move to virtual time."""
        self._catch_up(now)
        v = self._v
        jobs = self._jobs
        env = self.env
        for leave, seq, job in self._fin:
            self._area_busy -= leave - now  # counted whole on arrival: from now, integrated
            self._area_jobs -= leave - now
            if job[2] is None:
                job[2] = Event(env)  # its caller waits on it once its timeout has passed
            job[3] += 1  # a trigger scheduled by an earlier move no longer holds
            heappush(jobs, (v + (leave - now), seq, job))
        self._fin.clear()
        self._shared = True

    def _unshare(self, now: float) -> None:
        """``cores`` jobs or fewer again: each leaves at ``now`` + what it has left."""
        v = self._v
        fin = self._fin
        for tag, seq, job in self._jobs:
            left = tag - v if tag > v else 0.0
            self._area_busy += left  # from now on each runs on a core for what it has left
            self._area_jobs += left
            heappush(fin, (now + left, seq, job))
            self._wake_at(left + job[1], job)
        self._jobs.clear()
        self._shared = False
        self._gen += 1

    def _advance(self, now: float) -> None:
        """Shared: virtual time and the integrals brought to ``now``."""
        dt = now - self._t
        if dt:
            n = len(self._jobs)
            if n:
                c = self.cores
                busy = n if n < c else c
                self._v += dt * busy / n
                self._area_busy += dt * busy
                self._area_jobs += dt * n
            self._t = now

    def _reschedule(self) -> None:
        jobs = self._jobs
        self._gen = gen = self._gen + 1
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
        _, _, job = heappop(jobs)
        self._leave(job)
        # jobs whose tags tie (same arrival V and work) leave together
        while jobs and jobs[0][0] <= self._v:
            self._leave(heappop(jobs)[2])
        if len(jobs) <= self.cores:
            self._unshare(now)
        else:
            self._reschedule()

    def _leave(self, job: Job) -> None:
        self._wake_at(job[1], job)

    # -- what it measured -----------------------------------------------------------------------
    def _now(self) -> tuple[int, float]:
        """Bring the bookkeeping to the current time: the jobs in the system, and the work the
        unshared ones still have to do (counted ahead in the integrals)."""
        now = self.env.now
        if self._shared:
            self._advance(now)
            return len(self._jobs), 0.0
        ahead = self._catch_up(now)
        return len(self._fin), ahead

    def stats(self) -> dict[str, Any]:
        """Utilisation, mean jobs (L), throughput and connection figures since the start."""
        n, ahead = self._now()
        span = self.env.now or 1.0
        busy = self._area_busy - ahead
        return {
            "cores": self.cores,
            "utilisation": busy / (self.cores * span),
            "busy_cores": busy / span,
            "mean_jobs": (self._area_jobs - ahead) / span,
            "peak_jobs": self.peak_jobs,
            "transactions": self.arrivals - n,
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
        n = self._now()[0]
        return float(n if n < self.cores else self.cores)
