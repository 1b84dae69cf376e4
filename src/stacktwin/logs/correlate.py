"""Correlation: events from many files and hosts -> one :class:`~stacktwin.boots.Boot` each.

Keys (dossier §8.3):

* the **instance UUID** links every nova-compute line of a build (``[instance: …]``), nova-api's
  ``Creating event …for instance U`` and neutron's ``Sending events`` payload (``server_uuid``);
* the **port UUID** links neutron-server (``Device P up``, ``Provisioning complete for port P``)
  to nova-compute (``…network-vif-plugged-P``) and nova-api (``…network-vif-plugged:P``);
* the **request id** of the ``POST /servers`` access line in nova-api is carried by every later
  line of the same request: the conductor's and scheduler's, nova-compute's claim and build.  It
  dates the request and links a POST to its instance even on INFO-level logs; a POST whose boot
  failed in the conductor (``Failed to schedule instances``, logged with the request id only) is
  still a boot.

Events arrive file by file, in any order, so :class:`Correlator` only files each event under its
keys (a few small lists per instance, port and request: irrelevant lines never reach it); the
timelines are resolved at the end (:mod:`stacktwin.logs.resolve`).  Everything kept is chosen
by time, then by file and line, never by arrival: tracing A then B equals tracing B then A.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from stacktwin.boots import Boot
from stacktwin.logs.index import NextFree, PortIndex
from stacktwin.logs.resolve import BOOT_START_KINDS, resolve_boot, resolve_request
from stacktwin.logs.templates import Event, Kind, order_key

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
        Kind.EVENT_REFUSED,
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
        Kind.BUILD_FAILED,
        Kind.RESCHEDULED,
    }
)
#: Instance kinds that end a build: an instance with only these (its start is in logs that
#: were not given, e.g. the previous round's folder) is a fragment, not a boot.
_END_KINDS = frozenset(
    {
        Kind.SPAWN_TOOK,
        Kind.BUILD_TOOK,
        Kind.RUNNING,
        Kind.ABORTED,
        Kind.SPAWN_FAILED,
        Kind.BUILD_FAILED,
        Kind.TIMEOUT,
    }
)


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


def _file(events: list[Event], event: Event) -> None:
    """Append, unless the event repeats the last one but for its line (a line repeated
    verbatim says nothing new: memory stays bounded by the boots, not by the repeats)."""
    if events:
        last = events[-1]
        if (
            last.timestamp == event.timestamp
            and last.instance == event.instance
            and last.port == event.port
            and last.text == event.text
            and last.value == event.value
            and last.request_ids == event.request_ids
        ):
            if order_key(event) < order_key(last):  # the earliest line cited, in any order
                events[-1] = event
            return
    events.append(event)


def _earlier(a: Event, b: Event | None) -> bool:
    """True when ``a`` comes before ``b`` (time, then file and line; untimed last)."""
    return b is None or order_key(a) < order_key(b)


class Correlator:
    """Files events by instance, port and request id; resolves boots at the end."""

    def __init__(self, skew: float = 1.0) -> None:
        self.skew = skew
        self.instance_events: dict[str, dict[Kind, list[Event]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.port_events: dict[str, dict[Kind, list[Event]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.request_events: dict[str, dict[Kind, list[Event]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.instance_ports: dict[str, set[str]] = defaultdict(set)
        self.requests: dict[str, Event] = {}  # request id -> its accepted POST /servers
        self.rejected = 0  # POST /servers answered with an error (no boot)
        self.services_read: frozenset[str] | None = None
        self._port_instance: dict[str, Event] = {}  # port -> earliest event naming an instance
        self._host: dict[str, tuple[bool, Event, str]] = {}  # instance -> (is build, event, host)
        self._port_index: dict[str, PortIndex] = {}  # built on first query, dropped on add

    def add(self, event: Event, source_host: str | None = None) -> None:
        """File one event under its keys.

        A ``POST /servers`` answer is kept by request id (accepted) or counted (rejected);
        any other event may teach the instance's host, and is filed under its port, its
        instance, or else its request ids.
        """
        kind = event.kind
        if kind is Kind.REQUESTED:
            self._add_request(event)
            return
        if kind is Kind.REJECTED:
            self.rejected += 1
            return
        uuid = event.instance
        if source_host and uuid is not None and kind in _COMPUTE_KINDS:
            self._learn_host(uuid, event, source_host)
        if event.port is not None and kind in _PORT_KINDS:
            self._add_port_event(event.port, uuid, event)
        if uuid is not None and (kind not in _PORT_KINDS or kind is Kind.WAIT_PREPARED):
            _file(self.instance_events[uuid][kind], event)
        elif uuid is None and event.port is None:
            for rid in event.request_ids:
                _file(self.request_events[rid][kind], event)

    def _add_request(self, event: Event) -> None:
        """Keep an accepted ``POST /servers`` under each of its request ids (the earliest
        when several lines carry the same id)."""
        for rid in event.request_ids:
            if _earlier(event, self.requests.get(rid)):
                self.requests[rid] = event

    def _learn_host(self, uuid: str, event: Event, source_host: str) -> None:
        """Note the host of the nova-compute log an instance's line was read in.

        The log holding the build's start wins over any other; between lines of the same
        standing, the earliest.
        """
        build = event.kind is Kind.BUILD_STARTED
        known = self._host.get(uuid)
        if (
            known is None
            or (build, known[0]) == (True, False)
            or (build == known[0] and _earlier(event, known[1]))
        ):
            self._host[uuid] = (build, event, source_host)

    def _add_port_event(self, port: str, uuid: str | None, event: Event) -> None:
        """File a port event (its port's index is rebuilt on the next query) and, when it
        names an instance, link the port to that instance.

        A pre-created port may move between instances: each keeps it, and the time window
        of each build picks its own events.
        """
        _file(self.port_events[port][event.kind], event)
        self._port_index.pop(port, None)
        if uuid is None:
            return
        if _earlier(event, self._port_instance.get(port)):
            self._port_instance[port] = event
        self.instance_ports[uuid].add(port)

    def source_host(self, uuid: str) -> str | None:
        """The host of the nova-compute log that built the instance, if known."""
        known = self._host.get(uuid)
        return known[2] if known is not None else None

    # -- resolution -------------------------------------------------------------------------

    def linked_request(self, uuid: str) -> str | None:
        """The request id of the instance's ``POST /servers``, if any of its lines carries it.

        Its build's own lines come first (``Starting instance``, the claim, the scheduler and
        conductor), then any other line of the instance; the earliest such line decides.
        """
        best: tuple[int, tuple[float, str, int], str] | None = None
        for rank, events in enumerate(_link_order(self.instance_events.get(uuid, {}))):
            for event in events:
                for rid in event.request_ids:
                    if rid in self.requests:
                        key = (rank, order_key(event), rid)
                        if best is None or key < best:
                            best = key
            if best is not None:
                return best[2]
        return None

    def request_of(self, uuid: str) -> str | None:
        """The request id the build ran under: its POST's, else (without nova-api's log) that
        of its own lines that request-only lines (the conductor's failure) also carry."""
        rid = self.linked_request(uuid)
        if rid is not None:
            return rid
        for events in _link_order(self.instance_events.get(uuid, {})):
            for event in sorted(events, key=order_key):
                for rid in event.request_ids:
                    if rid in self.request_events:
                        return rid
        return None

    def instances(self) -> list[str]:
        """UUIDs of the instances that were built in these logs, sorted.

        A boot is an instance whose build starts in the input (``Starting instance``, the claim,
        the scheduler, the spawn) or whose ``POST /servers`` or scheduling failure is read.
        """
        return sorted(
            uuid
            for uuid, kinds in self.instance_events.items()
            if BOOT_START_KINDS & kinds.keys()
            or self.linked_request(uuid) is not None
            or self._failed_scheduling(kinds.get(Kind.SET_ERROR, ()))
        )

    def _failed_scheduling(self, set_error: Iterable[Event]) -> bool:
        """True when the conductor set the instance to ERROR in a request that failed to
        schedule (the boot's POST itself may be in logs that were not given)."""
        return any(
            Kind.SCHEDULE_FAILED in self.request_events.get(rid, {})
            for e in set_error
            for rid in e.request_ids
        )

    def fragments(self) -> list[str]:
        """Instances with only the end of a build: its start is in logs that were not given."""
        boots = set(self.instances())
        return sorted(
            uuid
            for uuid, kinds in self.instance_events.items()
            if uuid not in boots and _END_KINDS & kinds.keys()
        )

    def boots(self, services_read: Iterable[str] | None = None) -> list[Boot]:
        """Every boot found, ordered by first milestone then instance UUID.

        ``services_read`` names the services whose logs were read.  When given, a chain that
        stopped at a hop whose service left no log in the input gets ``stopped_at="unknown"``
        rather than a hop name: without neutron-server's log, "the agent never reported up"
        cannot be told from "we did not read the line that says it did".  Every accepted
        ``POST /servers`` is one boot: one linked to no instance is a boot named by its
        request id.
        """
        self.services_read = None if services_read is None else frozenset(services_read)
        boots = [resolve_boot(self, uuid) for uuid in self.instances()]
        linked = {b.request_id for b in boots if b.request_id is not None}
        boots.extend(
            resolve_request(self, rid) for rid in sorted(self.requests) if rid not in linked
        )
        return sorted(
            boots, key=lambda b: (min(b.milestones.values(), default=float("inf")), b.instance)
        )

    def port_index(self, port: str) -> PortIndex:
        """The port's events sorted and split by instance (window queries in O(log n))."""
        index = self._port_index.get(port)
        if index is None:
            index = self._port_index[port] = PortIndex(self.port_events.get(port, {}))
        return index

    def port_instance(self, port: str) -> str | None:
        """The instance named by the earliest event of the port."""
        event = self._port_instance.get(port)
        return event.instance if event is not None else None

    def vif_plugged(self) -> list[VifPlugged]:
        """Every network-vif-plugged event seen, hop by hop, ordered by time then port.

        Each ``Sending events`` occurrence (or, without neutron logs, each nova-api or
        nova-compute occurrence) opens one sequence; the next nova-api and nova-compute lines
        for the same port complete it.  Live migrations and reboots show up here too.
        """
        out: list[VifPlugged] = []
        skew = self.skew
        for port in sorted(self.port_events):
            kinds = self.port_events[port]

            def times(kind: Kind, kinds: dict[Kind, list[Event]] = kinds) -> list[float]:
                return sorted(e.timestamp for e in kinds.get(kind, ()) if e.timestamp is not None)

            sent, api, recv = (
                times(Kind.EVENT_SENT),
                times(Kind.EVENT_API),
                times(Kind.EVENT_RECEIVED),
            )
            instance = self.port_instance(port)
            free_api, free_recv = NextFree(len(api)), NextFree(len(recv))
            for s in sent:
                a = free_api.take(api, s - skew)
                r = free_recv.take(recv, (a if a is not None else s) - skew)
                out.append(VifPlugged(port, instance, s, a, r))
            for i, a in enumerate(api):
                if not free_api.taken(i):
                    r = free_recv.take(recv, a - skew)
                    out.append(VifPlugged(port, instance, None, a, r))
            for i, r in enumerate(recv):
                if not free_recv.taken(i):
                    out.append(VifPlugged(port, instance, None, None, r))
        out.sort(
            key=lambda v: (min(x for x in (v.sent, v.api, v.received) if x is not None), v.port)
        )
        return out


#: The lines of an instance whose request id is its POST's, most reliable first.
_LINK_KINDS: tuple[tuple[Kind, ...], ...] = (
    (Kind.BUILD_STARTED,),
    (Kind.CLAIMED, Kind.SCHEDULED, Kind.SET_ERROR),
)


def _link_order(kinds: dict[Kind, list[Event]]) -> list[list[Event]]:
    first = [e for group in _LINK_KINDS[:1] for k in group for e in kinds.get(k, ())]
    second = [e for group in _LINK_KINDS[1:] for k in group for e in kinds.get(k, ())]
    taken = {k for group in _LINK_KINDS for k in group}
    rest = [e for k, events in kinds.items() if k not in taken for e in events]
    return [first, second, rest]
