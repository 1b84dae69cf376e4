"""Hop samples of boots (traced or simulated), and the twin run that produces them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from stacktwin.boots import HOPS, SPANS, Boot, Hop, Milestone
from stacktwin.twin import Scenario, run_scenario

WIRED = Hop(
    "wired",
    Milestone.WAIT_PREPARED,
    Milestone.DEVICE_UP,
    "VIFs plugged -> agent reports up (the agent's own part of the agent hop)",
)
"""The agent's own latency: nova-compute plugs the VIFs right after "Preparing to wait"
(nova 27.1.0 nova/virt/libvirt/driver.py:7720-7724: ``wait_for_instance_event``, then
``plug_vifs``), the OVS agent sees
them at its next poll, wires them and reports them up.  The ``agent`` hop starts earlier, at the
port binding, and so also holds nova's spawn preparation: at load that part dominates it and
hides the wiring cost."""

PLACED = Hop(
    "placed",
    Milestone.REQUESTED,
    Milestone.SCHEDULED,
    "POST /servers -> host selected (nova-api and the conductor, before the build semaphore)",
)
"""The conductor's own latency: the ``schedule`` hop ends when nova-compute starts the build,
after the build semaphore (``max_concurrent_builds``), and at load that wait dominates it."""

EVENT_POST = Hop(
    "event_post",
    Milestone.EVENT_SENT,
    Milestone.EVENT_REQUEST,
    "event sent -> nova-api serves the POST (the notifier's client setup, the POST reaching it)",
)
"""The notifier's own part of the ``nova_api`` hop: neutron's novaclient and keystone session
before the POST, and the POST's wait for a nova-api worker.  The trace has it only where
nova-api's eventlet access line of the POST shares the ``Creating event`` line's request id
(:mod:`stacktwin.logs.event_post`)."""

API_EVENTS = Hop(
    "api_events",
    Milestone.EVENT_REQUEST,
    Milestone.EVENT_API,
    "nova-api serves the POST -> creates the event (its own time before the event)",
)
"""nova-api's own part of the ``nova_api`` hop: from the start of the request's clock to the
``Creating event`` line (on a real nova-api, keystonemiddleware's token validation and the
instance reads; in the twin, the cost ``nova_api_external_events`` with its database reads)."""

#: Latencies the calibration derives from the traced milestones, besides the boots' own hops.
DERIVED: tuple[Hop, ...] = (PLACED, WIRED, EVENT_POST, API_EVENTS)

#: Latency names compared by calibration and validation, in path order.
HOP_NAMES: tuple[str, ...] = (
    *(h.name for h in HOPS),
    *(h.name for h in DERIVED),
    *(s.name for s in SPANS),
    "spawn",
)

Samples = dict[str, list[float]]


def boot_samples(boots: Iterable[Boot]) -> Samples:
    """Every finite hop latency (and the spawn time) of ``boots``, by hop name."""
    by_name = {h.name: h for h in (*HOPS, *DERIVED, *SPANS)}
    out: Samples = {name: [] for name in HOP_NAMES}
    for b in boots:
        for name, hop in by_name.items():
            v = b.latency(hop)
            if v is not None and math.isfinite(v):
                out[name].append(v)
        if b.spawn_seconds is not None and math.isfinite(b.spawn_seconds):
            out["spawn"].append(b.spawn_seconds)
    return out


Window = tuple[int, int]
"""The measured boots of a replay, as a slice of its boots in request order."""


def hop_samples(scenario: Scenario, window: Window | None = None) -> Samples:
    """Run ``scenario`` once (its seed) and return the hop samples of its boots (an executor
    job), or of the boots ``window`` slices: the twin names its boots in request order
    (:meth:`stacktwin.twin.cloud.Cloud.new_boot`), and a replay requests them in the order of
    ``workload.arrivals.boots``."""
    boots = run_scenario(scenario).boots
    return boot_samples(boots if window is None else boots[window[0] : window[1]])


def pooled(runs: Sequence[Samples]) -> Samples:
    """The samples of several replications put together."""
    out: Samples = {name: [] for name in HOP_NAMES}
    for run in runs:
        for name, values in run.items():
            out.setdefault(name, []).extend(values)
    return out


def quantiles(values: Sequence[float]) -> dict[str, float | None]:
    """count, mean, p50/p90/p99 (None for an empty sample)."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None}
    arr = np.asarray(values, dtype=float)
    p50, p90, p99 = (float(np.percentile(arr, q)) for q in (50, 90, 99))
    return {"count": len(values), "mean": float(arr.mean()), "p50": p50, "p90": p90, "p99": p99}
