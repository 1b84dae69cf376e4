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
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NotRequired

import numpy as np
from typing_extensions import TypedDict  # pydantic reads it on Python 3.11 (schemas)


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
    #: nova-api began serving POST /os-server-external-events: its access log line's time
    #: minus the request's duration (eventlet's ``time:``), the line sharing the request id of
    #: the "Creating event" line; absent without such a line (Apache's own log has no request id)
    EVENT_REQUEST = "event_request"
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

#: ``(name, start, end)`` of every hop and span, the milestones as their string keys: what
#: :meth:`Boot.hop_latencies` reads for each of thousands of boots (an enum member's ``.value``
#: is a property lookup)
_HOP_KEYS: tuple[tuple[str, str, str], ...] = tuple(
    (h.name, h.start.value, h.end.value) for h in (*HOPS, *SPANS)
)

#: The order every table lists latencies in (trace, simulate, compare): the vif wait, its hops
#: in path order, then the spans and nova's own spawn and build times.
LATENCY_ORDER: tuple[str, ...] = (
    "vif_wait",
    *(h.name for h in HOPS),
    "schedule",
    "boot",
    "spawn",
    "build",
)
#: Decimals of a latency in seconds wherever one is printed: milliseconds.
LATENCY_DECIMALS = 3

#: The vif chain after nova starts waiting, in path order: (milestone, stop name, meaning).  A
#: chain that stopped did so at the hop *after* the last of these milestones it reached.
#: ``event_request`` is not a stop point: the tracer only knows it through the request id of
#: nova-api's "Creating event" line and the twin marks it with ``event_api``, so it is never the
#: last milestone a chain reached (the ``nova_api`` stop covers the whole POST).
STOP_POINTS: tuple[tuple[Milestone, str, str], ...] = (
    (Milestone.DEVICE_UP, "agent", "agent never reported the device up"),
    (Milestone.PORT_ACTIVE, "provision", "the port never went ACTIVE (a provisioning block)"),
    (Milestone.EVENT_SENT, "server", "neutron-server never sent the event"),
    (Milestone.EVENT_API, "nova_api", "nova-api never received the event"),
    (Milestone.EVENT_RECEIVED, "compute", "nova-compute never received the event"),
    (Milestone.RUNNING, "resume", "received but the guest was not resumed"),
)
#: A ``nova_api`` stop where nova-api *answered* neutron's POST with an error.
REFUSED_STOP = "nova_api_refused"
#: A stop at a hop whose service left no log in the input.
UNKNOWN_STOP = "unknown"
#: Every stop name and what it means.
STOP_MEANING: dict[str, str] = {
    **{name: text for _, name, text in STOP_POINTS},
    REFUSED_STOP: "nova-api answered the event with an error: never delivered",
    UNKNOWN_STOP: "the next hop's service left no log in the input",
}

VIF_PLUGGING_TIMEOUT = "vif_plugging_timeout"

#: Build phases, in path order, for :attr:`Boot.phase` (where a boot failed or was last seen):
#: the conductor/scheduler, nova-compute before network allocation (claim), network allocation,
#: block devices, the hypervisor spawn (vif wait included), and after the guest ran.
PHASES: tuple[str, ...] = (
    "schedule",
    "build",
    "network",
    "block_device",
    "spawn",
    "after_spawn",
)


def stop_point(
    milestones: Mapping[str, float],
    outcome: Outcome,
    reason: str | None,
    *,
    refused: bool = False,
) -> str | None:
    """Where the vif chain stopped: the one rule trace and simulate share.

    Only for a boot that failed *because the event never came* -- its reason is the
    vif-plugging timeout, or it has no failure reason and did not end active (still waiting
    when the logs end, or deleted while waiting) -- and only once nova waited
    (``wait_prepared``).  A boot that failed for any other reason gets that reason and its
    phase, never a chain stop.  The stop is the hop after the *last* chain milestone reached, so
    a milestone missing in between (a log not read) is not mistaken for a broken hop.
    ``refused`` turns a ``nova_api`` stop into ``nova_api_refused``.
    """
    if outcome is Outcome.ACTIVE or Milestone.RUNNING.value in milestones:
        return None
    if reason is not None and reason != VIF_PLUGGING_TIMEOUT:
        return None
    if Milestone.WAIT_PREPARED.value not in milestones:
        return None
    reached = -1
    for index, (milestone, _name, _help) in enumerate(STOP_POINTS):
        if milestone.value in milestones:
            reached = index
    if reached + 1 >= len(STOP_POINTS):
        return None
    name = STOP_POINTS[reached + 1][1]
    if name == "nova_api" and refused:
        return REFUSED_STOP
    return name


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
    phase: str | None = None  # one of PHASES: where a boot that did not run failed or stopped
    reason_key: str | None = None  # stable grouping key of ``reason`` (see logs.failures)
    request_id: str | None = None  # the nova-api request id of its POST /servers

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
        get = self.milestones.get
        out: dict[str, float | None] = {}
        for name, start_key, end_key in _HOP_KEYS:
            start, end = get(start_key), get(end_key)
            out[name] = None if start is None or end is None else end - start
        return out

    @property
    def failed(self) -> bool:
        """True for a boot that ended in ERROR or whose vif chain stopped."""
        return self.outcome is Outcome.ERROR or self.chain_stop() is not None

    def chain_stop(self) -> str | None:
        """Where the vif-plugged chain stopped (:func:`stop_point`), None when it did not.

        The tracer records its verdict in :attr:`stopped_at` (it also knows which services'
        logs were read and whether nova-api refused the event); otherwise it is computed from
        the milestones with the same rule.
        """
        if self.stopped_at is not None:
            return self.stopped_at
        return stop_point(self.milestones, self.outcome, self.reason)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (hop latencies included, in seconds rounded to the millisecond; a
        traced boot's milestones also in ISO 8601 UTC, ``milestones_iso``)."""
        hops = {k: None if v is None else round(v, 3) for k, v in self.hop_latencies().items()}
        out: dict[str, Any] = {
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
            "phase": self.phase,
            "reason_key": self.reason_key,
            "request_id": self.request_id,
            "hops": hops,
        }
        if self.origin == "trace":
            out["milestones_iso"] = {
                k: datetime.fromtimestamp(v, tz=UTC).isoformat(timespec="milliseconds")
                for k, v in self.milestones.items()
            }
        return out

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
            phase=data.get("phase"),
            reason_key=data.get("reason_key"),
            request_id=data.get("request_id"),
        )


PERCENTILES: tuple[float, float, float] = (50.0, 95.0, 99.0)


class Distribution(TypedDict):
    """A latency distribution in seconds: ``None`` figures for an empty sample."""

    count: int
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None


class Summary(TypedDict):
    """What :func:`summarize` says of a set of boots (traced or simulated, the same keys)."""

    boots: int
    outcomes: dict[str, int]
    timeouts: int
    reasons: dict[str, int]
    phases: dict[str, int]
    stopped_at: dict[str, int]
    failed: list[dict[str, Any]]
    slow: list[dict[str, Any]]
    latency: dict[str, Distribution]
    vif_plugged: NotRequired[dict[str, int]]
    """Traced runs: the vif-plugged sequences found (``sequences``, ``complete``)."""
    input: NotRequired[dict[str, Any]]
    """Traced runs: what the tracer read and skipped, and its notes."""


def distribution(values: Sequence[float] | np.ndarray) -> Distribution:
    """count, mean, p50/p95/p99 and max of a sample (None for an empty one)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return {"count": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    p50, p95, p99 = (float(np.percentile(arr, q)) for q in PERCENTILES)
    return {
        "count": int(arr.size),
        "mean": float(arr.mean()),
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "max": float(arr.max()),
    }


#: A hop at least this many times its peers' median, and this many seconds above it, is "much
#: slower than its peers" (an agent hop of minutes among hops of seconds).
SLOW_FACTOR = 5.0
SLOW_MIN_EXCESS_S = 10.0


def _median_without(ordered: Sequence[float], i: int) -> float:
    """Median of ``ordered`` (sorted) without its element at index ``i``."""
    n = len(ordered) - 1

    def at(k: int) -> float:
        return ordered[k] if k < i else ordered[k + 1]

    mid = n // 2
    return at(mid) if n % 2 else (at(mid - 1) + at(mid)) / 2


def slow_boots(boots: Sequence[Boot]) -> list[dict[str, Any]]:
    """Boots with a hop much slower than the same hop of their peers, slowest excess first.

    For each hop (:data:`HOPS`) with at least two samples, a boot's latency is compared with
    the median of the *other* boots' (so that one slow boot among two still stands out); it is
    reported when it is at least :data:`SLOW_FACTOR` times that median and
    :data:`SLOW_MIN_EXCESS_S` seconds above it.  One row per boot: its worst hop.
    """
    worst: dict[str, dict[str, Any]] = {}
    for hop in HOPS:
        pairs = [(v, b.instance) for b in boots if (v := b.latency(hop)) is not None]
        pairs = [(v, u) for v, u in pairs if math.isfinite(v)]
        if len(pairs) < 2:
            continue
        pairs.sort()
        ordered = [v for v, _ in pairs]
        for i, (value, uuid) in enumerate(pairs):
            peers = _median_without(ordered, i)
            excess = value - peers
            if excess < SLOW_MIN_EXCESS_S or value < SLOW_FACTOR * max(peers, 0.0):
                continue
            row = {"instance": uuid, "hop": hop.name, "seconds": value, "peers_median": peers}
            if uuid not in worst or excess > worst[uuid]["seconds"] - worst[uuid]["peers_median"]:
                worst[uuid] = row
    return sorted(
        worst.values(), key=lambda r: (-(r["seconds"] - r["peers_median"]), r["instance"])
    )


def failed_rows(boots: Iterable[Boot]) -> list[dict[str, Any]]:
    """One row per failed boot (ERROR, or a stopped vif chain), in boot order."""
    return [
        {
            "instance": b.instance,
            "outcome": b.outcome.value,
            "phase": b.phase,
            "reason": b.reason,
            "reason_key": b.reason_key or b.reason,
            "stopped_at": b.chain_stop(),
            "host": b.host,
        }
        for b in boots
        if b.failed
    ]


def summarize(boots: Iterable[Boot]) -> Summary:
    """The summary of a set of boots: outcomes, timeouts, stop points, latency distributions.

    ``reasons`` counts failures by their stable reason key (one row for 11 boots with the same
    error); ``phases`` counts the boots that did not run by the phase they failed or stopped
    in; ``failed`` lists every failed boot; ``slow`` the boots with a hop much slower than its
    peers (:func:`slow_boots`).
    """
    boots = list(boots)
    outcomes = Counter(b.outcome.value for b in boots)
    reasons = Counter(key for b in boots if (key := b.reason_key or b.reason))
    phases = Counter(b.phase for b in boots if b.phase and b.outcome is not Outcome.ACTIVE)
    stops = Counter(s for b in boots if (s := b.chain_stop()) is not None)
    measured: dict[str, Distribution] = {}
    for hop in (*HOPS, *SPANS):
        vals = [v for b in boots if (v := b.latency(hop)) is not None and math.isfinite(v)]
        measured[hop.name] = distribution(vals)
    measured["spawn"] = distribution([b.spawn_seconds for b in boots if b.spawn_seconds])
    measured["build"] = distribution([b.build_seconds for b in boots if b.build_seconds])
    latencies = {name: measured[name] for name in LATENCY_ORDER}
    return {
        "boots": len(boots),
        "outcomes": {o.value: outcomes.get(o.value, 0) for o in Outcome},
        "timeouts": sum(1 for b in boots if b.timed_out),
        "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "phases": {p: phases[p] for p in PHASES if p in phases},
        "stopped_at": dict(sorted(stops.items())),
        "failed": failed_rows(boots),
        "slow": slow_boots(boots),
        "latency": latencies,
    }
