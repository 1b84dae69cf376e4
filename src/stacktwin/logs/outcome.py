"""How a traced boot ended, why, where its path stopped, and in which phase it failed.

Read from the boot's filed events once its timeline is built (:mod:`.resolve`): the outcome from
the build's end line, the reason from nova's earliest failure statement (or the vif-plugging
timeout, or neutron's reported failure), the stop point from the milestones reached, unknown
where the log of the service that would show the next hop was not read.
"""

from __future__ import annotations

from stacktwin.boots import (
    UNKNOWN_STOP,
    VIF_PLUGGING_TIMEOUT,
    Boot,
    Milestone,
    Outcome,
    stop_point,
)
from stacktwin.logs import failures
from stacktwin.logs.index import first
from stacktwin.logs.templates import Event, Kind, order_key

#: The service whose log shows that a hop was passed (dossier §8.2).
STOP_SERVICE: dict[str, str] = {
    "agent": "neutron-server",  # "Device … up at agent"
    "provision": "neutron-server",  # "Provisioning complete …"
    "server": "neutron-server",  # "Sending events"
    "nova_api": "nova-api",  # "Creating event"
    "nova_api_refused": "neutron-server",  # "Failed to notify nova on events"
    "compute": "nova-compute",  # "Received event"
    "resume": "nova-compute",  # "Instance spawned successfully."
}
#: Lines stating why a build failed, for the reason (the earliest one is the root).
FAILURE_KINDS = (
    Kind.SPAWN_FAILED,
    Kind.BUILD_FAILED,
    Kind.ABORTED,
    Kind.SET_ERROR,
)


def set_outcome(boot: Boot, finish: Event | None, deleted: Event | None) -> None:
    """ACTIVE when the build took, ERROR on any other end; without an end line, ACTIVE once
    the instance ran (releases before Liberty log no "Took … to build"), DELETED when it was
    deleted; else the outcome stays unknown."""
    if finish is not None and finish.kind is Kind.BUILD_TOOK:
        boot.outcome = Outcome.ACTIVE
    elif finish is not None:
        boot.outcome = Outcome.ERROR
    elif Milestone.RUNNING.value in boot.milestones:
        boot.outcome = Outcome.ACTIVE
    elif deleted is not None:
        boot.outcome = Outcome.DELETED


def set_reason(
    boot: Boot,
    ev: dict[Kind, list[Event]],
    by_request: dict[Kind, list[Event]],
    lo: float | None,
    hi: float | None,
    req_ts: float | None,
    skew: float,
    timed_out: bool,
    neutron_failed: bool,
) -> None:
    """The boot's reason and its key: the vif-plugging timeout, neutron's reported failure,
    or for a failed build the earliest failure statement (:func:`root_reason`)."""
    if timed_out:
        boot.reason = VIF_PLUGGING_TIMEOUT
    elif neutron_failed:
        boot.reason = "neutron_reported_failure"
    elif boot.outcome is Outcome.ERROR:
        root = root_reason(ev, by_request, lo, hi, req_ts, skew)
        if root is not None:
            boot.reason = root.text
            boot.sources["reason"] = root.source
    boot.reason_key = failures.reason_key(boot.reason)


def stop(boot: Boot, refused: bool, services: frozenset[str] | None) -> str | None:
    """Where the boot's path stopped; unknown when the log of the service that would show
    the next hop was not read (its silence proves nothing)."""
    stop = stop_point(boot.milestones, boot.outcome, boot.reason, refused=refused)
    if stop is not None and services is not None and STOP_SERVICE[stop] not in services:
        return UNKNOWN_STOP
    return stop


def root_reason(
    ev: dict[Kind, list[Event]],
    by_request: dict[Kind, list[Event]],
    lo: float | None,
    hi: float | None,
    req_ts: float | None,
    skew: float,
) -> Event | None:
    """The earliest failure statement of the build: nova's first word on what went wrong."""
    found = [first(ev.get(k, ()), lo, hi, skew) for k in FAILURE_KINDS]
    found.append(first(by_request.get(Kind.SCHEDULE_FAILED, ()), req_ts, hi, skew))
    stated = [e for e in found if e is not None and e.text]
    if not stated:
        return None
    return min(stated, key=order_key)


def phase(
    boot: Boot,
    ev: dict[Kind, list[Event]],
    lo: float | None,
    hi: float | None,
    skew: float,
    vif_failure: bool,
) -> str:
    """Where a boot that did not run failed or was last seen (:data:`~stacktwin.boots.PHASES`).

    The vif wait is part of the spawn; otherwise nova's failure text names the phase when it
    can (``Failed to allocate network(s)``, ``Failure prepping block device``, ``Instance
    failed to spawn``, the conductor's scheduling failure), else the furthest evidence does.
    """
    if vif_failure:
        return "spawn"
    hints = [failures.phase_hint(boot.reason)]
    failed = [first(ev.get(k, ()), lo, hi, skew) for k in FAILURE_KINDS]
    hints += [failures.phase_hint(e.text) for e in sorted((e for e in failed if e), key=order_key)]
    for hint in hints:
        if hint is not None:
            return hint
    if Milestone.RUNNING.value in boot.milestones or ev.get(Kind.RUNNING):
        return "after_spawn"
    if any(ev.get(k) for k in (Kind.WAIT_PREPARED, Kind.SPAWN_TOOK)):
        return "spawn"
    if any(ev.get(k) for k in (Kind.BUILD_STARTED, Kind.CLAIMED)):
        return "build"
    return "schedule"
