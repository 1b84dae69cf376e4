"""A traced workload: boot requests, deletions and restarts at their times (``workload.arrivals``).

Written by ``stacktwin calibrate`` from traced logs and replayed by
:mod:`stacktwin.twin.workload`; :func:`replay_times` says when each event happens in the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stacktwin.twin.limits import MAX_BOOTS

MAX_TRACE_SECONDS = 1e10
"""Latest traced time (seconds from the trace's start, ~300 years): gaps are compressed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


class HostRestart(_Strict):
    """nova-compute restarted on host number ``host`` (0-based) at time ``at``."""

    at: float = Field(ge=0, le=MAX_TRACE_SECONDS, allow_inf_nan=False)
    host: int = Field(ge=0)


class Arrivals(_Strict):
    """A traced workload replayed exactly: boot requests, deletions and restarts at given times.

    Times are seconds from the start of the trace.  A gap longer than ``max_idle`` between two
    consecutive events is shortened to ``max_idle`` (:func:`compress`), so
    logs spanning months with few boots cost simulated time for their busy segments only.
    """

    boots: list[float] = Field(
        default_factory=list, description="seconds of each POST /servers, ascending"
    )
    ports: list[int] = Field(
        default_factory=list,
        description="ports of each boot (empty: cloud.ports_per_vm for every boot)",
    )
    hosts: list[int | None] = Field(
        default_factory=list,
        description="host number (0-based) each boot ran on in the trace: the boot asks for it "
        "(nova's requested host, POST /servers 'host', API 2.74) and the conductor sends it "
        "there; None, or an empty list for all: the twin's scheduler places it",
    )
    deletes: list[float] = Field(
        default_factory=list, description="seconds of each user DELETE /servers, ascending"
    )
    restarts: list[HostRestart] = Field(default_factory=list)
    max_idle: float | None = Field(
        None,
        gt=0,
        le=MAX_TRACE_SECONDS,
        description="longest idle gap kept as is (default: vif_plugging_timeout + 600, the "
        "drain: whatever was in flight has ended)",
        allow_inf_nan=False,
    )

    @model_validator(mode="after")
    def _consistent(self) -> Arrivals:
        for what, times in (("boots", self.boots), ("deletes", self.deletes)):
            if any(not (0 <= t <= MAX_TRACE_SECONDS) for t in times):
                raise ValueError(
                    f"arrivals.{what}: times must be within 0..{MAX_TRACE_SECONDS:g} s"
                )
            if any(b < a for a, b in pairwise(times)):
                raise ValueError(f"arrivals.{what}: times must be in ascending order")
        if self.ports and len(self.ports) != len(self.boots):
            raise ValueError(
                f"arrivals.ports: {len(self.ports)} values for {len(self.boots)} boots"
            )
        if self.hosts and len(self.hosts) != len(self.boots):
            raise ValueError(
                f"arrivals.hosts: {len(self.hosts)} values for {len(self.boots)} boots"
            )
        if any(h is not None and h < 0 for h in self.hosts):
            raise ValueError("arrivals.hosts: host numbers start at 0")
        if any(not (1 <= n <= 16) for n in self.ports):
            raise ValueError("arrivals.ports: each boot has 1 to 16 ports")
        if len(self.boots) > MAX_BOOTS or len(self.deletes) > MAX_BOOTS:
            raise ValueError(f"arrivals: over the limit of {MAX_BOOTS:,} boots or deletions")
        return self


def compress(times: Sequence[float], max_idle: float) -> list[float]:
    """``times`` (ascending, from 0) with every gap longer than ``max_idle`` cut to it.

    The first gap (from 0 to the first time) is cut the same way; equal times stay equal.
    """
    out: list[float] = []
    prev = 0.0
    now = 0.0
    for t in times:
        now += min(t - prev, max_idle)
        out.append(now)
        prev = t
    return out


def replay_times(arrivals: Arrivals, max_idle: float) -> dict[str, list[float]]:
    """Simulated times of the traced ``boots``, ``deletes`` and ``restarts`` (in their order),
    idle gaps longer than ``max_idle`` cut to it."""
    tagged = [
        *((t, "boots", i) for i, t in enumerate(arrivals.boots)),
        *((t, "deletes", i) for i, t in enumerate(arrivals.deletes)),
        *((r.at, "restarts", i) for i, r in enumerate(arrivals.restarts)),
    ]
    tagged.sort()
    mapped = compress([t for t, _, _ in tagged], max_idle)
    out: dict[str, list[float]] = {
        "boots": [0.0] * len(arrivals.boots),
        "deletes": [0.0] * len(arrivals.deletes),
        "restarts": [0.0] * len(arrivals.restarts),
    }
    for (_, kind, i), t in zip(tagged, mapped, strict=True):
        out[kind][i] = t
    return out
