"""What every component of one run shares: the clock, the settings, random streams, counters.

A component (nova-compute, an OVS agent, a neutron-server process, ...) is built with a
:class:`Context` and the few peers it talks to, never with the whole twin, so each module of
the model depends only on the modules below it.

Randomness comes from named streams derived from the scenario seed (:meth:`Context.rng`), one
per mechanism (boot arrivals, scheduler, heal phases, ...), so switching one mechanism off does
not shift the random numbers any other mechanism draws.  Service times come from their own
streams of lognormal factors (:meth:`Context.service`).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter

from stacktwin.twin.kernel import Environment
from stacktwin.twin.scenario import Scenario
from stacktwin.twin.variates import Factors, lognormal_factors


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Context:
    """The environment, the scenario's settings and costs, random streams and load counters."""

    __slots__ = ("_factors", "_rngs", "costs", "counters", "env", "scenario")

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.costs = scenario.model.costs
        self.env = Environment()
        self.counters: Counter[str] = Counter()  # load by name, reported as TwinResult.load
        self._rngs: dict[str, random.Random] = {}
        self._factors: dict[str, Factors] = {}

    def rng(self, stream: str) -> random.Random:
        """The random stream of one mechanism, derived from the scenario seed."""
        rng = self._rngs.get(stream)
        if rng is None:
            rng = self._rngs[stream] = random.Random(_seed(self.scenario.seed, stream))
        return rng

    def factors(self, stream: str) -> Factors:
        """The service-time factors of one mechanism (lognormal, mean 1, ``service_cv``)."""
        factors = self._factors.get(stream)
        if factors is None:
            seed = _seed(self.scenario.seed, "service", stream)
            factors = self._factors[stream] = lognormal_factors(seed, self.costs.service_cv)
        return factors

    def service(self, mean: float, stream: str) -> float:
        """A service time of mean ``mean``: lognormal with the scenario's ``service_cv``."""
        if mean <= 0.0:
            return 0.0
        return mean * self.factors(stream)()
