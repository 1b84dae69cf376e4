"""Queueing theory next to the kernel: Erlang C and an M/M/c station built on it.

The twin's queues must agree with theory where theory has an answer; the tests and
``benchmarks/twin_scale.py`` run this station and compare it with :func:`erlang_c_wait`.
"""

from __future__ import annotations

import math
import random

from stacktwin.twin.kernel.core import BaseEnvironment
from stacktwin.twin.kernel.resources import Request, Resource


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (arrival rate ``lam``, service rate ``mu``)."""
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation {rho:.3f} >= 1")
    below = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    return tail / (below + tail) / (c * mu - lam)


class MMcStation:
    """Poisson arrivals at rate ``lam`` to ``c`` exponential servers of rate ``mu``.

    Written in the kernel's callback style (``Resource.acquire``), the leanest way to drive
    it: two closures, no generator per customer.
    """

    def __init__(self, env: BaseEnvironment, lam: float, mu: float, c: int, seed: int = 1) -> None:
        self.env = env
        self.servers = servers = Resource(env, c, name="mmc")
        expo = random.Random(seed).expovariate
        schedule = env.schedule
        acquire = servers.acquire
        release = servers.release

        def start(req: Request) -> None:
            schedule(expo(mu), release, req)

        def arrive(_: object) -> None:
            schedule(expo(lam), arrive)
            acquire(start)

        schedule(expo(lam), arrive)
