"""Correlation: events from many files and hosts -> one :class:`~stacktwin.boots.Boot` each.

Keys (dossier §8.3):

* the **instance UUID** links every nova-compute line of a build (``[instance: …]``), nova-api's
  ``Creating event …for instance U`` and neutron's ``Sending events`` payload (``server_uuid``);
* the **port UUID** links neutron-server (``Device P up``, ``Provisioning complete for port P``)
  to nova-compute (``…network-vif-plugged-P``) and nova-api (``…network-vif-plugged:P``);
* the **request id** of ``POST /servers`` in nova-api is the one nova-compute's
  ``Starting instance...`` carries, which dates the request.

Events arrive file by file, in any order, so :class:`Correlator` only files each event under its
keys (a few small lists per instance and per port: irrelevant lines never reach it) and
:meth:`Correlator.boots` resolves the timelines at the end.  Each chain milestone of a port is
the first occurrence at or after the previous one, within the build (from ``Starting
instance...`` to the end of the build), so the vif-plugged events of a later reboot or
migration are not mistaken for the boot's.  Comparisons across hosts tolerate ``skew`` seconds of
clock difference.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from stacktwin.boots import STOP_POINTS, VIF_PLUGGING_TIMEOUT, Boot, Milestone, Outcome
from stacktwin.logs.templates import Event, Kind

#: Instance-level kinds that mean "this instance was built here" (a boot, not only a reboot).
_BOOT_KINDS = frozenset(
    {
        Kind.BUILD_STARTED,
        Kind.SCHEDULED,
        Kind.WAIT_PREPARED,
        Kind.SPAWN_TOOK,
        Kind.BUILD_TOOK,
        Kind.SPAWN_FAILED,
        Kind.ABORTED,
        Kind.RUNNING,
    }
)
#: Kinds filed by port.
_PORT_KINDS = frozenset(
    {
        Kind.PORT_BOUND,
        Kind.PORT_PUT,
        Kind.BOUND,
        Kind.WAIT_PREPARED,
        Kind.DEVICE_UP,
        Kind.PORT_ACTIVE,
        Kind.EVENT_SENT,
        Kind.EVENT_API,
        Kind.EVENT_RECEIVED,
        Kind.NEUTRON_FAILED,
    }
)
#: Kinds only nova-compute logs: the host of their file is the boot's host.
_COMPUTE_KINDS = frozenset(
    {
        Kind.BUILD_STARTED,
        Kind.CLAIMED,
        Kind.PORT_BOUND,
        Kind.WAIT_PREPARED,
        Kind.EVENT_RECEIVED,
        Kind.RUNNING,
        Kind.SPAWN_TOOK,
        Kind.BUILD_TOOK,
        Kind.TIMEOUT,
        Kind.SPAWN_FAILED,
    }
)
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


#: The service whose log shows that a hop was passed (dossier §8.2).
STOP_SERVICE: dict[str, str] = {
    "agent": "neutron-server",  # "Device … up at agent"
    "server": "neutron-server",  # "Sending events"
    "nova_api": "nova-api",  # "Creating event"
    "compute": "nova-compute",  # "Received event"
    "resume": "nova-compute",  # "Instance spawned successfully."
}
#: ``stopped_at`` of a chain that stopped at a hop none of whose logs were read.
UNKNOWN_STOP = "unknown"


@dataclass(frozen=True, slots=True)
class VifPlugged:
    """One network-vif-plugged event followed across neutron-server, nova-api, nova-compute."""

    port: str
    instance: str | None
    sent: float | None
    api: float | None
    received: float | None

    def to_dict(self) -> dict[str, str | float | None]:
        """A JSON-ready dict."""
        return {
            "port": self.port,
            "instance": self.instance,
            "sent": self.sent,
            "api": self.api,
            "received": self.received,
        }

    @property
    def complete(self) -> bool:
        """True when all three hops were seen."""
        return self.sent is not None and self.api is not None and self.received is not None


def _first(
    events: Iterable[Event], lo: float | None, hi: float | None, skew: float
) -> Event | None:
    """Earliest timestamped event in ``[lo - skew, hi + skew]`` (open bounds when None)."""
    best: Event | None = None
    for event in events:
        ts = event.timestamp
        if ts is None:
            continue
        if lo is not None and ts < lo - skew:
            continue
        if hi is not None and ts > hi + skew:
            continue
        if best is None or ts < best.timestamp:  # type: ignore[operator]
            best = event
    return best


class Correlator:
    """Files events by instance, port and request id; resolves boots at the end."""

    def __init__(self, skew: float = 1.0) -> None:
        self.skew = skew
        self._instance: dict[str, dict[Kind, list[Event]]] = defaultdict(lambda: defaultdict(list))
        self._port: dict[str, dict[Kind, list[Event]]] = defaultdict(lambda: defaultdict(list))
        self._port_instance: dict[str, str] = {}
        self._instance_ports: dict[str, set[str]] = defaultdict(set)
        self._requests: dict[str, Event] = {}
        self._source_host: dict[str, str] = {}  # instance -> host of the nova-compute log
        self._services_read: frozenset[str] | None = None

    def add(self, event: Event, source_host: str | None = None) -> None:
        """File one event under its keys."""
        kind = event.kind
        if kind is Kind.REQUESTED:
            for rid in event.request_ids:
                self._requests.setdefault(rid, event)
            return
        if source_host and event.instance is not None and kind in _COMPUTE_KINDS:
            if kind is Kind.BUILD_STARTED:
                self._source_host[event.instance] = source_host
            else:
                self._source_host.setdefault(event.instance, source_host)
        if event.port is not None and kind in _PORT_KINDS:
            self._port[event.port][kind].append(event)
            if event.instance is not None:
                # A pre-created port may move between instances: each keeps it, and the
                # time window of each build picks its own events.
                self._port_instance.setdefault(event.port, event.instance)
                self._instance_ports[event.instance].add(event.port)
        if event.instance is not None and (kind not in _PORT_KINDS or kind is Kind.WAIT_PREPARED):
            self._instance[event.instance][kind].append(event)

    # -- resolution -------------------------------------------------------------------------

    def instances(self) -> list[str]:
        """UUIDs of the instances that were built in these logs, sorted."""
        return sorted(u for u, kinds in self._instance.items() if _BOOT_KINDS & kinds.keys())

    def boots(self, services_read: Iterable[str] | None = None) -> list[Boot]:
        """Every boot found, ordered by first milestone then instance UUID.

        ``services_read`` names the services whose logs were read.  When given, a chain that
        stopped at a hop whose service left no log in the input gets ``stopped_at="unknown"``
        rather than a hop name: without neutron-server's log, "the agent never reported up"
        cannot be told from "we did not read the line that says it did".
        """
        self._services_read = None if services_read is None else frozenset(services_read)
        boots = [self._boot(uuid) for uuid in self.instances()]
        return sorted(
            boots, key=lambda b: (min(b.milestones.values(), default=float("inf")), b.instance)
        )

    def _ports_of(self, uuid: str) -> list[str]:
        return sorted(self._instance_ports.get(uuid, ()))

    def _boot(self, uuid: str) -> Boot:
        skew = self.skew
        ev = self._instance[uuid]
        boot = Boot(instance=uuid)

        def put(milestone: Milestone, event: Event | None, ts: float | None = None) -> None:
            if event is None:
                return
            value = event.timestamp if ts is None else ts
            if value is None:
                return
            boot.milestones[milestone.value] = value
            boot.sources[milestone.value] = event.source

        build = _first(ev.get(Kind.BUILD_STARTED, ()), None, None, skew)
        requested: Event | None = None
        rids = build.request_ids if build is not None else ()
        for rid in rids:
            if rid in self._requests:
                requested = self._requests[rid]
                break
        req_ts = None
        if requested is not None and requested.timestamp is not None:
            req_ts = requested.timestamp - (requested.value or 0.0)
        scheduled = _first(ev.get(Kind.SCHEDULED, ()), req_ts, None, skew)
        starts = [
            e.timestamp for e in (build, scheduled) if e is not None and e.timestamp is not None
        ]
        if not starts:
            starts = [
                e.timestamp for k in _BOOT_KINDS for e in ev.get(k, ()) if e.timestamp is not None
            ]
        lo = min(starts) if starts else None
        if build is not None and build.timestamp is not None:
            lo = build.timestamp

        # The build ends with "Took … to build" (active) or, on failure, with the abort that
        # follows "Instance failed to spawn" (the latter stands in when the abort is missing).
        built_ok = _first(ev.get(Kind.BUILD_TOOK, ()), lo, None, skew)
        failed = _first(ev.get(Kind.ABORTED, ()), lo, None, skew) or _first(
            ev.get(Kind.SPAWN_FAILED, ()), lo, None, skew
        )
        enders = [e for e in (built_ok, failed) if e is not None]
        finish = min(enders, key=lambda e: e.timestamp or 0.0) if enders else None
        hi = finish.timestamp if finish is not None else None

        if requested is not None and req_ts is not None:
            put(Milestone.REQUESTED, requested, req_ts)
        put(Milestone.SCHEDULED, scheduled)
        put(Milestone.BUILD_STARTED, build)
        put(Milestone.RUNNING, _first(ev.get(Kind.RUNNING, ()), lo, hi, skew))
        put(Milestone.FINISHED, finish)

        # Host: the claim names the node; nova-api names the host it cast the event to.
        claimed = _first(ev.get(Kind.CLAIMED, ()), lo, hi, skew)
        if claimed is not None and claimed.text:
            boot.host = claimed.text
        elif uuid in self._source_host:
            boot.host = self._source_host[uuid]

        # Ports and their chains.
        ports = self._ports_of(uuid)
        waited = [
            p for p in ports if _first(self._port[p].get(Kind.WAIT_PREPARED, ()), lo, hi, skew)
        ]
        chain_ports = waited or ports
        per_port: dict[str, dict[Milestone, Event]] = {}
        if hi is None:
            # Unfinished build: a delete ends it (events after it belong to someone else).
            deleted = _first(ev.get(Kind.TERMINATING, ()), lo, None, skew)
            hi = deleted.timestamp if deleted is not None else None
        for port in chain_ports:
            # Port events naming another instance are another build's (a reused port).
            kinds = {
                k: [e for e in events if e.instance is None or e.instance == uuid]
                for k, events in self._port[port].items()
            }
            chain: dict[Milestone, Event] = {}
            prev: float | None = lo
            for kind, milestone in _CHAIN:
                start = prev
                if kind is Kind.WAIT_PREPARED:
                    start = lo  # nova prepares in parallel with neutron's binding
                found = _first(kinds.get(kind, ()), start, hi, skew)
                if found is None and kind is Kind.PORT_BOUND:
                    # Without nova's DEBUG line: neutron's answer to the binding PUT, else
                    # ML2's "Bound port" (Kilo binds within the POST that creates the port).
                    found = _first(kinds.get(Kind.PORT_PUT, ()), start, hi, skew) or _first(
                        kinds.get(Kind.BOUND, ()), start, hi, skew
                    )
                if found is not None:
                    chain[milestone] = found
                    if kind is not Kind.WAIT_PREPARED:
                        prev = found.timestamp
            per_port[port] = chain
            if boot.host is None:
                api = chain.get(Milestone.EVENT_API)
                if api is not None and api.text:
                    boot.host = api.text

        def wait_time(port: str) -> float:
            wait = per_port[port].get(Milestone.WAIT_PREPARED)
            return wait.timestamp if wait is not None and wait.timestamp is not None else math.inf

        boot.ports = sorted(chain_ports, key=lambda p: (wait_time(p), p))
        for _kind, milestone in _CHAIN:
            if not chain_ports or not all(milestone in per_port[p] for p in chain_ports):
                continue
            last = max(
                (per_port[p][milestone] for p in chain_ports), key=lambda e: e.timestamp or 0.0
            )
            put(milestone, last)

        # Durations, outcome, reason.
        spawn = _first(ev.get(Kind.SPAWN_TOOK, ()), lo, hi, skew)
        built = _first(ev.get(Kind.BUILD_TOOK, ()), lo, hi, skew)
        boot.spawn_seconds = spawn.value if spawn is not None else None
        boot.build_seconds = built.value if built is not None else None
        timeouts = ev.get(Kind.TIMEOUT, [])
        timed_out = _first(timeouts, lo, hi, skew) is not None or any(
            e.timestamp is None for e in timeouts
        )
        neutron_failed = any(
            _first(self._port[p].get(Kind.NEUTRON_FAILED, ()), lo, hi, skew) for p in chain_ports
        )
        if finish is not None and finish.kind is Kind.BUILD_TOOK:
            boot.outcome = Outcome.ACTIVE
        elif finish is not None:
            boot.outcome = Outcome.ERROR
        elif Milestone.RUNNING.value in boot.milestones:
            boot.outcome = Outcome.ACTIVE  # releases before Liberty log no "Took … to build"
        elif _first(ev.get(Kind.TERMINATING, ()), lo, None, skew) is not None:
            boot.outcome = Outcome.DELETED
        elif any(ev.get(k) for k in (Kind.SPAWN_FAILED, Kind.ABORTED)):
            boot.outcome = Outcome.ERROR  # failure lines without a timestamp
        elif ev.get(Kind.BUILD_TOOK):
            boot.outcome = Outcome.ACTIVE
        if timed_out:
            boot.reason = VIF_PLUGGING_TIMEOUT
        elif neutron_failed:
            boot.reason = "neutron_reported_failure"
        elif boot.outcome is Outcome.ERROR:
            failed = _first(ev.get(Kind.SPAWN_FAILED, ()), lo, hi, skew)
            aborted = _first(ev.get(Kind.ABORTED, ()), lo, hi, skew)
            if failed is not None and failed.text:
                boot.reason = failed.text
            elif aborted is not None and aborted.text:
                boot.reason = aborted.text
        boot.stopped_at = self._stop(boot)
        return boot

    def _stop(self, boot: Boot) -> str | None:
        """Where the chain stopped: the hop after the last milestone reached.

        Only for a boot that did not run, and only once nova waited for the event.  Judging by
        the *last* milestone reached (rather than the first missing one) keeps a missing log
        file (say, no neutron-server log) from being read as a broken hop; a stop at a hop whose
        service left no log at all is ``"unknown"``.
        """
        if boot.outcome is Outcome.ACTIVE or Milestone.RUNNING.value in boot.milestones:
            return None
        if Milestone.WAIT_PREPARED.value not in boot.milestones:
            return None
        reached = -1
        for index, (milestone, _name, _help) in enumerate(STOP_POINTS):
            if milestone.value in boot.milestones:
                reached = index
        if reached + 1 >= len(STOP_POINTS):
            return None
        name = STOP_POINTS[reached + 1][1]
        if self._services_read is not None and STOP_SERVICE[name] not in self._services_read:
            return UNKNOWN_STOP
        return name

    def vif_plugged(self) -> list[VifPlugged]:
        """Every network-vif-plugged event seen, hop by hop, ordered by time then port.

        Each ``Sending events`` occurrence (or, without neutron logs, each nova-api or
        nova-compute occurrence) opens one sequence; the next nova-api and nova-compute lines
        for the same port complete it.  Live migrations and reboots show up here too.
        """
        out: list[VifPlugged] = []
        skew = self.skew
        for port in sorted(self._port):
            kinds = self._port[port]
            sent = sorted(
                e.timestamp for e in kinds.get(Kind.EVENT_SENT, ()) if e.timestamp is not None
            )
            api = sorted(
                e.timestamp for e in kinds.get(Kind.EVENT_API, ()) if e.timestamp is not None
            )
            recv = sorted(
                e.timestamp for e in kinds.get(Kind.EVENT_RECEIVED, ()) if e.timestamp is not None
            )
            instance = self._port_instance.get(port)
            used_api: set[int] = set()
            used_recv: set[int] = set()

            def take(values: list[float], used: set[int], after: float) -> float | None:
                for i, v in enumerate(values):
                    if i not in used and v >= after - skew:
                        used.add(i)
                        return v
                return None

            for s in sent:
                a = take(api, used_api, s)
                r = take(recv, used_recv, a if a is not None else s)
                out.append(VifPlugged(port, instance, s, a, r))
            for i, a in enumerate(api):
                if i not in used_api:
                    r = take(recv, used_recv, a)
                    out.append(VifPlugged(port, instance, None, a, r))
            for i, r in enumerate(recv):
                if i not in used_recv:
                    out.append(VifPlugged(port, instance, None, None, r))
        out.sort(
            key=lambda v: (min(x for x in (v.sent, v.api, v.received) if x is not None), v.port)
        )
        return out
