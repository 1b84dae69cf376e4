"""Random service-time factors: lognormal, mean 1, drawn in blocks with NumPy.

A service time in the twin is ``mean * factor``; the factor is lognormal with mean 1 and the
scenario's coefficient of variation (``model.costs.service_cv``).  Drawing them a block at a
time from a seeded ``numpy.random.Generator`` costs, per draw, one step of a C iterator
(``itertools.chain`` over the blocks) instead of a Python ``gauss`` + ``exp``; each mechanism
has its own stream, so runs stay bit-for-bit reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import chain, repeat

import numpy as np

BLOCK = 8192

#: Call it for the next factor.
Factors = Callable[[], float]


def lognormal_factors(seed: int, cv: float) -> Factors:
    """An endless stream of lognormal factors of mean 1 and coefficient of variation ``cv``."""
    sigma = math.sqrt(math.log1p(cv * cv))
    if sigma == 0.0:
        return repeat(1.0).__next__
    mu = -sigma * sigma / 2.0
    gen = np.random.Generator(np.random.PCG64(seed))

    def blocks() -> Iterator[list[float]]:
        while True:
            yield gen.lognormal(mu, sigma, BLOCK).tolist()

    return chain.from_iterable(blocks()).__next__
