"""The shared schema of a VM boot, observed (``trace``) or simulated (``simulate``).

A :class:`Boot` is one ``POST /servers`` followed through the control plane.  Its
:attr:`Boot.milestones` map a :class:`Milestone` to a timestamp in seconds (epoch seconds for
traced boots, simulated seconds for the twin).  When a VM has several ports, a chain milestone
holds the time the *last* port reached it: the VM waits for every port, so the last one is the
critical one.

Hop latencies are differences between consecutive chain milestones (:data:`HOPS`); spans
(:data:`SPANS`) cover several hops, e.g. the vif wait from ``Preparing to wait`` to
``Received event``.  :func:`summarize` turns boots into the summary every command prints.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


class Outcome(StrEnum):
    """How a boot ended."""

    ACTIVE = "active"
    ERROR = "error"
    DELETED = "deleted"
    UNKNOWN = "unknown"


class Milestone(StrEnum):
    """Points of the boot path, in path order (see the dossier §1 and §2.5)."""

    REQUESTED = "requested"  # nova-api accepted POST /servers
    SCHEDULED = "scheduled"  # conductor/scheduler selected a host
    BUILD_STARTED = "build_started"  # nova-compute "Starting instance..."
    PORT_BOUND = "port_bound"  # neutron PUT port with binding:host_id answered
    WAIT_PREPARED = "wait_prepared"  # "Preparing to wait for external event network-vif-plugged"
    DEVICE_UP = "device_up"  # neutron-server "Device ... up at agent" (update_device_list)
    PORT_ACTIVE = "port_active"  # port status ACTIVE (both provisioning blocks cleared)
    EVENT_SENT = "event_sent"  # neutron nova notifier "Sending events" (POST started)
    EVENT_API = "event_api"  # nova-api "Creating event network-vif-plugged:<port>"
    EVENT_RECEIVED = "event_received"  # nova-compute "Received event network-vif-plugged-<port>"
    RUNNING = "running"  # guest resumed and running ("Instance spawned successfully")
    FINISHED = "finished"  # build ended (ACTIVE or ERROR)


MILESTONE_ORDER: tuple[Milestone, ...] = tuple(Milestone)


@dataclass(frozen=True, slots=True)
class Hop:
    """A named latency between two milestones."""

    name: str
    start: Milestone
    end: Milestone
    help: str


#: The vif-plugged chain, hop by hop (PRODUCT.md: binding -> agent up -> server ACTIVE -> event
#: sent -> nova-api received -> compute received -> running).
HOPS: tuple[Hop, ...] = (
    Hop("agent", Milestone.PORT_BOUND, Milestone.DEVICE_UP, "port bound -> agent reports up"),
    Hop("provision", Milestone.DEVICE_UP, Milestone.PORT_ACTIVE, "device up -> port ACTIVE"),
    Hop("notifier", Milestone.PORT_ACTIVE, Milestone.EVENT_SENT, "port ACTIVE -> event POSTed"),
    Hop("nova_api", Milestone.EVENT_SENT, Milestone.EVENT_API, "POST -> nova-api created event"),
    Hop("compute_rpc", Milestone.EVENT_API, Milestone.EVENT_RECEIVED, "nova-api -> compute"),
    Hop("resume", Milestone.EVENT_RECEIVED, Milestone.RUNNING, "event received -> running"),
)

#: Spans over several hops.
SPANS: tuple[Hop, ...] = (
    Hop("vif_wait", Milestone.WAIT_PREPARED, Milestone.EVENT_RECEIVED, "Preparing -> Received"),
    Hop("schedule", Milestone.REQUESTED, Milestone.BUILD_STARTED, "POST /servers -> build start"),
    Hop("boot", Milestone.REQUESTED, Milestone.FINISHED, "POST /servers -> build ended"),
)

#: Where a failed or still-waiting chain stopped: the first chain milestone that is missing.
STOP_POINTS: tuple[tuple[Milestone, str, str], ...] = (
    (Milestone.DEVICE_UP, "agent", "agent never reported the device up"),
    (Milestone.EVENT_SENT, "server", "neutron-server never sent the event"),
    (Milestone.EVENT_API, "nova_api", "nova-api never received the event"),
    (Milestone.EVENT_RECEIVED, "compute", "nova-compute never received the event"),
    (Milestone.RUNNING, "resume", "received but the guest was not resumed"),
)

VIF_PLUGGING_TIMEOUT = "vif_plugging_timeout"


@dataclass(slots=True)
class Boot:
    """One VM boot and what is known of it."""

    instance: str
    host: str | None = None
    ports: list[str] = field(default_factory=list)
    outcome: Outcome = Outcome.UNKNOWN
    reason: str | None = None  # error reason, e.g. "vif_plugging_timeout"
    milestones: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # milestone -> "file:line"
    spawn_seconds: float | None = None  # "Took N seconds to spawn the instance"
    build_seconds: float | None = None  # "Took N seconds to build instance"
    stopped_at: str | None = None
    origin: str = "trace"  # "trace" or "simulate"

    @property
    def timed_out(self) -> bool:
        """True when the vif-plugging deadline expired (fatal or not)."""
        return self.reason == VIF_PLUGGING_TIMEOUT

    def at(self, milestone: Milestone | str) -> float | None:
        """Timestamp of a milestone, or None when unknown."""
        return self.milestones.get(str(milestone))

    def latency(self, hop: Hop) -> float | None:
        """Seconds between the hop's milestones, or None when either is unknown."""
        start = self.milestones.get(hop.start.value)
        end = self.milestones.get(hop.end.value)
        if start is None or end is None:
            return None
        return end - start

    def hop_latencies(self) -> dict[str, float | None]:
        """Every hop and span latency of this boot, by name."""
        return {hop.name: self.latency(hop) for hop in (*HOPS, *SPANS)}

    def chain_stop(self) -> str | None:
        """Where the vif-plugged chain stopped, for a boot that did not get running.

        Returns the recorded :attr:`stopped_at` when set, otherwise the first missing chain
        milestone after ``wait_prepared`` (None when the boot ran or never started waiting).
        """
        if self.stopped_at is not None:
            return self.stopped_at
        if Milestone.RUNNING.value in self.milestones or self.outcome is Outcome.ACTIVE:
            return None
        if Milestone.WAIT_PREPARED.value not in self.milestones:
            return None
        for milestone, name, _ in STOP_POINTS:
            if milestone.value not in self.milestones:
                return name
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (hop latencies included)."""
        return {
            "instance": self.instance,
            "host": self.host,
            "ports": list(self.ports),
            "outcome": self.outcome.value,
            "reason": self.reason,
            "milestones": dict(self.milestones),
            "sources": dict(self.sources),
            "spawn_seconds": self.spawn_seconds,
            "build_seconds": self.build_seconds,
            "stopped_at": self.chain_stop(),
            "origin": self.origin,
            "hops": self.hop_latencies(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Boot:
        """Inverse of :meth:`to_dict` (derived fields are recomputed)."""
        return cls(
            instance=str(data["instance"]),
            host=data.get("host"),
            ports=list(data.get("ports") or []),
            outcome=Outcome(data.get("outcome", "unknown")),
            reason=data.get("reason"),
            milestones={str(k): float(v) for k, v in (data.get("milestones") or {}).items()},
            sources={str(k): str(v) for k, v in (data.get("sources") or {}).items()},
            spawn_seconds=data.get("spawn_seconds"),
            build_seconds=data.get("build_seconds"),
            stopped_at=data.get("stopped_at"),
            origin=str(data.get("origin", "trace")),
        )


PERCENTILES: tuple[float, ...] = (50.0, 95.0, 99.0)


def distribution(values: Sequence[float] | np.ndarray) -> dict[str, float | int | None]:
    """count, mean, p50/p95/p99 and max of a sample (None for an empty one)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    out: dict[str, float | int | None] = {"count": int(arr.size)}
    if arr.size == 0:
        out.update({"mean": None, "p50": None, "p95": None, "p99": None, "max": None})
        return out
    out["mean"] = float(arr.mean())
    for q in PERCENTILES:
        out[f"p{q:g}"] = float(np.percentile(arr, q))
    out["max"] = float(arr.max())
    return out


def summarize(boots: Iterable[Boot]) -> dict[str, Any]:
    """The summary of a set of boots: outcomes, timeouts, stop points, latency distributions."""
    boots = list(boots)
    outcomes = Counter(b.outcome.value for b in boots)
    reasons = Counter(b.reason for b in boots if b.reason)
    stops = Counter(s for b in boots if (s := b.chain_stop()) is not None)
    latencies: dict[str, dict[str, float | int | None]] = {}
    for hop in (*HOPS, *SPANS):
        vals = [v for b in boots if (v := b.latency(hop)) is not None and math.isfinite(v)]
        latencies[hop.name] = distribution(vals)
    latencies["spawn"] = distribution([b.spawn_seconds for b in boots if b.spawn_seconds])
    latencies["build"] = distribution([b.build_seconds for b in boots if b.build_seconds])
    return {
        "boots": len(boots),
        "outcomes": {o.value: outcomes.get(o.value, 0) for o in Outcome},
        "timeouts": sum(1 for b in boots if b.timed_out),
        "reasons": dict(sorted(reasons.items())),
        "stopped_at": dict(sorted(stops.items())),
        "latency": latencies,
    }
