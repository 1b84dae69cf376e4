"""One boot's timeline, outcome, failure reason, phase and stop point, from its filed events.

Windows: each chain milestone of a port is the first occurrence at or after the previous one,
within the build (from its start to the end of its last attempt), so the vif-plugged events of
a later reboot or migration are not mistaken for the boot's; comparisons across hosts tolerate
``skew`` seconds of clock difference.  Lines without a timestamp (some collectors strip them)
still count: when no timestamped line of a kind falls in the window, the first untimed one
(by file and line) is taken, so the outcome, the reason, the host and nova's own "Took N
seconds" survive, while every latency stays unknown.

How a build ends (``nova/compute/manager.py _do_build_and_run_instance`` and the conductor):
``Took … to build instance`` (ACTIVE) or an error exit -- ``Build of instance … aborted``,
``Unexpected build failure, not rescheduling build.``, the conductor's ``Setting instance to
ERROR state`` (scheduling failed, or no host left after a reschedule); ``Instance failed to
spawn`` (or libvirt's ``_wait_for_boot`` failure) stands in when no exit line follows, e.g.
when the instance "disappeared during build" (a DEBUG line, not read).  A
``re-scheduled`` line ends an attempt, not the boot.  ``Terminating instance`` is nova cleaning
up after a failed spawn as often as a user delete: a boot is *deleted* only when nova-api
accepted ``DELETE /servers/<uuid>`` or nova-compute handled the delete (``task_state
deleting``, ``Events pending at deletion``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from stacktwin.boots import (
    Boot,
    Milestone,
    Outcome,
)
from stacktwin.logs import failures
from stacktwin.logs.event_post import post_start
from stacktwin.logs.index import PortIndex, first
from stacktwin.logs.outcome import phase, set_outcome, set_reason, stop
from stacktwin.logs.templates import Event, Kind, order_key


class Correlator(Protocol):
    """What resolving a boot reads of the correlator's index (``logs.correlate.Correlator``):
    declared here so that this module does not import the one that calls it."""

    skew: float
    instance_events: dict[str, dict[Kind, list[Event]]]
    request_events: dict[str, dict[Kind, list[Event]]]
    instance_ports: dict[str, set[str]]
    requests: dict[str, Event]
    services_read: frozenset[str] | None

    def source_host(self, uuid: str) -> str | None: ...
    def request_of(self, uuid: str) -> str | None: ...
    def port_index(self, port: str) -> PortIndex: ...


#: Instance kinds that show a build started here (a boot, not only the end of one).
BOOT_START_KINDS = frozenset({Kind.BUILD_STARTED, Kind.CLAIMED, Kind.SCHEDULED, Kind.WAIT_PREPARED})
#: Per-port chain, in path order: (kind, milestone).
_CHAIN: tuple[tuple[Kind, Milestone], ...] = (
    (Kind.PORT_BOUND, Milestone.PORT_BOUND),
    (Kind.WAIT_PREPARED, Milestone.WAIT_PREPARED),
    (Kind.DEVICE_UP, Milestone.DEVICE_UP),
    (Kind.PORT_ACTIVE, Milestone.PORT_ACTIVE),
    (Kind.EVENT_SENT, Milestone.EVENT_SENT),
    (Kind.EVENT_API, Milestone.EVENT_API),
    (Kind.EVENT_RECEIVED, Milestone.EVENT_RECEIVED),
)
#: Error exits of a build attempt (the boot's end unless a reschedule follows).
_ERROR_ENDS = (
    Kind.ABORTED,
    Kind.BUILD_FAILED,
    Kind.SET_ERROR,
)


def _last(events: Iterable[Event], lo: float | None, skew: float) -> Event | None:
    timed = [
        e for e in events if e.timestamp is not None and (lo is None or e.timestamp >= lo - skew)
    ]
    return max(timed, key=order_key) if timed else None


class _Timeline:
    """Milestones of one boot under construction."""

    def __init__(self, boot: Boot) -> None:
        self.boot = boot

    def put(self, milestone: Milestone, event: Event | None, ts: float | None = None) -> None:
        if event is None:
            return
        value = event.timestamp if ts is None else ts
        if value is None:
            return
        self.boot.milestones[milestone.value] = value
        self.boot.sources[milestone.value] = event.source


def resolve_request(index: Correlator, rid: str) -> Boot:
    """The boot of an accepted ``POST /servers`` linked to no instance in the input.

    Named by its request id; in ERROR with the conductor's reason when scheduling failed
    (``Failed to schedule instances``), else unknown -- as far as these logs show, it never
    left the scheduler.
    """
    boot = Boot(instance=rid, request_id=rid, phase="schedule")
    line = _Timeline(boot)
    post = index.requests[rid]
    if post.timestamp is not None:
        line.put(Milestone.REQUESTED, post, post.timestamp - (post.value or 0.0))
    failed = first(index.request_events.get(rid, {}).get(Kind.SCHEDULE_FAILED, ()), None, None, 0)
    if failed is not None:
        boot.outcome = Outcome.ERROR
        boot.reason = failed.text
        boot.reason_key = failures.reason_key(boot.reason)
        boot.sources["reason"] = failed.source
        line.put(Milestone.FINISHED, failed)
    return boot


def resolve_boot(index: Correlator, uuid: str) -> Boot:
    """Resolve one instance's boot (see the module docstring for the rules).

    In steps: the request behind it, the build's start, its end, the milestones they give,
    the host, the port chains inside the build's window, nova's durations, then the outcome,
    the reason, the phase and the stop point they imply.
    """
    skew = index.skew
    ev = index.instance_events[uuid]
    boot = Boot(instance=uuid)
    line = _Timeline(boot)
    requested, by_request, req_ts = _request(index, uuid, boot)
    build, scheduled, lo = _start(ev, req_ts, skew)
    finish = _finish(ev, by_request, lo, req_ts, skew)
    hi = finish.timestamp if finish is not None else None

    if requested is not None and req_ts is not None:
        line.put(Milestone.REQUESTED, requested, req_ts)
    line.put(Milestone.SCHEDULED, scheduled)
    line.put(Milestone.BUILD_STARTED, build)
    line.put(Milestone.RUNNING, first(ev.get(Kind.RUNNING, ()), lo, hi, skew))
    line.put(Milestone.FINISHED, finish)
    boot.host = _host(index, uuid, ev, lo, hi)

    deleted = first(
        [*ev.get(Kind.DELETE_REQUESTED, ()), *ev.get(Kind.DELETING, ())], lo, None, skew
    )
    ports, refused = _chains(index, uuid, boot, line, lo, _window_end(ev, lo, hi, skew))
    _durations(boot, ev, lo, hi, skew)
    timed_out = first(ev.get(Kind.TIMEOUT, ()), lo, hi, skew) is not None
    neutron_failed = any(
        index.port_index(p).first_any(Kind.NEUTRON_FAILED, lo, hi, skew) for p in ports
    )
    set_outcome(boot, finish, deleted)
    set_reason(boot, ev, by_request, lo, hi, req_ts, skew, timed_out, neutron_failed)
    if boot.outcome is not Outcome.ACTIVE:
        boot.phase = phase(boot, ev, lo, hi, skew, timed_out or neutron_failed)
    boot.stopped_at = stop(boot, refused, index.services_read)
    return boot


def _request(
    index: Correlator, uuid: str, boot: Boot
) -> tuple[Event | None, dict[Kind, list[Event]], float | None]:
    """The accepted ``POST /servers`` the build ran under (its request id is set on the boot),
    the events filed under that request id alone, and when the request arrived: the POST's
    line is logged when it is answered, so its duration is taken off."""
    rid = index.request_of(uuid)
    requested = index.requests.get(rid) if rid is not None else None
    boot.request_id = rid if requested is not None else None
    by_request = index.request_events.get(rid, {}) if rid is not None else {}
    req_ts = None
    if requested is not None and requested.timestamp is not None:
        req_ts = requested.timestamp - (requested.value or 0.0)
    return requested, by_request, req_ts


def _start(
    ev: dict[Kind, list[Event]], req_ts: float | None, skew: float
) -> tuple[Event | None, Event | None, float | None]:
    """The build's start line, the scheduler's line, and the start of the build's window.

    The start is "Starting instance..." (DEBUG); on INFO-level logs the claim stands in.  The
    window opens at the start, else at the earliest line showing a build here, else at the
    request.
    """
    build = first(ev.get(Kind.BUILD_STARTED, ()), None, None, skew) or first(
        ev.get(Kind.CLAIMED, ()), req_ts, None, skew
    )
    scheduled = first(ev.get(Kind.SCHEDULED, ()), req_ts, None, skew)
    if build is not None and build.timestamp is not None:
        return build, scheduled, build.timestamp
    starts = [e.timestamp for e in (build, scheduled) if e is not None and e.timestamp is not None]
    if not starts:
        starts = [
            e.timestamp
            for k in (*BOOT_START_KINDS, *_ERROR_ENDS)
            for e in ev.get(k, ())
            if e.timestamp is not None
        ]
    return build, scheduled, min(starts) if starts else req_ts


def _finish(
    ev: dict[Kind, list[Event]],
    by_request: dict[Kind, list[Event]],
    lo: float | None,
    req_ts: float | None,
    skew: float,
) -> Event | None:
    """The line ending the boot: the earliest end of its last attempt.

    The last attempt starts after the last reschedule.  It ends with "Took … to build", an
    error exit, or the conductor's scheduling failure; a spawn failure stands in when no
    exit line follows (and no reschedule was read).
    """
    resched = _last(ev.get(Kind.RESCHEDULED, ()), lo, skew)
    attempt_lo = resched.timestamp if resched is not None else lo
    ends = [first(ev.get(Kind.BUILD_TOOK, ()), attempt_lo, None, skew)]
    ends += [first(ev.get(k, ()), attempt_lo, None, skew) for k in _ERROR_ENDS]
    ends.append(first(by_request.get(Kind.SCHEDULE_FAILED, ()), req_ts, None, skew))
    enders = [e for e in ends if e is not None]
    if not enders and resched is None:
        stand_in = first(ev.get(Kind.SPAWN_FAILED, ()), lo, None, skew)
        enders = [stand_in] if stand_in is not None else []
    return min(enders, key=order_key) if enders else None


def _host(
    index: Correlator, uuid: str, ev: dict[Kind, list[Event]], lo: float | None, hi: float | None
) -> str | None:
    """The build's host: the claim names the node; else the nova-compute log's host (else
    :func:`_chains` takes nova-api's cast)."""
    claimed = first(ev.get(Kind.CLAIMED, ()), lo, hi, index.skew)
    if claimed is not None and claimed.text:
        return claimed.text
    return index.source_host(uuid)


def _window_end(
    ev: dict[Kind, list[Event]], lo: float | None, hi: float | None, skew: float
) -> float | None:
    """The end of the window the port chains are read in: the boot's end; for an unfinished
    build, nova's cleanup (``Terminating instance``), since later events are another's."""
    if hi is not None:
        return hi
    ended = first([*ev.get(Kind.TERMINATING, ())], lo, None, skew)
    return ended.timestamp if ended is not None else None


def _durations(
    boot: Boot, ev: dict[Kind, list[Event]], lo: float | None, hi: float | None, skew: float
) -> None:
    """nova-compute's own "Took N seconds to spawn" and "… to build" of this build."""
    spawn = first(ev.get(Kind.SPAWN_TOOK, ()), lo, hi, skew)
    built = first(ev.get(Kind.BUILD_TOOK, ()), lo, hi, skew)
    boot.spawn_seconds = spawn.value if spawn is not None else None
    boot.build_seconds = built.value if built is not None else None


def _chains(
    index: Correlator,
    uuid: str,
    boot: Boot,
    line: _Timeline,
    lo: float | None,
    hi: float | None,
) -> tuple[list[str], bool]:
    """Each port's chain; the boot's milestone is the last port's.  Returns (ports, refused)."""
    skew = index.skew
    ports = sorted(index.instance_ports.get(uuid, ()))
    waited = [p for p in ports if index.port_index(p).first_any(Kind.WAIT_PREPARED, lo, hi, skew)]
    chain_ports = waited or ports
    per_port: dict[str, dict[Milestone, Event]] = {}
    refused = False
    for port in chain_ports:
        # Port events naming another instance are another build's (a reused port).
        events = index.port_index(port)
        chain = _port_chain(events, uuid, lo, hi, skew)
        per_port[port] = chain
        refused = refused or events.first_for(Kind.EVENT_REFUSED, uuid, lo, hi, skew) is not None
        if boot.host is None:
            api = chain.get(Milestone.EVENT_API)
            if api is not None and api.text:
                boot.host = api.text

    def wait_time(port: str) -> float:
        wait = per_port[port].get(Milestone.WAIT_PREPARED)
        return wait.timestamp if wait is not None and wait.timestamp is not None else float("inf")

    boot.ports = sorted(chain_ports, key=lambda p: (wait_time(p), p))
    for _kind, milestone in _CHAIN:
        if not chain_ports or not all(milestone in per_port[p] for p in chain_ports):
            continue
        line.put(milestone, max((per_port[p][milestone] for p in chain_ports), key=order_key))
    if Milestone.EVENT_API.value in boot.milestones:
        # when nova-api began serving each port's event POST: the last port's, as for the rest
        starts = [
            post_start(index.request_events, per_port[p][Milestone.EVENT_API]) for p in chain_ports
        ]
        if all(starts):
            access, start = max((s for s in starts if s), key=lambda s: (s[1], order_key(s[0])))
            line.put(Milestone.EVENT_REQUEST, access, start)
    return chain_ports, refused


def _port_chain(
    events: PortIndex, uuid: str, lo: float | None, hi: float | None, skew: float
) -> dict[Milestone, Event]:
    """One port's chain milestones for this instance: each the first at or after the one
    before it, within ``[lo, hi]``.  The wait is prepared beside the binding, so it is looked
    for from the build's start and moves no later milestone on."""
    chain: dict[Milestone, Event] = {}
    prev: float | None = lo
    for kind, milestone in _CHAIN:
        start = lo if kind is Kind.WAIT_PREPARED else prev
        found = _timed(events.first_for(kind, uuid, start, hi, skew))
        if found is None and kind is Kind.PORT_BOUND:
            found = _bound_stand_in(events, uuid, start, hi, skew)
        if found is not None:
            chain[milestone] = found
            if kind is not Kind.WAIT_PREPARED:
                prev = found.timestamp
    return chain


def _bound_stand_in(
    events: PortIndex, uuid: str, start: float | None, hi: float | None, skew: float
) -> Event | None:
    """The port's binding without nova's DEBUG line: neutron's answer to the binding PUT,
    else ML2's "Bound port" (Kilo binds within the POST that creates the port)."""
    return _timed(events.first_for(Kind.PORT_PUT, uuid, start, hi, skew)) or _timed(
        events.first_for(Kind.BOUND, uuid, start, hi, skew)
    )


def _timed(event: Event | None) -> Event | None:
    """Chain milestones need a time: an untimed line cannot be placed on the chain."""
    return event if event is not None and event.timestamp is not None else None
