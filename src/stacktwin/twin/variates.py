"""Random service-time factors: lognormal, mean 1, drawn in blocks with NumPy.

A service time in the twin is ``mean * factor``; the factor is lognormal with mean 1 and the
scenario's coefficient of variation (``model.costs.service_cv``).  Drawing them a block at a
time from a seeded ``numpy.random.Generator`` costs a list index per draw instead of a Python
``gauss`` + ``exp``; each mechanism has its own stream, so runs stay bit-for-bit reproducible.
"""

from __future__ import annotations

import math

import numpy as np

BLOCK = 8192


class LognormalFactors:
    """An endless stream of lognormal factors of mean 1 and coefficient of variation ``cv``."""

    __slots__ = ("_buf", "_gen", "_i", "_mu", "_sigma")

    def __init__(self, seed: int, cv: float) -> None:
        self._sigma = math.sqrt(math.log1p(cv * cv))
        self._mu = -self._sigma * self._sigma / 2.0
        self._gen = np.random.Generator(np.random.PCG64(seed))
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        """The next factor."""
        i = self._i
        if i >= len(self._buf):
            if self._sigma == 0.0:
                return 1.0
            self._buf = self._gen.lognormal(self._mu, self._sigma, BLOCK).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]
